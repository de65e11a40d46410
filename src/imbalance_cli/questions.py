"""Reading one question of a questionnaire file (the loader's first pass): its type, the fields
that type takes, choices, scale anchors, roles, what a re-assessment does with it, and the two
sides of a paired (left/right) measurement.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from imbalance_cli.model import (
    FROM_PROGRAMME,
    PAIRED_UNITS,
    SIDES,
    BodyMap,
    Choice,
    Question,
    QuestionType,
    Reassess,
    Role,
    Section,
)
from imbalance_cli.shapes import (
    CHOICE,
    CHOICE_ID,
    NOISE,
    ONLY_FOR,
    QUESTION,
    QUESTION_TYPES,
    content_id,
    question_id,
    text_field,
)
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    BOOL,
    Map,
    Node,
    Scalar,
    Shape,
    Sink,
    as_bool,
    as_list,
    as_number,
    as_str,
    fields,
)


def read_question(
    node: Node,
    sink: Sink,
    section: str,
    bodymap: BodyMap,
    section_reassess: Reassess | None = None,
    repeated: bool = False,
) -> list[tuple[Question, Node | None]]:
    """One question as the model holds it, with its raw condition; a paired question becomes
    its left and right copies. Nothing when it is too broken to read further."""
    f = fields(node, sink, "a question", QUESTION)
    if f is None:
        return []
    qid = question_id(f.get("id"), sink, "question")
    text = text_field(f, "text", sink, "question")
    qtype: QuestionType | None = None
    if "type" in f:
        type_text = as_str(f["type"], sink, "question type")
        if type_text is not None:
            qtype = QUESTION_TYPES.get(type_text)
            if qtype is None:
                names = list(QUESTION_TYPES)
                sink.add(
                    f["type"],
                    f"unknown question type '{type_text}'{suggest(type_text, names)} (one of: {', '.join(names)})",
                )
    if qid is None or text is None or qtype is None:
        return []
    what = f"question '{qid}'"
    # Fields that only some types take: report the misplaced ones and read no further.
    for key in [k for k in f if k in ONLY_FOR and qtype not in ONLY_FOR[k]]:
        kinds = " or ".join(t.value for t in ONLY_FOR[key])
        sink.add(f[key], f"'{key}' only applies to {kinds} questions, and {what} is {qtype.value}")
        del f[key]

    source = content_id(f.get("from"), sink, "questionnaire") if "from" in f else None
    programme = source == FROM_PROGRAMME
    if programme and qtype is not QuestionType.MULTI:
        sink.add(f["from"], f"'from: {FROM_PROGRAMME}' is for a multi question (the exercises of "
                 f"the client's programme), and {what} is {qtype.value}")  # fmt: skip
        programme = False
    required = qtype is not QuestionType.TEXT and not programme
    if "required" in f and programme:
        sink.add(f["required"], f"{what} takes its answer from the client's programme and is "
                 "never asked, so it is never required; remove 'required'")  # fmt: skip
    elif "required" in f:
        value = as_bool(f["required"], sink, "required")
        required = required if value is None else value

    choices: list[Choice] = []
    if "choices" in f and programme:
        sink.add(f["choices"], f"{what} is 'from: {FROM_PROGRAMME}': its choices are the "
                 "library's exercises; remove 'choices'")  # fmt: skip
    elif "choices" in f:
        choices = _choices(f["choices"], sink, qtype, what)
    elif qtype.has_choices and not programme:
        sink.add(node, f"{what} is {qtype.value} and needs 'choices'")

    minimum: float | None = 0 if qtype in (QuestionType.SCALE, QuestionType.PAIRED) else None
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
    unit = text_field(f, "unit", sink, "question")
    if qtype is QuestionType.PAIRED:
        if unit is None:
            sink.add(node, f"{what} is paired and needs a 'unit' ({', '.join(PAIRED_UNITS)})")
        elif unit not in PAIRED_UNITS:
            sink.add(
                f["unit"],
                f"unknown unit '{unit}' for a paired question{suggest(unit, PAIRED_UNITS)} "
                f"(one of: {', '.join(PAIRED_UNITS)})",
            )
        if repeated:
            sink.add(
                node,
                f"{what} is paired (it has its own left and right) and cannot be in a section "
                "repeated per region",
            )

    anchors: list[tuple[int, str]] = []
    if "anchors" in f:
        low, high = int(minimum or 0), int(maximum or 10)
        points = _points(low, high)
        raw_anchors = f["anchors"]
        if isinstance(raw_anchors, Map):
            # A point off the scale is named as such, never "did you mean" another point.
            outside = [
                k
                for k, _ in raw_anchors.value
                if isinstance(k, Scalar) and k.value not in points.allowed
            ]
            raw_anchors = Map(
                [(k, v) for k, v in raw_anchors.value if k not in outside], raw_anchors.start_mark
            )
            for key_node in outside:
                assert isinstance(key_node, Scalar)
                sink.add(
                    key_node,
                    f"anchor point '{key_node.value}' is not on the scale {low}-{high}; anchor whole points from {low} to {high}",
                )
        anchor_map = fields(raw_anchors, sink, "anchors", points)
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
            if bodymap.get(rid) is None:
                sink.add(
                    item,
                    f"unknown body region '{rid}'{suggest(rid, bodymap.ids)} (known: {', '.join(bodymap.ids)})",
                )
            elif rid in allowed_regions:
                sink.add(item, f"region '{rid}' is listed twice")
            else:
                allowed_regions.append(rid)

    better = "higher"
    if "better" in f:
        better_text = as_str(f["better"], sink, "better")
        if better_text in ("higher", "lower"):
            better = better_text
        elif better_text is not None:
            sink.add(f["better"], f"'better' is higher or lower, not '{better_text}'")
    noise, noise_source = _noise(f.get("noise"), sink)
    role = _role(f.get("role"), qtype, sink, qid)
    if "better" in f and qtype is not QuestionType.PAIRED and role is not Role.MEASURE:
        sink.add(f["better"], "'better' is for left/right tests and measures (role: measure)")
    for_reader = _for_reader(f.get("for_reader"), sink)
    question = Question(
        id=qid,
        type=qtype,
        text=text,
        section=section,
        label=text_field(f, "label", sink, "question") or "",
        help=text_field(f, "help", sink, "question"),
        required=required,
        choices=tuple(choices),
        minimum=minimum,
        maximum=maximum,
        integer=integer if qtype in (QuestionType.NUMBER, QuestionType.PAIRED) else True,
        unit=unit,
        anchors=tuple(sorted(anchors)),
        regions=tuple(allowed_regions),
        none_label=text_field(f, "none", sink, "question"),
        role=role,
        for_reader=for_reader,
        known_for_days=_days(f.get("known_for_days"), sink),
        from_questionnaire=source,
        reassess=_reassess(f.get("reassess"), sink, section_reassess, qtype, role),
        better=better,
        noise=noise,
        noise_source=noise_source,
        location=sink.at(node),
    )
    if qtype is not QuestionType.PAIRED:
        return [(question, f.get("when"))]
    return [(_side(question, side), f.get("when")) for side in SIDES]


def _days(node: Node | None, sink: Sink) -> int | None:
    """``known_for_days``: a whole number of days, 1 to 3650."""
    if node is None:
        return None
    value = as_number(node, sink, "known_for_days")
    if value is None:
        return None
    if not isinstance(value, int) or not 1 <= value <= 3650:
        sink.add(node, f"known_for_days is a whole number of days from 1 to 3650, not {value}")
        return None
    return value


def _for_reader(node: Node | None, sink: Sink) -> str | bool:
    """``for_reader: why the reader needs it`` (the reason is shown with the answer); ``true``
    is still read, from files written before reasons were asked for."""
    if node is None:
        return False
    if isinstance(node, Scalar) and node.tag == BOOL:
        return bool(as_bool(node, sink, "for_reader"))
    reason = as_str(node, sink, "for_reader")
    if reason is not None and not reason.strip():
        sink.add(node, "for_reader is empty; say why the reader needs this answer")
        return False
    return reason.strip() if reason else False


def _side(question: Question, side: str) -> Question:
    """One side's copy of a paired question: ``grip.left``, asked as a number."""
    text = question.text
    text = text.replace("{side}", side) if "{side}" in text else f"{text} ({side} side)"
    label = (question.label or question.text).replace("{side}", side)
    return replace(
        question,
        id=f"{question.id}.{side}",
        text=text,
        label=f"{label} ({side})",
        help=question.help.replace("{side}", side) if question.help else None,
        pair=question.id,
        side=side,
    )


def read_reassess(node: Node | None, sink: Sink) -> Reassess | None:
    if node is None:
        return None
    name = as_str(node, sink, "reassess")
    if name is None:
        return None
    names = [r.value for r in Reassess]
    if name not in names:
        sink.add(node, f"'reassess' is one of {', '.join(names)}, not '{name}'")
        return None
    return Reassess(name)


def _reassess(
    node: Node | None,
    sink: Sink,
    section_default: Reassess | None,
    qtype: QuestionType,
    role: Role | None,
) -> Reassess:
    """Its own setting, else its section's, else: ratings of pain and goals and side-to-side
    measurements are asked again, everything else is carried over."""
    own = read_reassess(node, sink)
    if own is not None:
        return own
    if section_default is not None:
        return section_default
    if qtype is QuestionType.PAIRED or (
        role is not None and (role.is_pain or role is Role.GOAL_RATING)
    ):
        return Reassess.ASK
    return Reassess.KEEP


def _noise(node: Node | None, sink: Sink) -> tuple[float | None, str | None]:
    """``noise: {amount: 6, source: "..."}``: the day-to-day noise of a test in its unit; a
    difference no larger is not counted as a difference. The source is required."""
    if node is None:
        return None, None
    f = fields(node, sink, "noise", NOISE)
    if f is None:
        return None, None
    amount = as_number(f["amount"], sink, "noise amount") if "amount" in f else None
    if amount is not None and amount < 0:
        sink.add(f["amount"], "a noise amount cannot be negative")
        amount = None
    source = text_field(f, "source", sink, "noise", required=True)
    return amount, source


ROLE_TYPES: dict[Role, tuple[QuestionType, ...]] = {
    Role.PAIN_NOW: (QuestionType.SCALE,),
    Role.PAIN_BEST: (QuestionType.SCALE,),
    Role.PAIN_WORST: (QuestionType.SCALE,),
    Role.PAIN_EXERCISE: (QuestionType.SCALE,),
    Role.PAIN: (QuestionType.SCALE,),
    Role.GOAL: (QuestionType.TEXT,),
    Role.GOAL_RATING: (QuestionType.SCALE,),
    Role.MEASURE: (QuestionType.SCALE, QuestionType.NUMBER),
}


def _role(node: Node | None, qtype: QuestionType, sink: Sink, qid: str) -> Role | None:
    if node is None:
        return None
    name = as_str(node, sink, "role")
    if name is None:
        return None
    names = [r.value for r in Role]
    if name not in names:
        sink.add(node, f"unknown role '{name}'{suggest(name, names)} (one of: {', '.join(names)})")
        return None
    role = Role(name)
    if qtype not in ROLE_TYPES[role]:
        kinds = " or ".join(t.value for t in ROLE_TYPES[role])
        sink.add(node, f"role '{name}' is for {kinds} questions; '{qid}' is {qtype.value}")
        return None
    return role


def check_roles(sections: list[Section], sink: Sink) -> None:
    """A pain role once per section (per region in a section repeated per region; outside
    them it is pain overall, or during exercise); a goal rating follows a goal."""
    for section in sections:
        seen: dict[Role, Question] = {}
        for question in section.questions:
            role = question.role
            if role is None:
                continue
            if role.is_pain and role in seen:
                sink.add_at(
                    question.location,
                    f"role '{role.value}' is given twice in this section (also "
                    f"'{seen[role].id}'); summaries read one answer per role and section: give "
                    "the other its own section, or another role (pain, named by its label, or "
                    "measure)",
                )
            seen.setdefault(role, question)
    waiting = False
    for question in (q for s in sections for q in s.questions):
        if question.role is Role.GOAL:
            waiting = True
        elif question.role is Role.GOAL_RATING:
            if not waiting:
                sink.add_at(
                    question.location,
                    f"role 'goal_rating' of '{question.id}' needs a question with role 'goal' before it",
                )
            waiting = False


@lru_cache(maxsize=64)
def _points(low: int, high: int) -> Shape:
    """The points of a scale from low to high, as the fields its anchors may name (one shape
    per scale, not one per question)."""
    return Shape([str(i) for i in range(low, high + 1)])


def _choices(node: Node, sink: Sink, qtype: QuestionType, what: str) -> list[Choice]:
    items = as_list(node, sink, "choices")
    if items is None:
        return []
    if len(items) < 2:
        sink.add(node, f"{what} needs at least two choices")
    out: list[Choice] = []
    seen: set[str] = set()
    for item in items:
        f = fields(item, sink, "a choice", CHOICE)
        if f is None:
            continue
        cid = as_str(f["id"], sink, "choice id") if "id" in f else None
        if cid is not None and not CHOICE_ID.match(cid):
            sink.add(
                f["id"], f"choice id '{cid}' must use only a-z, 0-9 and _ (like 'saddle_numbness')"
            )
            cid = None
        label = text_field(f, "label", sink, "choice")
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
        reason = text_field(f, "for_reader", sink, "choice")
        out.append(
            Choice(
                cid,
                label,
                exclusive,
                text_field(f, "help", sink, "choice"),
                reason,
                sink.at(item),
            )
        )
    return out
