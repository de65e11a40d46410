"""The person's side of the intake flows: full-screen prompts with rich messages, or the plain
mode's lines of text (``--plain``, ``TERM=dumb`` or ``ACCESSIBLE``), which write no escape
sequence at all. Both write to the terminal side (stderr), never into a redirected stdout."""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

from imbalance_cli.text import clean, markup, one_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from imbalance_cli.model import Questionnaire
    from imbalance_cli.prompts import Prompter


#: Under the header of every interactive run; a home programme's log is saved whole.
_KEYS = (
    "Education, not a diagnosis. Esc or Ctrl-B goes back a question; Ctrl-C stops, and your "
    "answers so far are kept."
)
_KEYS_WHOLE = (
    "Education, not a diagnosis. Esc or Ctrl-B goes back a question; Ctrl-C stops, and "
    "nothing is logged (a log is saved whole)."
)
_STOP_WHOLE = "Ctrl-C stops, and nothing is logged (a log is saved whole)."


class TerminalUi:
    """Questionary's prompts on the terminal, with messages in colour. The console is made on
    first use: a headless run that shows nothing never imports rich."""

    def __init__(self, console: Callable[[], Console], prefix: str = "imbalance") -> None:
        self._make = console
        self._console: Console | None = None
        self.prefix = prefix

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = self._make()
        return self._console

    def prompter(self, questionnaire: Questionnaire, whole: bool = False) -> Prompter:
        """The prompts for a run; ``whole``: its answers are saved at the end or not at all."""
        from imbalance_cli.prompts import TerminalPrompter

        # prompt_toolkit's objects form reference cycles, so the collector runs while asking.
        # Everything loaded by now (modules, the questionnaire, the library) lives as long as
        # the process: frozen out of the collector first, or its first pass after the long
        # pause walks all of it (a tenth of the time to the first question), and every later
        # one again.
        gc.freeze()
        gc.enable()
        from imbalance_cli.prompts.lines import BOLD, DIM, Lines

        # The first screen without rich where it can be (prompts/lines.py): the console is
        # made when a message needs it.
        lines = Lines()
        q = questionnaire
        if not lines.write([(BOLD, q.title), ("", "  "), (DIM, f"{q.id} {q.version}")]):
            self.console.print(
                f"[bold]{markup(q.title)}[/]  [dim]{markup(q.id)} {markup(q.version)}[/]"
            )
        keys = _KEYS_WHOLE if whole else _KEYS
        if not lines.write([(DIM, keys)]):
            self.console.print(f"[dim]{keys}[/]")
        prompter: Prompter = TerminalPrompter(lambda: self.console, lines=lines)
        return prompter

    def note(self, text: str) -> None:
        self.console.print(f"[yellow]{markup(text)}[/]")

    def say(self, text: str) -> None:
        self.console.print(markup(text))

    def choose(self, question: str, options: list[tuple[str, str]], default: str) -> str:
        from imbalance_cli.prompts.terminal import choose

        gc.enable()  # prompt_toolkit's objects form reference cycles
        return choose(question, options, default)

    def text(self, message: str) -> str:
        from imbalance_cli.prompts.terminal import ask_line

        gc.enable()
        return ask_line(message)

    def password(self, prompt: str) -> str:
        return _password(prompt)


class PlainUi:
    """Lines of text read and written in order: for screen readers and dumb terminals."""

    def __init__(self, prefix: str = "imbalance --plain") -> None:
        self.prefix = prefix

    def prompter(self, questionnaire: Questionnaire, whole: bool = False) -> Prompter:
        from imbalance_cli.prompts.plain import PlainPrompter

        q = questionnaire
        self._line(f"{q.title} ({q.id} {q.version})")
        stop = _STOP_WHOLE if whole else "Ctrl-C stops: your answers so far are kept."
        self._line(
            "Education, not a diagnosis. Type the number of a choice and press Enter; b goes "
            f"back a question, ? shows help, and {stop}"
        )
        return PlainPrompter(sys.stdin, sys.stderr, stop=_STOP_WHOLE if whole else None)

    def note(self, text: str) -> None:
        self._line(f"Note: {text}")

    def say(self, text: str) -> None:
        self._line(text)

    def choose(self, question: str, options: list[tuple[str, str]], default: str) -> str:
        """Numbered lines; a number, or Enter for the default. End of input stops (Ctrl-C)."""
        self._line(question)
        for number, (_, label) in enumerate(options, start=1):
            self._line(f"  {number}. {label}")
        first = next(n for n, (value, _) in enumerate(options, start=1) if value == default)
        while True:
            sys.stderr.write(f"Type a number from 1 to {len(options)} (Enter: {first}): ")
            sys.stderr.flush()
            line = sys.stdin.readline()
            if not line:
                raise KeyboardInterrupt
            typed = line.strip()
            if not typed:
                return default
            if typed.isdigit() and 1 <= int(typed) <= len(options):
                return options[int(typed) - 1][0]
            self._line(f"Please type a number from 1 to {len(options)}.")

    def text(self, message: str) -> str:
        """A line of text; end of input stops (Ctrl-C)."""
        sys.stderr.write(one_line(clean(message)) + ": ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise KeyboardInterrupt
        return clean(line.strip())

    def password(self, prompt: str) -> str:
        return _password(prompt)

    @staticmethod
    def _line(text: str) -> None:
        sys.stderr.write(one_line(clean(text)) + "\n")
        sys.stderr.flush()


def _password(prompt: str) -> str:
    """A store's password, typed on the terminal without echo (none without a terminal: the
    store then says where to put it)."""
    from imbalance_cli.errors import UsageError

    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            f"{clean(prompt).rstrip(': ')} is needed and there is no terminal to ask on; put it "
            "in ~/.pgpass or PGPASSWORD"
        )
    import getpass

    try:
        return getpass.getpass(clean(prompt), stream=sys.stderr)
    except EOFError:
        raise UsageError("no password was given") from None
