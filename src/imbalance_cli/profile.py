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


def pain_by_region(
    questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]
) -> dict[str, RegionPain]:
    """Region token -> its ratings, for every region chosen in a body_regions question (rated
    or not), in body order."""
    chosen: set[str] = set()
    for q in questionnaire.questions:
        value = answers.get(q.id)
        if q.type.value == "body_regions" and isinstance(value, tuple):
            chosen |= {t for t in value if t != "none"}
    ratings: dict[str, dict[Role, float | None]] = {}
    for section in questionnaire.sections:
        if section.region is None:
            continue
        for q in section.questions:
            if q.role is not None and q.role.is_pain:
                value = _number(answers.get(q.id))
                if value is not None:
                    ratings.setdefault(section.region, {})[q.role] = value
                    chosen.add(section.region)
    bodymap = questionnaire.bodymap
    order = bodymap.tokens() if bodymap is not None else tuple(sorted(chosen))
    out: dict[str, RegionPain] = {}
    for token in order:
        if token in chosen:
            r = ratings.get(token, {})
            out[token] = RegionPain(
                token, r.get(Role.PAIN_NOW), r.get(Role.PAIN_BEST), r.get(Role.PAIN_WORST)
            )
    return out
