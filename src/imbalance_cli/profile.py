"""The pain profile of a result: each region and side with its ratings, read by role. Shared by
the markdown, terminal and HTML summaries, the body-map picture and the progress charts. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imbalance_cli.model import AnswerValue, Questionnaire, Role


@dataclass(frozen=True)
class RegionPain:
    token: str
    now: float | None
    best: float | None
    worst: float | None

    @property
    def shade(self) -> float | None:
        """What a map shades by: the worst pain, else the pain now."""
        return self.worst if self.worst is not None else self.now


def _number(value: AnswerValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class PainQuestions:
    """Where a questionnaire asks about pain: its body-region questions, each region's ratings
    (region, question id, role), and the regions in body order. Worked out once per
    questionnaire by whoever reads many answer sets of it (the progress charts)."""

    chosen_by: tuple[str, ...]
    ratings: tuple[tuple[str, str, Role], ...]
    order: tuple[str, ...] | None


def pain_questions(questionnaire: Questionnaire) -> PainQuestions:
    ratings = [
        (section.region, q.id, q.role)
        for section in questionnaire.sections
        if section.region is not None
        for q in section.questions
        if q.role is not None and q.role.is_pain
    ]
    bodymap = questionnaire.bodymap
    return PainQuestions(
        tuple(q.id for q in questionnaire.questions if q.type.value == "body_regions"),
        tuple(ratings),
        bodymap.tokens() if bodymap is not None else None,
    )


def pain_by_region(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue],
    where: PainQuestions | None = None,
) -> dict[str, RegionPain]:
    """Region token -> its ratings, for every region chosen in a body_regions question (rated
    or not), in body order. ``where``: ``pain_questions(questionnaire)``, when already known."""
    where = where or pain_questions(questionnaire)
    chosen: set[str] = set()
    for qid in where.chosen_by:
        value = answers.get(qid)
        if isinstance(value, tuple):
            chosen |= {t for t in value if t != "none"}
    ratings: dict[str, dict[Role, float | None]] = {}
    for region, qid, role in where.ratings:
        value = _number(answers.get(qid))
        if value is not None:
            ratings.setdefault(region, {})[role] = value
            chosen.add(region)
    order = where.order if where.order is not None else tuple(sorted(chosen))
    out: dict[str, RegionPain] = {}
    for token in order:
        if token in chosen:
            r = ratings.get(token, {})
            out[token] = RegionPain(
                token, r.get(Role.PAIN_NOW), r.get(Role.PAIN_BEST), r.get(Role.PAIN_WORST)
            )
    return out
