"""The JSON Schema of content library files (articles, strategies, exercises, situations, word
lists and the guidance settings), for editors. The loader (library.py, library_items.py) is the
authority; a test keeps the field lists equal.
"""

from __future__ import annotations

from typing import Any

from imbalance_cli import bodymap
from imbalance_cli.model import (
    CHOSEN_BY,
    LIMB_JOINTS,
    MARK_PARTS,
    MARK_WAYS,
    MAX_RAISE,
    PICTURE_BASES,
    PICTURE_FRAMES,
    PICTURE_JOINTS,
    PICTURE_PROPS,
    PICTURE_VIEWS,
)
from imbalance_cli.schema import _CONTENT_ID, _ID_PATTERN, _TEXT, _d, _id, _obj, _text
from imbalance_cli.shapes import WORD_LIST_KINDS


def _safety() -> dict[str, Any]:
    situation = {"type": "string", "pattern": _ID_PATTERN}
    return {
        "regions": _d(
            "The body regions the content speaks about; a rule naming it must make sure one of "
            "them was chosen.",
            type="array",
            items={"enum": list(bodymap.default().ids)},
        ),
        "assumes_no_warning_signs": _d(
            "The advice holds only without warning signs: held back while an urgent or "
            "emergency alert stands.",
            type="boolean",
        ),
        "not_for": _d(
            "Situations (library situations) it does not suit: held back, with the reason, "
            "when one holds.",
            type="array",
            items=situation,
        ),
        "adapt": _d(
            "How it changes for a situation, shown with it when the situation holds.",
            type="object",
            patternProperties={_ID_PATTERN: _TEXT},
            additionalProperties=False,
        ),
    }


def _source() -> dict[str, Any]:
    return _obj(
        {
            "kind": _d(
                "research, guideline or opinion (opinion is always labelled as such).",
                enum=["research", "guideline", "opinion"],
            ),
            "authors": _text(
                "The authors (or the body that published it), as the source lists them."
            ),
            "year": _d("The year of publication.", type="integer", minimum=1800, maximum=2100),
            "title": _text("The source's own title, exactly."),
            "published": _text("Where: journal, volume and pages, or the publisher."),
            "doi": _d("The DOI, like 10.1136/bmj.j5366.", type="string", pattern="^10\\."),
            "pmid": _d("The PubMed id.", type=["string", "integer"], pattern="^[0-9]+$"),
            "url": _d(
                "A plain https:// address you have checked.", type="string", pattern="^https://"
            ),
            "scope": _text(
                "What the source covers, when it is used outside it ('a study of Achilles "
                "tendon pain'); the text must say so too."
            ),
            "citation": _text(
                "Older form: the whole citation in one line (give authors, year, title and a "
                "DOI, PMID or URL instead)."
            ),
            "situations": _d(
                "Situations (library situation ids) whose adapted text this source supports: "
                "it is cited only for a person in one of them.",
                type="array",
                items={"type": "string", "pattern": "^[a-z0-9_]+$"},
            ),
        },
        ["kind"],
        "Where a fact comes from: authors, year, title, and a DOI, PMID or URL.",
    )


#: What each joint's angle means, for editors (docs/authoring.md, Pictures, says more).
JOINT_MEANING = {
    "trunk": "Tilt of the body from upright; forward is positive (-90 lies on the back, 90 face down).",
    "neck": "Head from the line of the trunk; chin toward the chest is positive.",
    "jaw": "Mouth opening (side view) or the chin to the picture's right (front view).",
    "shoulder": "Arm from hanging; forward and up (side) or out to the side (front) is positive.",
    "elbow": "Bend of the elbow; in a front view positive bends toward the midline.",
    "wrist": "Bend of the wrist, positive the way the elbow bends (or toward the midline).",
    "fingers": "Curl of the fingers, 0 straight.",
    "hip": "Thigh from the line of the trunk; forward (side) or out to the side (front) is positive.",
    "knee": "Bend of the knee; in a front view positive bends toward the midline.",
    "ankle": "Foot from square to the shin; toes pointed is positive.",
}


def _angles(joints: tuple[str, ...]) -> dict[str, Any]:
    return {
        j: _d(
            JOINT_MEANING[j],
            type="number",
            minimum=PICTURE_JOINTS[j][0],
            maximum=PICTURE_JOINTS[j][1],
        )
        for j in joints
    }


def _mark(description: str) -> dict[str, Any]:
    return _obj(
        {
            "at": _d("The part of the body it is drawn at.", enum=list(MARK_PARTS)),
            "toward": _d("Which way it points on the picture.", enum=list(MARK_WAYS)),
        },
        ["at", "toward"],
        description,
    )


def _picture() -> dict[str, Any]:
    pose = _obj(
        {
            **_angles(tuple(PICTURE_JOINTS)),
            "one": _obj(
                _angles(LIMB_JOINTS),
                [],
                "Limb angles of one side that differ: the near side (side view), the "
                "picture's right (front view).",
            ),
            "raise": _d(
                "Lifts the body off its base (a hop), in drawing units.",
                type="number",
                minimum=0,
                maximum=MAX_RAISE,
            ),
        },
        [],
        "One position: joint angles in degrees; a joint left out is 0.",
    )
    return _obj(
        {
            "view": _d(
                "Seen from the side (facing right), the front, or above.", enum=list(PICTURE_VIEWS)
            ),
            "base": _d("What the body rests on.", enum=list(PICTURE_BASES)),
            "frame": _d(
                "How close: the whole body (default), upper body, head or hand.",
                enum=list(PICTURE_FRAMES),
            ),
            "start": pose,
            "end": pose,
            "props": _d(
                "What is drawn with the body.", type="array", items={"enum": list(PICTURE_PROPS)}
            ),
            "turn": _mark(
                "A curved arrow on the end position around a part that turns (a rotation the "
                "flat drawing cannot show)."
            ),
            "push": _mark(
                "A short arrow on the end position where the body pushes or squeezes without "
                "moving (a hold)."
            ),
        },
        ["view", "base", "start", "end"],
        "The exercise's line drawing: its start and end positions as joint angles.",
    )


def build_library() -> dict[str, Any]:
    """The JSON Schema of content library files."""
    content_id = _d(
        "Unique across every library file, bundled and yours (articles and strategies share "
        "one id space); rules name it.",
        type="string",
        pattern=_CONTENT_ID,
    )
    tags = _d("Words to find it by (imbalance library --tag).", type="array", items=_TEXT)
    sources = _d("At least one source.", type="array", minItems=1, items=_source())
    general = _d(
        "General guidance for every plan (the 0-10 rule...): one short box, not a ranked item.",
        type="boolean",
    )
    article = _obj(
        {
            "id": content_id,
            "title": _text("The article's title."),
            "summary": _text("What it says, in your own words."),
            "opinion": _text("A practitioner's view, shown labelled as opinion."),
            "tags": tags,
            "general": general,
            **_safety(),
            "sources": sources,
        },
        ["id", "title", "summary", "sources"],
        "An article: what to read, with its sources.",
    )
    exercise_ids = _d(
        "Exercise ids of the library, in order.",
        type="array",
        minItems=1,
        items={"type": "string", "pattern": _CONTENT_ID},
    )
    rung = _obj(
        {
            "from_rating": _d(
                "The goal rating (0-10) from which this step applies.",
                type="integer",
                minimum=0,
                maximum=10,
            ),
            "step": _text("What to do at this step."),
        },
        ["from_rating", "step"],
        "A step back to an activity.",
    )
    strategy = _obj(
        {
            "id": content_id,
            "title": _text("The strategy's title."),
            "summary": _text("What it is and why, in your own words."),
            "exercises": exercise_ids,
            "steps": _d("What to do, step by step.", type="array", minItems=1, items=_TEXT),
            "dose": _text("How much and how often."),
            "progress": _text("Signs it is working."),
            "easier": _text("How to make it easier."),
            "harder": _text("How to make it harder."),
            "stop": _text("When to stop and get checked."),
            "activity": _d(
                "A word list of kind activity: a goal naming it links to this ladder.",
                type="string",
                pattern=_ID_PATTERN,
            ),
            "ladder": _d(
                "Steps back to the activity, chosen by the goal's rating (the first from 0).",
                type="array",
                minItems=1,
                items=rung,
            ),
            "tags": tags,
            "general": general,
            **_safety(),
            "sources": sources,
        },
        ["id", "title", "summary", "dose", "progress", "stop", "sources"],
        "An exercise strategy: exercises and/or steps, how much, easier and harder, when to stop.",
    )
    count = {"type": "integer", "minimum": 1}
    dose = _obj(
        {
            "sets": _d("Sets.", count, maximum=10),
            "reps": _d("Repetitions (or holds) a set.", count, maximum=100),
            "hold": _d("Seconds each hold lasts.", count, maximum=600),
            "minutes": _d("Minutes, for an exercise done by time.", count, maximum=240),
            "rest": _d("Seconds of rest between sets.", count, maximum=600),
            "days": _d("Days a week (7: daily).", count, maximum=7),
            "per_side": _d("Each side in turn.", type="boolean"),
        },
        [],
        "How much: reps, hold or minutes, and the rest as needed.",
    )
    exercise = _obj(
        {
            "id": _d(
                "Unique among exercises; strategies name it.", type="string", pattern=_CONTENT_ID
            ),
            "name": _text("The exercise's name."),
            "trains": _text("What it trains, in plain words."),
            "steps": _d("How to do it.", type="array", minItems=1, items=_TEXT),
            "cues": _d("Short reminders while doing it.", type="array", items=_TEXT),
            "dose": dose,
            "easier": _d("The easier version's id.", type="string", pattern=_CONTENT_ID),
            "harder": _d("The harder version's id.", type="string", pattern=_CONTENT_ID),
            "regions": _safety()["regions"],
            "not_for": _safety()["not_for"],
            "adapt": _safety()["adapt"],
            "sources": sources,
            "picture": _picture(),
        },
        ["id", "name", "trains", "steps", "dose", "sources"],
        "One exercise: how to do it, how much, its versions and its sources.",
    )
    situation = _obj(
        {
            "id": _d(
                "The situation's id; questionnaires and items name it.",
                type="string",
                pattern=_ID_PATTERN,
            ),
            "label": _text("In a sentence: 'it does not suit <label>'."),
            "note": _text("What the reader is told when it holds."),
            "sources": _d("Where its advice comes from.", type="array", items=_source()),
        },
        ["id", "label", "note"],
        "A situation that changes what is safe or fitting.",
    )
    word_list = _obj(
        {
            "id": _d("Questionnaires name it in 'mentions'.", type="string", pattern=_ID_PATTERN),
            "label": _text("What the words are about."),
            "kind": _d(
                "warning: found, it brings a confirmation question; activity: it links a goal "
                "to its steps back.",
                enum=list(WORD_LIST_KINDS),
            ),
            "words": _d(
                "Words and phrases, any case; '*' ends a stem.",
                type="array",
                minItems=1,
                items=_TEXT,
            ),
            "situations": _d(
                "Read in free text only of a person in one of these situations (library "
                "situation ids); without it, of everyone.",
                type="array",
                items={"type": "string", "pattern": _ID_PATTERN},
            ),
        },
        ["id", "label", "kind", "words"],
        "Words that free text is read for.",
    )
    guidance = _obj(
        {
            "ranking": _d(
                "How much each kind of reason counts towards the plan's order.",
                type="object",
                properties={
                    k: _d(f"The score of a rule chosen by {k}.", type="integer", minimum=0)
                    for k in CHOSEN_BY
                },
                additionalProperties=False,
            ),
            "pain_weight": _d(
                "Points per point of worst pain in the person's own area an item is about.",
                type="integer",
                minimum=0,
            ),
            "plan_size": _d("How many items the plan leads with.", type="integer", minimum=1),
            "max_grade": _d("The reading grade client text keeps under.", type="number"),
            "max_sentence_words": _d("The longest sentence of client text.", type="integer"),
        },
        [],
        "Settings of the plan and of the reading level.",
    )
    programme = _programme()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imbalance content library",
        **_obj(
            {
                "articles": _d("Articles.", type="array", items=article),
                "strategies": _d("Exercise strategies.", type="array", items=strategy),
                "exercises": _d("Exercises.", type="array", items=exercise),
                "situations": _d("Situations.", type="array", items=situation),
                "word_lists": _d("Word lists.", type="array", items=word_list),
                "guidance": guidance,
                "programme": programme,
            },
            [],
            "Articles, strategies, exercises, situations, word lists, guidance and programme settings "
            "(see docs/authoring.md).",
        ),
    }


def _programme() -> dict[str, Any]:
    """The home programme's settings: sizes, the log's sensations and warning signs, and the
    dose rules (programme/data.py reads them)."""
    from imbalance_cli.programme.model import ACTIONS, DONE, LEVELS, MORNINGS, TIMEFRAMES

    whole: dict[str, Any] = {"type": "integer", "minimum": 0}
    sensation = _obj(
        {
            "id": _id("The sensation's id (dose rules name it)."),
            "label": _text("As the log asks about it."),
            "says": _text("What it means and what to do: shown with the next dose."),
            "per_exercise": _d("Asked 'during which exercise?'.", type="boolean"),
            "article": _d("An article to read when it is met.", type="string", pattern=_CONTENT_ID),
        },
        ["id", "label", "says"],
        "A sensation met while retraining muscles, and its response.",
    )
    warning = _obj(
        {
            "id": _id("The warning sign's id."),
            "label": _text("As the log asks about it."),
            "level": _d("How urgent.", enum=list(LEVELS)),
            "timeframe": _d("When to act (default: the level's first).", enum=list(TIMEFRAMES)),
            "situations": _d(
                "Asked only of a client in one of these situations.",
                type="array",
                items={"type": "string", "pattern": _ID_PATTERN},
            ),
            "words": _d(
                "Word lists the log's note is read for; a word found asks about it.",
                type="array",
                items={"type": "string", "pattern": _ID_PATTERN},
            ),
            "message": _text("What it may mean."),
            "action": _text("What to do, and that the programme stops."),
        },
        ["id", "label", "level", "message", "action"],
        "A warning sign a log entry may report: it raises an alert and stops the programme.",
    )
    rule = _obj(
        {
            "id": _d("The rule's id.", type="string", pattern=_CONTENT_ID),
            "action": _d("What it decides.", enum=list(ACTIONS)),
            "says": _text("Why, in the reader's words."),
            "over": _d(
                "The last N logged sessions of the exercise, or 'all' since the dose last changed.",
                anyOf=[whole, {"const": "all"}],
            ),
            "count": _d("How many of them must match (default: all).", **whole),
            "pain_above": _d("Pain during above this.", **whole),
            "pain_at_most": _d("Pain during at most this.", **whole),
            "mornings": _d(
                "The next morning was one of these.", type="array", items={"enum": list(MORNINGS)}
            ),
            "sensation": _d(
                "This sensation was met (during this exercise, if asked so).",
                type="string",
                pattern=_ID_PATTERN,
            ),
            "done": _d("Done in one of these ways.", type="array", items={"enum": list(DONE)}),
            "gap_days": _d("More than this many days since it was last done.", **whole),
        },
        ["id", "action", "says"],
        "A dose rule: the first that holds decides.",
    )
    return _obj(
        {
            "size": _d("Exercises a new programme proposes.", **whole),
            "max_size": _d("The most a programme holds.", **whole),
            "log_weeks": _d("Weeks of the printed log grid.", **whole),
            "step": _d(
                "Added to a dose when the rules say progress.",
                type="object",
                properties={
                    k: _d(f"Added to '{k}'.", **whole) for k in ("reps", "hold", "minutes")
                },
                additionalProperties=False,
            ),
            "steps_before_harder": _d("Progress steps before the harder version.", **whole),
            "progress_every_days": _d("Days a dose is kept before it goes up again.", **whole),
            "default_says": _text("Said when no rule holds."),
            "stop": _d("When to stop, for the sheet.", type="array", items=_TEXT),
            "sensations": _d("Sensations a log asks about.", type="array", items=sensation),
            "warnings": _d("Warning signs a log asks about.", type="array", items=warning),
            "rules": _d("Dose rules, in order.", type="array", items=rule),
            "sources": _d("Where the rules come from.", type="array", items=_source()),
        },
        ["sensations", "warnings", "rules"],
        "The home programme: sizes, the log's questions, and the dose rules.",
    )
