"""Questionnaire files -> frozen model, reporting *every* problem as ``path:line:col: message``.

Two passes: the first reads sections and questions (expanding sections repeated per body region
into one copy per region and side), the second reads conditions (conditions.py), which may only
refer to questions asked earlier, so a questionnaire can never loop. The content library loads in
library.py and the body map in bodymap.py; ``load_library`` is re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from imbalance_cli import bodymap as bodymaps
from imbalance_cli import relevance
from imbalance_cli.conditions import Conditions
from imbalance_cli.errors import DEFAULT_MAX_BYTES, QuestionnaireError
from imbalance_cli.library import load_library
from imbalance_cli.model import (
    CHOSEN_BY,
    FROM_PROGRAMME,
    Alert,
    AlertLevel,
    AllOf,
    BodyMap,
    Condition,
    Leaf,
    Library,
    Question,
    Questionnaire,
    QuestionType,
    Rule,
    Section,
    Timeframe,
    Wording,
)
from imbalance_cli.named import read_patterns, read_situations
from imbalance_cli.questions import check_roles, read_question, read_reassess
from imbalance_cli.repeats import (
    Pending,
    PendingSection,
    exercise_choices,
    per_exercise,
    per_region,
    stray_placeholders,
)
from imbalance_cli.shapes import (
    ALERT,
    ALERT_FIELDS,
    CHOICE_FIELDS,
    CONTENT_ID,
    LEAF_FIELDS,
    MAX_QUESTIONS,
    NO_SIBLINGS,
    QUESTION_FIELDS,
    QUESTIONNAIRE,
    QUESTIONNAIRE_FIELDS,
    RULE,
    RULE_FIELDS,
    SECTION,
    SECTION_FIELDS,
    WORDING,
    WORDING_FIELDS,
    question_id,
    text_field,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    Node,
    Seq,
    Sink,
    as_bool,
    as_list,
    as_str,
    compose,
    fields,
    no_gc,
    read_text,
)

__all__ = [
    "ALERT_FIELDS",
    "CHOICE_FIELDS",
    "LEAF_FIELDS",
    "QUESTIONNAIRE_FIELDS",
    "QUESTION_FIELDS",
    "RULE_FIELDS",
    "SECTION_FIELDS",
    "WORDING_FIELDS",
    "load_library",
    "load_questionnaire",
]


def _with_when(question: Question, when: Condition) -> Question:
    """The question with its condition: ``dataclasses.replace`` without running the
    constructor over every field again (a question has no ``__post_init__``; this ran for every
    question with a condition)."""
    built: Question = object.__new__(Question)
    built.__dict__.update(question.__dict__)
    object.__setattr__(built, "when", when)
    return built


def load_questionnaire(
    path: Path,
    library: Library | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    display_path: str | None = None,
    bodymap: BodyMap | None = None,
) -> Questionnaire:
    """Load and check one questionnaire file. With a library, references to articles and
    strategies are checked too (and whether a rule naming region-specific content checks that
    region). Raises QuestionnaireError listing every problem."""
    sink = Sink(display_path or str(path))
    text = read_text(path, sink, max_bytes)
    questionnaire = None
    if text is not None:
        regions_map = bodymap or bodymaps.default()
        with no_gc():
            questionnaire = _questionnaire(text, sink, library, regions_map)
        if questionnaire is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            questionnaire = _with(questionnaire, path=str(path), sha256=digest)
    if sink.problems or questionnaire is None:
        raise QuestionnaireError(sink.problems)
    return questionnaire


def questionnaire_from_text(text: str, name: str, library: Library | None = None) -> Questionnaire:
    """A questionnaire imbalance writes itself (the home programme's log): checked as a file is."""
    sink = Sink(name)
    with no_gc():
        questionnaire = _questionnaire(text, sink, library, bodymaps.default())
    if sink.problems or questionnaire is None:
        raise QuestionnaireError(sink.problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _with(questionnaire, path=name, sha256=digest)


def _with(q: Questionnaire, **changes: str) -> Questionnaire:
    return replace(q, **changes)  # type: ignore[arg-type]


def _questionnaire(
    text: str, sink: Sink, library: Library | None, bodymap: BodyMap
) -> Questionnaire | None:
    root = compose(text, sink)
    if root is None:
        return None
    top = fields(root, sink, "the questionnaire", QUESTIONNAIRE)
    if top is None:
        return None
    qid = None
    if "id" in top:
        qid = as_str(top["id"], sink, "questionnaire id")
        if qid is not None and not CONTENT_ID.match(qid):
            sink.add(top["id"], f"questionnaire id '{qid}' must be lowercase words joined by '-'")
    title = text_field(top, "title", sink, "questionnaire", required=True)
    version = text_field(top, "version", sink, "questionnaire", required=True)
    description = text_field(top, "description", sink, "questionnaire")
    every_answer_used = False
    if "every_answer_used" in top:
        every_answer_used = bool(as_bool(top["every_answer_used"], sink, "every_answer_used"))
    wording = _wording(top.get("wording"), sink)

    sections = _sections(top.get("sections"), sink, bodymap, library)
    count = sum(len(s.questions) for s in sections)
    if count > MAX_QUESTIONS:
        sink.add(
            top.get("sections"),
            f"{count:,} questions is over the limit of {MAX_QUESTIONS:,}; split the questionnaire",
        )
        return None

    index: dict[str, tuple[int, Question]] = {}
    order: list[Pending] = [p for s in sections for p in s.questions]
    for position, pending in enumerate(order):
        q = pending.question
        if q.id in index:
            sink.add_at(q.location, f"question id '{q.id}' is used twice; ids must be unique")
            continue
        index[q.id] = (position, q)
    seen_sections: set[str] = set()
    for s in sections:
        if s.section_id in seen_sections:
            sink.add(s.node, f"section id '{s.section_id}' is used twice; ids must be unique")
        seen_sections.add(s.section_id)

    region_whens: dict[str, Leaf] = {}
    for s in sections:
        shown = s.instance_when()
        if s.region is not None and shown is not None:
            region_whens.setdefault(s.region, shown)
    word_lists = library.word_lists if library is not None else None
    resolver = Conditions(sink, index, bodymap, region_whens, word_lists)
    built_sections: list[Section] = []
    all_questions: dict[str, Question] = {}
    for s in sections:
        first = (
            index.get(s.questions[0].question.id, (len(order), None))[0]
            if s.questions
            else len(order)
        )
        section_when: Condition | None = s.instance_when()
        if s.when is not None:
            own = resolver.read(
                s.when,
                before=first,
                region=s.region or s.exercise,
                siblings=frozenset(),
                where=f"section '{s.section_id}'",
            )
            if own is not None:
                section_when = (
                    own if section_when is None else AllOf((section_when, own), own.location)
                )
        built: list[Question] = []
        for pending in s.questions:
            q = pending.question
            position = index.get(q.id, (len(order), q))[0]
            when = None
            if pending.when is not None:
                when = resolver.read(
                    pending.when, before=position, region=pending.instance,
                    siblings=pending.siblings, where=f"question '{q.written_id}'",
                )  # fmt: skip
            if when is not None:
                q = _with_when(q, when)
            built.append(q)
            all_questions.setdefault(q.id, q)
        built_sections.append(
            Section(
                id=s.section_id,
                title=s.title,
                intro=s.intro,
                questions=tuple(built),
                when=section_when,
                region=s.region,
                exercise=s.exercise,
                template=s.template if s.exercise is not None else None,
                location=sink.at(s.node),
            )
        )

    check_roles(built_sections, sink)
    situations = read_situations(top.get("situations"), sink, resolver, library)
    patterns = read_patterns(top.get("patterns"), sink, resolver, bodymap)
    alerts = _alerts(top.get("alerts"), sink, resolver)
    rules = _rules(top.get("recommendations"), sink, resolver, library)
    if library is not None:
        relevance.check_rules(rules, library, all_questions, built_sections, sink)
    if qid is None or title is None or version is None:
        return None
    return Questionnaire(
        id=qid,
        title=title,
        version=version,
        description=description,
        sections=tuple(built_sections),
        alerts=alerts,
        rules=rules,
        patterns=patterns,
        situations=situations,
        every_answer_used=every_answer_used,
        wording=wording,
        bodymap=bodymap,
        _index=all_questions,
    )


def _wording(node: Node | None, sink: Sink) -> Wording:
    """The author's closing, stop and held-back lines; each left out keeps its default."""
    if node is None:
        return Wording()
    given = fields(node, sink, "wording", WORDING)
    if given is None:
        return Wording()
    texts = {name: text_field(given, name, sink, "wording") for name in WORDING_FIELDS}
    return Wording(**{name: text for name, text in texts.items() if text is not None})


def _sections(
    node: Node | None, sink: Sink, bodymap: BodyMap, library: Library | None
) -> list[PendingSection]:
    if node is None:
        return []
    items = as_list(node, sink, "sections")
    if items is None:
        return []
    if not items:
        sink.add(node, "a questionnaire needs at least one section")
    out: list[PendingSection] = []
    sources: dict[str, Question] = {}
    for item in items:
        out.extend(_section(item, sink, sources, bodymap, library))
    return out


def _section(
    node: Node,
    sink: Sink,
    sources: dict[str, Question],
    bodymap: BodyMap,
    library: Library | None,
) -> list[PendingSection]:
    """One section; a section repeated per region or per exercise becomes one copy each.
    ``sources`` collects the questions a later section can repeat over."""
    f = fields(node, sink, "a section", SECTION)
    if f is None:
        return []
    sid = question_id(f.get("id"), sink, "section")
    title = text_field(f, "title", sink, "section") or ""
    intro = text_field(f, "intro", sink, "section")
    raw_questions = as_list(f["questions"], sink, "questions") if "questions" in f else None
    if raw_questions is not None and not raw_questions:
        sink.add(f["questions"], "a section needs at least one question")
    if sid is None:
        return []
    source = _repeat_source(f.get("repeat"), sink, sources)
    section_reassess = read_reassess(f.get("reassess"), sink)
    parsed: list[tuple[Question, Node | None]] = []
    for item in raw_questions or ():
        for question, when in read_question(
            item, sink, sid, bodymap, section_reassess, repeated=source is not None
        ):
            if question.from_questionnaire == FROM_PROGRAMME:
                question = exercise_choices(question, item, sink, library)
            parsed.append((question, when))
            if question.type is QuestionType.BODY_REGIONS or (
                question.from_questionnaire == FROM_PROGRAMME
            ):
                sources[question.id] = question

    kind = None if source is None else "exercise" if source.type is QuestionType.MULTI else "region"
    stray_placeholders(title, [q for q, _ in parsed], kind, node, sink)
    if source is None:
        section = PendingSection(sid, title, intro, f.get("when"), node)
        section.questions = [Pending(q, when, sid) for q, when in parsed]
        return [section]
    if source.type is QuestionType.MULTI:
        return per_exercise(sid, title, intro, f.get("when"), node, source, parsed)
    return per_region(sid, title, intro, f.get("when"), node, source, parsed, bodymap)


def _repeat_source(node: Node | None, sink: Sink, sources: dict[str, Question]) -> Question | None:
    """The question a section is repeated over: an earlier body_regions question (a copy per
    region), or an earlier ``from: programme`` question (a copy per exercise)."""
    if node is None:
        return None
    name = as_str(node, sink, "repeat")
    source = sources.get(name or "")
    if name is not None and source is None:
        sink.add(
            node,
            "'repeat' must name an earlier body_regions question, or an earlier multi question "
            f"'from: {FROM_PROGRAMME}'{suggest(name, sources)}",
        )
    return source


def _alerts(node: Node | None, sink: Sink, resolver: Conditions) -> tuple[Alert, ...]:
    if node is None:
        return ()
    out: list[Alert] = []
    seen: set[str] = set()
    for item in as_list(node, sink, "alerts") or ():
        f = fields(item, sink, "an alert", ALERT)
        if f is None:
            continue
        aid = question_id(f.get("id"), sink, "alert")
        level: AlertLevel | None = None
        if "level" in f:
            text = as_str(f["level"], sink, "level")
            try:
                level = AlertLevel(text)
            except ValueError:
                names = [lv.value for lv in AlertLevel]
                sink.add(
                    f["level"],
                    f"unknown alert level '{text}'{suggest(text or '', names)} (one of: {', '.join(names)})",
                )
        when = (
            resolver.read(
                f["when"], before=None, region=None, siblings=frozenset(), where=f"alert '{aid}'"
            )
            if "when" in f
            else None
        )
        message = text_field(f, "message", sink, "alert")
        action = text_field(f, "action", sink, "alert")
        timeframe = _timeframe(f.get("timeframe"), level, sink)
        supersedes = tuple(
            ref
            for ref_node in (
                as_list(f["supersedes"], sink, "supersedes") or () if "supersedes" in f else ()
            )
            if (ref := as_str(ref_node, sink, "an alert id")) is not None
        )
        if aid in seen:
            sink.add(f["id"], f"alert id '{aid}' is used twice; ids must be unique")
            continue
        if aid is None or level is None or when is None or message is None or action is None:
            continue
        seen.add(aid)
        out.append(Alert(aid, level, when, message, action, sink.at(item), timeframe, supersedes))
    _check_supersedes(out, sink)
    return tuple(out)


def _timeframe(node: Node | None, level: AlertLevel | None, sink: Sink) -> Timeframe | None:
    if node is None:
        return None
    text = as_str(node, sink, "timeframe")
    names = [t.value for t in Timeframe]
    try:
        timeframe = Timeframe(text)
    except ValueError:
        sink.add(
            node,
            f"unknown timeframe '{text}'{suggest(text or '', names)} (one of: {', '.join(names)})",
        )
        return None
    if level is not None and timeframe not in level.timeframes:
        allowed = " or ".join(t.value for t in level.timeframes)
        sink.add(node, f"an {level.value} alert's timeframe is {allowed}, not {timeframe.value}")
        return None
    return timeframe


def _check_supersedes(alerts: list[Alert], sink: Sink) -> None:
    """An alert stands for others only when it is at least as urgent, and never for itself."""
    by_id = {a.id: a for a in alerts}
    for alert in alerts:
        for ref in alert.supersedes:
            other = by_id.get(ref)
            if ref == alert.id:
                sink.add_at(alert.location, f"alert '{alert.id}' cannot supersede itself")
            elif other is None:
                sink.add_at(
                    alert.location,
                    f"alert '{alert.id}' supersedes unknown alert '{ref}'{suggest(ref, by_id)}",
                )
            elif other.when_to_act.rank < alert.when_to_act.rank:
                sink.add_at(
                    alert.location,
                    f"alert '{alert.id}' ({alert.when_to_act.value}) cannot stand for the more "
                    f"urgent '{ref}' ({other.when_to_act.value}); turn it round",
                )


def _rules(
    node: Node | None, sink: Sink, resolver: Conditions, library: Library | None
) -> tuple[Rule, ...]:
    if node is None:
        return ()
    out: list[Rule] = []
    seen: set[str] = set()
    articles = library.articles if library is not None else None
    strategies = library.strategies if library is not None else None
    for item in as_list(node, sink, "recommendations") or ():
        f = fields(item, sink, "a recommendation", RULE)
        if f is None:
            continue
        rid = question_id(f.get("id"), sink, "recommendation")
        when_node = f.get("when")
        when = None
        if when_node is not None:
            when = resolver.read(when_node, None, None, NO_SIBLINGS, f"recommendation '{rid}'")
        because = text_field(f, "because", sink, "recommendation")
        note = text_field(f, "note", sink, "recommendation")
        chosen_by = "topic"
        if "chosen_by" in f:
            said = as_str(f["chosen_by"], sink, "chosen_by")
            if said is not None and said not in CHOSEN_BY:
                sink.add(
                    f["chosen_by"],
                    f"unknown kind of reason '{said}'{suggest(said, CHOSEN_BY)} (one of: {', '.join(CHOSEN_BY)})",
                )
            elif said is not None:
                chosen_by = said
        article_ids = _refs(f.get("articles"), sink, "articles", "article", articles)
        strategy_ids = _refs(f.get("strategies"), sink, "strategies", "strategy", strategies)
        if "articles" not in f and "strategies" not in f and "note" not in f:
            sink.add(item, "a recommendation needs 'articles', 'strategies', a 'note', or several")
        for key in ("articles", "strategies"):
            listed = f.get(key)
            if isinstance(listed, Seq) and not listed.value:
                sink.add(listed, f"'{key}' lists nothing; name at least one, or leave it out")
        if rid in seen:
            sink.add(f["id"], f"recommendation id '{rid}' is used twice; ids must be unique")
            continue
        if rid is None or when is None or because is None:
            continue
        seen.add(rid)
        out.append(
            Rule(rid, when, because, article_ids, strategy_ids, sink.at(item), chosen_by, note)
        )
    return tuple(out)


def _refs(
    node: Node | None, sink: Sink, field: str, kind: str, known: Mapping[str, object] | None
) -> tuple[str, ...]:
    """A rule's article or strategy ids, each checked against the library when there is one."""
    if node is None:
        return ()
    ids: list[str] = []
    for ref_node in as_list(node, sink, field) or ():
        ref = as_str(ref_node, sink, f"{kind} id")
        if ref is None:
            continue
        if known is not None and ref not in known:
            sink.add(
                ref_node,
                f"unknown {kind} '{ref}'{suggest(ref, known)}; add it to the library or fix the id",
            )
            continue
        ids.append(ref)
    return tuple(ids)
