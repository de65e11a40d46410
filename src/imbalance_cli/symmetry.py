"""Side-to-side measurements: the limb symmetry index of each paired test, and whether a
difference is larger than the test's day-to-day noise. Pure: no I/O.

The index is weaker / stronger x 100, where "weaker" is the lower value when higher is better
(repetitions, seconds held, kilograms) and the higher value when lower is better (seconds to
finish). 100 means both sides did equally well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imbalance_cli.model import AnswerValue, Question, Questionnaire, QuestionType


@dataclass(frozen=True)
class Symmetry:
    """One paired test as answered: both sides (None when a side was not measured)."""

    test: str
    label: str
    unit: str
    left: float | None
    right: float | None
    better: str = "higher"
    noise: float | None = None
    noise_source: str | None = None

    @property
    def lsi(self) -> float | None:
        """Weaker / stronger x 100, rounded to one decimal; None when a side is missing or the
        stronger side scored nothing (0 and 0: nothing to compare)."""
        if self.left is None or self.right is None:
            return None
        # Either way round the index is the smaller over the larger value: when lower is better
        # (seconds to finish), the weaker side is the one with the larger value.
        low, high = sorted((self.left, self.right))
        return None if high <= 0 else round(low / high * 100, 1)

    @property
    def difference(self) -> float | None:
        if self.left is None or self.right is None:
            return None
        return abs(self.left - self.right)

    @property
    def weaker(self) -> str | None:
        """The weaker side, or None when both are equal or a side is missing."""
        if self.left is None or self.right is None or self.left == self.right:
            return None
        left_worse = self.left < self.right if self.better == "higher" else self.left > self.right
        return "left" if left_worse else "right"

    @property
    def beyond_noise(self) -> bool:
        """The sides differ by more than the test's day-to-day noise (any difference counts when
        no source gives a noise figure)."""
        diff = self.difference
        if diff is None or diff == 0:
            return False
        return self.noise is None or diff > self.noise

    @property
    def clear_weaker(self) -> str | None:
        """The weaker side when the difference is beyond the noise, else None."""
        return self.weaker if self.beyond_noise else None


def paired_tests(questionnaire: Questionnaire) -> list[tuple[Question, Question]]:
    """Each paired test's (left, right) questions, in questionnaire order."""
    sides: dict[str, dict[str, Question]] = {}
    for q in questionnaire.questions:
        if q.type is QuestionType.PAIRED and q.pair is not None and q.side is not None:
            sides.setdefault(q.pair, {})[q.side] = q
    return [(s["left"], s["right"]) for s in sides.values() if "left" in s and "right" in s]


def _number(value: AnswerValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def measure(left_q: Question, right_q: Question, answers: Mapping[str, AnswerValue]) -> Symmetry:
    return Symmetry(
        test=left_q.pair or left_q.id,
        label=pair_label(left_q),
        unit=left_q.unit or "",
        left=_number(answers.get(left_q.id)),
        right=_number(answers.get(right_q.id)),
        better=left_q.better,
        noise=left_q.noise,
        noise_source=left_q.noise_source,
    )


def pair_label(q: Question) -> str:
    """A paired test's name without the side one copy of it names."""
    label = q.label or q.text
    suffix = f" ({q.side})"
    return label[: -len(suffix)] if q.side and label.endswith(suffix) else label


def symmetries(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue],
    tests: list[tuple[Question, Question]] | None = None,
) -> tuple[Symmetry, ...]:
    """Every paired test with at least one side answered (``tests``: ``paired_tests`` of the
    questionnaire, when already known)."""
    out = []
    for left_q, right_q in paired_tests(questionnaire) if tests is None else tests:
        s = measure(left_q, right_q, answers)
        if s.left is not None or s.right is not None:
            out.append(s)
    return tuple(out)


def lsi_below(s: Symmetry, threshold: float) -> bool:
    """The rule test ``lsi_below``: the index is under the threshold and the difference is more
    than the noise."""
    lsi = s.lsi
    return lsi is not None and lsi < threshold and s.beyond_noise


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured"
    number = f"{value:g}"
    short = {"seconds": "s", "kilograms": "kg", "degrees": "°", "centimetres": "cm"}
    return f"{number} {short.get(unit, unit)}" if unit != "degrees" else f"{number}°"


def reading(s: Symmetry) -> str:
    """One line on what the two numbers say, honest about noise."""
    if s.left is None or s.right is None:
        return "one side not measured"
    if s.lsi is None:
        return "nothing to compare"
    weaker = s.weaker
    if weaker is None:
        return "the same on both sides"
    diff = s.difference or 0
    unit = s.unit[:-1] if diff == 1 and s.unit.endswith("s") else s.unit
    gap = f"{diff:g} {unit}"
    if s.noise is None:
        return f"{weaker} weaker by {gap} (no day-to-day noise figure for this test)"
    if s.beyond_noise:
        return f"{weaker} weaker by {gap}, more than the day-to-day noise of {s.noise:g}"
    return f"{weaker} lower by {gap}, within the day-to-day noise of {s.noise:g}: not a real difference"
