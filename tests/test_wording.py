"""A questionnaire's own wording (`wording:`) of the summaries' closing advice and of the stop
and held-back lines, the intake's by default; and the trainer's list of what is held back."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from imbalance_cli import loader
from imbalance_cli.answers import read_answers
from imbalance_cli.errors import QuestionnaireError
from imbalance_cli.model import AlertLevel, Library, Questionnaire, Result, Wording
from imbalance_cli.render import markdown, terminal
from imbalance_cli.rules import assess

CHECK_IN = """\
id: weekly-check
title: Weekly check-in
version: 1.0.0
sections:
  - id: week
    title: This week
    questions:
      - id: new_signs
        type: multi
        text: Since last week, have you noticed any of these?
        choices:
          - {id: saddle, label: Numbness between the legs}
          - {id: leg_weakness, label: New weakness in a leg}
          - {id: dizzy, label: Dizzy spells}
          - {id: none, label: None of these, exclusive: true}
      - id: surgery
        type: yes_no
        text: Have you had an operation in the last three months?
      - id: days
        type: number
        text: On how many days did you exercise?
        min: 0
        max: 7
        for_reader: true
situations:
  - id: recent_surgery
    when: {question: surgery, equals: true}
alerts:
  - id: saddle
    level: emergency
    when: {question: new_signs, includes: saddle}
    message: Numbness between the legs can mean pressure on the nerves at the base of the spine.
    action: Go to an emergency department now, or call your local emergency number.
  - id: leg
    level: urgent
    timeframe: today
    when: {question: new_signs, includes: leg_weakness}
    message: New weakness in a leg can mean a nerve is under pressure.
    action: See a doctor today, and stop your exercises until then.
  - id: dizzy
    level: advisory
    when: {question: new_signs, includes: dizzy}
    message: Dizzy spells are worth a clinician's opinion.
    action: Mention it to your doctor at your next visit.
recommendations:
  - id: weekly
    when: {question: days, gte: 0}
    because: You log your week
    articles: [fix-muscle-imbalance]
    strategies: [return-lifting]
"""

WORDING = """\
wording:
  closing: >-
    Keep to your programme and log each session.
  closing_advisory: Mention the points above to a clinician, and to your trainer.
  stopped: The check-in was stopped after the emergency warning sign above.
  held_back: Tell your trainer once a doctor has checked you.
"""


@pytest.fixture
def check_in(write: Callable[..., Path], library: Library) -> Callable[[str], Questionnaire]:
    def _load(extra: str = WORDING) -> Questionnaire:
        return loader.load_questionnaire(write(CHECK_IN + extra, "weekly-check.yaml"), library)

    return _load


def _result(q: Questionnaire, library: Library, **answers: Any) -> Result:
    given: dict[str, Any] = {"new_signs": ("none",), "surgery": False, "days": 3, **answers}
    return assess(q, given, library, started_at="t0", completed_at="t1")


def _terminal(result: Result) -> str:
    console = Console(file=StringIO(), width=100, color_system=None)
    console.print(terminal.summary(result))
    return " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_closing_is_the_authors_when_no_alert_stands(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """The trainer's and the client's markdown and the terminal close with the author's
    advice, and nothing of the intake's ("re-rate your goal activities")."""
    result = _result(check_in(WORDING), library)
    assert result.top_level is None
    for text in (
        markdown.render(result, "trainer"),
        markdown.render(result, "client"),
        _terminal(result),
    ):
        assert "Keep to your programme and log each session." in _flat(text)
        assert "re-rate your goal activities" not in _flat(text)


def test_the_advisory_closing_is_the_authors(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    result = _result(check_in(WORDING), library, new_signs=("dizzy",))
    assert result.top_level is AlertLevel.ADVISORY
    text = _flat(markdown.render(result, "client"))
    assert "Mention the points above to a clinician, and to your trainer." in text
    assert "re-rate" not in text


def test_under_an_urgent_alert_the_closing_follows_the_alert_whatever_the_wording(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """No author's closing can contradict a warning sign; the held-back line is the
    author's."""
    result = _result(check_in(WORDING), library, new_signs=("leg_weakness",))
    assert result.top_level is AlertLevel.URGENT
    text = _flat(markdown.render(result, "trainer"))
    assert _flat(markdown.NEXT_STEPS[AlertLevel.URGENT]) in text
    assert "Keep to your programme" not in text
    assert (
        "held back until a doctor has checked the warning signs above. Tell your trainer once "
        "a doctor has checked you." in text
    )
    assert "Run the intake again" not in text


def test_the_stop_line_is_the_authors(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """An emergency that ends the check-in early: the markdown and the terminal say it in
    the author's words, and never call it an intake."""
    q = check_in(WORDING)
    result = assess(q, {"new_signs": ("saddle",)}, library, started_at="t0", completed_at="t1")
    assert result.not_asked
    for text in (markdown.render(result, "trainer"), _terminal(result)):
        assert "The check-in was stopped after the emergency warning sign above." in _flat(text)
        assert "intake" not in text


def test_without_wording_the_defaults_fit_the_questionnaire(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """A questionnaire that is not the intake and leaves the wording out is not told to run
    "the intake" again, nor to re-rate goal activities it never asked about."""
    q = check_in("")
    assert q.wording == Wording()
    result = _result(q, library, new_signs=("leg_weakness",))
    text = _flat(markdown.render(result, "trainer"))
    assert "Do the weekly check-in again after that check." in text
    assert "Run the intake again" not in text
    calm = _flat(markdown.render(_result(q, library), "trainer"))
    assert "do the weekly check-in again in a few weeks" in calm
    assert "re-rate your goal activities" not in calm


def test_wording_text_is_escaped(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """An author's line cannot add a heading or a link to the summary."""
    q = check_in('wording:\n  closing: "# Big [click](https://example.com)"\n')
    text = markdown.render(_result(q, library), "client")
    assert "\n# Big" not in text and "](https://" not in text


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        (
            "wording:\n  closing_urgent: Carry on.\n",
            "1:3: unknown field 'closing_urgent' in wording",
        ),
        ('wording:\n  closing: ""\n', "1:12: wording 'closing' is empty"),
        ("wording:\n  stopped: [a]\n", "1:12: wording 'stopped' must be text, not a list"),
        ("wording: [closing]\n", "0:10: wording must be a mapping"),
    ],
)
def test_wording_mistakes_are_located(
    check_in: Callable[[str], Questionnaire], wording: str, message: str
) -> None:
    """Each mistake is reported at its line and column (``message`` counts lines from the
    ``wording:`` line, 0)."""
    with pytest.raises(QuestionnaireError) as caught:
        check_in(wording)
    problems = [str(p) for p in caught.value.problems]
    offset, rest = message.split(":", 1)
    line = CHECK_IN.count("\n") + 1 + int(offset)
    assert any(f"weekly-check.yaml:{line}:{rest}" in p for p in problems), problems


def test_the_trainer_names_what_is_held_back_by_title_unless_a_warning_sign_holds_it(
    check_in: Callable[[str], Questionnaire], library: Library
) -> None:
    """Held back for a situation: the trainer's summary names the item by title, with the
    rule that chose it and why; the client's does not list it. Under a warning sign, ids only:
    a title is part of the advice held back."""
    q = check_in(WORDING)
    result = _result(q, library, surgery=True)
    title = library.strategies["return-lifting"].title
    trainer = markdown.render(result, "trainer")
    assert (
        f"- **{title}** (`return-lifting`, strategy, chosen by `weekly`): held back: it does not "
        "suit " in trainer
    )
    assert "`return-lifting`" not in markdown.render(result, "client")
    urgent = markdown.render(_result(q, library, new_signs=("leg_weakness",)), "trainer")
    assert "- `fix-muscle-imbalance` (article, chosen by `weekly`): held back until" in urgent
    assert library.articles["fix-muscle-imbalance"].title not in urgent


def test_the_bundled_side_to_side_check_closes_without_goal_activities(
    library: Library, tmp_path: Path
) -> None:
    """The side-to-side check asks no goal activities, so its closing asks to repeat the
    check, not to re-rate them."""
    import yaml

    from conftest import ROOT
    from imbalance_cli import resources

    q = loader.load_questionnaire(resources.bundled_dir() / "side-to-side.yaml", library)
    assert not q.goals()
    fixture = ROOT / "questionnaires" / "examples" / "side-to-side-heel-raise-gap.test.yaml"
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(yaml.safe_load(fixture.read_text())["answers"]))
    result = assess(q, read_answers(answers, q), library, started_at="t0", completed_at="t1")
    assert "side-to-side" in {r.id for r in result.recommendations}, "the fixture's answers read"
    text = _flat(markdown.render(result, "client"))
    assert "do this check again in a few weeks" in text
    assert "re-rate" not in text
