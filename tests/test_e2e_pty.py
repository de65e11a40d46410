"""End to end: the installed ``imbalance`` command in a pseudo-terminal, answered with real keys."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import installed_command

pexpect = pytest.importorskip("pexpect")

DOWN, UP, SPACE, ENTER, CTRL_C, ESC, END = "\x1b[B", "\x1b[A", " ", "\r", "\x03", "\x1b", "\x1b[F"

MINI = """
id: mini
title: Mini intake
version: "1"
sections:
  - id: safety
    title: Safety check
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices: [{id: saddle, label: Saddle numbness}, {id: none, label: None of these, exclusive: true}]
  - id: pain
    title: Where it hurts
    questions:
      - {id: regions, type: body_regions, text: Where does it hurt?, regions: [neck, knee]}
      - {id: knee_worst, type: scale, text: Knee pain at worst?, when: {question: regions, includes: knee}}
      - {id: notes, type: text, text: Anything else?, required: false}
alerts:
  - {id: saddle, level: emergency, when: {question: flags, includes: saddle}, message: Saddle numbness needs care today, action: Go to an emergency department now}
"""


def _command() -> str:
    return installed_command()


@pytest.fixture
def spawn(tmp_path: Path) -> Callable[..., pexpect.spawn]:
    env = {
        **os.environ,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "IMBALANCE_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "100",
        "LINES": "40",
    }
    children: list[pexpect.spawn] = []

    def _spawn(*args: str) -> pexpect.spawn:
        child = pexpect.spawn(
            _command(),
            list(args),
            env=env,
            cwd=str(tmp_path),
            encoding="utf-8",
            timeout=20,
            dimensions=(40, 100),
        )
        children.append(child)
        return child

    yield _spawn  # type: ignore[misc]
    for child in children:
        child.close(force=True)


def test_answers_with_real_keys_goes_back_with_esc_and_writes_markdown(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    (tmp_path / "mini.yaml").write_text(MINI)
    child = spawn("run", "mini.yaml", "--out", "summary.md", "--client", "Sam")
    child.expect("Any of these")
    child.send(END + SPACE + ENTER)
    child.expect("Where does it hurt")
    child.send(SPACE + ENTER)  # neck
    child.expect("Anything else")
    child.send(ESC)  # back to the regions, neck still ticked
    child.expect("Where does it hurt")
    child.send(DOWN + SPACE + ENTER)  # add the left knee
    child.expect(r"Knee pain at worst")
    child.send("7" + ENTER)
    child.expect("Anything else")
    child.send("stairs hurt" + ENTER)
    child.expect("Wrote")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = (tmp_path / "summary.md").read_text()
    assert "**Client:** Sam" in text
    assert "- **Where does it hurt?:** Neck, Knee (left)" in text
    assert "- **Knee pain at worst?:** 7/10" in text
    assert "- **Anything else?:** stairs hurt" in text


def test_emergency_shows_at_once_and_ctrl_c_saves_then_resume_finishes(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    """Ctrl-C mid-intake exits 130 with the answers kept; resume continues, Esc reaches the
    earlier answers, and the finished session holds every answer."""
    (tmp_path / "mini.yaml").write_text(MINI)
    child = spawn("run", "mini.yaml", "--client", "Sam", "--out", "summary.md")
    child.expect("Any of these")
    child.send(SPACE + ENTER)  # saddle numbness
    child.expect("EMERGENCY")
    child.expect("What would you like to do")
    child.send(DOWN + ENTER)  # go on, for a complete record
    child.expect("Where does it hurt")
    child.send(SPACE + ENTER)  # neck
    child.expect("Anything else")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    output = child.before or ""
    assert "Traceback" not in output
    assert "saved in session 1" in output and "imbalance resume 1" in output

    again = spawn("resume")  # the session remembers --out summary.md
    again.expect("Resuming session 1 for Sam")
    again.expect("What would you like to do")  # the emergency stands: offered again
    again.send(DOWN + ENTER)
    again.expect("Anything else")
    again.send(ESC)  # back into the answers given before the interruption
    again.expect("Where does it hurt")
    again.send(DOWN + SPACE + ENTER)  # keep the neck, add the left knee
    again.expect("Knee pain at worst")
    again.send("4" + ENTER)
    again.expect("Anything else")
    again.send("better today" + ENTER)
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
    text = (tmp_path / "summary.md").read_text()
    assert text.index("Emergency: get medical help now") < text.index("## Safety check")
    assert "Saddle numbness needs care today" in text
    assert "- **Where does it hurt?:** Neck, Knee (left)" in text
    assert "- **Knee pain at worst?:** 4/10" in text

    from imbalance_cli.store import open_store

    with open_store(tmp_path / "data") as store:
        row = store.session(1)
        assert row.status == "complete" and row.client == "Sam"
        assert store.answers(1) == {
            "flags": ["saddle"],
            "regions": ["neck", "knee.left"],
            "knee_worst": 4,
            "notes": "better today",
        }


def test_an_emergency_stops_the_intake_by_default_with_a_summary_of_what_to_do(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    """Enter at the emergency offer stops: the session is complete, nothing more is asked, and
    the client summary holds the alert, what to do and the answers, and no exercise advice."""
    child = spawn("run", "--client", "Kim", "--audience", "client", "--out", "kim.md")
    child.expect("Right now or in the past few days")
    child.send(SPACE + ENTER)  # the first warning sign: numbness between the legs
    child.expect("EMERGENCY")
    child.expect("What would you like to do")
    child.send(ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = (tmp_path / "kim.md").read_text()
    assert "Emergency: get medical help now" in text
    assert "Go to an emergency department now" in text
    assert "The intake was stopped after the emergency warning sign above" in text
    assert "## Exercise strategies" not in text and "## Suggested reading" not in text
    assert "0-10 pain rule" not in text and "Start small" not in text
    from imbalance_cli.store import open_store

    with open_store(tmp_path / "data") as store:
        assert store.session(1).status == "complete"
        assert store.answers(1) == {"red_flags_now": ["saddle_numbness"]}


def test_sigkill_mid_run_loses_nothing_already_answered(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    (tmp_path / "mini.yaml").write_text(MINI)
    child = spawn("run", "mini.yaml")
    child.expect("Any of these")
    child.send(END + SPACE + ENTER)
    child.expect("Where does it hurt")
    child.send(DOWN + SPACE + ENTER)
    child.expect("Knee pain at worst")
    child.send("8" + ENTER)
    child.expect("Anything else")
    child.kill(9)
    child.close(force=True)
    assert child.signalstatus == 9

    from imbalance_cli.store import open_store

    with open_store(tmp_path / "data") as store:
        assert store.integrity() == "ok"
        assert store.answers(1) == {"flags": ["none"], "regions": ["knee.left"], "knee_worst": 8}
        assert store.session(1).status == "in_progress"
        assert store.latest_unfinished().id == 1  # type: ignore[union-attr]


def test_prompts_stay_on_the_terminal_when_stdout_is_redirected(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI)
    command = f"{_command()} run mini.yaml > out.md"
    env = {
        **os.environ,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "IMBALANCE_DATA_DIR": str(tmp_path / "d"),
    }
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=20
    )
    child.expect("Any of these")
    child.send(END + SPACE + ENTER)
    child.expect("Where does it hurt")
    child.send(SPACE + ENTER)
    child.expect("Anything else")
    child.send(ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = (tmp_path / "out.md").read_text()
    assert out.startswith("# Mini intake")
    assert "Any of these" not in out.split("## Safety check")[0]
    assert "\x1b[" not in out


def test_ctrl_c_at_a_confirmation_deletes_nothing(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    persona = (
        Path(__file__).resolve().parents[1] / "questionnaires" / "examples" / "runner-knee.yaml"
    )
    made = spawn(
        "run", "--answers", str(persona), "--no-input", "--client", "Ana", "--out", "ana.md"
    )
    made.expect(pexpect.EOF)
    made.close()
    assert made.exitstatus == 0
    child = spawn("clients", "delete", "Ana")
    child.expect("Type 'yes' to confirm")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    listed = spawn("clients", "list")
    listed.expect("Ana")
    listed.expect(pexpect.EOF)


REASSESS = """
id: mini-re
title: Mini re-assessment
version: "1"
sections:
  - id: safety
    title: Safety check
    reassess: ask
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices: [{id: saddle, label: Saddle numbness}, {id: none, label: None of these, exclusive: true}]
  - id: pain
    title: Where it hurts
    questions:
      - {id: regions, type: body_regions, text: Where does it hurt?, regions: [neck, knee], reassess: ask}
  - id: detail
    title: "{region}"
    repeat: regions
    questions:
      - {id: pain_now, type: scale, text: "Pain in your {region} now?", role: pain_now}
      - id: duration
        type: single
        text: "How long has your {region} hurt?"
        choices: [{id: weeks, label: Weeks}, {id: months, label: Months}]
  - id: goals
    title: Goals
    questions:
      - {id: goal, type: text, text: Name an activity that is hard now, role: goal, required: true}
      - {id: goal_rating, type: scale, text: How well can you do it today?, role: goal_rating}
      - {id: since, type: text, text: What did you do since last time?, reassess: only}
"""


def test_reassess_asks_only_what_changes_and_links_the_sessions(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    (tmp_path / "mini-re.yaml").write_text(REASSESS)
    (tmp_path / "first.yaml").write_text(
        "flags: [none]\nregions: [knee.left]\npain_now.knee.left: 6\n"
        "duration.knee.left: months\ngoal: climb stairs\ngoal_rating: 3\n"
    )
    first = spawn("run", "mini-re.yaml", "--answers", "first.yaml", "--no-input", "--client", "Sam")
    first.expect(pexpect.EOF)
    first.close()
    assert first.exitstatus == 0

    child = spawn("reassess", "sam", "mini-re", "--out", "again.md")
    child.expect("Re-assessing Sam")
    child.expect("carried over")
    child.expect("Any of these")  # the warning signs are asked again
    child.send(END + SPACE + ENTER)
    child.expect("Where does it hurt")
    child.send(DOWN + SPACE + ENTER)  # the left knee again (not pre-ticked)
    child.expect("Pain in your left knee now")
    child.send("3" + ENTER)  # the duration is carried over, not asked
    child.expect("Your goal: climb stairs")
    child.send("7" + ENTER)
    child.expect("What did you do since last time")
    child.send("squats twice a week" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    text = (tmp_path / "again.md").read_text()
    assert "**Session:** 2" in text and "squats twice a week" in text
    assert "Months" in text  # carried over from session 1

    compared = spawn("compare", "1", "2")
    compared.expect("climb stairs")
    compared.expect(pexpect.EOF)
    compared.close()
    listed = spawn("sessions", "show", "2", "--json")
    listed.expect('"previous": 1')
    listed.expect(pexpect.EOF)


OTHER = """
id: mini-check
title: Mini check
version: "1"
sections:
  - id: tests
    title: Tests
    reassess: ask
    questions:
      - {id: reps, type: number, text: How many repetitions?, max: 100}
"""


def test_reassess_asks_which_questionnaire_and_keeps_no_empty_session(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    """A client with an intake and a check: `reassess CLIENT` asks which to re-assess (the one
    the client started with first), says which one before the first question, and Ctrl-C
    before any answer keeps no empty "interrupted" session."""
    (tmp_path / "mini-re.yaml").write_text(REASSESS)
    (tmp_path / "mini-check.yaml").write_text(OTHER)
    (tmp_path / "first.yaml").write_text(
        "flags: [none]\nregions: [knee.left]\npain_now.knee.left: 6\n"
        "duration.knee.left: months\ngoal: climb stairs\ngoal_rating: 3\n"
    )
    (tmp_path / "check.yaml").write_text("reps: 12\n")
    for args in (("mini-re.yaml", "first.yaml"), ("mini-check.yaml", "check.yaml")):
        made = spawn("run", args[0], "--answers", args[1], "--no-input", "--client", "Sam")
        made.expect(pexpect.EOF)
        made.close()
        assert made.exitstatus == 0

    child = spawn("reassess", "sam")
    child.expect("Sam has completed more than one questionnaire; re-assess which")
    child.expect("mini-re: last completed on")
    child.expect("mini-check: last completed on")
    child.send(DOWN + ENTER)
    child.expect(r"Re-assessing Sam with the Mini check \(mini-check 1\), session 3")
    child.expect("How many repetitions")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "before the first answer; no session was kept" in (child.before or "")

    again = spawn("reassess", "sam")
    again.expect("re-assess which")
    again.send(ENTER)  # the first one the client did: the intake
    again.expect(r"Re-assessing Sam with the Mini re-assessment \(mini-re 1\)")
    again.expect("Any of these")
    again.send(CTRL_C)
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 130

    from imbalance_cli.store import open_store

    with open_store(tmp_path / "data") as store:
        assert [(r.id, r.questionnaire_id, r.status) for r in store.sessions()] == [
            (2, "mini-check", "complete"),
            (1, "mini-re", "complete"),
        ]


def test_plan_and_log_with_real_keys(tmp_path: Path, spawn: Callable[..., pexpect.spawn]) -> None:
    """A trainer turns an intake into a programme on the terminal (one dose lowered), the
    client logs a session with the arrow keys, and the next plan shows the log's proposal."""
    from conftest import EXAMPLES

    made = spawn("run", "--answers", str(EXAMPLES / "climber-wrist.yaml"), "--no-input",
                 "--client", "Ana", "--out", "ana.md")  # fmt: skip
    made.expect(pexpect.EOF)
    child = spawn("plan", "Ana", "--html", "sheet.html")
    child.expect("What next")
    child.send(DOWN + ENTER)  # the first exercise
    child.expect("Less: ")
    child.send(DOWN * 2 + ENTER)  # easier, harder (when there), then "Less"
    child.expect("What next")
    child.send(ENTER)  # save
    child.expect("Saved the programme for Ana")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Home programme for Ana" in (tmp_path / "sheet.html").read_text()

    log = spawn("log", "Ana")
    # The programme started today: no day before it is offered, so the day is not asked
    # (asked "Yesterday", the log was refused after every answer).
    log.expect("Logging today's session: the programme started today.")
    log.expect("Ctrl-C stops, and nothing is logged")  # a log is saved whole
    log.expect("have you noticed any of these")
    log.send(END + SPACE + ENTER)  # "None of these"
    for _ in range(3):
        log.expect("did you do it")
        log.send(ENTER)  # yes, as planned
        log.expect("pain during it")
        log.send("2" + ENTER)
    log.expect("morning after the session")
    log.send(DOWN + ENTER)  # as usual
    log.expect("Did you feel any of these")
    log.send(END + SPACE + ENTER)  # none of these
    log.expect("trainer should know")
    log.send(ENTER)
    log.expect("Logged the session of 20[0-9-]+ for Ana")
    log.expect(pexpect.EOF)
    log.close()
    assert log.exitstatus == 0


def test_a_check_in_asks_about_each_exercise_and_a_reassessment_asks_warning_signs_again(
    tmp_path: Path, spawn: Callable[..., pexpect.spawn]
) -> None:
    """The bundled check-in, for a client with a programme: two questions about each of the
    programme's exercises and none about others, then the note; re-assessed, the warning signs
    are asked afresh (never carried from last week) and the exercises are today's."""
    from conftest import EXAMPLES

    made = spawn("run", "--answers", str(EXAMPLES / "achilles-runner.yaml"), "--no-input",
                 "--client", "Dev", "--out", "dev.md")  # fmt: skip
    made.expect(pexpect.EOF)
    planned = spawn("plan", "Dev")
    planned.expect("What next")
    planned.send(ENTER)  # save as proposed
    planned.expect("Saved the programme for Dev")
    planned.expect(pexpect.EOF)

    child = spawn("run", "checkin", "--client", "Dev", "--out", "week.md")
    child.expect("From the home programme of 20[0-9-]+: Heel raise on both feet, Stand on one leg")
    child.expect("have you had any of these")
    child.send(END + SPACE + ENTER)  # none of these
    child.expect("how many days")
    child.send("4" + ENTER)
    child.expect("how much did it hurt")
    child.send("3" + ENTER)
    child.expect("The morning after")
    child.send(ENTER)  # better than usual
    child.expect("did you notice any of these")
    child.send(END + SPACE + ENTER)
    child.expect('how much of "Heel raise on both feet"')
    child.send(ENTER)  # all of it
    child.expect('How did "Heel raise on both feet" go')
    child.send(DOWN * 3 + ENTER)  # it hurt more than 5 of 10
    child.expect('how much of "Stand on one leg"')
    child.send(DOWN + ENTER)  # less than planned
    child.expect('How did "Stand on one leg" go')
    child.send(ENTER)  # easy
    child.expect("trainer should know")
    child.send("Calf tight on Tuesday" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    week = (tmp_path / "week.md").read_text()
    assert "| Heel raise on both feet | All of it, as planned | It hurt more than 5 of 10" in week
    assert "| Stand on one leg | Less than planned | Easy: I could have done more |" in week

    again = spawn("reassess", "Dev", "checkin", "--out", "again.md")
    again.expect("From the home programme of")
    again.expect("Re-assessing Dev")
    again.expect("have you had any of these")  # asked afresh, not carried from last week
    again.sendcontrol("c")
    again.expect(pexpect.EOF)
