"""The fields of every kind of object in imbalance's YAML files, and small readers of located
nodes that the questionnaire, library and body-map loaders share.

docs/authoring.md and the JSON Schema (schema.py) are built from, or tested against, these tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from imbalance_cli.model import Op, QuestionType
from imbalance_cli.yamlsrc import NULL, Node, Scalar, Shape, Sink, as_list, as_str

MAX_QUESTIONS = 50_000
MAX_TEXT_CHARS = 4_000
MAX_CONDITION_DEPTH = 32

QUESTIONNAIRE_FIELDS = (
    "id",
    "title",
    "version",
    "description",
    "every_answer_used",
    "sections",
    "alerts",
    "patterns",
    "situations",
    "recommendations",
    "wording",
)
#: The author's wording of the summaries' closing, stop and held-back lines (model.Wording).
WORDING_FIELDS = ("closing", "closing_advisory", "stopped", "held_back")
SECTION_FIELDS = ("id", "title", "intro", "when", "repeat", "reassess", "questions")
QUESTION_FIELDS = (
    "id", "type", "text", "label", "help", "required", "choices", "min", "max", "integer",
    "unit", "better", "noise", "anchors", "regions", "none", "role", "for_reader", "known_for_days", "from", "reassess",
    "when",
)  # fmt: skip
NOISE_FIELDS = ("amount", "source")
CHOICE_FIELDS = ("id", "label", "exclusive", "help", "for_reader")
ALERT_FIELDS = ("id", "level", "timeframe", "when", "message", "action", "supersedes")
RULE_FIELDS = ("id", "when", "chosen_by", "because", "note", "articles", "strategies")
PATTERN_FIELDS = ("id", "label", "region", "when")
SITUATION_RULE_FIELDS = ("id", "when", "regions")
#: Named conditions: a leaf that stands for a pattern or a situation of the questionnaire.
REFS = ("pattern", "situation")
#: Shorthands on a multi or body_regions question, read into an ``any`` / ``all`` of
#: ``includes`` tests: ``includes_any: [a, b]``, ``includes_all: [a, b]``.
LIST_TESTS = {"includes_any": "any", "includes_all": "all"}
_OP_NAMES = tuple(op.value for op in Op)
_AFTER = _OP_NAMES.index(Op.INCLUDES.value) + 1
LEAF_FIELDS = ("question", *_OP_NAMES[:_AFTER], *LIST_TESTS, *_OP_NAMES[_AFTER:])
LIBRARY_FIELDS = (
    "articles", "strategies", "exercises", "situations", "word_lists", "guidance", "programme",
)  # fmt: skip
SAFETY_FIELDS = ("regions", "assumes_no_warning_signs", "not_for", "adapt")
ARTICLE_FIELDS = (
    "id", "title", "summary", "opinion", "tags", "general", *SAFETY_FIELDS, "sources",
)  # fmt: skip
SOURCE_FIELDS = (
    "kind", "authors", "year", "title", "published", "doi", "pmid", "url", "scope", "citation",
    "situations",
)  # fmt: skip
STRATEGY_FIELDS = (
    "id", "title", "summary", "exercises", "steps", "dose", "progress", "easier", "harder",
    "stop", "activity", "ladder", "tags", "general", *SAFETY_FIELDS, "sources",
)  # fmt: skip
EXERCISE_FIELDS = (
    "id", "name", "trains", "steps", "cues", "dose", "easier", "harder", "regions", "not_for",
    "adapt", "sources", "picture",
)  # fmt: skip
PICTURE_FIELDS = ("view", "base", "frame", "start", "end", "props", "turn", "push")
MARK_FIELDS = ("at", "toward")
DOSE_FIELDS = ("sets", "reps", "hold", "minutes", "rest", "days", "per_side")
RUNG_FIELDS = ("from_rating", "step")
SITUATION_FIELDS = ("id", "label", "note", "sources")
WORD_LIST_FIELDS = ("id", "label", "kind", "words", "situations")
WORD_LIST_KINDS = ("warning", "activity")
GUIDANCE_FIELDS = ("ranking", "pain_weight", "plan_size", "max_grade", "max_sentence_words")

LIBRARY = Shape(LIBRARY_FIELDS)
ARTICLE = Shape(ARTICLE_FIELDS, ("id", "title", "summary", "sources"))
SOURCE = Shape(SOURCE_FIELDS, ("kind",))
STRATEGY = Shape(STRATEGY_FIELDS, ("id", "title", "summary", "dose", "progress", "stop", "sources"))
EXERCISE = Shape(EXERCISE_FIELDS, ("id", "name", "trains", "steps", "dose", "sources"))
DOSE = Shape(DOSE_FIELDS)
PICTURE = Shape(PICTURE_FIELDS, ("view", "base", "start", "end"))
MARK = Shape(MARK_FIELDS, MARK_FIELDS)
RUNG = Shape(RUNG_FIELDS, RUNG_FIELDS)
SITUATION = Shape(SITUATION_FIELDS, ("id", "label", "note"))
WORD_LIST = Shape(WORD_LIST_FIELDS, ("id", "label", "kind", "words"))
GUIDANCE = Shape(GUIDANCE_FIELDS)
PATTERN = Shape(PATTERN_FIELDS, PATTERN_FIELDS)
SITUATION_RULE = Shape(SITUATION_RULE_FIELDS, ("id", "when"))
QUESTIONNAIRE = Shape(QUESTIONNAIRE_FIELDS, ("id", "title", "version", "sections"))
WORDING = Shape(WORDING_FIELDS)
SECTION = Shape(SECTION_FIELDS, ("id", "title", "questions"))
QUESTION = Shape(QUESTION_FIELDS, ("id", "type", "text"))
CHOICE = Shape(CHOICE_FIELDS, ("id", "label"))
NOISE = Shape(NOISE_FIELDS, ("amount", "source"))
COMBINATORS = ("all", "any", "not", "same_region")
CONDITION = Shape((*COMBINATORS, *REFS, *LEAF_FIELDS))
ALERT = Shape(ALERT_FIELDS, ("id", "level", "when", "message", "action"))
RULE = Shape(RULE_FIELDS, ("id", "when", "because"))
OPS = {op.value: op for op in Op}
NO_SIBLINGS: frozenset[str] = frozenset()
QUESTION_TYPES = {t.value: t for t in QuestionType}
#: Question fields that only some types of question take.
ONLY_FOR = {
    "choices": (QuestionType.SINGLE, QuestionType.MULTI),
    "min": (QuestionType.SCALE, QuestionType.NUMBER, QuestionType.PAIRED),
    "max": (QuestionType.SCALE, QuestionType.NUMBER, QuestionType.PAIRED),
    "integer": (QuestionType.NUMBER, QuestionType.PAIRED),
    "unit": (QuestionType.NUMBER, QuestionType.PAIRED),
    "better": (QuestionType.PAIRED, QuestionType.SCALE, QuestionType.NUMBER),
    "noise": (QuestionType.PAIRED,),
    "anchors": (QuestionType.SCALE,),
    "regions": (QuestionType.BODY_REGIONS,),
    "none": (QuestionType.BODY_REGIONS,),
}

QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
CONTENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
URL = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")


def text_field(
    f: Mapping[str, Node], key: str, sink: Sink, what: str, *, required: bool = False
) -> str | None:
    node = f.get(key)
    if node is None:
        return None
    # Text as expected, read without naming the field (that naming is for a message, and this
    # runs for every text of every question).
    if type(node) is Scalar and node.tag != NULL:
        value: str | None = node.value
    else:
        value = as_str(node, sink, f"{what} '{key}'")
    if value is not None and not value.strip():
        advice = (
            "it is required, so write one" if required else "write something or leave the field out"
        )
        sink.add(node, f"{what} '{key}' is empty; {advice}")
        return None
    if value is not None and len(value) > MAX_TEXT_CHARS:
        sink.add(
            node,
            f"{what} '{key}' is {len(value):,} characters long; keep it under {MAX_TEXT_CHARS:,}",
        )
        return None
    return value.strip() if value is not None else None


def text_list(f: Mapping[str, Node], key: str, sink: Sink, what: str) -> tuple[str, ...]:
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


def content_id(node: Node | None, sink: Sink, what: str) -> str | None:
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


def question_id(node: Node | None, sink: Sink, what: str) -> str | None:
    if node is None:
        return None
    if type(node) is Scalar and node.tag != NULL:  # as_str, without naming it unless needed
        value: str | None = node.value
    else:
        value = as_str(node, sink, f"{what} id")
    if value is not None and not QUESTION_ID.match(value):
        sink.add(
            node,
            f"{what} id '{value}' must start with a letter and use only a-z, 0-9 and _ (like 'knee_worst')",
        )
        return None
    return value
