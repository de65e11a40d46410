"""The JSON Schema of questionnaire files, for editors (yaml-language-server) and other tools.

The loader is the authority (it checks references, order and ranges a schema cannot); this
schema gives editors completion and catches typos early. A test keeps the two field lists equal.
"""

from __future__ import annotations

import json
from typing import Any

from imbalance_cli import bodymap
from imbalance_cli.model import PAIRED_UNITS, AlertLevel, Op, QuestionType, Reassess, Role

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
_TEXT = {"type": "string", "minLength": 1}
_REASSESS = {
    "enum": [r.value for r in Reassess],
    "description": "at a re-assessment: ask again, keep the last answer, or ask only then "
    "(default: pain and goal ratings and paired tests are asked again, the rest kept)",
}


def _obj(props: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def build() -> dict[str, Any]:
    scalar = {"type": ["string", "number", "boolean"]}
    leaf_props: dict[str, Any] = {
        "question": {
            "type": "string",
            "description": "an earlier question's id; 'name.*' = any region's copy",
        }
    }
    leaf_props[Op.EQUALS.value] = scalar
    leaf_props[Op.IN.value] = {"type": "array", "items": {"type": ["string", "number"]}}
    leaf_props[Op.INCLUDES.value] = {"type": "string"}
    leaf_props[Op.GTE.value] = {"type": "number"}
    leaf_props[Op.LTE.value] = {"type": "number"}
    leaf_props[Op.ANSWERED.value] = {"type": "boolean"}
    leaf_props[Op.SIDE.value] = {
        "enum": ["left", "right", "both"],
        "description": "body_regions: every sided region on this side (both: on each side)",
    }
    leaf_props[Op.ZONES.value] = {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
        "description": "body_regions: covers at least this many of the five body zones",
    }
    leaf_props[Op.LSI_BELOW.value] = {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 100,
        "description": "paired: weaker / stronger x 100 is under this, and the sides differ by "
        "more than the test's noise",
    }
    leaf_props[Op.WEAKER.value] = {
        "enum": ["left", "right"],
        "description": "paired: this side is the weaker one, by more than the test's noise",
    }
    condition = {
        "description": "all / any / not, or one test on one earlier question",
        "oneOf": [
            _obj(
                {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
                ["all"],
                "every part holds",
            ),
            _obj(
                {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
                ["any"],
                "at least one part holds",
            ),
            _obj({"not": {"$ref": "#/$defs/condition"}}, ["not"], "the part does not hold"),
            _obj(
                {"same_region": {"$ref": "#/$defs/condition"}},
                ["same_region"],
                "the part holds for one body region, repeated questions meaning its copy",
            ),
            {
                **_obj(leaf_props, ["question"], "a test on one question"),
                "minProperties": 2,
                "maxProperties": 2,
            },
        ],
    }
    choice = _obj(
        {
            "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_]{0,63}$"},
            "label": _TEXT,
            "exclusive": {"type": "boolean"},
            "help": _TEXT,
        },
        ["id", "label"],
        "one choice of a single or multi question",
    )
    question = _obj(
        {
            "id": _ID,
            "type": {"enum": [t.value for t in QuestionType]},
            "text": _TEXT,
            "label": {**_TEXT, "description": "short name for summaries"},
            "help": _TEXT,
            "required": {"type": "boolean"},
            "choices": {"type": "array", "minItems": 2, "items": choice},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "integer": {"type": "boolean"},
            "unit": {
                **_TEXT,
                "description": "number: any unit; paired: one of " + ", ".join(PAIRED_UNITS),
            },
            "better": {
                "enum": ["higher", "lower"],
                "description": "paired: which way is better (default higher: more is stronger)",
            },
            "noise": _obj(
                {"amount": {"type": "number", "minimum": 0}, "source": _TEXT},
                ["amount", "source"],
                "paired: the test's day-to-day noise in its unit, with the source that gives it; "
                "a smaller difference between sides is not counted",
            ),
            "anchors": {
                "type": "object",
                "patternProperties": {"^[0-9]+$": _TEXT},
                "additionalProperties": False,
            },
            "regions": {"type": "array", "items": {"enum": list(bodymap.default().ids)}},
            "none": {
                **_TEXT,
                "description": "body_regions: label of an exclusive 'no pain' choice (answer 'none')",
            },
            "role": {
                "enum": [r.value for r in Role],
                "description": "what the answer means to summaries, lists and comparisons",
            },
            "reassess": _REASSESS,
            "when": {"$ref": "#/$defs/condition"},
        },
        ["id", "type", "text"],
        "one question",
    )
    section = _obj(
        {
            "id": _ID,
            "title": _TEXT,
            "intro": _TEXT,
            "when": {"$ref": "#/$defs/condition"},
            "repeat": {
                "type": "string",
                "description": "ask this section once per region chosen in this body_regions question",
            },
            "reassess": _REASSESS,
            "questions": {"type": "array", "minItems": 1, "items": question},
        },
        ["id", "title", "questions"],
        "a titled group of questions",
    )
    alert = _obj(
        {
            "id": _ID,
            "level": {"enum": [lv.value for lv in AlertLevel]},
            "when": {"$ref": "#/$defs/condition"},
            "message": _TEXT,
            "action": _TEXT,
        },
        ["id", "level", "when", "message", "action"],
        "a warning sign and what to do about it",
    )
    ids = {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"}}
    rule = _obj(
        {
            "id": _ID,
            "when": {"$ref": "#/$defs/condition"},
            "because": _TEXT,
            "articles": ids,
            "strategies": ids,
        },
        ["id", "when", "because"],
        "a recommendation rule",
    )
    schema = _obj(
        {
            "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"},
            "title": _TEXT,
            "version": {"type": ["string", "number"]},
            "description": _TEXT,
            "sections": {"type": "array", "minItems": 1, "items": section},
            "alerts": {"type": "array", "items": alert},
            "recommendations": {"type": "array", "items": rule},
        },
        ["id", "title", "version", "sections"],
        "An imbalance questionnaire (see docs/authoring.md)",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imbalance questionnaire",
        **schema,
        "$defs": {"condition": condition},
    }


def build_library() -> dict[str, Any]:
    """The JSON Schema of content library files (articles and strategies)."""
    content_id = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"}
    texts = {"type": "array", "items": _TEXT}
    safety: dict[str, Any] = {
        "regions": {
            "type": "array",
            "items": {"enum": list(bodymap.default().ids)},
            "description": "the body regions the content speaks about; a rule naming it must "
            "test one of them",
        },
        "assumes_no_warning_signs": {
            "type": "boolean",
            "description": "the advice holds only without warning signs: held back while an "
            "urgent or emergency alert stands",
        },
    }
    source = _obj(
        {
            "kind": {"enum": ["research", "guideline", "opinion"]},
            "citation": _TEXT,
            "url": {"type": "string", "pattern": "^https://"},
        },
        ["kind", "citation"],
        "where a fact comes from; opinion is labelled as such",
    )
    article = _obj(
        {
            "id": content_id,
            "title": _TEXT,
            "summary": _TEXT,
            "opinion": {**_TEXT, "description": "a practitioner's view, shown as opinion"},
            "tags": texts,
            **safety,
            "sources": {"type": "array", "minItems": 1, "items": source},
        },
        ["id", "title", "summary", "sources"],
        "an article: what to read, with its sources",
    )
    strategy = _obj(
        {
            "id": content_id,
            "title": _TEXT,
            "summary": _TEXT,
            "steps": {"type": "array", "minItems": 1, "items": _TEXT},
            "dose": _TEXT,
            "progress": {**_TEXT, "description": "signs it is working"},
            "stop": {**_TEXT, "description": "when to stop"},
            "tags": texts,
            **safety,
        },
        ["id", "title", "summary", "steps", "dose", "progress", "stop"],
        "an exercise strategy: what to do, how much, and when to stop",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imbalance content library",
        **_obj(
            {
                "articles": {"type": "array", "items": article},
                "strategies": {"type": "array", "items": strategy},
            },
            [],
            "Articles and exercise strategies (see docs/authoring.md)",
        ),
    }


def render(library: bool = False) -> str:
    return json.dumps(build_library() if library else build(), indent=2) + "\n"
