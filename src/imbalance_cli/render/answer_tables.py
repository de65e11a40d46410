"""The answers in a summary: each section's answers as a list, the paired tests as a table of
sides and their symmetry index, and a section repeated per region or per exercise as one table
(a row each)."""

from __future__ import annotations

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import BodyMap, Question, QuestionType, Result, Section, exercise_name
from imbalance_cli.rules import describe_answer
from imbalance_cli.symmetry import format_value, reading, symmetries
from imbalance_cli.text import md


def _bodymap(result: Result) -> BodyMap:
    return result.questionnaire.bodymap or bodymaps.default()


def answers(result: Result) -> list[str]:
    out: list[str] = []
    sections = result.questionnaire.sections
    done: set[str] = set()
    told = False
    for section in sections:
        if section.repeated:
            base = section.id.split(".", 1)[0]
            if base in done:
                continue
            done.add(base)
            copies = [s for s in sections if s.repeated and s.id.split(".", 1)[0] == base]
            out += _region_table(section, copies, result)
            continue
        rows = [
            f"- **{md(q.short)}:** {md(describe_answer(q, result.answers[q.id], _bodymap(result)))}"
            for q in section.questions
            if result.answers.get(q.id) is not None and q.type is not QuestionType.PAIRED
        ]
        table = symmetry_table(result, section)
        if rows and not told and _none_here_but_signs_above(result, section):
            told = True  # once, at the first (the screen): not under every "None" after it
            rows.append(
                "- *None of these was chosen here; the warning signs at the top of this summary "
                "came from later answers.*"
            )
        if rows or table:
            out += [
                f"## {md(section.title)}",
                "",
                *rows,
                *([""] if rows and table else []),
                *table,
                "",
            ]
    return out


def _none_here_but_signs_above(result: Result, section: Section) -> bool:
    """Did this section's warning-sign lists get "None of these" while an alert stands (from a
    later answer)? "Warning signs needing a doctor: None of these" under the alert boxes read
    as a contradiction."""
    if not result.alerts:
        return False
    from imbalance_cli.model import Leaf, Not

    def ids(condition: object) -> set[str]:
        if isinstance(condition, Leaf):
            return {condition.question, *condition.questions}
        if isinstance(condition, Not):
            return ids(condition.item)
        return {i for item in getattr(condition, "items", ()) for i in ids(item)}

    read = {i for alert in result.questionnaire.alerts for i in ids(alert.when)}
    return any(
        q.id in read
        and any(c.exclusive for c in q.choices)
        and result.answers.get(q.id) == tuple(c.id for c in q.choices if c.exclusive)[:1]
        for q in section.questions
    )


def symmetry_table(result: Result, section: Section | None = None) -> list[str]:
    """The paired tests (of one section, or all) as a table: each side, the limb symmetry index
    and whether the gap is more than the test's day-to-day noise."""
    if section is not None and all(q.pair is None for q in section.questions):
        return []  # no paired test here: not a walk of every question, once per section
    tests = [
        s
        for s in symmetries(result.questionnaire, result.answers)
        if section is None
        or any(q.pair == s.test and q.section == section.id for q in section.questions)
    ]
    if not tests:
        return []
    out = [
        "| Test | Left | Right | Symmetry index | Reading |",
        "|---|---|---|---|---|",
    ]
    for s in tests:
        lsi = f"{s.lsi:g}%" if s.lsi is not None else "–"
        cells = [
            md(s.label),
            md(format_value(s.left, s.unit)),
            md(format_value(s.right, s.unit)),
            lsi,
            md(reading(s)),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _region_table(first: Section, copies: list[Section], result: Result) -> list[str]:
    """A section repeated per region (or per exercise) becomes one table: a row a region (an
    exercise), a column a question."""
    answered = [s for s in copies if any(q.id in result.answers for q in s.questions)]
    if not answered:
        return []
    columns: list[int] = [
        position
        for position in range(len(first.questions))
        if any(s.questions[position].id in result.answers for s in answered)
    ]
    bodymap = _bodymap(result)
    name = _instance_name(answered[0], result)
    kind = "Exercise" if first.exercise is not None else "Region"
    title = answered[0].title.replace(name, "").strip(" :-—") or f"By {kind.lower()}"
    said = (name, name.lower())
    if answered[0].region is not None:
        said = (name, bodymap.phrase(answered[0].region))
    heads = [_column(answered[0].questions[p], said) for p in columns]
    if first.exercise is not None:
        heads = [h[:1].upper() + h[1:] for h in heads]
    header = f"| {kind} | " + " | ".join(md(h) for h in heads) + " |"
    rule = "|---|" + "---|" * len(columns)
    out = [f"## {md(title)}", "", header, rule]
    for s in answered:
        cells = []
        for position in columns:
            twin = s.questions[position]
            value = result.answers.get(twin.id)
            cells.append(
                md(describe_answer(twin, value, bodymap)) if twin.id in result.answers else "–"
            )
        out.append(f"| {md(_instance_name(s, result))} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _instance_name(section: Section, result: Result) -> str:
    """The region, or the exercise, a copy of a repeated section is for, as the reader says it."""
    if section.exercise is not None:
        return exercise_name(result.questionnaire, section.exercise)
    return _bodymap(result).describe(section.region or "")


def _column(q: Question, said: tuple[str, str]) -> str:
    """A question's label without the region or exercise its copy is for."""
    label = q.short
    for part in said:
        label = label.replace(part, "")
    return " ".join(label.split()).strip(" :-—") or q.short
