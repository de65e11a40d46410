"""YAML files -> frozen model, reporting *every* problem as ``path:line:col: message``.

Two passes: the first reads sections and questions (expanding sections repeated per body region),
the second reads conditions, which may only refer to questions asked earlier, so a questionnaire
can never loop. Library files (articles and strategies) load the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from imbalance_cli import regions as body
from imbalance_cli.errors import DEFAULT_MAX_BYTES, Problem, QuestionnaireError, SourceLocation
from imbalance_cli.model import (
    Alert,
    AlertLevel,
    AllOf,
    AnyOf,
    Article,
    Choice,
    Condition,
    EvidenceKind,
    Leaf,
    LeafValue,
    Library,
    Not,
    Op,
    Question,
    Questionnaire,
    QuestionType,
    Rule,
    Section,
    Source,
    Strategy,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    Node,
    Seq,
    Shape,
    Sink,
    as_bool,
    as_list,
    as_number,
    as_str,
    compose,
    fields,
    no_gc,
    read_text,
)

MAX_QUESTIONS = 50_000
MAX_TEXT_CHARS = 4_000
MAX_CONDITION_DEPTH = 32

# The fields each kind of object may have. docs/authoring.md and the JSON Schema (schema.py)
# are built from, or tested against, these tables.
QUESTIONNAIRE_FIELDS = (
    "id",
    "title",
    "version",
    "description",
    "sections",
    "alerts",
    "recommendations",
)
SECTION_FIELDS = ("id", "title", "intro", "when", "repeat", "questions")
QUESTION_FIELDS = (
    "id", "type", "text", "label", "help", "required", "choices", "min", "max", "integer",
    "unit", "anchors", "regions", "when",
)  # fmt: skip
CHOICE_FIELDS = ("id", "label", "exclusive", "help")
ALERT_FIELDS = ("id", "level", "when", "message", "action")
RULE_FIELDS = ("id", "when", "because", "articles", "strategies")
LEAF_FIELDS = ("question", *(op.value for op in Op))
LIBRARY_FIELDS = ("articles", "strategies")
ARTICLE_FIELDS = ("id", "title", "summary", "opinion", "tags", "sources")
SOURCE_FIELDS = ("kind", "citation", "url")
STRATEGY_FIELDS = ("id", "title", "summary", "steps", "dose", "progress", "stop", "tags")

_LIBRARY = Shape(LIBRARY_FIELDS)
_ARTICLE = Shape(ARTICLE_FIELDS, ("id", "title", "summary", "sources"))
_SOURCE = Shape(SOURCE_FIELDS, ("kind", "citation"))
_STRATEGY = Shape(STRATEGY_FIELDS, ("id", "title", "summary", "steps", "dose", "progress", "stop"))
_QUESTIONNAIRE = Shape(QUESTIONNAIRE_FIELDS, ("id", "title", "version", "sections"))
_SECTION = Shape(SECTION_FIELDS, ("id", "title", "questions"))
_QUESTION = Shape(QUESTION_FIELDS, ("id", "type", "text"))
_CHOICE = Shape(CHOICE_FIELDS, ("id", "label"))
_CONDITION = Shape(("all", "any", "not", *LEAF_FIELDS))
_ALERT = Shape(ALERT_FIELDS, ("id", "level", "when", "message", "action"))
_RULE = Shape(RULE_FIELDS, ("id", "when", "because"))
_OPS = {op.value: op for op in Op}
_NO_SIBLINGS: frozenset[str] = frozenset()
_QUESTION_TYPES = {t.value: t for t in QuestionType}
#: Question fields that only some types of question take.
_ONLY_FOR = {
    "choices": (QuestionType.SINGLE, QuestionType.MULTI),
    "min": (QuestionType.SCALE, QuestionType.NUMBER),
    "max": (QuestionType.SCALE, QuestionType.NUMBER),
    "integer": (QuestionType.NUMBER,),
    "unit": (QuestionType.NUMBER,),
    "anchors": (QuestionType.SCALE,),
    "regions": (QuestionType.BODY_REGIONS,),
}

QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
CONTENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
URL = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")


# ---------------------------------------------------------------------------------------------
# Library


def load_library(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Library:
    """Read article and strategy files into one library; raise with every problem found."""
    problems: list[Problem] = []
    articles: dict[str, Article] = {}
    strategies: dict[str, Strategy] = {}
    for path in paths:
        sink = Sink(str(path))
        _read_library_file(path, sink, max_bytes, articles, strategies)
        problems.extend(sink.problems)
    if problems:
        raise QuestionnaireError(problems)
    return Library(articles=articles, strategies=strategies)


def _read_library_file(
    path: Path,
    sink: Sink,
    max_bytes: int,
    articles: dict[str, Article],
    strategies: dict[str, Strategy],
) -> None:
    text = read_text(path, sink, max_bytes)
    root = compose(text, sink) if text is not None else None
    if root is None:
        return
    top = fields(root, sink, "a library file", _LIBRARY)
    if top is None:
        return
    for item in as_list(top["articles"], sink, "articles") or () if "articles" in top else ():
        article = _article(item, sink)
        if article is None:
            continue
        if article.id in articles or article.id in strategies:
            sink.add(item, f"article id '{article.id}' is used twice; ids must be unique")
        else:
            articles[article.id] = article
    for item in as_list(top["strategies"], sink, "strategies") or () if "strategies" in top else ():
        strategy = _strategy(item, sink)
        if strategy is None:
            continue
        if strategy.id in strategies or strategy.id in articles:
            sink.add(item, f"strategy id '{strategy.id}' is used twice; ids must be unique")
        else:
            strategies[strategy.id] = strategy


def _text(f: Mapping[str, Node], key: str, sink: Sink, what: str) -> str | None:
    node = f.get(key)
    if node is None:
        return None
    value = as_str(node, sink, f"{what} '{key}'")
    if value is not None and not value.strip():
        sink.add(node, f"{what} '{key}' is empty; write something or leave the field out")
        return None
    if value is not None and len(value) > MAX_TEXT_CHARS:
        sink.add(
            node,
            f"{what} '{key}' is {len(value):,} characters long; keep it under {MAX_TEXT_CHARS:,}",
        )
        return None
    return value.strip() if value is not None else None


def _texts(f: Mapping[str, Node], key: str, sink: Sink, what: str) -> tuple[str, ...]:
    node = f.get(key)
    if node is None:
        return ()
    out: list[str] = []
    for item in as_list(node, sink, f"{what} '{key}'") or ():
        value = as_str(item, sink, f"an item of {what} '{key}'")
        if value is not None and len(value) > MAX_TEXT_CHARS:
            sink.add(
                item,
                f"an item of {what} '{key}' is {len(value):,} characters long; keep it under {MAX_TEXT_CHARS:,}",
            )
        elif value is not None:
            out.append(value.strip())
    return tuple(out)


def _content_id(node: Node | None, sink: Sink, what: str) -> str | None:
    if node is None:
        return None
    value = as_str(node, sink, f"{what} id")
    if value is not None and not CONTENT_ID.match(value):
        sink.add(
            node,
            f"{what} id '{value}' must be lowercase words joined by '-', like 'gradual-loading'",
        )
        return None
    return value


def _article(node: Node, sink: Sink) -> Article | None:
    f = fields(node, sink, "an article", _ARTICLE)
    if f is None:
        return None
    aid = _content_id(f.get("id"), sink, "article")
    title = _text(f, "title", sink, "article")
    summary = _text(f, "summary", sink, "article")
    sources: list[Source] = []
    src_node = f.get("sources")
    for item in (as_list(src_node, sink, "sources") or ()) if src_node is not None else ():
        source = _source(item, sink)
        if source is not None:
            sources.append(source)
    if isinstance(src_node, Seq) and not src_node.value:
        sink.add(
            src_node, "an article needs at least one source (a citation, with a URL if verified)"
        )
    if aid is None or title is None or summary is None or not sources:
        return None
    return Article(
        id=aid,
        title=title,
        summary=summary,
        sources=tuple(sources),
        tags=_texts(f, "tags", sink, "article"),
        opinion=_text(f, "opinion", sink, "article"),
        location=sink.at(node),
    )


def _source(node: Node, sink: Sink) -> Source | None:
    f = fields(node, sink, "a source", _SOURCE)
    if f is None:
        return None
    kind_text = _text(f, "kind", sink, "source")
    citation = _text(f, "citation", sink, "source")
    url = _text(f, "url", sink, "source")
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
    if url is not None and not URL.match(url):
        sink.add(f["url"], f"source url '{url[:80]}' must be a plain https:// address")
        url = None
    if kind is None or citation is None:
        return None
    return Source(kind=kind, citation=citation, url=url)


def _strategy(node: Node, sink: Sink) -> Strategy | None:
    f = fields(node, sink, "a strategy", _STRATEGY)
    if f is None:
        return None
    sid = _content_id(f.get("id"), sink, "strategy")
    values = {
        k: _text(f, k, sink, "strategy") for k in ("title", "summary", "dose", "progress", "stop")
    }
    steps = _texts(f, "steps", sink, "strategy")
    if "steps" in f and not steps:
        sink.add(f["steps"], "a strategy needs at least one step")
    title, summary, dose, progress, stop = (
        values[k] for k in ("title", "summary", "dose", "progress", "stop")
    )
    if (
        sid is None
        or title is None
        or summary is None
        or dose is None
        or progress is None
        or stop is None
        or not steps
    ):
        return None
    return Strategy(
        id=sid,
        title=title,
        summary=summary,
        steps=steps,
        dose=dose,
        progress=progress,
        stop=stop,
        tags=_texts(f, "tags", sink, "strategy"),
        location=sink.at(node),
    )


# ---------------------------------------------------------------------------------------------
# Questionnaire, first pass: sections and questions


@dataclass
class _Pending:
    """A question read in the first pass, with its raw condition for the second."""

    question: Question
    when: Node | None
    section: str
    siblings: frozenset[str] = frozenset()
    region: str | None = None


@dataclass
class _PendingSection:
    section_id: str
    title: str
    intro: str | None
    when: Node | None
    region: str | None
    region_question: str | None
    node: Node
    questions: list[_Pending] = field(default_factory=list)


def load_questionnaire(
    path: Path,
    library: Library | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    display_path: str | None = None,
) -> Questionnaire:
    """Load and check one questionnaire file. With a library, references to articles and
    strategies are checked too. Raises QuestionnaireError listing every problem."""
    sink = Sink(display_path or str(path))
    text = read_text(path, sink, max_bytes)
    questionnaire = None
    if text is not None:
        with no_gc():
            questionnaire = _questionnaire(text, sink, library)
        if questionnaire is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            questionnaire = _with(questionnaire, path=str(path), sha256=digest)
    if sink.problems or questionnaire is None:
        raise QuestionnaireError(sink.problems)
    return questionnaire


def _with(q: Questionnaire, **changes: str) -> Questionnaire:
    return replace(q, **changes)  # type: ignore[arg-type]


def _questionnaire(text: str, sink: Sink, library: Library | None) -> Questionnaire | None:
    root = compose(text, sink)
    if root is None:
        return None
    top = fields(root, sink, "the questionnaire", _QUESTIONNAIRE)
    if top is None:
        return None
    qid = None
    if "id" in top:
        qid = as_str(top["id"], sink, "questionnaire id")
        if qid is not None and not CONTENT_ID.match(qid):
            sink.add(top["id"], f"questionnaire id '{qid}' must be lowercase words joined by '-'")
    title = _text(top, "title", sink, "questionnaire")
    version = _text(top, "version", sink, "questionnaire")
    description = _text(top, "description", sink, "questionnaire")

    sections = _sections(top.get("sections"), sink)
    count = sum(len(s.questions) for s in sections)
    if count > MAX_QUESTIONS:
        sink.add(
            top.get("sections"),
            f"{count:,} questions is over the limit of {MAX_QUESTIONS:,}; split the questionnaire",
        )
        return None

    index: dict[str, tuple[int, Question]] = {}
    order: list[_Pending] = [p for s in sections for p in s.questions]
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

    resolver = _Conditions(sink, index)
    built_sections: list[Section] = []
    all_questions: dict[str, Question] = {}
    for s in sections:
        first = (
            index.get(s.questions[0].question.id, (len(order), None))[0]
            if s.questions
            else len(order)
        )
        section_when = _region_when(s, index)
        if s.when is not None:
            own = resolver.read(
                s.when,
                before=first,
                region=s.region,
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
                    pending.when, before=position, region=pending.region,
                    siblings=pending.siblings, where=f"question '{q.id}'",
                )  # fmt: skip
            if when is not None:
                q = replace(q, when=when)
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
                location=sink.at(s.node),
            )
        )

    alerts = _alerts(top.get("alerts"), sink, resolver)
    rules = _rules(top.get("recommendations"), sink, resolver, library)
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
        _index=all_questions,
    )


def _region_when(s: _PendingSection, index: Mapping[str, tuple[int, Question]]) -> Condition | None:
    """A repeated section's copy for one region is shown only when that region was chosen."""
    if s.region is None or s.region_question is None:
        return None
    return Leaf(s.region_question, Op.INCLUDES, s.region, (s.region_question,))


def _sections(node: Node | None, sink: Sink) -> list[_PendingSection]:
    if node is None:
        return []
    items = as_list(node, sink, "sections")
    if items is None:
        return []
    if not items:
        sink.add(node, "a questionnaire needs at least one section")
    out: list[_PendingSection] = []
    body_questions: dict[str, Question] = {}
    for item in items:
        out.extend(_section(item, sink, body_questions))
    return out


def _section(node: Node, sink: Sink, body_questions: dict[str, Question]) -> list[_PendingSection]:
    f = fields(node, sink, "a section", _SECTION)
    if f is None:
        return []
    sid = _question_id(f.get("id"), sink, "section")
    title = _text(f, "title", sink, "section") or ""
    intro = _text(f, "intro", sink, "section")
    raw_questions = as_list(f["questions"], sink, "questions") if "questions" in f else None
    if raw_questions is not None and not raw_questions:
        sink.add(f["questions"], "a section needs at least one question")
    if sid is None:
        return []

    repeat_over: str | None = None
    instances: list[str | None] = [None]
    if "repeat" in f:
        repeat_over = as_str(f["repeat"], sink, "repeat")
        source = body_questions.get(repeat_over or "")
        if repeat_over is not None and source is None:
            sink.add(
                f["repeat"],
                f"'repeat' must name an earlier body_regions question{suggest(repeat_over, body_questions)}",
            )
            repeat_over = None
        elif source is not None:
            instances = list(source.regions or tuple(r.id for r in body.REGIONS))

    parsed: list[tuple[Question, Node | None]] = []
    for item in raw_questions or ():
        question = _question(item, sink, sid)
        if question is not None:
            parsed.append(question)
            if question[0].type is QuestionType.BODY_REGIONS:
                body_questions[question[0].id] = question[0]

    if repeat_over is None:
        section = _PendingSection(sid, title, intro, f.get("when"), None, None, node)
        section.questions = [_Pending(q, when, sid) for q, when in parsed]
        return [section]

    siblings = frozenset(q.id for q, _ in parsed)
    out: list[_PendingSection] = []
    for region in instances:
        assert region is not None
        label = body.BY_ID[region].label
        section = _PendingSection(
            f"{sid}.{region}",
            title.replace("{region}", label),
            intro,
            f.get("when"),
            region,
            repeat_over,
            node,
        )
        for q, when in parsed:
            copy = replace(
                q,
                id=f"{q.id}.{region}",
                text=q.text.replace("{region}", label.lower()),
                label=(q.label or q.text).replace("{region}", label.lower()),
                help=q.help.replace("{region}", label.lower()) if q.help else None,
                section=section.section_id,
                region=region,
            )
            section.questions.append(_Pending(copy, when, section.section_id, siblings, region))
        out.append(section)
    return out


def _question_id(node: Node | None, sink: Sink, what: str) -> str | None:
    if node is None:
        return None
    value = as_str(node, sink, f"{what} id")
    if value is not None and not QUESTION_ID.match(value):
        sink.add(
            node,
            f"{what} id '{value}' must start with a letter and use only a-z, 0-9 and _ (like 'knee_worst')",
        )
        return None
    return value


def _question(node: Node, sink: Sink, section: str) -> tuple[Question, Node | None] | None:
    f = fields(node, sink, "a question", _QUESTION)
    if f is None:
        return None
    qid = _question_id(f.get("id"), sink, "question")
    text = _text(f, "text", sink, "question")
    qtype: QuestionType | None = None
    if "type" in f:
        type_text = as_str(f["type"], sink, "question type")
        if type_text is not None:
            qtype = _QUESTION_TYPES.get(type_text)
            if qtype is None:
                names = list(_QUESTION_TYPES)
                sink.add(
                    f["type"],
                    f"unknown question type '{type_text}'{suggest(type_text, names)} (one of: {', '.join(names)})",
                )
    if qid is None or text is None or qtype is None:
        return None
    what = f"question '{qid}'"
    # Fields that only some types take: report the misplaced ones and read no further.
    for key in [k for k in f if k in _ONLY_FOR and qtype not in _ONLY_FOR[k]]:
        kinds = " or ".join(t.value for t in _ONLY_FOR[key])
        sink.add(f[key], f"'{key}' only applies to {kinds} questions, and {what} is {qtype.value}")
        del f[key]

    required = qtype is not QuestionType.TEXT
    if "required" in f:
        value = as_bool(f["required"], sink, "required")
        required = required if value is None else value

    choices: list[Choice] = []
    if "choices" in f:
        choices = _choices(f["choices"], sink, qtype, what)
    elif qtype.has_choices:
        sink.add(node, f"{what} is {qtype.value} and needs 'choices'")

    minimum: float | None = 0 if qtype is QuestionType.SCALE else None
    maximum: float | None = 10 if qtype is QuestionType.SCALE else None
    if "min" in f:
        minimum = as_number(f["min"], sink, "min")
    if "max" in f:
        maximum = as_number(f["max"], sink, "max")
    if minimum is not None and maximum is not None and minimum >= maximum:
        sink.add(f.get("max", node), f"max ({maximum:g}) must be greater than min ({minimum:g})")
    integer = True
    if "integer" in f:
        integer = bool(as_bool(f["integer"], sink, "integer"))
    if qtype is QuestionType.SCALE:
        for key, v in (("min", minimum), ("max", maximum)):
            if v is not None and v != int(v):
                sink.add(f.get(key, node), f"a scale's {key} must be a whole number")
        if minimum is not None and maximum is not None and maximum - minimum > 100:
            sink.add(
                f.get("max", node),
                "a scale may have at most 101 points; use a number question instead",
            )
    unit = _text(f, "unit", sink, "question")

    anchors: list[tuple[int, str]] = []
    if "anchors" in f:
        points = Shape([str(i) for i in range(int(minimum or 0), int(maximum or 10) + 1)])
        anchor_map = fields(f["anchors"], sink, "anchors", points)
        for key, value_node in (anchor_map or {}).items():
            label = as_str(value_node, sink, f"anchor {key}")
            if label is not None and len(label) > 200:
                sink.add(
                    value_node, f"anchor {key} is {len(label):,} characters long; keep it under 200"
                )
            elif label is not None:
                anchors.append((int(key), label))

    allowed_regions: list[str] = []
    if "regions" in f:
        for item in as_list(f["regions"], sink, "regions") or ():
            rid = as_str(item, sink, "a region")
            if rid is None:
                continue
            if rid not in body.BY_ID:
                sink.add(
                    item,
                    f"unknown body region '{rid}'{suggest(rid, body.BY_ID)} (known: {', '.join(body.BY_ID)})",
                )
            elif rid in allowed_regions:
                sink.add(item, f"region '{rid}' is listed twice")
            else:
                allowed_regions.append(rid)

    question = Question(
        id=qid,
        type=qtype,
        text=text,
        section=section,
        label=_text(f, "label", sink, "question") or "",
        help=_text(f, "help", sink, "question"),
        required=required,
        choices=tuple(choices),
        minimum=minimum,
        maximum=maximum,
        integer=integer if qtype is QuestionType.NUMBER else True,
        unit=unit,
        anchors=tuple(sorted(anchors)),
        regions=tuple(allowed_regions),
        location=sink.at(node),
    )
    return question, f.get("when")


def _choices(node: Node, sink: Sink, qtype: QuestionType, what: str) -> list[Choice]:
    items = as_list(node, sink, "choices")
    if items is None:
        return []
    if len(items) < 2:
        sink.add(node, f"{what} needs at least two choices")
    out: list[Choice] = []
    seen: set[str] = set()
    for item in items:
        f = fields(item, sink, "a choice", _CHOICE)
        if f is None:
            continue
        cid = as_str(f["id"], sink, "choice id") if "id" in f else None
        if cid is not None and not CHOICE_ID.match(cid):
            sink.add(
                f["id"], f"choice id '{cid}' must use only a-z, 0-9 and _ (like 'saddle_numbness')"
            )
            cid = None
        label = _text(f, "label", sink, "choice")
        exclusive = False
        if "exclusive" in f:
            if qtype is not QuestionType.MULTI:
                sink.add(f["exclusive"], "'exclusive' only applies to choices of a multi question")
            else:
                exclusive = bool(as_bool(f["exclusive"], sink, "exclusive"))
        if cid is None or label is None:
            continue
        if cid in seen:
            sink.add(f["id"], f"choice id '{cid}' is used twice in {what}")
            continue
        seen.add(cid)
        out.append(Choice(cid, label, exclusive, _text(f, "help", sink, "choice")))
    return out


# ---------------------------------------------------------------------------------------------
# Second pass: conditions, alerts and rules


class _Conditions:
    """Reads ``when`` conditions against the questions known from the first pass."""

    def __init__(self, sink: Sink, index: Mapping[str, tuple[int, Question]]) -> None:
        self.sink = sink
        self.index = index
        self.repeated: dict[str, list[str]] = {}
        for qid, (_, q) in index.items():
            if q.region is not None:
                self.repeated.setdefault(qid.rsplit(".", 1)[0], []).append(qid)

    def read(
        self,
        node: Node,
        before: int | None,
        region: str | None,
        siblings: frozenset[str],
        where: str,
    ) -> Condition | None:
        condition = self._read(node, before, region, siblings, where, 0)
        if condition is not None:
            reason = never_true(condition, self.index)
            if reason:
                self.sink.add(node, f"the condition of {where} can never be true: {reason}")
        return condition

    def _read(
        self, node: Node, before: int | None, region: str | None,
        siblings: frozenset[str], where: str, depth: int,
    ) -> Condition | None:  # fmt: skip
        sink = self.sink
        if depth > MAX_CONDITION_DEPTH:
            sink.add(node, f"condition nested more than {MAX_CONDITION_DEPTH} levels deep")
            return None
        f = fields(node, sink, "a condition", _CONDITION)
        if f is None:
            return None
        if "all" in f or "any" in f or "not" in f:
            return self._combinator(node, f, before, region, siblings, where, depth)
        return self._leaf(node, f, before, region, siblings, where)

    def _combinator(
        self, node: Node, f: Mapping[str, Node], before: int | None, region: str | None,
        siblings: frozenset[str], where: str, depth: int,
    ) -> Condition | None:  # fmt: skip
        """An all/any/not condition (``f`` holds at least one of those keys)."""
        sink = self.sink
        key = next(k for k in ("all", "any", "not") if k in f)
        if len(f) != 1:
            sink.add(
                node, f"'{key}' must stand alone in its condition; nest the other parts inside it"
            )
            return None
        loc = sink.at(node)
        if key == "not":
            inner = self._read(f["not"], before, region, siblings, where, depth + 1)
            return Not(inner, loc) if inner is not None else None
        items = as_list(f[key], sink, f"'{key}'")
        if items is None:
            return None
        if not items:
            sink.add(f[key], f"'{key}' needs at least one condition")
            return None
        parts = [self._read(i, before, region, siblings, where, depth + 1) for i in items]
        if any(p is None for p in parts):
            return None
        done = tuple(p for p in parts if p is not None)
        return AllOf(done, loc) if key == "all" else AnyOf(done, loc)

    def _leaf(
        self, node: Node, f: Mapping[str, Node], before: int | None,
        region: str | None, siblings: frozenset[str], where: str,
    ) -> Leaf | None:  # fmt: skip
        sink = self.sink
        if "question" not in f:
            sink.add(
                node,
                "a condition needs 'question' and one test (equals, in, includes, gte, lte, answered), or all/any/not",
            )
            return None
        ops = [k for k in f if k != "question"]
        op = _OPS.get(ops[0]) if len(ops) == 1 else None
        if op is None:
            sink.add(
                node,
                "a condition on one question takes exactly one test: equals, in, includes, gte, lte or answered"
                + (f"; split {' and '.join(ops)} into an 'all'" if ops else ""),
            )
            return None
        ref = as_str(f["question"], sink, "question")
        if ref is None:
            return None
        # Inside a section repeated per region, a sibling's id means this region's copy.
        target = f"{ref}.{region}" if region is not None and ref in siblings else ref
        if target.endswith(".*"):
            covered = tuple(self.repeated.get(target[:-2], ()))
            if not covered:
                sink.add(
                    f["question"],
                    f"'{ref}' matches no question repeated per region{suggest(target[:-2], self.repeated)}",
                )
                return None
        else:
            covered = (target,)
        for qid in covered:
            if qid not in self.index:
                hint = suggest(qid, self.index)
                if not hint and qid in self.repeated:
                    hint = f"; it is repeated per region: name one like '{qid}.{next(iter(self.repeated[qid]))[len(qid) + 1 :]}' or all with '{qid}.*'"
                sink.add(f["question"], f"{where} refers to unknown question '{ref}'{hint}")
                return None
            position, _ = self.index[qid]
            if before is not None and position >= before:
                sink.add(
                    f["question"],
                    f"{where} refers to question '{ref}', which is not asked before it; conditions may only look back",
                )
                return None
        question = self.index[covered[0]][1]
        value = self._value(op, f[op.value], question, ref)
        if value is None:
            return None
        return Leaf(ref, op, value, covered, sink.at(node))

    def _value(self, op: Op, node: Node, q: Question, ref: str) -> LeafValue | None:
        sink = self.sink
        t = q.type
        if op is Op.ANSWERED:
            return as_bool(node, sink, "answered")
        if op is Op.INCLUDES:
            if not t.is_list:
                sink.add(
                    node,
                    f"'includes' tests multi and body_regions questions; '{ref}' is {t.value}, use 'equals' or 'in'",
                )
                return None
            item = as_str(node, sink, "includes")
            if item is None:
                return None
            if t is QuestionType.BODY_REGIONS:
                region, side = body.split(item)
                problem = (
                    None
                    if side is None and region in body.BY_ID
                    else body.check_token(item, q.regions)
                )
                if problem:
                    sink.add(node, problem)
                    return None
                return item
            return self._choice(node, item, q, ref)
        if op in (Op.GTE, Op.LTE):
            if not t.is_numeric:
                sink.add(
                    node, f"'{op.value}' tests scale and number questions; '{ref}' is {t.value}"
                )
                return None
            return as_number(node, sink, op.value)
        if t.is_list:
            sink.add(node, f"'{op.value}' does not test a {t.value} question; use 'includes'")
            return None
        if op is Op.IN:
            items = as_list(node, sink, "in")
            if items is None:
                return None
            values: list[str | int | float] = []
            for entry in items:
                v = self._scalar(entry, q, ref)
                if v is None:
                    return None
                if isinstance(v, bool):
                    sink.add(entry, "'in' takes choice ids or numbers, not true/false")
                    return None
                values.append(v)
            return tuple(values)
        return self._scalar(node, q, ref)

    def _scalar(self, node: Node, q: Question, ref: str) -> str | bool | int | float | None:
        sink = self.sink
        if q.type is QuestionType.YES_NO:
            return as_bool(node, sink, f"the answer to '{ref}'")
        if q.type.is_numeric:
            return as_number(node, sink, f"the answer to '{ref}'")
        item = as_str(node, sink, f"the answer to '{ref}'")
        if item is None or q.type is QuestionType.TEXT:
            return item
        return self._choice(node, item, q, ref)

    def _choice(self, node: Node, item: str, q: Question, ref: str) -> str | None:
        if q.choice(item) is None:
            ids = [c.id for c in q.choices]
            self.sink.add(
                node,
                f"'{ref}' has no choice '{item}'{suggest(item, ids)} (choices: {', '.join(ids)})",
            )
            return None
        return item


def never_true(condition: Condition, index: Mapping[str, tuple[int, Question]]) -> str | None:
    """Why a well-formed condition can never hold, or None. Catches the contradictions an author
    can write by mistake: a number test outside the question's range, an empty 'in', and an
    'all' whose parts on one question exclude each other."""
    if isinstance(condition, Leaf):
        q = index[condition.questions[0]][1]
        v = condition.value
        if (
            condition.op is Op.GTE
            and q.maximum is not None
            and isinstance(v, (int, float))
            and v > q.maximum
        ):
            return f"'{condition.question}' is at most {q.maximum:g}, so it is never {v:g} or more"
        if (
            condition.op is Op.LTE
            and q.minimum is not None
            and isinstance(v, (int, float))
            and v < q.minimum
        ):
            return f"'{condition.question}' is at least {q.minimum:g}, so it is never {v:g} or less"
        if condition.op is Op.IN and v == ():
            return "'in' lists nothing"
        if (
            condition.op in (Op.EQUALS,)
            and q.type.is_numeric
            and isinstance(v, (int, float))
            and not isinstance(v, bool)
        ) and (
            (q.minimum is not None and v < q.minimum) or (q.maximum is not None and v > q.maximum)
        ):
            return f"{v:g} is outside the range of '{condition.question}'"
        return None
    if isinstance(condition, Not):
        return never_true(condition.item, index)
    if isinstance(condition, AnyOf):
        reasons = [never_true(c, index) for c in condition.items]
        return reasons[0] if all(reasons) else None
    for item in condition.items:
        reason = never_true(item, index)
        if reason:
            return reason
    return _contradiction([c for c in condition.items if isinstance(c, Leaf)])


def _contradiction(leaves: list[Leaf]) -> str | None:
    by_question: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        if len(leaf.questions) == 1:
            by_question.setdefault(leaf.questions[0], []).append(leaf)
    for qid, group in by_question.items():
        equals = {repr(leaf.value) for leaf in group if leaf.op is Op.EQUALS}
        if len(equals) > 1:
            return f"'{qid}' cannot equal {' and '.join(sorted(equals))} at once"
        lows = [
            leaf.value
            for leaf in group
            if leaf.op is Op.GTE and isinstance(leaf.value, (int, float))
        ]
        highs = [
            leaf.value
            for leaf in group
            if leaf.op is Op.LTE and isinstance(leaf.value, (int, float))
        ]
        if lows and highs and max(lows) > min(highs):
            return f"'{qid}' cannot be at least {max(lows):g} and at most {min(highs):g}"
        answered = {leaf.value for leaf in group if leaf.op is Op.ANSWERED}
        if False in answered and (
            True in answered or any(leaf.op is not Op.ANSWERED for leaf in group)
        ):
            return f"'{qid}' cannot be unanswered and tested at once"
    return None


def _alerts(node: Node | None, sink: Sink, resolver: _Conditions) -> tuple[Alert, ...]:
    if node is None:
        return ()
    out: list[Alert] = []
    seen: set[str] = set()
    for item in as_list(node, sink, "alerts") or ():
        f = fields(item, sink, "an alert", _ALERT)
        if f is None:
            continue
        aid = _question_id(f.get("id"), sink, "alert")
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
        message = _text(f, "message", sink, "alert")
        action = _text(f, "action", sink, "alert")
        if aid in seen:
            sink.add(f["id"], f"alert id '{aid}' is used twice; ids must be unique")
            continue
        if aid is None or level is None or when is None or message is None or action is None:
            continue
        seen.add(aid)
        out.append(Alert(aid, level, when, message, action, sink.at(item)))
    return tuple(out)


def _rules(
    node: Node | None, sink: Sink, resolver: _Conditions, library: Library | None
) -> tuple[Rule, ...]:
    if node is None:
        return ()
    out: list[Rule] = []
    seen: set[str] = set()
    articles = library.articles if library is not None else None
    strategies = library.strategies if library is not None else None
    for item in as_list(node, sink, "recommendations") or ():
        f = fields(item, sink, "a recommendation", _RULE)
        if f is None:
            continue
        rid = _question_id(f.get("id"), sink, "recommendation")
        when_node = f.get("when")
        when = None
        if when_node is not None:
            when = resolver.read(when_node, None, None, _NO_SIBLINGS, f"recommendation '{rid}'")
        because = _text(f, "because", sink, "recommendation")
        article_ids = _refs(f.get("articles"), sink, "articles", "article", articles)
        strategy_ids = _refs(f.get("strategies"), sink, "strategies", "strategy", strategies)
        if "articles" not in f and "strategies" not in f:
            sink.add(item, "a recommendation needs 'articles', 'strategies' or both")
        if rid in seen:
            sink.add(f["id"], f"recommendation id '{rid}' is used twice; ids must be unique")
            continue
        if rid is None or when is None or because is None:
            continue
        seen.add(rid)
        out.append(Rule(rid, when, because, article_ids, strategy_ids, sink.at(item)))
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


def location_of(problem: Problem) -> SourceLocation:
    return problem.location
