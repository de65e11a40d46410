"""``show`` and ``library``: a questionnaire as a tree or as normalised JSON, the library as a
table or JSON. Text from YAML is escaped so it cannot restyle the terminal."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_cli.model import (
    FROM_PROGRAMME,
    PROGRAMME_STOPPED,
    PROGRAMME_STOPPED_NOW,
    AllOf,
    AnyOf,
    Article,
    Condition,
    Leaf,
    Library,
    Not,
    Questionnaire,
    Strategy,
    exercise_name,
)
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    from rich.console import RenderableType


def condition_text(condition: Condition | None) -> str:
    """A condition in one line: ``regions includes knee and knee_worst >= 7``."""
    if condition is None:
        return "always"
    if isinstance(condition, Leaf):
        symbol = {
            "gte": ">=",
            "lte": "<=",
            "equals": "=",
            "in": "in",
            "includes": "includes",
            "answered": "answered =",
            "side": "on side",
            "zones": "covers zones >=",
            "lsi_below": "symmetry index below",
            "weaker": "weaker side is",
            "mentions": "mentions a word of",
        }
        value = condition.value
        shown = json.dumps(list(value)) if isinstance(value, tuple) else json.dumps(value)
        return f"{condition.question} {symbol[condition.op.value]} {shown}"
    if isinstance(condition, Not):
        return f"not ({condition_text(condition.item)})"
    if isinstance(condition, AllOf) and condition.name:
        return condition.name.replace(":", " ")
    joiner = " and " if isinstance(condition, AllOf) else " or "
    assert isinstance(condition, (AllOf, AnyOf))
    return "(" + joiner.join(condition_text(c) for c in condition.items) + ")"


def question_count(q: Questionnaire) -> str:
    """How many questions, as written; with the count of every copy where sections repeat per
    region or per exercise (a run asks only the copies of the regions and exercises given)."""
    written, every = q.written_count, len(q.questions)
    if written == every or not any(s.repeated for s in q.sections):
        return f"{written} questions"
    per = [
        kind
        for kind, found in (
            ("region", any(s.region is not None for s in q.sections)),
            ("exercise", any(s.exercise is not None for s in q.sections)),
        )
        if found
    ]
    return f"{written} questions ({every:,} with the copies per {' and per '.join(per)})"


def tree(q: Questionnaire) -> RenderableType:
    from rich.tree import Tree

    root = Tree(
        f"[bold]{markup(q.title)}[/] [dim]{markup(q.id)} {markup(q.version)}, {question_count(q)}[/]"
    )
    shown: set[str] = set()
    for section in q.sections:
        title, sid, name = section.title, section.id, None
        when = f" [dim]when {markup(condition_text(section.when))}[/]" if section.when else ""
        if section.exercise is not None:
            base = section.id.split(".", 1)[0]
            if base in shown:
                continue  # one block stands for every exercise's copy
            shown.add(base)
            copies = sum(1 for s in q.sections if s.id.split(".", 1)[0] == base)
            title, sid = section.template or section.title, base
            name = exercise_name(q, section.exercise)
            when = (f" [dim]repeated for each exercise of the client's programme (any of "
                    f"{copies} in the library)[/]")  # fmt: skip
        branch = root.add(f"[bold blue]{markup(title)}[/] [dim]({markup(sid)})[/]{when}")
        for question in section.questions:
            cond = (
                f"\n[dim]  when {markup(condition_text(question.when))}[/]" if question.when else ""
            )
            qid, text = question.id, question.text
            if name is not None:
                qid, text = f"{question.written_id}", text.replace(name, "{exercise}")
            node = branch.add(
                f"[green]{markup(qid)}[/] [dim]{question.type.value}[/] {markup(text)}{cond}"
            )
            if question.from_questionnaire == FROM_PROGRAMME:
                node.add(f"[dim]the exercises of the client's current programme, never asked "
                         f"({len(question.choices) - 2} in the library: imbalance library --exercises; "
                         f"'{PROGRAMME_STOPPED}' while a warning sign has stopped it, "
                         f"'{PROGRAMME_STOPPED_NOW}' if that sign needs help now)[/]")  # fmt: skip
                continue
            for choice in question.choices:
                flag = " [dim](exclusive)[/]" if choice.exclusive else ""
                node.add(f"{markup(choice.id)}: {markup(choice.label)}{flag}")
    if q.alerts:
        alerts = root.add("[bold red]Alerts[/]")
        for a in q.alerts:
            alerts.add(
                f"[red]{markup(a.id)}[/] [dim]{a.level.value}[/] when {markup(condition_text(a.when))}"
            )
    if q.rules:
        rules = root.add("[bold]Recommendation rules[/]")
        for r in q.rules:
            targets = ", ".join([*r.articles, *r.strategies])
            rules.add(
                f"[green]{markup(r.id)}[/] -> {markup(targets)} [dim]when {markup(condition_text(r.when))}[/]"
            )
    return root


def _plain(value: Any) -> Any:
    """Dataclasses, enums and tuples as JSON-ready data, private fields left out."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        if isinstance(value, (Leaf, AllOf, AnyOf, Not)):
            out["kind"] = type(value).__name__.lower()
        for name in value.__dataclass_fields__:
            if name.startswith("_"):
                continue
            item = getattr(value, name)
            if name == "zones" and not item:
                continue
            if name == "location":
                out[name] = str(item)
                continue
            out[name] = _plain(item)
        return out
    if isinstance(value, str):
        return clean(value)
    return value


def as_json(q: Questionnaire) -> str:
    return json.dumps(_plain(q), indent=2, ensure_ascii=False) + "\n"


def _matches(tags: tuple[str, ...], tag: str | None) -> bool:
    return tag is None or tag in tags


def _in_region(regions: tuple[str, ...], region: str | None) -> bool:
    return region is None or region in regions


def library_json(lib: Library, tag: str | None, region: str | None = None) -> str:
    data = {
        "articles": [
            _plain(a)
            for a in lib.articles.values()
            if _matches(a.tags, tag) and _in_region(a.regions, region)
        ],
        "strategies": [
            _plain(s)
            for s in lib.strategies.values()
            if _matches(s.tags, tag) and _in_region(s.regions, region)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def exercises_json(lib: Library, region: str | None = None) -> str:
    """The exercise library as data: what ``library --exercises`` shows, with the dose's
    numbers beside its text, and whether each exercise has a picture (not the picture)."""
    out = []
    for e in lib.exercises.values():
        if not _in_region(e.regions, region):
            continue
        out.append(
            {
                "id": e.id,
                "name": clean(e.name),
                "trains": clean(e.trains),
                "regions": list(e.regions),
                "dose": {"text": e.dose.text, **_plain(e.dose)},
                "easier": e.easier,
                "harder": e.harder,
                "not_for": list(e.not_for),
                "adapt": [situation for situation, _ in e.adapt],
                "picture": e.picture is not None,
                "location": str(e.location),
            }
        )
    return json.dumps({"exercises": out}, indent=2, ensure_ascii=False) + "\n"


#: Where an item's lines start after its kind ("strategy  "), so ids line up in a column.
_INDENT = 10


def _block(kind: str, item_id: str, origin: str, lines: list[str], width: int) -> list[str]:
    """One item: its kind, its id and where it comes from on the first line (the id whole,
    whatever the width: it is what an author copies into a rule), then its lines, wrapped
    under the id at word boundaries only."""
    import textwrap

    head, origin = f"{kind:<{_INDENT}}{item_id}", clean(origin)
    gap = max(2, width - len(head) - len(origin))
    out = [head + " " * gap + origin]
    pad = " " * _INDENT
    for line in lines:
        out += textwrap.wrap(
            " ".join(clean(line).split()),
            width=max(width, _INDENT + 20),
            initial_indent=pad,
            subsequent_indent=pad + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return out


def _origin(path: str, bundled: str) -> str:
    return "bundled" if bundled and path.startswith(bundled) else Path(path).name


def _regions(regions: tuple[str, ...]) -> str:
    return "regions: " + (", ".join(regions) if regions else "none named (any body part)")


def library_text(
    lib: Library,
    tag: str | None,
    bundled: str = "",
    width: int = 80,
    region: str | None = None,
) -> str:
    """Articles and strategies, one block each: kind, id and origin (``bundled`` when its
    file is under ``bundled``, else the author's file name), the title, then the fields that
    decide whether a rule naming it validates and when it is held back: ``regions``,
    ``assumes_no_warning_signs``, ``not_for``; and its tags."""
    out: list[str] = []
    items: list[tuple[str, Article | Strategy]] = [("article", a) for a in lib.articles.values()]
    items += [("strategy", s) for s in lib.strategies.values()]
    for kind, item in items:
        if not (_matches(item.tags, tag) and _in_region(item.regions, region)):
            continue
        safety = _regions(item.regions)
        safety += "; assumes_no_warning_signs: " + (
            "yes" if item.assumes_no_warning_signs else "no"
        )
        if item.not_for:
            safety += "; not_for: " + ", ".join(item.not_for)
        lines = [item.title, safety]
        if item.tags:
            lines.append("tags: " + ", ".join(item.tags))
        out += _block(kind, item.id, _origin(item.location.path, bundled), lines, width)
    return "\n".join(out) + "\n" if out else ""


def exercises_text(
    lib: Library, bundled: str = "", width: int = 80, region: str | None = None
) -> str:
    """The exercise library, one block each: id and origin, the name, ``regions`` and
    ``not_for``, the dose, whether it has a picture, and its ``easier`` and ``harder``
    versions."""
    out: list[str] = []
    for e in lib.exercises.values():
        if not _in_region(e.regions, region):
            continue
        lines = [
            e.name,
            _regions(e.regions) + "; not_for: " + (", ".join(e.not_for) or "none"),
            "dose: " + (e.dose.text or "not given"),
            f"picture: {'yes' if e.picture is not None else 'no'}; "
            f"easier: {e.easier or 'none'}; harder: {e.harder or 'none'}",
        ]
        out += _block("exercise", e.id, _origin(e.location.path, bundled), lines, width)
    return "\n".join(out) + "\n" if out else ""
