"""The engine: visibility, next question, going back, and pruning answers that became hidden."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from imbalance_cli.engine import Flow, evaluate
from imbalance_cli.model import Questionnaire

Q = """
id: flow
title: Flow
version: "1"
sections:
  - id: s
    title: S
    questions:
      - {id: regions, type: body_regions, text: Where?}
      - {id: knee_worst, type: scale, text: Knee?, when: {question: regions, includes: knee}}
      - {id: left_knee_note, type: text, text: Left?, required: false, when: {question: regions, includes: knee.left}}
      - {id: tried, type: multi, text: Tried?, choices: [{id: mri, label: MRI}, {id: massage, label: Massage}, {id: none, label: None, exclusive: true}]}
      - {id: mri_when, type: number, text: Year?, min: 1980, max: 2030, when: {question: tried, includes: mri}}
  - id: bad
    title: Bad knee
    when: {question: knee_worst, gte: 7}
    questions:
      - {id: swelling, type: yes_no, text: Swelling?}
"""


@pytest.fixture
def flow(load: Callable[..., Questionnaire]) -> Flow:
    return Flow(load(Q))


def ids(questions: list) -> list[str]:  # type: ignore[type-arg]
    return [q.id for q in questions]


@pytest.mark.parametrize(
    ("answers", "visible"),
    [
        ({}, ["regions", "tried"]),
        ({"regions": ("neck",)}, ["regions", "tried"]),
        ({"regions": ("knee.right",)}, ["regions", "knee_worst", "tried"]),
        ({"regions": ("knee.both",)}, ["regions", "knee_worst", "left_knee_note", "tried"]),
        (
            {"regions": ("knee.left",), "knee_worst": 8},
            ["regions", "knee_worst", "left_knee_note", "tried", "swelling"],
        ),
        (
            {"regions": ("knee.left",), "knee_worst": 6},
            ["regions", "knee_worst", "left_knee_note", "tried"],
        ),
        ({"tried": ("mri", "massage")}, ["regions", "tried", "mri_when"]),
    ],
)
def test_visibility_follows_the_answers(flow: Flow, answers: dict, visible: list[str]) -> None:  # type: ignore[type-arg]
    """Question and section conditions decide what is asked; sides match 'both'."""
    assert ids(flow.visible(answers)) == visible


def test_next_question_skips_answered_and_hidden(flow: Flow) -> None:
    assert flow.next_question({}).id == "regions"  # type: ignore[union-attr]
    assert flow.next_question({"regions": ("neck",)}).id == "tried"  # type: ignore[union-attr]
    assert flow.next_question({"regions": ("neck",), "tried": ("none",)}) is None


def test_changing_an_earlier_answer_drops_answers_that_became_hidden(flow: Flow) -> None:
    """Taking the knee off the regions drops the knee answers and the section that hung on them."""
    answers = {
        "regions": ("knee.left",),
        "knee_worst": 8,
        "left_knee_note": "old",
        "swelling": True,
    }
    assert flow.prune(answers) == answers
    changed = {**answers, "regions": ("neck",)}
    assert flow.prune(changed) == {"regions": ("neck",)}


def test_prune_drops_unknown_ids(flow: Flow) -> None:
    assert flow.prune({"regions": ("neck",), "nonsense": 1}) == {"regions": ("neck",)}


def test_progress_estimates_what_is_still_to_come(flow: Flow) -> None:
    """Answered questions count once; a question still to come counts by the chance it will be
    shown: 1 when its condition already holds, 0 when it cannot, and a prior when it depends on
    an answer not given yet (one choice of three: 1/3; a number test: 1/2)."""
    p = flow.progress({"regions": ("knee.right",)})
    # knee_worst 1 + left_knee_note 0 + tried 1 + mri_when 1/3 + swelling 1/2 = 2.8 -> 3
    assert (p.position, p.total) == (2, 4)
    p = flow.progress({"regions": ("knee.right",), "knee_worst": 9})
    # tried 1 + mri_when 1/3 + swelling 1 = 2.3 -> 2
    assert (p.position, p.total) == (3, 4)
    p = flow.progress({"regions": ("knee.right",), "knee_worst": 9, "tried": ("none",)})
    assert (p.position, p.total) == (4, 4)


def test_missing_required_lists_only_visible_required(flow: Flow) -> None:
    missing = flow.missing_required({"regions": ("knee.left",)})
    assert ids(missing) == ["knee_worst", "tried"]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"tried": ("mri",)}, True),
        ({"tried": ("massage",)}, False),
        ({}, False),
    ],
)
def test_not_and_answered(flow: Flow, answers: dict, expected: bool) -> None:  # type: ignore[type-arg]
    """``not`` of an unanswered test is true; ``answered`` checks presence."""
    q = flow.questionnaire
    mri_when = q.question("mri_when")
    assert mri_when is not None
    assert evaluate(mri_when.when, answers, flow.types) is expected


def test_remembered_conditions_give_the_verdicts_of_evaluating_them(
    intake: Questionnaire,
) -> None:
    """A flow that remembers conditions by the answers they read (``memo=True``, for reading
    thousands of stored sessions) keeps and hides exactly what a plain flow does, and a reading
    lists each persona's sessions as reading it alone does, with every persona read through the
    same memory (and read twice, the second time from it)."""
    from conftest import PERSONA_FILES
    from imbalance_cli.answers import read_answers
    from imbalance_cli.workflow.reading import Reading, listed

    shared = Reading(intake)
    for reassessment in (False, True):
        plain = Flow(intake, reassessment=reassessment)
        remembered = Flow(intake, reassessment=reassessment, memo=True)
        for _ in range(2):
            for path in PERSONA_FILES:
                answers = dict(read_answers(path, intake))
                assert remembered.prune(answers) == plain.prune(answers), path.name
                stored = [
                    (qid, list(v) if isinstance(v, tuple) else v) for qid, v in answers.items()
                ]
                fitted, misfits = shared.fit(stored, reassessment=reassessment)
                assert (fitted, misfits) == Reading(intake).fit(stored, reassessment=reassessment)
                assert shared.listed(fitted) == listed(intake, fitted), path.name


def test_remembered_conditions_tell_true_from_one() -> None:
    """``True``, ``1`` and ``1.0`` are equal to Python but not to a test: remembering a verdict
    for one does not give it to the other."""
    from imbalance_cli.engine import Memo
    from imbalance_cli.model import Leaf, Op, QuestionType

    memo = Memo({"n": QuestionType.NUMBER})
    equals_one = Leaf("n", Op.EQUALS, 1)
    assert memo.evaluate(equals_one, {"n": 1}) is True
    assert memo.evaluate(equals_one, {"n": True}) is False
    assert memo.evaluate(equals_one, {"n": 1.0}) is True
    assert memo.evaluate(equals_one, {}) is False
