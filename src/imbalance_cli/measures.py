"""The ratings a questionnaire asks outside its per-region sections, by role: pain overall (now,
at best, at worst), pain during exercise, and measures of the author's own (days exercised),
each with which way is better. Summaries, ``compare``, ``progress`` and ``sessions list`` read
these, so a check-in's numbers are shown as what they are, and nothing claims "no pain" for a
questionnaire that does not ask about pain by region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imbalance_cli.model import AnswerValue, Question, Questionnaire, QuestionType, Role

#: Roles read here (per-region pain is the body map's and the pain table's).
ROLES = (
    Role.PAIN_NOW, Role.PAIN_BEST, Role.PAIN_WORST, Role.PAIN_EXERCISE, Role.PAIN, Role.MEASURE,
)  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """One rating or measure of one session."""

    question: str
    name: str
    value: float | None
    #: 0-10 pain: a change of 2 points or more is meaningful (Farrar 2001).
    pain: bool
    lower_is_better: bool
    unit: str | None = None
    maximum: float | None = None


def measured(question: Question) -> bool:
    """A question this module reads: a pain role outside a per-region section, or a measure."""
    if question.role is Role.MEASURE:
        return True
    return question.role in ROLES and question.region is None


def questions(q: Questionnaire) -> tuple[Question, ...]:
    return tuple(x for x in q.questions if measured(x))


def measures(q: Questionnaire, answers: Mapping[str, AnswerValue]) -> list[Measure]:
    """Each rating the questionnaire asks outside regions, answered or not, in order."""
    out: list[Measure] = []
    for question in questions(q):
        value = answers.get(question.id)
        number = (
            float(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else None
        )
        pain = question.role is not Role.MEASURE
        out.append(
            Measure(
                question.id,
                question.short,
                number,
                pain and question.type is QuestionType.SCALE,
                True if pain else question.better == "lower",
                question.unit,
                question.maximum,
            )
        )
    return out


def worst_pain_ids(q: Questionnaire) -> list[str]:
    """The questions a session's worst pain is read from: the per-region 'at worst' ratings,
    else every pain rating it asks (a check-in's pain during exercise)."""
    worst = [x.id for x in q.with_role(Role.PAIN_WORST)]
    if worst:
        return worst
    return [x.id for x in q.questions if x.role is not None and x.role.is_pain]


def shown(value: float | None, unit: str | None = None, maximum: float | None = None) -> str:
    if value is None:
        return "–"
    text = f"{value:g}"
    if maximum == 10 and unit is None:
        return f"{text}/10"
    return f"{text} {unit}" if unit else text
