"""Readers of one library item each (article, strategy, exercise, situation, word list, the
guidance settings) from located YAML nodes. library.py reads the files and checks references
between items; these check each item on its own and report every problem where it is.
"""

from __future__ import annotations

import re

from imbalance_cli.content import STEP_FIELDS
from imbalance_cli.library_picture import picture
from imbalance_cli.model import (
    CHOSEN_BY,
    Article,
    Dose,
    EvidenceKind,
    Exercise,
    Guidance,
    Rung,
    Safety,
    Situation,
    Source,
    Strategy,
    WordList,
)
from imbalance_cli.shapes import (
    ARTICLE,
    DOSE,
    EXERCISE,
    GUIDANCE,
    RUNG,
    SITUATION,
    SOURCE,
    STRATEGY,
    URL,
    WORD_LIST,
    WORD_LIST_KINDS,
    content_id,
    question_id,
    text_field,
    text_list,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    Map,
    Node,
    Seq,
    Sink,
    as_bool,
    as_list,
    as_number,
    as_str,
    fields,
    pairs,
)

#: A word of a word list: letters (any script) and digits, spaces, apostrophes, hyphens and
#: '&', and ``*`` at the end of a stem of three characters or more.
WORD = re.compile(r"^[^\W_](?:[^\W_]|[ '’&-])*$")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^\d{1,9}$")


def safety(f: dict[str, Node], sink: Sink) -> Safety:
    """The fields that keep content relevant and safe: the body regions it speaks about, whether
    its advice assumes that no warning sign stands, the situations (library ``situations`` ids)
    it does not suit, and how it changes for others. Situation ids are checked once every
    library file is read."""
    from imbalance_cli.bodymap import default

    known = default().ids
    regions: list[str] = []
    for item in (as_list(f["regions"], sink, "regions") or ()) if "regions" in f else ():
        rid = as_str(item, sink, "a region")
        if rid is None:
            continue
        if rid not in known:
            sink.add(
                item,
                f"unknown body region '{rid}'{suggest(rid, known)} (known: {', '.join(known)})",
            )
        elif rid not in regions:
            regions.append(rid)
    assumes = False
    if "assumes_no_warning_signs" in f:
        assumes = bool(as_bool(f["assumes_no_warning_signs"], sink, "assumes_no_warning_signs"))
    not_for = _ids(f.get("not_for"), sink, "not_for", "a situation id")
    adapt: list[tuple[str, str]] = []
    if "adapt" in f:
        node = f["adapt"]
        if isinstance(node, Map):
            for key, key_node, value in pairs(node, sink):
                if question_id(key_node, sink, "situation") is None:
                    continue
                text = as_str(value, sink, f"how it changes for '{key}'")
                if text is not None and text.strip():
                    adapt.append((key, text.strip()))
                elif text is not None:
                    sink.add(value, f"how it changes for '{key}' is empty")
            both = set(not_for) & {k for k, _ in adapt}
            for clash in sorted(both):
                sink.add(
                    node,
                    f"'{clash}' is in not_for and in adapt; an item held back for a situation is not adapted for it",
                )
        else:
            sink.add(node, "'adapt' must be a mapping: situation id: how the item changes for it")
    return Safety(tuple(regions), assumes, not_for, tuple(adapt))


def _ids(node: Node | None, sink: Sink, key: str, what: str) -> tuple[str, ...]:
    out: list[str] = []
    for item in (as_list(node, sink, key) or ()) if node is not None else ():
        value = (
            question_id(item, sink, what) if what == "a situation id" else as_str(item, sink, what)
        )
        if value is not None and value not in out:
            out.append(value)
    return tuple(out)


def _flag(f: dict[str, Node], key: str, sink: Sink) -> bool:
    return bool(as_bool(f[key], sink, key)) if key in f else False


def sources(f: dict[str, Node], sink: Sink, what: str) -> tuple[Source, ...]:
    node = f.get("sources")
    out: list[Source] = []
    for item in (as_list(node, sink, "sources") or ()) if node is not None else ():
        read = _source(item, sink)
        if read is not None:
            out.append(read)
    if isinstance(node, Seq) and not node.value:
        sink.add(
            node, f"{what} needs at least one source (authors, year, title, and a DOI, PMID or URL)"
        )
    return tuple(out)


def _source(node: Node, sink: Sink) -> Source | None:
    f = fields(node, sink, "a source", SOURCE)
    if f is None:
        return None
    kind_text = text_field(f, "kind", sink, "source")
    kind: EvidenceKind | None = None
    if kind_text is not None:
        try:
            kind = EvidenceKind(kind_text)
        except ValueError:
            names = [k.value for k in EvidenceKind]
            sink.add(
                f["kind"],
                f"unknown source kind '{kind_text}'{suggest(kind_text, names)}"
                f" (one of: {', '.join(names)})",
            )
    title = text_field(f, "title", sink, "source")
    citation = text_field(f, "citation", sink, "source")
    if title is None and citation is None:
        sink.add(node, "a source needs its 'title' (with authors, year, and a DOI, PMID or URL)")
    url = text_field(f, "url", sink, "source")
    if url is not None and not URL.match(url):
        sink.add(f["url"], f"source url '{url[:80]}' must be a plain https:// address")
        url = None
    doi = text_field(f, "doi", sink, "source")
    if doi is not None and not DOI.match(doi):
        sink.add(f["doi"], f"'{doi[:80]}' is not a DOI (they look like 10.1136/bmj.j5366)")
        doi = None
    pmid = _text_or_number(f.get("pmid"), sink, "pmid")
    if pmid is not None and not PMID.match(pmid):
        sink.add(f["pmid"], f"'{pmid[:40]}' is not a PubMed id (digits only)")
        pmid = None
    year: int | None = None
    if "year" in f:
        number = as_number(f["year"], sink, "year")
        if number is not None and (number != int(number) or not 1800 <= number <= 2100):
            sink.add(f["year"], "'year' is the year of publication, like 2016")
        elif number is not None:
            year = int(number)
    if kind is None or (title is None and citation is None):
        return None
    return Source(
        kind=kind,
        title=title or citation or "",
        authors=text_field(f, "authors", sink, "source"),
        year=year,
        published=text_field(f, "published", sink, "source"),
        doi=doi,
        pmid=pmid,
        url=url,
        scope=text_field(f, "scope", sink, "source"),
        situations=_ids(f.get("situations"), sink, "situations", "a situation id"),
    )


def _text_or_number(node: Node | None, sink: Sink, what: str) -> str | None:
    if node is None:
        return None
    if isinstance(node, Map | Seq):
        sink.add(node, f"'{what}' must be text or a number")
        return None
    return str(node.value).strip()


def article(node: Node, sink: Sink) -> Article | None:
    f = fields(node, sink, "an article", ARTICLE)
    if f is None:
        return None
    aid = content_id(f.get("id"), sink, "article")
    title = text_field(f, "title", sink, "article")
    summary = text_field(f, "summary", sink, "article")
    found = sources(f, sink, "an article")
    if aid is None or title is None or summary is None or not found:
        return None
    s = safety(f, sink)
    return Article(
        id=aid,
        title=title,
        summary=summary,
        sources=found,
        tags=text_list(f, "tags", sink, "article"),
        opinion=text_field(f, "opinion", sink, "article"),
        regions=s.regions,
        assumes_no_warning_signs=s.assumes_no_warning_signs,
        not_for=s.not_for,
        adapt=s.adapt,
        general=_flag(f, "general", sink),
        location=sink.at(node),
    )


def strategy(node: Node, sink: Sink) -> Strategy | None:
    f = fields(node, sink, "a strategy", STRATEGY)
    if f is None:
        return None
    sid = content_id(f.get("id"), sink, "strategy")
    values = {
        k: text_field(f, k, sink, "strategy")
        for k in ("title", "summary", "dose", "progress", "stop", "easier", "harder")
    }
    steps = text_list(f, "steps", sink, "strategy")
    if "steps" in f and not steps:
        sink.add(f["steps"], "'steps' lists nothing; write at least one step or leave it out")
    exercises = _ids(f.get("exercises"), sink, "exercises", "an exercise id")
    if "steps" not in f and "exercises" not in f:
        sink.add(node, "a strategy needs 'exercises' (library ids), 'steps' (text), or both")
    activity = None
    if "activity" in f:
        activity = question_id(f["activity"], sink, "activity (a word list)")
    ladder = _ladder(f.get("ladder"), sink)
    if (activity is None) != (not ladder):
        sink.add(
            node,
            "'activity' and 'ladder' go together: the activity a goal names, and its steps back",
        )
    found = sources(f, sink, "a strategy")
    needed = ("title", "summary", "dose", "progress", "stop")
    if sid is None or any(values[k] is None for k in needed) or not found:
        return None
    s = safety(f, sink)
    return Strategy(
        id=sid,
        title=values["title"] or "",
        summary=values["summary"] or "",
        steps=steps,
        dose=values["dose"] or "",
        progress=values["progress"] or "",
        stop=values["stop"] or "",
        easier=values["easier"],
        harder=values["harder"],
        exercises=exercises,
        sources=found,
        tags=text_list(f, "tags", sink, "strategy"),
        regions=s.regions,
        assumes_no_warning_signs=s.assumes_no_warning_signs,
        not_for=s.not_for,
        adapt=s.adapt,
        general=_flag(f, "general", sink),
        activity=activity,
        ladder=ladder,
        location=sink.at(node),
    )


def _ladder(node: Node | None, sink: Sink) -> tuple[Rung, ...]:
    if node is None:
        return ()
    rungs: list[Rung] = []
    for item in as_list(node, sink, "ladder") or ():
        f = fields(item, sink, "a step of a ladder", RUNG)
        if f is None:
            continue
        start = as_number(f["from_rating"], sink, "from_rating") if "from_rating" in f else None
        step = text_field(f, "step", sink, "ladder")
        if start is None or step is None:
            continue
        if start != int(start) or not 0 <= start <= 10:
            sink.add(
                f["from_rating"], "'from_rating' is a goal rating: a whole number from 0 to 10"
            )
            continue
        if rungs and start <= rungs[-1].from_rating:
            sink.add(
                f["from_rating"],
                f"ladder steps go up: this one starts at {int(start)}, the one before at {rungs[-1].from_rating}",
            )
            continue
        rungs.append(Rung(int(start), step))
    if rungs and rungs[0].from_rating != 0:
        sink.add(node, "the first step of a ladder starts at rating 0, so every rating has a step")
    return tuple(rungs)


def exercise(node: Node, sink: Sink) -> Exercise | None:
    f = fields(node, sink, "an exercise", EXERCISE)
    if f is None:
        return None
    eid = content_id(f.get("id"), sink, "exercise")
    name = text_field(f, "name", sink, "exercise")
    trains = text_field(f, "trains", sink, "exercise")
    steps = text_list(f, "steps", sink, "exercise")
    if "steps" in f and not steps:
        sink.add(f["steps"], "an exercise needs at least one step")
    dose = _dose(f["dose"], sink) if "dose" in f else None
    easier = content_id(f.get("easier"), sink, "easier exercise")
    harder = content_id(f.get("harder"), sink, "harder exercise")
    found = sources(f, sink, "an exercise")
    drawn = picture(f["picture"], sink) if "picture" in f else None
    if eid is None or name is None or trains is None or not steps or dose is None or not found:
        return None
    _dose_words(f["steps"], steps, dose, sink)
    s = safety(f, sink)
    return Exercise(
        id=eid,
        name=name,
        trains=trains,
        steps=steps,
        cues=text_list(f, "cues", sink, "exercise"),
        dose=dose,
        easier=easier,
        harder=harder,
        regions=s.regions,
        not_for=s.not_for,
        adapt=s.adapt,
        sources=found,
        location=sink.at(node),
        picture=drawn,
    )


def _dose_words(node: Node, steps: tuple[str, ...], dose: Dose, sink: Sink) -> None:
    """``{hold}`` in a step is the dose's hold, so the step agrees with the dose however the
    dose rules change it; each needs its field in the dose, and nothing else is in braces."""
    items = node.value if isinstance(node, Seq) else []
    for n, step in enumerate(steps):
        where = items[n] if n < len(items) else node
        for word in re.findall(r"\{[^{}]*\}", step):
            field = STEP_FIELDS.get(word)
            if field is None:
                sink.add(where, f"'{word}' in a step is not a part of the dose (one of: "
                         f"{', '.join(STEP_FIELDS)})")  # fmt: skip
            elif getattr(dose, field) is None:
                sink.add(where, f"'{word}' in a step, and the dose has no '{field}'")


_DOSE_LIMITS = {"sets": 10, "reps": 100, "hold": 600, "minutes": 240, "rest": 600, "days": 7}


def _dose(node: Node, sink: Sink) -> Dose | None:
    f = fields(node, sink, "a dose", DOSE)
    if f is None:
        return None
    values: dict[str, int] = {}
    for key, limit in _DOSE_LIMITS.items():
        if key not in f:
            continue
        number = as_number(f[key], sink, key)
        if number is None:
            continue
        if number != int(number) or not 1 <= number <= limit:
            sink.add(f[key], f"'{key}' is a whole number from 1 to {limit}")
            continue
        values[key] = int(number)
    if not any(k in values for k in ("reps", "hold", "minutes")):
        sink.add(node, "a dose needs 'reps', 'hold' (seconds) or 'minutes'")
        return None
    return Dose(per_side=_flag(f, "per_side", sink), **values)


def situation(node: Node, sink: Sink) -> Situation | None:
    f = fields(node, sink, "a situation", SITUATION)
    if f is None:
        return None
    sid = question_id(f.get("id"), sink, "situation")
    label = text_field(f, "label", sink, "situation")
    note = text_field(f, "note", sink, "situation")
    found = sources(f, sink, "a situation") if "sources" in f else ()
    if sid is None or label is None or note is None:
        return None
    return Situation(sid, label, note, found, sink.at(node))


def word_list(node: Node, sink: Sink) -> WordList | None:
    f = fields(node, sink, "a word list", WORD_LIST)
    if f is None:
        return None
    wid = question_id(f.get("id"), sink, "word list")
    label = text_field(f, "label", sink, "word list")
    kind = text_field(f, "kind", sink, "word list")
    if kind is not None and kind not in WORD_LIST_KINDS:
        sink.add(f["kind"], f"a word list's kind is {' or '.join(WORD_LIST_KINDS)}, not '{kind}'")
        kind = None
    words: list[str] = []
    for item in (as_list(f["words"], sink, "words") or ()) if "words" in f else ():
        word = as_str(item, sink, "a word")
        if word is None:
            continue
        norm = " ".join(word.lower().split())
        stem = norm.endswith("*")
        core = norm[:-1] if stem else norm
        if not WORD.match(core) or (stem and len(core) < 3):
            sink.add(
                item,
                f"'{word[:60]}' is not a word list entry: letters, digits, spaces, apostrophes and "
                "hyphens, with '*' only at the end of a stem of three characters or more",
            )
            continue
        if norm in words:
            sink.add(item, f"'{word[:60]}' is listed twice")
            continue
        words.append(norm)
    if "words" in f and isinstance(f["words"], Seq) and not f["words"].value:
        sink.add(f["words"], "a word list needs at least one word")
    held = _ids(f.get("situations"), sink, "situations", "a situation id")
    if wid is None or label is None or kind is None or not words:
        return None
    return WordList(wid, label, kind, tuple(words), sink.at(node), held)


def guidance(node: Node, sink: Sink) -> Guidance | None:
    f = fields(node, sink, "guidance", GUIDANCE)
    if f is None:
        return None
    ranking: dict[str, int] = {}
    if "ranking" in f:
        table = f["ranking"]
        if isinstance(table, Map):
            for key, key_node, value in pairs(table, sink):
                if key not in CHOSEN_BY:
                    sink.add(
                        key_node,
                        f"unknown kind of reason '{key}'{suggest(key, CHOSEN_BY)} "
                        f"(one of: {', '.join(CHOSEN_BY)})",
                    )
                    continue
                number = as_number(value, sink, f"the score of '{key}'")
                if number is not None and (number != int(number) or not 0 <= number <= 1000):
                    sink.add(value, "a score is a whole number from 0 to 1000")
                elif number is not None:
                    ranking[key] = int(number)
        else:
            sink.add(table, "'ranking' must be a mapping: kind of reason: score")
    settings: dict[str, float] = {}
    for key, low, high in (
        ("pain_weight", 0, 100),
        ("plan_size", 1, 10),
        ("max_grade", 1, 20),
        ("max_sentence_words", 5, 100),
    ):
        if key in f:
            number = as_number(f[key], sink, key)
            if number is not None and not low <= number <= high:
                sink.add(f[key], f"'{key}' is from {low} to {high}")
            elif number is not None:
                settings[key] = number
    return Guidance(
        ranking=ranking,
        pain_weight=int(settings.get("pain_weight", 2)),
        plan_size=int(settings.get("plan_size", 3)),
        max_grade=float(settings.get("max_grade", 9.0)),
        max_sentence_words=int(settings.get("max_sentence_words", 25)),
    )
