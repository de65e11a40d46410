"""Real questionary prompts, driven in-process with piped key presses (no terminal needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from io import StringIO
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from imbalance_cli import bodymap as body
from imbalance_cli.engine import Progress
from imbalance_cli.errors import Interrupted
from imbalance_cli.model import Questionnaire
from imbalance_cli.prompts import BACK, TerminalPrompter
from imbalance_cli.session import run_session

DOWN, UP, SPACE, ENTER, CTRL_C, CTRL_B, END = (
    "\x1b[B",
    "\x1b[A",
    " ",
    "\r",
    "\x03",
    "\x02",
    "\x1b[F",
)

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
        END
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
        + END
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
        END
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
        run_session(q, keys(END + SPACE + ENTER + CTRL_C))
    assert info.value.answers == {"flags": ("none",)}


def test_input_ending_midway_interrupts_instead_of_hanging(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    with pytest.raises(Interrupted, match="input ended"):
        run_session(q, keys(END + SPACE + ENTER))


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
    the match and clears the filter, and Enter with no filter ends the question. Typing "knee
    (r" once ticked Knee (left); now it finds Knee (right). A word that matches both sides
    ("elbow") ticks nothing with Enter until a side is typed or moved to."""
    regions = intake.question("regions")
    assert regions is not None
    ask = {"default": None, "progress": Progress(1, 2), "can_go_back": False}
    assert keys("knee (r" + ENTER + ENTER).ask(regions, **ask) == ("knee.right",)  # type: ignore[arg-type]
    assert keys("right knee" + ENTER + ENTER).ask(regions, **ask) == ("knee.right",)  # type: ignore[arg-type]
    both = keys("knee l" + ENTER + "knee" + DOWN + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    assert both == ("knee.left", "knee.right")
    side = keys("elbow" + ENTER + " l" + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    assert side == ("elbow.left",)  # the first Enter asked which side, and ticked nothing
    # Asked which side, the side typed as it is ("right", no space first) is a word of its
    # own: "wristright" matched nothing.
    typed = keys("wrist" + ENTER + "right" + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    assert typed == ("wrist_hand.right",)
    with pytest.raises(EOFError):  # "elbow" and Enter alone never tick the left elbow
        keys("elbow" + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    # A filter that matches nothing: Enter does not end the question (the input then runs out).
    with pytest.raises(EOFError):
        keys("xyz" + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    # The body map's search words: "pelvis" found nothing (a pregnant woman with pain at the
    # back of her pelvis); it finds the buttocks, the lower back and the hips, and "pelvis left
    # butt" the one she meant; "thumb r" the right wrist and hand.
    pelvis = keys("pelvis left butt" + ENTER + "thumb r" + ENTER + ENTER).ask(regions, **ask)  # type: ignore[arg-type]
    assert pelvis == ("wrist_hand.right", "buttock.left")
    from imbalance_cli.prompts.plain import _pick

    options = [(t, body.default().describe(t)) for t in body.default().tokens()]
    assert _pick("sacroiliac left", options) == "buttock.left"


def _on_screen(q: Questionnaire, typed: str, columns: int = 80, rows: int = 24) -> list[str]:
    """Run a session on a terminal of ``columns`` x ``rows`` (prompts and the console write one
    stream, as on a real terminal) and return the screen at the end, as pyte shows it."""
    import pyte
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    written = StringIO()
    output = Vt100_Output(written, lambda: Size(rows=rows, columns=columns), term="xterm")
    console = Console(file=written, width=columns, force_terminal=True, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(typed)
        pipe.close()
        run_session(q, TerminalPrompter(console, input=pipe, output=output, same_screen=True))
    screen = pyte.Screen(columns, rows)
    pyte.Stream(screen).feed(written.getvalue().replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def test_a_list_answer_echoes_every_label_and_going_back_erases_the_old_answer(
    q: Questionnaire,
) -> None:
    """A list answer is echoed with the labels ticked ("Neck, Knee (left)", not "done (2
    selections)"), so a mis-tick shows; after Esc the question asked again takes the place of
    its old answer, and the question left is gone, instead of both staying above it."""
    typed = (
        END + SPACE + ENTER  # flags: None
        + SPACE + DOWN + SPACE + ENTER  # regions: neck, knee (left)
        + "7" + ENTER  # worst
        + "\x1b"  # back from "Side?" to "Worst?"
        + "\x7f5" + ENTER  # 7 becomes 5
        + DOWN + ENTER + "y" + "44" + ENTER + ENTER
    )  # fmt: skip
    shown = _on_screen(q, typed)
    text = "\n".join(shown)
    assert "Where? Neck, Knee (left)" in text
    assert "selections" not in text
    assert [line for line in shown if "Worst?" in line] == ["[3 of ~7] Worst? 5/10"]
    assert "7/10" not in text
    assert [line for line in shown if "Side?" in line] == ["[4 of ~7] Side? Right"]
    assert text.count("Section one") == 1


def test_up_on_the_first_choice_stays_there(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter]
) -> None:
    """Up on the first choice no longer wraps, with no mark, to the last ("None"): it stays,
    and Space ticks the first; End goes to the last."""
    flags = q.question("flags")
    assert flags is not None
    ask = {"default": None, "progress": Progress(1, 2), "can_go_back": False}
    assert keys(UP + SPACE + ENTER).ask(flags, **ask) == ("saddle",)  # type: ignore[arg-type]
    assert keys(END + DOWN + SPACE + ENTER).ask(flags, **ask) == ("none",)  # type: ignore[arg-type]
    side = q.question("side")
    assert side is not None
    assert keys(UP + UP + ENTER).ask(side, **ask) == "left"  # type: ignore[arg-type]


def test_the_region_list_says_which_side_what_matches_nothing_and_what_is_below(
    intake: Questionnaire,
) -> None:
    """At 80x24: the list cut at the foot says how many regions are below (and above, once
    scrolled); a word that matches both sides asks which side on Enter; a filter that
    matches nothing says so."""
    from prompt_toolkit.output import DummyOutput

    from screen import screen_lines

    regions = intake.question("regions")
    assert regions is not None
    prompter = TerminalPrompter(Console(file=StringIO()), output=DummyOutput())

    def build() -> object:
        return prompter.prompt_for(regions, None, Progress(6, 49), True)

    first = screen_lines(build, "", columns=80, rows=24)
    assert first[-1].strip().startswith("↓") and first[-1].endswith("more below"), first
    down = screen_lines(build, "\x1b[B" * 25, columns=80, rows=24)
    assert any("more above" in line for line in down), down
    elbow = " ".join(" ".join(screen_lines(build, "elbow\r", columns=80, rows=24)).split())
    assert "Elbow (left) and Elbow (right) match: which side? Type left or right" in elbow
    narrow = screen_lines(build, "elbow\r", columns=50, rows=24)
    said = " ".join(line.strip() for line in narrow)
    assert (  # wrapped between words, not in one
        "Elbow (left) and Elbow (right) match: which side? Type left or right, or move to one "
        "(↓) and press Enter" in said
    )
    assert "●" not in elbow  # nothing ticked
    nothing = " ".join(screen_lines(build, "xyz", columns=80, rows=24))
    assert "nothing matches; Backspace to change what you typed" in nothing


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


def test_the_default_key_bindings_are_built_when_a_key_is_read(
    q: Questionnaire, keys: Callable[[str], TerminalPrompter], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing the first question needs none of prompt_toolkit's default bindings: they are
    built when the first key is looked up (after the first paint), once, and every key works."""
    from prompt_toolkit.application import application, create_app_session
    from prompt_toolkit.key_binding import defaults
    from prompt_toolkit.renderer import Renderer

    built: list[int] = []
    real = defaults.load_key_bindings

    def counted() -> object:
        built.append(1)
        return real()

    # As in a fresh process: the bindings not shared yet (restored after the test).
    monkeypatch.setattr(defaults, "load_key_bindings", counted)
    monkeypatch.setattr(application, "load_key_bindings", counted)
    # How many times they were built when each screen was drawn.
    painted: list[int] = []
    render = Renderer.render

    def draw(self: Renderer, *args: Any, **kwargs: Any) -> None:
        painted.append(len(built))
        render(self, *args, **kwargs)

    monkeypatch.setattr(Renderer, "render", draw)
    prompter = keys(DOWN + SPACE + ENTER + DOWN + ENTER)
    progress = Progress(1, 2)
    flags, side = q.question("flags"), q.question("side")
    assert flags is not None and side is not None
    with create_app_session(input=prompter._input, output=DummyOutput()):
        prompter.prompt_for(flags, None, progress, False)
    assert built == []
    reply = prompter.ask(flags, default=None, progress=progress, can_go_back=False)
    assert reply == ("chest",)
    assert painted[0] == 0 and built == [1]
    assert prompter.ask(side, default=None, progress=progress, can_go_back=False) == "right"
    assert built == [1]


@pytest.mark.parametrize(("typed", "chosen"), [(END + ENTER, "back"), ("\x1b", "back"),
                                               ("\x1b[H" + ENTER, "a"), (DOWN + ENTER, "b")])  # fmt: skip
def test_a_menu_goes_to_its_ends_and_esc_goes_back(typed: str, chosen: str) -> None:
    """A plan menu ignored End and Esc: End then Enter took the exercise pointed at (it was
    added to the programme) instead of "Back". Home and End go to the ends, Esc is "Back"."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.output import DummyOutput

    from imbalance_cli.prompts.terminal import choose

    options = [("a", "Hip hinge"), ("b", "Bird-dog"), ("back", "Back")]
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(typed)
        assert choose("Which exercise?", options, "a") == chosen
