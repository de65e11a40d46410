"""The terminal prompter: questionary on the terminal (even with stdout redirected), with going
back, wrapped labels that are never cut, and a body-region list that filters as you type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from imbalance_cli import bodymap as body
from imbalance_cli.answers import InvalidAnswer, check, check_noting
from imbalance_cli.engine import Progress
from imbalance_cli.model import AnswerValue, FiredAlert, Question, QuestionType, Section
from imbalance_cli.prompts import BACK, Reply, _Back
from imbalance_cli.prompts.lines import DIM, Lines
from imbalance_cli.prompts.screen import Screen
from imbalance_cli.prompts.widgets import (
    add_filter_keys,
    mark_more,
    share_default_bindings,
    stop_at_ends,
    wrap_choices,
    wrap_fragments,
    wrap_header,
)
from imbalance_cli.text import clean, markup, one_line

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.console import Console, RenderableType


_STYLE: Any = None


def _style() -> Any:
    global _STYLE
    if _STYLE is None:
        from questionary import Style

        _STYLE = Style(
            [
                ("qmark", "fg:#5f87af bold"),
                ("question", "bold"),
                ("instruction", "fg:#808080"),
                ("answer", "fg:#5faf5f bold"),
                ("pointer", "fg:#5faf5f bold"),
                ("highlighted", "fg:#5faf5f bold"),
                ("selected", "fg:#5faf5f"),
            ]
        )
    return _STYLE


def choose(message: str, options: list[tuple[str, str]], default: str) -> str:
    """One of ``options`` (value, label) with the arrow keys, on the terminal (before a flow
    starts: which questionnaire to re-assess). Ctrl-C stops (KeyboardInterrupt)."""
    import questionary
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.application.current import get_app_session
    from prompt_toolkit.output import create_output

    with create_app_session(output=create_output(always_prefer_tty=True)):
        width = get_app_session().output.get_size().columns
        text, instruction = wrap_header("?", one_line(message), "(arrows, Enter)", max(20, width))
        prompt = questionary.select(
            text,
            choices=[questionary.Choice(one_line(label), value=value) for value, label in options],
            default=default,
            qmark="?",
            style=_style(),
            instruction=instruction,
        )
        wrap_choices(prompt.application)
        _ends_and_escape(prompt.application, [value for value, _ in options])
        return str(prompt.unsafe_ask())


def _ends_and_escape(app: Any, values: list[str]) -> None:
    """Home and End go to the first and last choice, as in the questionnaires (End then Enter
    took a plan menu's pointed exercise, not its last choice), and Esc takes "back" where a
    menu has it."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    stop_at_ends(app)
    if "back" in values:
        keys = KeyBindings()
        keys.add("escape", eager=True)(lambda event: event.app.exit(result="back"))
        app.key_bindings = merge_key_bindings([app.key_bindings, keys])


def ask_line(message: str) -> str:
    """A line of text on the terminal (a note). Ctrl-C stops (KeyboardInterrupt)."""
    import questionary
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.output import create_output

    from imbalance_cli.text import clean

    with create_app_session(output=create_output(always_prefer_tty=True)):
        typed = questionary.text(one_line(message), qmark="?", style=_style()).unsafe_ask()
    return clean(str(typed or ""))


class TerminalPrompter:
    """Asks on the terminal with questionary. Prompts and messages never go to a redirected
    stdout: they use the tty (or stderr). ``input``/``output`` let tests drive real prompts."""

    def __init__(
        self,
        console: Console | Callable[[], Console],
        *,
        input: Input | None = None,
        output: Output | None = None,
        same_screen: bool | None = None,
        lines: Lines | None = None,
    ) -> None:
        self._console = console
        self._input = input
        self._output = output
        #: Section rules and help lines written without rich where they can be (the first
        #: screen then never imports it); None: everything through the console.
        self.lines = lines
        share_default_bindings()
        # Rows are counted (and erased when going back) only when what is printed reaches the
        # terminal the prompts are on: the tty and a terminal on stderr, unless ``same_screen``
        # says how it is.
        if same_screen is None:
            same_screen = output is None and self._on_terminal()
        self._screen = Screen(tracking=same_screen)

    @property
    def console(self) -> Console:
        """The rich console, made on first use when given as a function."""
        if callable(self._console):
            self._console = self._console()
        return self._console

    def _on_terminal(self) -> bool:
        """Does what the console prints reach a terminal? Where ``lines`` can write, yes (it
        writes to the same standard error as the console, and only where rich would count it a
        terminal), and the first screen still needs no rich; else the console says."""
        if self.lines is not None and self.lines.usable():
            return True
        return self.console.is_terminal

    # -- messages ---------------------------------------------------------------------------

    def _print(self, renderable: RenderableType = "") -> None:
        """Print on the console, counting the terminal rows it takes (for going back)."""
        from rich.text import Text

        shown = Text.from_markup(renderable) if isinstance(renderable, str) else renderable
        if self._screen.tracking:
            self._screen.printed(len(self.console.render_lines(shown, pad=False)))
        self.console.print(shown)

    def _printed(self, rows: int) -> None:
        """Rows written without the console (``lines``), counted as ``_print`` counts its own."""
        if self._screen.tracking:
            self._screen.printed(rows)

    def section(self, section: Section) -> None:
        if section.id == self._screen.open_section:
            return  # going back into a section whose heading is still on screen
        rows = self.lines.rule(section.title, blank_before=True) if self.lines is not None else 0
        if rows:
            self._printed(rows)
        else:
            from rich.rule import Rule

            self._print()
            self._print(Rule(f"[bold]{markup(section.title)}[/]", align="left", style="blue"))
        if section.intro:
            self._dim("", section.intro)
        self._screen.open_section = section.id

    def _dim(self, lead: str, text: str) -> None:
        """A dim paragraph after an unstyled lead: without rich where it can be; its rows are
        counted either way."""
        rows = self.lines.write([("", lead), (DIM, text)]) if self.lines is not None else 0
        if rows:
            self._printed(rows)
        else:
            self._print(f"{lead}[dim]{markup(text)}[/]")

    def alert(self, fired: FiredAlert) -> None:
        from imbalance_cli.render.terminal import alert_panel

        self.console.print(alert_panel(fired))
        self._screen.barrier()  # a warning sign stays on screen, whatever is changed

    def notice(self, text: str) -> None:
        self.console.print(f"[yellow]{markup(text)}[/]")
        self._screen.barrier()

    def offer_stop(self, emergencies: tuple[FiredAlert, ...], *, can_go_back: bool) -> bool | _Back:
        """Stop here (the default) or go on for a complete record; Esc goes back to the
        answer that raised it, for a mistaken tick."""
        import questionary
        from prompt_toolkit.application import create_app_session
        from prompt_toolkit.application.current import get_app_session
        from prompt_toolkit.output import create_output

        output = self._output or create_output(always_prefer_tty=True)
        self.console.print(
            "[bold red]This needs medical help first.[/] You can stop here: the summary will "
            "hold the warning signs, what to do, and your answers so far."
        )
        back = ", Esc to change your answer" if can_go_back else ""
        with create_app_session(input=self._input, output=output):
            width = get_app_session().output.get_size().columns
            message, instruction = wrap_header(
                "!", "What would you like to do?", f"(arrows, Enter{back})", max(20, width)
            )
            prompt = questionary.select(
                message,
                choices=[
                    questionary.Choice("Stop here and see what to do (recommended)", value=True),
                    questionary.Choice(
                        "Go on with the remaining questions (for a complete record)", value=False
                    ),
                ],
                qmark="!",
                style=_style(),
                instruction=instruction,
            )
            wrap_choices(prompt.application)
            if can_go_back:
                _add_back_keys(prompt.application, arrows=True)
            reply = prompt.unsafe_ask()
        return reply if isinstance(reply, _Back) else bool(reply)

    # -- asking -----------------------------------------------------------------------------

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Reply:
        from prompt_toolkit.application import create_app_session
        from prompt_toolkit.output import create_output

        output = self._output or create_output(always_prefer_tty=True)
        if question.help:
            self._dim("  ", question.help)
        with create_app_session(input=self._input, output=output):
            prompt = self.prompt_for(question, default, progress, can_go_back)
            reply = prompt.unsafe_ask()
            if isinstance(reply, _Back):
                self._erase_back(output)
                return reply
            answer, note = self._convert(question, reply)
            self._echo(output, question, answer, progress)
        if note:
            self.notice(note)
        return answer

    def prompt_for(
        self, question: Question, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Any:
        """The questionary prompt for a question, with our keys and wrapping (call it inside
        the app session it will run in)."""
        prompt = self._build(question, default, progress, can_go_back)
        application = prompt.application
        # The prompt leaves nothing when it ends: the answer is echoed below, by us, with every
        # label a list ticked, and going back erases what it left.
        application.erase_when_done = True
        if question.type in (*_LISTS, QuestionType.SINGLE):
            wrap_choices(application)
            stop_at_ends(application)
            mark_more(application)
        if question.type is QuestionType.BODY_REGIONS:
            regions = body.default()
            search = {t: regions.search_words(t) for t in regions.tokens(question.regions)}
            add_filter_keys(application, search)  # before anything else binds Space
        _add_back_keys(application, arrows=question.type in _ARROWS)
        return prompt

    def _echo(
        self, output: Output, question: Question, answer: AnswerValue, progress: Progress
    ) -> None:
        """The question and its answer in words, as one line wrapped between words: every
        choice ticked by its label, so a mis-tick shows (questionary says "done (2
        selections)")."""
        from prompt_toolkit import print_formatted_text
        from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples

        from imbalance_cli.rules import describe_answer

        shown = describe_answer(question, answer) if answer is not None else "skipped"
        fragments: StyleAndTextTuples = [
            ("class:qmark", f"[{progress.position} of ~{progress.total}]"),
            ("class:question", f" {one_line(question.text)} "),
            ("class:answer", one_line(shown)),
        ]
        wrapped = wrap_fragments(fragments, max(20, output.get_size().columns), lead=_NO_LEAD)
        print_formatted_text(FormattedText(wrapped), style=_style(), output=output)
        self._screen.answered(1 + sum(text.count("\n") for _, text, *_ in wrapped))

    def _erase_back(self, output: Output) -> None:
        """Going back: the abandoned prompt erased itself; erase the lines printed before it
        and the previous question's block, so that question is asked again in its place."""
        rows = self._screen.back(output.get_size().rows)
        if rows:
            output.write_raw(f"\x1b[{rows}F\x1b[J")
            output.flush()

    def _build(
        self, question: Question, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Any:
        import questionary
        from prompt_toolkit.application.current import get_app_session

        t = question.type
        qmark = f"[{progress.position} of ~{progress.total}]"
        message = one_line(question.text)
        back = ", Esc back" if can_go_back else ""
        common: dict[str, Any] = {"qmark": qmark, "style": _style()}
        width = get_app_session().output.get_size().columns

        def header(instruction: str, margin: int = 0) -> dict[str, Any]:
            """The question and its instruction broken between words to fit the terminal."""
            text, hint = wrap_header(qmark, message, instruction, max(20, width - margin))
            return {"message": text, "instruction": hint}

        if t is QuestionType.SINGLE:
            choices = [
                questionary.Choice(one_line(c.label), value=c.id, description=_desc(c.help))
                for c in question.choices
            ]
            start = default if isinstance(default, str) else None
            return questionary.select(
                choices=choices, default=start,
                **header(f"(arrows, Enter{back.replace('Esc', '← or Esc')})"), **common,
            )  # fmt: skip
        if t in _LISTS:
            chosen = set(default) if isinstance(default, tuple) else set()
            items = _list_choices(question, chosen)
            regions = t is QuestionType.BODY_REGIONS
            keys = (
                "type to filter and Enter to tick the match, or Space to tick; Enter when done"
                if regions
                else "Space to tick, Enter when done"
            )
            return questionary.checkbox(
                choices=items,
                validate=_validator(question, lambda v: v),
                **header(f"({keys}{back})"),
                use_search_filter=regions,
                use_jk_keys=not regions,
                **common,
            )
        if t is QuestionType.YES_NO:
            return questionary.confirm(
                default=bool(default) if isinstance(default, bool) else False,
                **header(f"(y/n{back}) "),
                **common,
            )
        hint = _hint(question)
        start_text = "" if default is None or isinstance(default, tuple) else _format(default)
        return questionary.text(
            default=start_text,
            validate=_validator(question, lambda v: v),
            **header(" ".join(p for p in (hint, "(Esc back)" if can_go_back else "") if p), 1),
            **common,
        )

    def _convert(self, question: Question, reply: Any) -> tuple[AnswerValue, str | None]:
        if question.type in _LISTS:
            return check_noting(question, list(reply or ()))
        if reply is None or (isinstance(reply, str) and not reply.strip()):
            return check_noting(question, None)
        return check_noting(question, reply)


_LISTS = (QuestionType.MULTI, QuestionType.BODY_REGIONS)
# An echo's continuation lines start at the margin.
_NO_LEAD = re.compile("")
# Prompts where the left arrow moves nothing, so it can mean "back".
_ARROWS = (*_LISTS, QuestionType.SINGLE, QuestionType.YES_NO)


def _desc(text: str | None) -> str | None:
    return one_line(text) if text else None


def _format(value: AnswerValue) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _hint(question: Question) -> str:
    if question.type is QuestionType.SCALE:
        low, high = int(question.minimum or 0), int(question.maximum or 10)
        anchors = dict(question.anchors)
        ends = []
        for point in (low, high):
            ends.append(f"{point} = {clean(anchors[point])}" if point in anchors else str(point))
        return f"({ends[0]} … {ends[1]})"
    if question.type in (QuestionType.NUMBER, QuestionType.PAIRED):
        lo, hi = question.minimum, question.maximum
        unit = f" {clean(question.unit)}" if question.unit else ""
        skip = "" if question.required else ", Enter to skip"
        if lo is not None and hi is not None:
            return f"({lo:g}-{hi:g}{unit}{skip})"
        return f"({unit.strip()}{skip})" if unit or skip else ""
    if question.type is QuestionType.TEXT and not question.required:
        return "(optional, Enter to skip)"
    return ""


def _list_choices(question: Question, chosen: set[str]) -> list[Any]:
    import questionary

    if question.type is QuestionType.MULTI:
        return [
            questionary.Choice(
                one_line(c.label), value=c.id, checked=c.id in chosen, description=_desc(c.help)
            )
            for c in question.choices
        ]
    regions = body.default()
    expanded = set(regions.normalise(tuple(chosen)))
    items: list[Any] = [
        questionary.Choice(regions.describe(token), value=token, checked=token in expanded)
        for token in regions.tokens(question.regions)
    ]
    if question.none_label:
        items.append(
            questionary.Choice(
                one_line(question.none_label), value="none", checked="none" in expanded
            )
        )
    return items


def _validator(question: Question, prepare: Callable[[Any], Any]) -> Callable[[Any], bool | str]:
    def validate(reply: Any) -> bool | str:
        value = prepare(reply)
        if question.type in _LISTS:
            value = list(value or ())
        elif isinstance(value, str) and not value.strip():
            value = None
        try:
            check(question, value)
        except InvalidAnswer as exc:
            return str(exc).capitalize()
        return True

    return validate


def _add_back_keys(application: Any, *, arrows: bool) -> None:
    """Esc and Ctrl-B (and ← where it moves nothing) end the prompt with BACK."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    keys = KeyBindings()

    def back(event: Any) -> None:
        event.app.exit(result=BACK)

    keys.add("escape", eager=True)(back)
    keys.add("c-b")(back)
    if arrows:
        keys.add("left")(back)
    existing = application.key_bindings
    application.key_bindings = merge_key_bindings([existing, keys]) if existing else keys
