"""Asking questions. ``Prompter`` is what the session talks to; ``terminal.TerminalPrompter``
asks with questionary on the terminal (the only place questionary is imported, and only when a
prompt is needed), ``ScriptedPrompter`` replays answers for tests. Going back is a key (Esc,
Ctrl-B, or the left arrow in lists) that makes any prompt return ``BACK``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

from imbalance_cli.answers import check_noting
from imbalance_cli.engine import Progress
from imbalance_cli.model import AnswerValue, FiredAlert, Question, Section

if TYPE_CHECKING:
    from imbalance_cli.prompts.terminal import TerminalPrompter as TerminalPrompter


class _Back:
    """The answer "take me to the previous question"."""

    def __repr__(self) -> str:
        return "BACK"


BACK: Final = _Back()
Reply = AnswerValue | _Back


class Prompter(Protocol):
    """What the session needs from whoever asks the questions."""

    def section(self, section: Section) -> None: ...

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Reply: ...

    def alert(self, fired: FiredAlert) -> None: ...

    def offer_stop(self, emergencies: tuple[FiredAlert, ...], *, can_go_back: bool) -> bool | _Back:
        """After an emergency alert: True to stop the intake here, False to go on, BACK to
        undo the answer that raised it."""
        ...

    def notice(self, text: str) -> None: ...


class ScriptedPrompter:
    """Replays answers for tests: a mapping of question id -> value (or a list of values, asked
    in turn, where ``BACK`` may appear), recording everything it was asked and shown."""

    def __init__(
        self, script: Mapping[str, Any], *, stop_on_emergency: bool | _Back = True
    ) -> None:
        self.script = {k: list(v) if isinstance(v, ScriptSteps) else [v] for k, v in script.items()}
        self.stop_on_emergency = stop_on_emergency
        self.offers: list[tuple[str, ...]] = []
        self.asked: list[str] = []
        self.defaults: dict[str, AnswerValue] = {}
        self.sections: list[str] = []
        self.alerts: list[str] = []
        self.notices: list[str] = []
        self.progress: list[Progress] = []

    def section(self, section: Section) -> None:
        if not self.sections or self.sections[-1] != section.id:
            self.sections.append(section.id)

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Reply:
        self.asked.append(question.id)
        self.defaults[question.id] = default
        self.progress.append(progress)
        steps = self.script.get(question.id)
        if not steps:
            raise EOFError(f"the script has no answer for '{question.id}'")
        value = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(value, _Back):
            return value
        if isinstance(value, BaseException):
            raise value
        answer, note = check_noting(question, value)
        if note:
            self.notice(note)
        return answer

    def alert(self, fired: FiredAlert) -> None:
        self.alerts.append(fired.alert.id)

    def offer_stop(self, emergencies: tuple[FiredAlert, ...], *, can_go_back: bool) -> bool | _Back:
        self.offers.append(tuple(f.alert.id for f in emergencies))
        if isinstance(self.stop_on_emergency, _Back):
            self.stop_on_emergency = True  # back once, then stop
            return BACK
        return self.stop_on_emergency

    def notice(self, text: str) -> None:
        self.notices.append(text)


class ScriptSteps(list[Any]):
    """Several replies to one question, in order: ``ScriptSteps(["knee", BACK])``."""


def __getattr__(name: str) -> Any:
    """``TerminalPrompter`` is imported on first use, so the session and tests that only script
    answers never import questionary."""
    if name == "TerminalPrompter":
        from imbalance_cli.prompts.terminal import TerminalPrompter

        return TerminalPrompter
    raise AttributeError(name)
