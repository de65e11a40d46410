"""Real questionary prompts, driven in-process with piped key presses (no terminal needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from io import StringIO

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from imbalance_cli.engine import Progress
from imbalance_cli.errors import Interrupted
from imbalance_cli.model import Questionnaire
from imbalance_cli.prompts import BACK, TerminalPrompter
from imbalance_cli.session import run_session

DOWN, UP, SPACE, ENTER, CTRL_C, CTRL_B = "\x1b[B", "\x1b[A", " ", "\r", "\x03", "\x02"

Q = """
id: keys
title: Keys
version: "1"
sections:
  - id: s
    title: Section one
    questions:
      - id: flags
        type: multi
        text: Flags?
        choices: [{id: saddle, label: Saddle}, {id: chest, label: Chest}, {id: none, label: None, exclusive: true}]
      - {id: regions, type: body_regions, text: Where?, regions: [neck, knee]}
      - {id: worst, type: scale, text: Worst?, anchors: {0: none, 10: worst}}
      - {id: side, type: single, text: Side?, choices: [{id: left, label: Left}, {id: right, label: Right}]}
      - {id: swollen, type: yes_no, text: Swollen?}
      - {id: age, type: number, text: Age?, min: 12, max: 110, unit: years}
      - {id: note, type: text, text: Note?, required: false}
alerts:
  - {id: saddle, level: emergency, when: {question: flags, includes: saddle}, message: Get help now, action: Call an ambulance}
"""


@pytest.fixture
def q(load: Callable[..., Questionnaire]) -> Questionnaire:
    return load(Q)


@pytest.fixture
def keys() -> Iterator[Callable[[str], TerminalPrompter]]:
    """A prompter reading from a pipe that holds exactly the keys given; EOF after them."""
    stack = ExitStack()

    def make(typed: str) -> TerminalPrompter:
        pipe = stack.enter_context(create_pipe_input())
        pipe.send_text(typed)
        pipe.close()
        console = Console(file=StringIO(), width=100)
        return TerminalPrompter(console, input=pipe, output=DummyOutput())

    with stack:
        yield make


def test_every_question_type_answered_with_real_keys(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    typed = (
        UP
        + SPACE
        + ENTER  # flags: last choice, "None"
        + SPACE
        + DOWN
        + SPACE
        + ENTER  # regions: neck, knee (left)
        + "7"
        + ENTER  # scale
        + DOWN
        + ENTER  # single: right
        + "y"  # yes/no answers at once
        + "44"
        + ENTER  # number
        + "sore after runs"
        + ENTER  # text
    )
    answers = run_session(q, keys(typed))
    assert answers == {
        "flags": ("none",),
        "regions": ("neck", "knee.left"),
        "worst": 7,
        "side": "right",
        "swollen": True,
        "age": 44,
        "note": "sore after runs",
    }


def test_invalid_typed_answers_are_refused_until_fixed(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    """11 on a 0-10 scale stays on screen until corrected. "None" ticked with a warning sign
    keeps the warning sign, drops "None", says so, and the alert fires; going on after the
    emergency is a choice."""
    typed = (
        SPACE
        + UP
        + SPACE
        + ENTER  # saddle + none: none is dropped, saddle kept
        + DOWN
        + ENTER  # the emergency offer: go on
        + SPACE
        + ENTER  # regions: neck
        + "11"
        + ENTER
        + "\x7f\x7f"
        + "9"
        + ENTER  # 11 refused, then 9
        + ENTER
        + "n"
        + "200"
        + ENTER
        + "\x7f\x7f\x7f"
        + "20"
        + ENTER
        + ENTER
    )
    prompter = keys(typed)
    answers = run_session(q, prompter)
    assert answers["flags"] == ("saddle",)
    assert answers["worst"] == 9
    assert answers["age"] == 20
    assert answers["note"] is None
    shown = " ".join(prompter.console.file.getvalue().split())  # type: ignore[attr-defined]
    assert "EMERGENCY" in shown
    assert "Kept 'Saddle' and dropped 'None', since both cannot be true" in shown


def test_stopping_at_an_emergency_is_the_default(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    prompter = keys(SPACE + ENTER + ENTER)
    assert run_session(q, prompter) == {"flags": ("saddle",)}


def test_back_key_returns_to_the_previous_question(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    """Ctrl-B on a typed answer goes back. (A lone Esc needs the pause a real terminal leaves
    after it, since a pipe runs it into the next key: the pseudo-terminal test presses Esc.)"""
    back_key = CTRL_B
    typed = (
        UP
        + SPACE
        + ENTER  # flags: none
        + SPACE
        + ENTER  # regions: neck
        + back_key  # back to regions, neck still ticked
        + SPACE
        + DOWN
        + DOWN
        + SPACE
        + ENTER  # untick neck, tick knee (right)
        + "3"
        + ENTER
        + ENTER
        + "n"
        + "30"
        + ENTER
        + ENTER
    )
    answers = run_session(q, keys(typed))
    assert answers["regions"] == ("knee.right",)


def test_ctrl_c_interrupts_with_answers_so_far(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    with pytest.raises(Interrupted) as info:
        run_session(q, keys(UP + SPACE + ENTER + CTRL_C))
    assert info.value.answers == {"flags": ("none",)}


def test_input_ending_midway_interrupts_instead_of_hanging(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    with pytest.raises(Interrupted, match="input ended"):
        run_session(q, keys(UP + SPACE + ENTER))


@pytest.mark.parametrize("qid", ["flags", "regions", "side", "swollen"])
def test_left_arrow_means_back_where_it_moves_nothing(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter], qid: str
) -> None:
    question = q.question(qid)
    assert question is not None
    reply = keys("\x1b[D").ask(question, default=None, progress=Progress(1, 1), can_go_back=True)
    assert reply is BACK


def test_body_regions_can_be_filtered_by_typing(
    intake: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    """Typing narrows the region list and never ticks: spaces go into the filter, Enter ticks
    the highlighted match and clears the filter, and Enter with no filter ends the question.
    Typing "knee (r" once ticked Knee (left); now it finds Knee (right)."""
    regions = intake.question("regions")
    assert regions is not None
    ask = {"default": None, "progress": Progress(1, 2), "can_go_back": False}
    assert keys("knee (r" + ENTER + ENTER).ask(regions, **ask) == ("knee.right",)  # type: ignore[arg-type]
    assert keys("right knee" + ENTER + ENTER).ask(regions, **ask) == ("knee.right",)  # type: ignore[arg-type]
    both = keys("knee" + ENTER + "knee" + DOWN + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    assert both == ("knee.left", "knee.right")
    # A filter that matches nothing: Enter does not end the question (the input then runs out).
    with pytest.raises(EOFError):
        keys("xyz" + ENTER).ask(regions, **ask)  # type: ignore[arg-type]


def test_every_prompt_shares_one_set_of_default_key_bindings(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    """prompt_toolkit's default bindings are built once per process, not three times per
    question (issue 24); prompts built after it still take every key they took before."""
    from prompt_toolkit.application import Application, create_app_session

    made: list[Application[object]] = []
    real_init = Application.__init__

    def spy(self: Application[object], *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    prompter = keys(DOWN + SPACE + ENTER)
    progress = Progress(1, 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Application, "__init__", spy)
        with create_app_session(input=prompter._input, output=DummyOutput()):
            for question in (q.question("flags"), q.question("side"), q.question("note")):
                assert question is not None
                prompter._build(question, None, progress, True)
    assert len(made) == 7  # a list and a select make three Applications each, a text one
    assert len({id(app._default_bindings) for app in made}) == 1
    flags = q.question("flags")
    assert flags is not None
    reply = prompter.ask(flags, default=None, progress=progress, can_go_back=False)
    assert reply == ("chest",)
