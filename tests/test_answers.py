"""Answers files and single answers are checked against their questions, with located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imbalance_cli.answers import InvalidAnswer, check, read_answers
from imbalance_cli.errors import AnswersError
from imbalance_cli.model import Questionnaire


def q(intake: Questionnaire, qid: str):  # type: ignore[no-untyped-def]
    question = intake.question(qid)
    assert question is not None
    return question


@pytest.mark.parametrize(
    ("qid", "raw", "expected"),
    [
        ("age", "42", 42),
        ("age", 42.0, 42),
        ("pain_now.knee.left", 7, 7),
        ("regions", ["knee.left", "knee.right", "neck"], ("neck", "knee.left", "knee.right")),
        ("regions", ["knee.both"], ("knee.left", "knee.right")),
        ("regions", ["none"], ("none",)),
        ("regions", ["none", "shin_calf.left"], ("shin_calf.left",)),
        ("treatments", ["none", "mri"], ("mri",)),
        ("treatments", ["physio", "mri"], ("mri", "physio")),
        ("knee_swelling", "yes", True),
        ("knee_swelling", False, False),
        ("notes", "  ", None),
        ("duration.knee.right", "over_12_weeks", "over_12_weeks"),
    ],
)
def test_check_normalises_good_answers(
    intake: Questionnaire, qid: str, raw: object, expected: object
) -> None:
    assert check(q(intake, qid), raw) == expected


@pytest.mark.parametrize(
    ("qid", "raw", "message"),
    [
        ("age", 200, "from 12 to 110"),
        ("age", "forty", "answer with a number"),
        ("age", 30.5, "whole number"),
        ("pain_now.knee.left", 11, "from 0 to 10"),
        ("pain_now.knee.right", True, "answer with a number"),
        ("regions", ["knee"], "needs a side"),
        ("regions", ["neck.left"], "has no sides"),
        ("regions", ["elbw.left"], "unknown body region"),
        ("mri_findings", ["nothing", "dont_know"], "cannot be combined"),
        ("treatments", ["mir"], "did you mean 'mri'?"),
        ("treatments", [], "choose at least one"),
        ("duration.knee.left", "long", "is not a choice"),
        ("knee_swelling", "maybe", "yes or no"),
        ("age", None, "required"),
    ],
)
def test_check_rejects_bad_answers_saying_what_fits(
    intake: Questionnaire, qid: str, raw: object, message: str
) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        check(q(intake, qid), raw)


def test_answers_file_reports_every_problem_with_its_place(
    intake: Questionnaire, write: Callable[..., Path]
) -> None:
    path = write(
        """
        age: 300
        regoins: [neck]
        treatments: [mri, mir]
        pain_now.knee: {a: 1}
        age: 30
        """,
        "answers.yaml",
    )
    with pytest.raises(AnswersError) as info:
        read_answers(path, intake)
    found = [str(p) for p in info.value.problems]
    assert any(
        p.endswith("answers.yaml:1:6: 'age': answer with a number from 12 to 110") for p in found
    ), found
    assert any(
        "answers.yaml:2:1: 'regoins' is not a question of 'intake'; did you mean 'regions'?" in p
        for p in found
    )
    assert any("answers.yaml:3:13: 'treatments'" in p for p in found)
    assert any("answers.yaml:4:16: an answer is a value or a list of values" in p for p in found)
    assert any("answers.yaml:5:1: duplicate key 'age'" in p for p in found)


def test_answers_file_in_json(intake: Questionnaire, write: Callable[..., Path]) -> None:
    path = write('{"age": 40, "regions": ["hip.left"], "hip_pinch": true}', "a.json")
    assert read_answers(path, intake) == {"age": 40, "regions": ("hip.left",), "hip_pinch": True}


def test_answers_file_must_be_a_mapping(intake: Questionnaire, write: Callable[..., Path]) -> None:
    with pytest.raises(AnswersError, match="an answers file must be a mapping"):
        read_answers(write("- 1\n- 2\n", "a.yaml"), intake)


def test_a_fixture_given_as_answers_is_named_for_what_it_is(
    intake: Questionnaire, write: Callable[..., Path]
) -> None:
    """A fixture passed to --answers gets one problem that says what it is and how to run it,
    not one "not a question" per key."""
    fixture = "questionnaire: intake\nanswers: runner-knee.yaml\nexpect:\n  alerts: {}\n"
    with pytest.raises(AnswersError) as info:
        read_answers(write(fixture, "runner.test.yaml"), intake)
    [problem] = info.value.problems
    assert "looks like an 'imbalance test' fixture" in problem.message
    assert "imbalance test FILE" in problem.message and "(runner-knee.yaml)" in problem.message
