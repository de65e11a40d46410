"""The JSON Schema of questionnaire files, for editors (yaml-language-server) and other tools.

The loader is the authority (it checks references, order and ranges a schema cannot); this
schema gives editors completion and catches typos early. A test keeps the two field lists equal.
"""

from __future__ import annotations

import json
from typing import Any

from imbalance_cli import bodymap
from imbalance_cli.model import (
    CHOSEN_BY,
    PAIRED_UNITS,
    AlertLevel,
    Op,
    QuestionType,
    Reassess,
    Role,
    Timeframe,
)
from imbalance_cli.questions import ROLE_TYPES
from imbalance_cli.shapes import ONLY_FOR

_ID_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
_CONTENT_ID = "^[a-z0-9][a-z0-9-]{0,79}$"
_TEXT = {"type": "string", "minLength": 1}


def _d(description: str, schema: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """A field's schema with its description (every field has one: editors show it)."""
    return {**(schema or {}), **more, "description": description}


def _text(description: str) -> dict[str, Any]:
    return _d(description, _TEXT)


def _id(description: str) -> dict[str, Any]:
    return _d(description, type="string", pattern=_ID_PATTERN)


def _obj(props: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def _reassess() -> dict[str, Any]:
    return _d(
        "At a re-assessment: ask afresh, confirm (asked with last time's answer chosen), keep "
        "the last answer unasked, or ask only then. Default: pain roles, goal ratings and "
        "paired tests are asked again, the rest kept.",
        enum=[r.value for r in Reassess],
    )


def _condition() -> dict[str, Any]:
    def parts(key: str, description: str) -> dict[str, Any]:
        return _obj(
            {key: _d(description, type="array", minItems=1, items={"$ref": "#/$defs/condition"})},
            [key],
            description,
        )

    leaf_props: dict[str, Any] = {
        "question": _d(
            "The id of an earlier question; 'name.*' means any region's copy of a repeated "
            "question, 'name.knee' both sides of one region, a paired test's id both sides.",
            type="string",
        ),
        Op.EQUALS.value: _d(
            "The answer is this choice id, true/false, number or text.",
            type=["string", "number", "boolean"],
        ),
        Op.IN.value: _d(
            "A single, scale or number answer is one of these choice ids or numbers (on a "
            "multi, use includes_any).",
            type="array",
            minItems=1,
            items={"type": ["string", "number"]},
        ),
        Op.INCLUDES.value: _d(
            "A multi answer has this choice, or a body_regions answer this region ('knee' "
            "matches either side).",
            type="string",
        ),
        "includes_any": _d(
            "A multi or body_regions answer has at least one of these (an 'any' of "
            "'includes' tests).",
            type="array",
            minItems=1,
            items={"type": "string"},
        ),
        "includes_all": _d(
            "A multi or body_regions answer has every one of these (an 'all' of 'includes' tests).",
            type="array",
            minItems=1,
            items={"type": "string"},
        ),
        Op.GTE.value: _d("A scale, number or paired answer is at least this.", type="number"),
        Op.LTE.value: _d("A scale, number or paired answer is at most this.", type="number"),
        Op.ANSWERED.value: _d(
            "true: the question was answered; false: it was skipped or hidden.", type="boolean"
        ),
        Op.SIDE.value: _d(
            "body_regions: every sided region chosen is on this side (both: some on each).",
            enum=["left", "right", "both"],
        ),
        Op.ZONES.value: _d(
            "body_regions: the regions chosen cover at least this many of the five body zones.",
            type="integer",
            minimum=1,
            maximum=5,
        ),
        Op.LSI_BELOW.value: _d(
            "paired: weaker / stronger x 100 is under this, and the sides differ by more than "
            "the test's noise.",
            type="number",
            exclusiveMinimum=0,
            maximum=100,
        ),
        Op.WEAKER.value: _d(
            "paired: this side is the weaker one, by more than the test's noise.",
            enum=["left", "right"],
        ),
        Op.MENTIONS.value: _d(
            "text: the answer holds a word of this word list (library word_lists); with a "
            "list of questions, any of them does.",
            type="string",
            pattern=_ID_PATTERN,
        ),
    }
    leaf_props["question"] = _d(
        "The id of an earlier question; 'name.*' means any region's copy of a repeated "
        "question, 'name.knee' both sides of one region, a paired test's id both sides; a "
        "list of free-text questions goes with 'mentions'.",
        type=["string", "array"],
        items={"type": "string"},
    )
    return {
        "description": "all / any / not / same_region, or one test on one earlier question",
        "oneOf": [
            parts("all", "Every part holds."),
            parts("any", "At least one part holds."),
            _obj(
                {"not": _d("The part does not hold.", {"$ref": "#/$defs/condition"})},
                ["not"],
                "The part does not hold.",
            ),
            _obj(
                {
                    "same_region": _d(
                        "The part holds for one body region, a repeated question meaning that "
                        "region's copy.",
                        {"$ref": "#/$defs/condition"},
                    )
                },
                ["same_region"],
                "The part holds for one body region.",
            ),
            _obj(
                {"pattern": _id("A pattern of this questionnaire ('patterns:') holds.")},
                ["pattern"],
                "A named region pattern holds (alerts and recommendations only).",
            ),
            _obj(
                {"situation": _id("A situation of this questionnaire ('situations:') holds.")},
                ["situation"],
                "A named situation holds (alerts and recommendations only).",
            ),
            {
                **_obj(
                    leaf_props, ["question"], "A test on one question: 'question' and one test."
                ),
                "minProperties": 2,
                "maxProperties": 2,
            },
        ],
    }


def _by_type() -> list[dict[str, Any]]:
    """What the loader checks per question type: fields only some types take, fields some
    types need, and the type each role needs."""
    rules: list[dict[str, Any]] = []
    for qtype in QuestionType:
        banned = [name for name, types in ONLY_FOR.items() if qtype not in types]
        then: dict[str, Any] = {"not": {"anyOf": [{"required": [name]} for name in banned]}}
        if qtype.has_choices:
            then["required"] = ["choices"]
        if qtype is QuestionType.PAIRED:
            then["required"] = ["unit"]
            then["properties"] = {"unit": {"enum": list(PAIRED_UNITS)}}
        rules.append(
            {
                "if": {"properties": {"type": {"const": qtype.value}}, "required": ["type"]},
                "then": then,
            }
        )
    for role in Role:
        rules.append(
            {
                "if": {"properties": {"role": {"const": role.value}}, "required": ["role"]},
                "then": {"properties": {"type": {"enum": [t.value for t in ROLE_TYPES[role]]}}},
            }
        )
    return rules


def build() -> dict[str, Any]:
    choice = _obj(
        {
            "id": _d(
                "The answer this choice gives; unique in the question.",
                type="string",
                pattern="^[a-z0-9][a-z0-9_]{0,63}$",
            ),
            "label": _text("What the person sees."),
            "exclusive": _d(
                "multi: cannot be ticked with anything else (for 'None of these').",
                type="boolean",
            ),
            "help": _text("Shown under the choice while it is highlighted."),
            "for_reader": _text(
                "Why the person reading the summary needs this choice when no condition, "
                "alert or rule reads it (the lint then does not call it unread)."
            ),
        },
        ["id", "label"],
        "One choice of a single or multi question.",
    )
    question = _obj(
        {
            "id": _id(
                "Unique in the file; never reuse one for a different meaning (results keep them)."
            ),
            "type": _d("What kind of answer it takes.", enum=[t.value for t in QuestionType]),
            "text": _text(
                "The question as asked; in a repeated section '{region}' becomes the region "
                "('{exercise}' the exercise), in a paired question '{side}' the side."
            ),
            "label": _text("A short name for summaries and 'because' lines (default: the text)."),
            "help": _text("A line shown above the prompt."),
            "required": _d(
                "Must it be answered? Default true, except for text questions.", type="boolean"
            ),
            "choices": _d(
                "single, multi: at least two choices.", type="array", minItems=2, items=choice
            ),
            "min": _d(
                "scale, number, paired: the lowest answer (a scale's default is 0, a paired "
                "test's 0).",
                type="number",
            ),
            "max": _d(
                "scale, number, paired: the highest answer (a scale's default is 10).",
                type="number",
            ),
            "integer": _d(
                "number, paired: whole numbers only (default true); false allows decimals.",
                type="boolean",
            ),
            "unit": _text(
                "number: any unit, shown with the answer; paired: one of "
                + ", ".join(PAIRED_UNITS)
                + "."
            ),
            "better": _d(
                "paired, and a measure (role: measure): which way is better (default higher: "
                "more is stronger; lower: less is better, such as seconds to finish).",
                enum=["higher", "lower"],
            ),
            "noise": _obj(
                {
                    "amount": _d(
                        "The day-to-day noise, in the test's unit.", type="number", minimum=0
                    ),
                    "source": _text("Where that figure comes from (a citation)."),
                },
                ["amount", "source"],
                "paired: the test's day-to-day noise, with its source; a smaller difference "
                "between sides is not counted as one.",
            ),
            "anchors": _d(
                "scale: labels for points on the scale, such as {0: no pain, 10: worst "
                "imaginable}; whole points within min and max.",
                type="object",
                patternProperties={"^-?[0-9]+$": _TEXT},
                additionalProperties=False,
            ),
            "regions": _d(
                "body_regions: the regions offered (default: all of the body map).",
                type="array",
                items={"enum": list(bodymap.default().ids)},
            ),
            "none": _text(
                "body_regions: the label of an exclusive 'no pain' choice (answered 'none')."
            ),
            "role": _d(
                "What the answer means to summaries, sessions list, compare and progress: "
                "pain_now/pain_best/pain_worst (0-10 scales: per region in a section repeated "
                "per region, else pain overall), pain_exercise (pain during exercise, 0-10), pain (a "
                "0-10 pain of another kind named by its label, such as pain at night), "
                "goal (text) and goal_rating (the scale after it), measure (a scale or number of "
                "your own, named by its label, with 'better').",
                enum=[r.value for r in Role],
            ),
            "for_reader": _d(
                "Why the person reading the summary needs this answer, when nothing that "
                "changes the guidance reads it (the lint then does not call it unread); true "
                "is still read, but with every_answer_used a reason is required.",
                type=["string", "boolean"],
                minLength=1,
            ),
            "known_for_days": _d(
                "A fact about the person (age, writing hand): the client's answer to a question "
                "of the same id, from any questionnaire, within this many days is used without "
                "asking again.",
                type="integer",
                minimum=1,
                maximum=3650,
            ),
            "from": _d(
                "Another questionnaire's id (intake): the client's answer to the question of the "
                "same id in their latest completed session of it is used without asking (asked "
                "when there is none); validate checks that question's type and choices. "
                "'programme' on a multi question without choices: the exercises of the client's "
                "home programme, never asked.",
                type="string",
                pattern=_CONTENT_ID,
            ),
            "reassess": _reassess(),
            "when": _d(
                "Ask the question only when this condition on earlier answers holds.",
                {"$ref": "#/$defs/condition"},
            ),
        },
        ["id", "type", "text"],
        "One question.",
    )
    question["allOf"] = _by_type()
    section = _obj(
        {
            "id": _id("Unique in the file."),
            "title": _text(
                "A heading while asking and in the summary; '{region}' (or '{exercise}') in a "
                "repeated section."
            ),
            "intro": _text("A line under the heading."),
            "when": _d("Skip the whole section unless this holds.", {"$ref": "#/$defs/condition"}),
            "repeat": _d(
                "The id of an earlier body_regions question: ask the section once per region "
                "and side chosen; or of an earlier multi question 'from: programme': once per "
                "exercise of the client's home programme.",
                type="string",
            ),
            "reassess": _reassess(),
            "questions": _d(
                "The questions, asked in order.", type="array", minItems=1, items=question
            ),
        },
        ["id", "title", "questions"],
        "A titled group of questions.",
    )
    alert = _obj(
        {
            "id": _id("Unique in the file."),
            "level": _d(
                "emergency (get help now), urgent (see a doctor within days) or advisory "
                "(mention it to a clinician).",
                enum=[lv.value for lv in AlertLevel],
            ),
            "timeframe": _d(
                "When to act, which the heading shows and the action must give: now "
                "(emergency), today or days (urgent), mention (advisory). Default: the "
                "level's first.",
                enum=[t.value for t in Timeframe],
            ),
            "when": _d(
                "The warning sign, as a condition on answers.", {"$ref": "#/$defs/condition"}
            ),
            "message": _text("What the answer may mean, without naming a diagnosis or a time."),
            "action": _text("What to do and when, in the alert's time frame."),
            "supersedes": _d(
                "Alerts about the same thing, no more urgent, that this one stands for when "
                "both fire (their reasons are kept with it).",
                type="array",
                items={"type": "string", "pattern": _ID_PATTERN},
            ),
        },
        ["id", "level", "when", "message", "action"],
        "A warning sign and what to do about it.",
    )
    named = _obj(
        {
            "id": _id("Unique among the patterns."),
            "label": _text("The pattern in plain words, never a diagnosis."),
            "region": _d("The body region it is about.", enum=list(bodymap.default().ids)),
            "when": _d("When the pattern holds.", {"$ref": "#/$defs/condition"}),
        },
        ["id", "label", "region", "when"],
        "A region pattern a trainer recognises from the answers.",
    )
    situation = _obj(
        {
            "id": _id("A situation of the library's vocabulary (library situations)."),
            "when": _d("When it holds.", {"$ref": "#/$defs/condition"}),
            "regions": _id(
                "A body_regions question whose answer bounds it: it then concerns only library "
                "items about those regions."
            ),
        },
        ["id", "when"],
        "When a situation (pregnancy, recent surgery...) holds.",
    )
    ids = {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "pattern": _CONTENT_ID},
    }
    rule = _obj(
        {
            "id": _id("Unique in the file."),
            "when": _d("When to recommend.", {"$ref": "#/$defs/condition"}),
            "chosen_by": _d(
                "What kind of answer chose it; the plan ranks by it (library guidance).",
                enum=list(CHOSEN_BY),
            ),
            "because": _text(
                "The reason in plain words, shown with the answers that made it true."
            ),
            "note": _text("A line for the plan, in the reader's words."),
            "articles": _d("Article ids of the content library.", ids),
            "strategies": _d("Strategy ids of the content library.", ids),
        },
        ["id", "when", "because"],
        "A recommendation rule: it needs articles, strategies, a note, or several.",
    )
    rule["anyOf"] = [
        {"required": ["articles"]},
        {"required": ["strategies"]},
        {"required": ["note"]},
    ]
    schema = _obj(
        {
            "id": _d(
                "Lowercase words joined by '-'; name the file after it (ID.yaml).",
                type="string",
                pattern=_CONTENT_ID,
            ),
            "title": _text("Shown at the top of the run and of the summary."),
            "version": _d(
                "Your version; it goes into every result with the file's SHA-256.",
                type=["string", "number"],
                minLength=1,
            ),
            "description": _text("One paragraph about the questionnaire."),
            "every_answer_used": _d(
                "Every answer must change the guidance or say why it is kept (for_reader); "
                "the lint's unread finding is then an error.",
                type="boolean",
            ),
            "sections": _d(
                "The sections, asked in order.", type="array", minItems=1, items=section
            ),
            "alerts": _d("Warning signs and what to do.", type="array", items=alert),
            "patterns": _d(
                "Region patterns, named for alerts and rules.", type="array", items=named
            ),
            "situations": _d(
                "When the library's situations hold, named for alerts and rules.",
                type="array",
                items=situation,
            ),
            "recommendations": _d(
                "Rules that choose articles and strategies.", type="array", items=rule
            ),
            "wording": _obj(
                {
                    "closing": _text(
                        "The closing advice when no alert stands (default: the intake's, "
                        "which asks to re-rate the goal activities)."
                    ),
                    "closing_advisory": _text(
                        "The closing advice when only advisory alerts stand; say to mention "
                        "them to a clinician. Under an urgent or emergency alert the closing "
                        "follows the alert and cannot be set."
                    ),
                    "stopped": _text(
                        "Said when an emergency stopped the questionnaire before its end."
                    ),
                    "held_back": _text(
                        "What to do once a doctor has checked, after the line saying that "
                        "content is held back (default: run the intake again)."
                    ),
                },
                [],
                "The summaries' closing, stop and held-back lines in your words; each left "
                "out keeps the intake's.",
            ),
        },
        ["id", "title", "version", "sections"],
        "An imbalance questionnaire (see docs/authoring.md).",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imbalance questionnaire",
        **schema,
        "$defs": {"condition": _condition()},
    }


def render(library: bool = False) -> str:
    from imbalance_cli.schema_library import build_library

    return json.dumps(build_library() if library else build(), indent=2) + "\n"
