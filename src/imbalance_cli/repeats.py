"""Sections repeated over an earlier answer (the loader's first pass): one copy per body region
a ``body_regions`` question offers, or one copy per exercise of the library for a multi question
``from: programme``. Each copy is shown only when its region, or its exercise, is in that answer,
so the engine needs nothing new: the client's programme decides which exercises are asked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from imbalance_cli.model import (
    FROM_PROGRAMME,
    PROGRAMME_STOPPED,
    PROGRAMME_STOPPED_NOW,
    BodyMap,
    Choice,
    Leaf,
    Library,
    Op,
    Question,
    Reassess,
)
from imbalance_cli.yamlsrc import Node, Sink


@dataclass
class Pending:
    """A question read in the first pass, with its raw condition for the second. ``instance``
    is the region or exercise of a repeated copy: a sibling's id in a condition means that
    copy's sibling."""

    question: Question
    when: Node | None
    section: str
    siblings: frozenset[str] = frozenset()
    instance: str | None = None


@dataclass
class PendingSection:
    section_id: str
    title: str
    intro: str | None
    when: Node | None
    node: Node
    region: str | None = None
    exercise: str | None = None
    #: The question it is repeated over (body_regions, or multi ``from: programme``).
    source: str | None = None
    template: str | None = None
    questions: list[Pending] = field(default_factory=list)

    def instance_when(self) -> Leaf | None:
        """A copy is shown only when its region (or exercise) was chosen."""
        instance = self.region or self.exercise
        if instance is None or self.source is None:
            return None
        return Leaf(self.source, Op.INCLUDES, instance, (self.source,))


def exercise_choices(
    question: Question, node: Node, sink: Sink, library: Library | None
) -> Question:
    """A ``from: programme`` question's choices: the library's exercises, by name."""
    if library is None or not library.exercises:
        sink.add(node, f"'from: {FROM_PROGRAMME}' needs the content library's exercises, and "
                 "none were loaded")  # fmt: skip
        return question
    stopped = (
        Choice(PROGRAMME_STOPPED, "Stopped by a warning sign", exclusive=True),
        Choice(
            PROGRAMME_STOPPED_NOW,
            "Stopped by a warning sign that needs medical help now",
            exclusive=True,
        ),
    )
    choices = (*(Choice(ex.id, ex.name) for ex in library.exercises.values()), *stopped)
    # Never asked, not even at a re-assessment (which reads today's programme instead).
    return replace(question, choices=choices, required=False, reassess=Reassess.KEEP)


#: What a repeated section fills in, by what it is repeated over.
PLACEHOLDERS = {"region": "{region}", "exercise": "{exercise}"}


def stray_placeholders(
    title: str, questions: list[Question], kind: str | None, node: Node, sink: Sink
) -> None:
    """``{region}`` or ``{exercise}`` where nothing fills it in (a section not repeated over
    that) would reach the person as written."""
    for name, placeholder in PLACEHOLDERS.items():
        if name == kind:
            continue
        how = ("repeated per region (repeat: a body_regions question)" if name == "region"
               else "repeated per exercise (repeat: a multi question 'from: programme')")  # fmt: skip
        where = [("the section's title", title, node)] + [
            (f"question '{q.id}'", text, q.location)
            for q in questions
            for text in (q.text, q.label, q.help or "")
        ]
        for what, text, at in where:
            if placeholder in text:
                message = f"'{placeholder}' in {what} is filled in only in a section {how}"
                if isinstance(at, Node):
                    sink.add(at, message)
                else:
                    sink.add_at(at, message)
                break


def per_region(
    sid: str, title: str, intro: str | None, when: Node | None, node: Node,
    source: Question, parsed: list[tuple[Question, Node | None]], bodymap: BodyMap,
) -> list[PendingSection]:  # fmt: skip
    """A copy of the section per region and side the body_regions question offers."""
    siblings = frozenset(q.id for q, _ in parsed)
    out: list[PendingSection] = []
    for region in bodymap.tokens(source.regions):
        label, phrase = bodymap.describe(region), bodymap.phrase(region)
        section = PendingSection(
            f"{sid}.{region}", title.replace("{region}", label), intro, when, node,
            region=region, source=source.id, template=title,
        )  # fmt: skip
        _fill(section, parsed, siblings, region, "{region}", phrase, region=region)
        out.append(section)
    return out


def per_exercise(
    sid: str, title: str, intro: str | None, when: Node | None, node: Node,
    source: Question, parsed: list[tuple[Question, Node | None]],
) -> list[PendingSection]:  # fmt: skip
    """A copy of the section per exercise the ``from: programme`` question offers (the
    library's), ``{exercise}`` in its texts becoming the exercise's name."""
    siblings = frozenset(q.id for q, _ in parsed)
    out: list[PendingSection] = []
    for choice in source.choices:
        if choice.id in (PROGRAMME_STOPPED, PROGRAMME_STOPPED_NOW):
            continue
        name = choice.label
        section = PendingSection(
            f"{sid}.{choice.id}", title.replace("{exercise}", name), intro, when, node,
            exercise=choice.id, source=source.id, template=title,
        )  # fmt: skip
        _fill(section, parsed, siblings, choice.id, "{exercise}", name, exercise=choice.id)
        out.append(section)
    return out


def _fill(
    section: PendingSection, parsed: list[tuple[Question, Node | None]],
    siblings: frozenset[str], instance: str, placeholder: str, said: str, **which: str,
) -> None:  # fmt: skip
    """The section's copy of each question, for one region or exercise (``which``)."""
    for q, q_when in parsed:
        copy = replace(
            q,
            id=f"{q.id}.{instance}",
            text=q.text.replace(placeholder, said),
            label=(q.label or q.text).replace(placeholder, said),
            help=q.help.replace(placeholder, said) if q.help else None,
            section=section.section_id,
            **which,  # type: ignore[arg-type]
        )
        section.questions.append(Pending(copy, q_when, section.section_id, siblings, instance))
