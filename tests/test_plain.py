"""The plain mode: numbered choices typed as lines, no escape sequences, the same engine, store
and keys. Driven in process through the session, and end to end in a pseudo-terminal under
TERM=dumb through the whole intake."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import EXAMPLES, installed_command
from imbalance_cli import bodymap
from imbalance_cli.answers import read_answers
from imbalance_cli.engine import Flow, personalise
from imbalance_cli.errors import Interrupted
from imbalance_cli.model import AnswerValue, Question, Questionnaire, QuestionType
from imbalance_cli.prompts.plain import PlainPrompter
from imbalance_cli.session import run_session

MINI = """
id: mini
title: Mini intake
version: "1"
sections:
  - id: safety
    title: Safety check
    intro: A warning sign first.
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices:
          - {id: saddle, label: Saddle numbness, help: Numbness between the legs}
          - {id: none, label: None of these, exclusive: true}
  - id: pain
    title: Where it hurts
    questions:
      - {id: regions, type: body_regions, text: Where does it hurt?, regions: [neck, knee], none: No pain now}
      - {id: worst, type: scale, text: Pain at worst?, anchors: {0: none, 10: worst imaginable}}
      - {id: side, type: single, text: Which is worse?, choices: [{id: left, label: Left side}, {id: right, label: Right side}]}
      - {id: swells, type: yes_no, text: Does it swell?}
      - {id: notes, type: text, text: Anything else?, required: false}
alerts:
  - {id: saddle, level: emergency, when: {question: flags, includes: saddle}, message: Saddle numbness needs care today, action: Go to an emergency department now}
"""


def _session(
    q: Questionnaire, lines: list[str], **kwargs: object
) -> tuple[dict[str, AnswerValue], str]:
    output = io.StringIO()
    prompter = PlainPrompter(io.StringIO("".join(f"{line}\n" for line in lines)), output)
    answers = run_session(q, prompter, **kwargs)  # type: ignore[arg-type]
    return answers, output.getvalue()


def test_numbered_choices_words_and_keys(load: Callable[..., Questionnaire]) -> None:
    """Numbers, names and y/n answer; b goes back; ? helps; s skips an optional question; a
    wrong line is explained and asked again."""
    q = load(MINI)
    answers, shown = _session(
        q,
        [
            "?",  # help, then the same question again
            "2",  # None of these
            "knee",  # ambiguous: left or right?
            "9",  # no such choice
            "right knee, 1",  # Knee (right) and Neck
            "11",  # out of range
            "7",
            "b",  # back to the rating
            "6",
            "Right",  # a single choice by a word of its label
            "maybe",
            "y",
            "s",  # skip the optional notes
        ],
    )
    assert answers == {
        "flags": ("none",),
        "regions": ("neck", "knee.right"),
        "worst": 6,
        "side": "right",
        "swells": True,
        "notes": None,
    }
    assert "\x1b" not in shown
    assert "== Safety check ==\nA warning sign first.\n" in shown
    assert (
        "Question 1 of about 6: Any of these?\n  1. Saddle numbness\n  2. None of these\n" in shown
    )
    assert "Help: Type the numbers of all that apply" in shown
    assert "  Saddle numbness: Numbness between the legs" in shown
    assert "'knee' matches Knee (left), Knee (right); type more words, or the number" in shown
    assert "There is no choice 9; the choices are 1 to 4. Please try again." in shown
    assert "  4. No pain now\n" in shown
    assert "Type a whole number from 0 (none) to 10 (worst imaginable)." in shown
    assert "Type y for yes or n for no. Please try again." in shown
    assert shown.count("Question 3 of about 6: Pain at worst?") == 2  # asked again after b


def test_enter_keeps_the_answer_shown_and_required_questions_cannot_be_skipped(
    load: Callable[..., Questionnaire],
) -> None:
    q = load(MINI)
    answers, shown = _session(
        q,
        ["s", "", "2", "", "", "", "", ""],
        prefilled={},
        defaults={"regions": ("knee.left",), "worst": 4, "side": "left", "swells": False},
    )
    assert answers["regions"] == ("knee.left",) and answers["worst"] == 4
    assert answers["side"] == "left" and answers["swells"] is False and answers["notes"] is None
    assert shown.count("This question needs an answer.") == 2  # s and Enter on the first
    assert "Enter keeps: Knee (left)." in shown and "Enter keeps: 4." in shown


def test_a_warning_sign_is_text_and_the_offer_to_stop_is_numbered(
    load: Callable[..., Questionnaire],
) -> None:
    q = load(MINI)
    answers, shown = _session(q, ["1 2", ""])
    assert answers == {"flags": ("saddle",)}  # None was dropped; Enter stopped there
    assert "Note: " in shown  # "None of these" ticked with a warning sign is dropped
    assert (
        "!! WARNING SIGN. Emergency: get medical help now.\nSaddle numbness needs care today\n"
        in shown
    )
    assert "What to do: Go to an emergency department now\n" in shown
    assert "  1. Stop here and see what to do (recommended)\n" in shown
    going_on, _ = _session(q, ["1", "2", "3", "0", "1", "n", "s"])
    assert going_on["flags"] == ("saddle",) and going_on["regions"] == ("knee.right",)
    back, shown = _session(q, ["1", "b", "2", "4", "0", "1", "n", "s"])
    assert back["flags"] == ("none",) and back["regions"] == ("none",)


def test_the_end_of_input_and_ctrl_c_keep_the_answers(load: Callable[..., Questionnaire]) -> None:
    q = load(MINI)
    with pytest.raises(Interrupted) as ended:
        _session(q, ["2", "1"])
    assert ended.value.answers == {"flags": ("none",), "regions": ("neck",)}
    assert ended.value.message == "input ended"

    class CtrlC(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        run_session(q, PlainPrompter(CtrlC(), io.StringIO()))
    assert stopped.value.message == "interrupted"


def test_hostile_text_from_a_questionnaire_writes_no_escape(
    load: Callable[..., Questionnaire],
) -> None:
    hostile = MINI.replace("Any of these?", '"Any \\e[31mred\\e[0m \\u009b2J of these?"')
    hostile = hostile.replace(
        "label: Saddle numbness,", 'label: "Saddle \\e]8;;http://x\\e\\\\numb",'
    )
    q = load(hostile)
    _, shown = _session(q, ["2", "1", "5", "1", "n", "s"])
    assert "\x1b" not in shown and "\x9b" not in shown
    assert "Any red of these?" in shown  # the 8-bit CSI goes with its parameters ("2J")


# -- end to end ----------------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


def _command() -> str:
    return installed_command()


def _typed(question: Question, value: AnswerValue) -> str:
    """What a person types for an answer in the plain mode: the numbers of the choices."""
    if question.type is QuestionType.BODY_REGIONS:
        tokens = [*bodymap.default().tokens(question.regions), "none"]
        assert isinstance(value, tuple)
        return " ".join(str(tokens.index(t) + 1) for t in value)
    if question.type.has_choices:
        ids = [c.id for c in question.choices]
        chosen = value if isinstance(value, tuple) else (value,)
        return ", ".join(str(ids.index(c) + 1) for c in chosen)
    if question.type is QuestionType.YES_NO:
        return "y" if value else "n"
    if value is None:
        return "s"
    return str(value)


def _spawn(tmp_path: Path, args: list[str], env: dict[str, str]) -> pexpect.spawn:
    return pexpect.spawn(
        _command(), args, cwd=str(tmp_path), encoding="utf-8", timeout=20, dimensions=(40, 100),
        env={
            **{k: v for k, v in os.environ.items() if k not in ("ACCESSIBLE", "TERM")},
            "IMBALANCE_DATA_DIR": str(tmp_path / "data"), **env,
        },
    )  # fmt: skip


@pytest.mark.parametrize("persona", ["runner-knee", "desk-worker-neck-shoulder"])
def test_the_whole_intake_in_plain_mode_under_term_dumb(
    persona: str, tmp_path: Path, intake: Questionnaire
) -> None:
    """Each question the engine would ask comes up in turn and is answered by typing; the
    result is the persona's, and not one escape byte reaches the terminal."""
    wanted = read_answers(EXAMPLES / f"{persona}.yaml", intake)
    flow = Flow(intake)
    child = _spawn(
        tmp_path,
        ["run", "--client", "Pat", "--json", "result.json", "--out", "summary.md"],
        {"TERM": "dumb"},
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    given: dict[str, AnswerValue] = {}
    asked = 0
    while (question := flow.next_question(given)) is not None:
        child.expect(r"Question (\d+) of about (\d+): ([^\r\n]*)\r\n")
        text = personalise(question, given, intake).text
        assert text in child.match.group(3), (question.id, child.match.group(3))
        child.expect(r"\) > $")
        value = wanted.get(question.id)
        child.sendline(_typed(question, value))
        given[question.id] = value
        given = flow.prune(given)
        asked += 1
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.getvalue()[-2000:]
    assert "\x1b" not in transcript.getvalue()
    assert "imbalance: wrote summary.md" in transcript.getvalue()
    headless = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "run", "--answers", str(EXAMPLES / f"{persona}.yaml"),
         "--no-input", "--no-save", "--json", str(tmp_path / "headless.json")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert headless.returncode == 0, headless.stderr
    ours = json.loads((tmp_path / "result.json").read_text())
    theirs = json.loads((tmp_path / "headless.json").read_text())

    # Skipping an optional question answers it with nothing (null); the file leaves it out.
    def given(answers: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in answers.items() if v is not None}

    assert given(ours["answers"]) == given(theirs["answers"])
    assert ours["recommendations"] == theirs["recommendations"]
    assert asked == len(ours["answers"])


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--data-dir", "{data}", "--plain"], {"TERM": "xterm"}),
        ([], {"TERM": "xterm", "ACCESSIBLE": "1"}),
    ],
    ids=["--plain", "ACCESSIBLE"],
)
def test_plain_mode_by_option_or_environment_and_ctrl_c_then_resume(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    """Chosen by --plain or ACCESSIBLE even on a capable terminal; Ctrl-C keeps the answers
    and says how to go on; resume continues in plain mode; an emergency summary comes as text."""
    (tmp_path / "mini.yaml").write_text(MINI)
    args = [a.replace("{data}", str(tmp_path / "data")) for a in args]
    child = _spawn(tmp_path, [*args, "run", "mini.yaml"], env)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect(r"Question 1 of about \d+: Any of these\?")
    child.expect(r"> $")
    child.sendline("2")
    child.expect("Where does it hurt")
    child.expect(r"> $")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    # The command to go on carries the options given: the same store, the same mode.
    again = " ".join(["imbalance", *args, "resume", "1"])
    assert f"continue with: {again}" in transcript.getvalue()
    resumed = _spawn(tmp_path, [*args, "resume"], env)
    resumed.logfile_read = transcript
    resumed.expect("Resuming session 1")
    resumed.expect(r"Where does it hurt\?")
    resumed.expect(r"> $")
    resumed.sendline("b")  # back into the answers kept
    resumed.expect(r"Any of these\?")
    resumed.expect(r"> $")
    resumed.sendline("1")
    resumed.expect("!! WARNING SIGN. Emergency: get medical help now.")
    resumed.expect("Type 1 or 2")
    resumed.sendline("")
    resumed.expect("Mini intake\r\n===")  # the summary as plain text on the terminal
    resumed.expect(pexpect.EOF)
    resumed.close()
    assert resumed.exitstatus == 0
    assert "\x1b" not in transcript.getvalue()
    assert "Go to an emergency department now" in transcript.getvalue()


def test_summaries_read_as_plain_words(intake: Questionnaire, library: object) -> None:
    """In the plain mode a summary is the markdown's words without its marks: headings alone,
    no emphasis stars, no pipes (a table row is read as 'header: cell' pairs), no pictographs;
    every warning sign and what to do is still there."""
    from imbalance_cli.render import markdown, plaintext
    from imbalance_cli.rules import assess

    answers = read_answers(EXAMPLES / "two-knees-different.yaml", intake)
    result = assess(
        intake,
        answers,
        library,
        started_at="2026-11-27T10:00:00+00:00",
        completed_at="2026-11-27T10:30:00+00:00",
    )  # type: ignore[arg-type]
    text = plaintext.render(markdown.render(result, "trainer"))
    assert text.startswith("Muscle imbalance self-assessment\n================================\n")
    for mark in ("**", "|", "##", "⚠", "🚨", "](", "\x1b"):
        assert mark not in text, mark
    assert "Region: Knee (left); Pain now: 5/10; Pain at best: 3/10; Pain at worst: 7/10;" in text

    stopped = read_answers(EXAMPLES / "saddle-numbness-emergency.yaml", intake)
    emergency = assess(
        intake,
        stopped,
        library,
        started_at="2026-11-27T10:00:00+00:00",
        completed_at="2026-11-27T10:05:00+00:00",
    )  # type: ignore[arg-type]
    spoken = plaintext.render(markdown.render(emergency, "client"))
    assert "Warning signs: act on these first\n\nEmergency: get medical help now\n" in spoken
    for fired in emergency.alerts:
        assert f"What to do: {fired.alert.action}" in spoken


def test_a_choice_before_the_flow_is_numbered_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Which questionnaire to re-assess, in plain mode: numbered lines, a number or Enter for
    the one offered first; anything else is asked again; the end of input stops."""
    from imbalance_cli.cli.ui import PlainUi

    options = [("intake", "intake: last completed on 2026-11-20"), ("side-to-side", "check")]
    ui = PlainUi()
    monkeypatch.setattr(sys, "stdin", io.StringIO("3\nx\n2\n"))
    assert ui.choose("Sam has completed more than one; which?", options, "intake") == "side-to-side"
    said = capsys.readouterr().err
    assert "\n1. intake: last completed on 2026-11-20\n2. check\n" in said
    assert said.count("Please type a number from 1 to 2.") == 2 and "\x1b" not in said
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert ui.choose("Which?", options, "intake") == "intake"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(KeyboardInterrupt):
        ui.choose("Which?", options, "intake")
