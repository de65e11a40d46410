"""Left/right tests: the paired question type, the limb symmetry index, noise, and the rules
that read both sides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.errors import AnswersError, QuestionnaireError
from imbalance_cli.model import Library, Questionnaire, QuestionType, Reassess
from imbalance_cli.render import markdown
from imbalance_cli.rules import assess
from imbalance_cli.symmetry import Symmetry, lsi_below, reading, symmetries


@pytest.mark.parametrize(
    ("left", "right", "better", "lsi", "weaker"),
    [
        (20, 20, "higher", 100.0, None),
        (20, 10, "higher", 50.0, "right"),
        (9, 12, "higher", 75.0, "left"),
        (0, 10, "higher", 0.0, "left"),  # could not do it at all on the left
        (0, 0, "higher", None, None),  # nothing to compare
        (None, 10, "higher", None, None),  # a side not measured is not zero
        (10, None, "higher", None, None),
        (12.5, 10.0, "lower", 80.0, "left"),  # seconds to finish: the slower side is weaker
        (30.0, 28.5, "higher", 95.0, "right"),
    ],
)
def test_limb_symmetry_index(
    left: float | None, right: float | None, better: str, lsi: float | None, weaker: str | None
) -> None:
    s = Symmetry("t", "Test", "repetitions", left, right, better)
    assert s.lsi == lsi
    assert s.weaker == weaker


@pytest.mark.parametrize(
    ("left", "right", "noise", "beyond", "below_90"),
    [
        (20, 14, 6, False, False),  # a gap of 6 is within noise of 6: not a difference
        (20, 13, 6, True, True),  # 7 > 6 and 65% < 90%
        (20, 19, None, True, False),  # no noise figure: any gap counts, but 95% is not under 90
        (100, 89, 20, False, False),  # under 90% but within the test's noise
        (10, 10, None, False, False),
        (0, 10, 6, True, True),
    ],
)
def test_noise_decides_what_counts(
    left: float, right: float, noise: float | None, beyond: bool, below_90: bool
) -> None:
    s = Symmetry("t", "Test", "repetitions", left, right, noise=noise)
    assert s.beyond_noise is beyond
    assert lsi_below(s, 90) is below_90
    text = reading(s)
    if noise is not None and not beyond and left != right:
        assert "not a real difference" in text


PAIRED = """\
id: pairs
title: Pairs
version: "1"
sections:
  - id: tests
    title: Tests
    questions:
      - id: grip
        type: paired
        text: "Grip, {side} hand?"
        unit: kilograms
        integer: false
        max: 120
        required: false
        noise: {amount: 3, source: "a test source"}
      - id: after
        type: yes_no
        text: Only when the right hand is weaker
        when: {question: grip, weaker: right}
recommendations:
  - id: clear_gap
    when: {question: grip, lsi_below: 90}
    because: One hand was clearly weaker.
    strategies: [side-to-side]
"""


def test_paired_question_becomes_two_sides(write: Callable[..., Path], library: Library) -> None:
    q = loader.load_questionnaire(write(PAIRED, "pairs.yaml"), library)
    left, right = q.question("grip.left"), q.question("grip.right")
    assert left is not None and right is not None
    assert left.type is right.type is QuestionType.PAIRED
    assert (left.side, right.side, left.pair) == ("left", "right", "grip")
    assert left.text == "Grip, left hand?" and left.noise == 3
    assert left.reassess is Reassess.ASK  # measurements are asked again at a re-assessment
    after = q.question("after")
    assert after is not None and after.when is not None

    def run(answers: dict[str, object]) -> list[str]:
        result = assess(q, answers, library, started_at="2026-01-01T00:00:00", completed_at=None)  # type: ignore[arg-type]
        return [r.id for r in result.recommendations]

    assert run({"grip.left": 30, "grip.right": 25, "after": True}) == ["side-to-side"]
    assert run({"grip.left": 30, "grip.right": 28}) == []  # 2 kg is within the 3 kg noise
    assert run({"grip.left": 30, "grip.right": None}) == []  # one side not measured


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("unit: stones", "unknown unit 'stones' for a paired question"),
        ("unit: kilograms\n        better: sideways", "'better' is higher or lower"),
        ("unit: kilograms\n        noise: {amount: 3}", "noise"),
    ],
)
def test_paired_mistakes_are_located(
    write: Callable[..., Path], library: Library, snippet: str, message: str
) -> None:
    text = PAIRED.replace(
        "unit: kilograms\n        integer: false", snippet + "\n        integer: false"
    )
    text = text.replace(
        '        noise: {amount: 3, source: "a test source"}\n', "", 1 if "noise" in snippet else 0
    )
    with pytest.raises(QuestionnaireError) as err:
        loader.load_questionnaire(write(text, "bad.yaml"), library)
    assert message in str(err.value)
    assert "bad.yaml:" in str(err.value)


def test_lsi_on_a_plain_question_is_refused(write: Callable[..., Path], library: Library) -> None:
    text = PAIRED.replace(
        "when: {question: grip, lsi_below: 90}", "when: {question: grip.left, lsi_below: 90}"
    )
    with pytest.raises(QuestionnaireError) as err:
        loader.load_questionnaire(write(text, "bad.yaml"), library)
    assert "tests a paired question by its own id ('grip', not one side)" in str(err.value)


def test_answers_file_gives_both_sides(write: Callable[..., Path], library: Library) -> None:
    q = loader.load_questionnaire(write(PAIRED, "pairs.yaml"), library)
    answers = read_answers(write("grip: {left: 31, right: 28.5}\n", "a.yaml"), q)
    assert answers == {"grip.left": 31, "grip.right": 28.5}
    with pytest.raises(AnswersError) as err:
        read_answers(write("grip: 30\n", "b.yaml"), q)
    assert "left/right test: answer {left: number, right: number}" in str(err.value)
    with pytest.raises(AnswersError) as err:
        read_answers(write('{"grip": {"left": 31, "middle": 2}}', "c.json"), q)
    assert "'middle' is not a side" in str(err.value)


@pytest.fixture(scope="module")
def side_to_side(library: Library) -> Questionnaire:
    return loader.load_questionnaire(resources.bundled_dir() / "side-to-side.yaml", library)


def _run(
    q: Questionnaire, library: Library, answers: dict[str, object]
) -> tuple[list[str], list[str]]:
    result = assess(
        q, answers, library, started_at="2026-01-01T00:00:00", completed_at="2026-01-01T00:10:00"
    )  # type: ignore[arg-type]
    return [f.alert.id for f in result.alerts], [r.id for r in result.recommendations]


BASE = {"check_today": ("none",), "age": 45, "writing_hand": "right", "grip_meter": True}


def test_bundled_check_clear_gap_beyond_noise(
    side_to_side: Questionnaire, library: Library
) -> None:
    alerts, recs = _run(
        side_to_side, library, {**BASE, "heel_raise.left": 25, "heel_raise.right": 18}
    )
    assert "side-to-side" in recs and "side-to-side-checks" in recs
    assert alerts == []
    # 25 vs 20: 80% but a gap of 5 is within the heel raise's 6-raise noise.
    _, recs = _run(side_to_side, library, {**BASE, "heel_raise.left": 25, "heel_raise.right": 20})
    assert "side-to-side" not in recs


def test_bundled_check_grip_allows_for_the_writing_hand(
    side_to_side: Questionnaire, library: Library
) -> None:
    # Right-handed, the left hand weaker: expected (the writing hand is usually ~13% stronger).
    _, recs = _run(side_to_side, library, {**BASE, "grip.left": 36, "grip.right": 40})
    assert "side-to-side" not in recs
    # Right-handed, the right hand weaker: worth training.
    _, recs = _run(side_to_side, library, {**BASE, "grip.left": 40, "grip.right": 36})
    assert "side-to-side" in recs


def test_bundled_check_age_norm_and_big_gap(side_to_side: Questionnaire, library: Library) -> None:
    _, recs = _run(side_to_side, library, {**BASE, "age": 72, "sit_to_stand": 13.0})
    assert "sit-to-stand-for-age" in recs
    _, recs = _run(side_to_side, library, {**BASE, "age": 72, "sit_to_stand": 12.6})
    assert "sit-to-stand-for-age" not in recs  # exactly the reference time is not slower
    _, recs = _run(side_to_side, library, {**BASE, "age": 45, "sit_to_stand": 20.0})
    assert "sit-to-stand-for-age" not in recs  # no reference under 60: nothing is claimed
    alerts, _ = _run(side_to_side, library, {**BASE, "heel_raise.left": 20, "heel_raise.right": 4})
    assert alerts == ["one_side_far_weaker"]


def test_bundled_check_is_skipped_on_a_bad_day(
    side_to_side: Questionnaire, library: Library
) -> None:
    alerts, recs = _run(side_to_side, library, {"check_today": ("pain_high",)})
    assert alerts == ["pain_high_today"] and recs == []


def test_summary_shows_both_sides_and_the_index(
    side_to_side: Questionnaire, library: Library
) -> None:
    answers = {
        **BASE,
        "heel_raise.left": 25,
        "heel_raise.right": 18,
        "grip.left": 30,
        "grip.right": None,
    }
    result = assess(
        side_to_side,
        answers,
        library,
        started_at="2026-01-01T00:00:00",
        completed_at="2026-01-01T00:10:00",
    )  # type: ignore[arg-type]
    assert [s.test for s in symmetries(side_to_side, result.answers)] == ["heel_raise", "grip"]
    for audience in ("trainer", "client"):
        text = markdown.render(result, audience)
        assert "| Single-leg heel raises | 25 repetitions | 18 repetitions | 72% |" in text
        assert "| Grip strength | 30 kg | not measured | – | one side not measured |" in text


def test_the_closing_screen_and_the_report_of_a_check_say_what_it_found(
    side_to_side: Questionnaire, library: Library
) -> None:
    """The side-to-side check's closing screen shows the left/right table (it was only in
    `sessions show` and the HTML); each reason names the test that chose it ("Single-leg heel
    raises: left 25, right 15 repetitions", not only the either-or sentence of its rule); and
    its HTML report says the check does not ask about pain instead of "No pain reported"."""
    from io import StringIO

    from rich.console import Console

    from imbalance_cli.render import html
    from imbalance_cli.render.terminal import summary

    answers = {**BASE, "heel_raise.left": 25, "heel_raise.right": 15}
    result = assess(
        side_to_side, answers, library, started_at="2026-01-01T00:00:00",
        completed_at="2026-01-01T00:10:00", client="Sam",
    )  # fmt: skip
    console = Console(file=StringIO(), width=80, color_system=None)
    console.print(summary(result))
    screen = " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]
    assert "Left and right" in screen
    assert "Single-leg heel raises 25 15 60% right weaker by 10" in screen  # unit wraps below
    assert "(Single-leg heel raises: left 25, right 15 repetitions)" in screen
    trainer = markdown.render(result, "trainer")
    assert "(Single-leg heel raises: left 25, right 15 repetitions)" in trainer
    page = html.render(result, "trainer")
    assert "No pain reported" not in page
    assert "not asked in the side-to-side check; see the client's intake" in page


def test_an_intake_with_no_pain_still_says_so(intake: Questionnaire, library: Library) -> None:
    from conftest import EXAMPLES
    from imbalance_cli.render import html

    answers = read_answers(EXAMPLES / "no-pain.yaml", intake)
    result = assess(intake, answers, library, started_at="2026-01-01", completed_at="2026-01-01")
    assert "No pain reported" in html.render(result, "trainer")
