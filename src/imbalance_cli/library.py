"""The content library: article, strategy, exercise, situation and word-list files -> ``Library``,
every problem located.

Articles and strategies share one id space (a rule names either by id); exercises, situations
and word lists each have their own. Several files (the bundled library and an author's own) load
into one library; an id given twice is an error naming both places. References between items
(a strategy's exercises, an exercise's easier and harder versions, the situations an item does
not suit) are checked once every file is read, so they may point into another file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import DEFAULT_MAX_BYTES, LibraryError, Problem, SourceLocation
from imbalance_cli.library_items import (
    article,
    exercise,
    guidance,
    situation,
    strategy,
    word_list,
)
from imbalance_cli.model import (
    Article,
    Exercise,
    Guidance,
    Library,
    Situation,
    Source,
    Strategy,
    WordList,
)
from imbalance_cli.shapes import LIBRARY
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Node, Sink, as_list, compose, fields, read_text

if TYPE_CHECKING:
    from imbalance_cli.programme.model import ProgrammeRules


@dataclass
class _Parts:
    articles: dict[str, Article] = field(default_factory=dict)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    exercises: dict[str, Exercise] = field(default_factory=dict)
    situations: dict[str, Situation] = field(default_factory=dict)
    word_lists: dict[str, WordList] = field(default_factory=dict)
    guidance: Guidance | None = None
    guidance_at: SourceLocation | None = None
    programme: ProgrammeRules | None = None


def load_library(
    paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES, base: Library | None = None
) -> Library:
    """Read library files into one library; raise with every problem found. References may
    point into ``base`` too (a file checked on its own beside the bundled library)."""
    problems: list[Problem] = []
    parts = _Parts()
    for path in paths:
        sink = Sink(str(path))
        _read_library_file(path, sink, max_bytes, parts)
        problems.extend(sink.problems)
    if not problems:
        problems.extend(_cross_check(parts, base))
    if problems:
        raise LibraryError(problems)
    return Library(
        articles=parts.articles,
        strategies=parts.strategies,
        exercises=parts.exercises,
        situations=parts.situations,
        word_lists=parts.word_lists,
        guidance=parts.guidance or Guidance(),
        programme=parts.programme or (base.programme if base else None),
    )


_Reader = Callable[[Node, Sink], Any]


def _read_library_file(path: Path, sink: Sink, max_bytes: int, parts: _Parts) -> None:
    text = read_text(path, sink, max_bytes)
    root = compose(text, sink) if text is not None else None
    if root is None:
        return
    top = fields(root, sink, "a library file", LIBRARY)
    if top is None:
        return
    # Articles and strategies share one id space: a rule names either by id.
    shared: dict[str, Any] = {}
    shared.update(parts.articles)
    shared.update(parts.strategies)
    readers: tuple[tuple[str, str, _Reader, dict[str, Any], bool], ...] = (
        ("articles", "article", article, parts.articles, True),
        ("strategies", "strategy", strategy, parts.strategies, True),
        ("exercises", "exercise", exercise, parts.exercises, False),
        ("situations", "situation", situation, parts.situations, False),
        ("word_lists", "word list", word_list, parts.word_lists, False),
    )
    for key, kind, read, into, in_shared in readers:
        for item in as_list(top[key], sink, key) or () if key in top else ():
            content = read(item, sink)
            if content is None:
                continue
            other = (shared if in_shared else into).get(content.id)
            if other is not None:
                sink.add(
                    item, f"{kind} id '{content.id}' is used twice; it is also at {other.location}"
                )
                continue
            into[content.id] = content
            if in_shared:
                shared[content.id] = content
    if "programme" in top:
        _read_programme(top["programme"], sink, parts)
    if "guidance" in top:
        if parts.guidance is not None:
            sink.add(
                top["guidance"],
                f"'guidance' is given twice; the other is at {parts.guidance_at}. Keep one",
            )
            return
        read_guidance = guidance(top["guidance"], sink)
        if read_guidance is not None:
            parts.guidance = read_guidance
            parts.guidance_at = sink.at(top["guidance"])


def _read_programme(node: Node, sink: Sink, parts: _Parts) -> None:
    from imbalance_cli.programme.data import programme

    if parts.programme is not None:
        sink.add(
            node,
            f"'programme' is given twice; the other is at {parts.programme.location}. Keep one",
        )
        return
    parts.programme = programme(node, sink)


def _cross_check(parts: _Parts, base: Library | None = None) -> list[Problem]:
    """References between items, once every file is read."""
    out: list[Problem] = []
    situations = {**(base.situations if base else {}), **parts.situations}
    exercises = {**(base.exercises if base else {}), **parts.exercises}
    word_lists = {**(base.word_lists if base else {}), **parts.word_lists}

    def unknown(where: SourceLocation, what: str, ref: str, known: Mapping[str, object]) -> None:
        out.append(Problem(where, f"unknown {what} '{ref}'{suggest(ref, known)}"))

    def situations_of(
        where: SourceLocation, not_for: tuple[str, ...], adapt: Iterable[str]
    ) -> None:
        for ref in (*not_for, *adapt):
            if ref not in situations:
                unknown(where, "situation", ref, situations)

    def cited_for(where: SourceLocation, item: str, sources: Iterable[Source]) -> None:
        # A source that supports only a situation's adapted text names that situation.
        for source in sources:
            for ref in source.situations:
                if ref not in situations:
                    unknown(where, f"situation of a source of {item}", ref, situations)

    for a in parts.articles.values():
        situations_of(a.location, a.not_for, (s for s, _ in a.adapt))
        cited_for(a.location, f"article '{a.id}'", a.sources)
    for s in parts.strategies.values():
        situations_of(s.location, s.not_for, (sit for sit, _ in s.adapt))
        cited_for(s.location, f"strategy '{s.id}'", s.sources)
        for exercise_id in s.exercises:
            if exercise_id not in exercises:
                unknown(s.location, f"exercise in strategy '{s.id}'", exercise_id, exercises)
        if s.activity is not None:
            found = word_lists.get(s.activity)
            if found is None or found.kind != "activity":
                activities = {k: v for k, v in word_lists.items() if v.kind == "activity"}
                unknown(s.location, f"activity of strategy '{s.id}'", s.activity, activities)
    for e in parts.exercises.values():
        situations_of(e.location, e.not_for, (s for s, _ in e.adapt))
        cited_for(e.location, f"exercise '{e.id}'", e.sources)
        versions: tuple[tuple[str, str | None], ...] = (("easier", e.easier), ("harder", e.harder))
        for version, other in versions:
            if other is None:
                continue
            if other == e.id:
                out.append(
                    Problem(e.location, f"exercise '{e.id}' names itself as its {version} version")
                )
            elif other not in parts.exercises:
                unknown(
                    e.location, f"{version} version of exercise '{e.id}'", other, parts.exercises
                )
    for w in parts.word_lists.values():
        for ref in w.situations:
            if ref not in situations:
                unknown(w.location, f"situation of word list '{w.id}'", ref, situations)
    if parts.programme is not None:
        articles = {**(base.articles if base else {}), **parts.articles}
        for sensation in parts.programme.sensations:
            if sensation.article is not None and sensation.article not in articles:
                unknown(sensation.location, "article of a sensation", sensation.article, articles)
        cited_for(parts.programme.location, "the programme", parts.programme.sources)
        for warning in parts.programme.warnings:
            for ref in warning.situations:
                if ref not in situations:
                    unknown(
                        warning.location,
                        f"situation of log warning '{warning.id}'",
                        ref,
                        situations,
                    )
            for ref in warning.words:
                found = word_lists.get(ref)
                if found is None or found.kind != "warning":
                    lists = {k: v for k, v in word_lists.items() if v.kind == "warning"}
                    unknown(
                        warning.location, f"word list of log warning '{warning.id}'", ref, lists
                    )
    return out
