"""Asking questions. The only module that imports questionary (and only when a prompt is needed).

``Prompter`` is what the session talks to; ``TerminalPrompter`` asks with questionary on the
terminal, ``ScriptedPrompter`` replays answers for tests. Going back is a key (Esc, Ctrl-B, or
the left arrow in lists) that makes any prompt return ``BACK``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

from imbalance_cli import regions as body
from imbalance_cli.answers import InvalidAnswer, check
from imbalance_cli.engine import Progress
from imbalance_cli.model import AnswerValue, FiredAlert, Question, QuestionType, Section
from imbalance_cli.text import clean, markup, one_line

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.console import Console


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

    def notice(self, text: str) -> None: ...


class ScriptedPrompter:
    """Replays answers for tests: a mapping of question id -> value (or a list of values, asked
    in turn, where ``BACK`` may appear), recording everything it was asked and shown."""

    def __init__(self, script: Mapping[str, Any]) -> None:
        self.script = {k: list(v) if isinstance(v, ScriptSteps) else [v] for k, v in script.items()}
        self.asked: list[str] = []
        self.defaults: dict[str, AnswerValue] = {}
        self.sections: list[str] = []
        self.alerts: list[str] = []
        self.notices: list[str] = []
        self.progress: list[Progress] = []

    def section(self, section: Section) -> None:
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
        answer: AnswerValue = check(question, value)
        return answer

    def alert(self, fired: FiredAlert) -> None:
        self.alerts.append(fired.alert.id)

    def notice(self, text: str) -> None:
        self.notices.append(text)


class ScriptSteps(list[Any]):
    """Several replies to one question, in order: ``ScriptSteps(["knee", BACK])``."""


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


class TerminalPrompter:
    """Asks on the terminal with questionary. Prompts and messages never go to a redirected
    stdout: they use the tty (or stderr). ``input``/``output`` let tests drive real prompts."""

    def __init__(
        self,
        console: Console,
        *,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.console = console
        self._input = input
        self._output = output

    # -- messages ---------------------------------------------------------------------------

    def section(self, section: Section) -> None:
        self.console.print()
        self.console.rule(f"[bold]{markup(section.title)}[/]", align="left", style="blue")
        if section.intro:
            self.console.print(f"[dim]{markup(section.intro)}[/]")

    def alert(self, fired: FiredAlert) -> None:
        from imbalance_cli.render.terminal import alert_panel

        self.console.print(alert_panel(fired))

    def notice(self, text: str) -> None:
        self.console.print(f"[yellow]{markup(text)}[/]")

    # -- asking -----------------------------------------------------------------------------

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Reply:
        from prompt_toolkit.application import create_app_session
        from prompt_toolkit.output import create_output

        output = self._output or create_output(always_prefer_tty=True)
        if question.help:
            self.console.print(f"  [dim]{markup(question.help)}[/]")
        with create_app_session(input=self._input, output=output):
            prompt = self._build(question, default, progress, can_go_back)
            _add_back_keys(prompt.application, arrows=question.type in _ARROWS)
            reply = prompt.unsafe_ask()
        if isinstance(reply, _Back):
            return reply
        answer: AnswerValue = self._convert(question, reply)
        return answer

    def _build(
        self, question: Question, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Any:
        import questionary

        t = question.type
        qmark = f"[{progress.position} of ~{progress.total}]"
        message = one_line(question.text)
        back = ", Esc back" if can_go_back else ""
        common: dict[str, Any] = {"qmark": qmark, "style": _style()}

        if t is QuestionType.SINGLE:
            choices = [
                questionary.Choice(one_line(c.label), value=c.id, description=_desc(c.help))
                for c in question.choices
            ]
            start = default if isinstance(default, str) else None
            return questionary.select(
                message, choices=choices, default=start,
                instruction=f"(arrows, Enter{back.replace('Esc', '← or Esc')})", **common,
            )  # fmt: skip
        if t in _LISTS:
            chosen = set(default) if isinstance(default, tuple) else set()
            items = _list_choices(question, chosen)
            regions = t is QuestionType.BODY_REGIONS
            return questionary.checkbox(
                message,
                choices=items,
                validate=_validator(question, lambda v: v),
                instruction=f"({'type to filter, ' if regions else ''}Space to tick, Enter when done{back})",
                use_search_filter=regions,
                use_jk_keys=not regions,
                **common,
            )
        if t is QuestionType.YES_NO:
            return questionary.confirm(
                message,
                default=bool(default) if isinstance(default, bool) else False,
                instruction=f"(y/n{back}) ",
                **common,
            )
        hint = _hint(question)
        start_text = "" if default is None or isinstance(default, tuple) else _format(default)
        return questionary.text(
            message,
            default=start_text,
            validate=_validator(question, lambda v: v),
            instruction=" ".join(p for p in (hint, "(Esc back)" if can_go_back else "") if p),
            **common,
        )

    def _convert(self, question: Question, reply: Any) -> AnswerValue:
        if question.type in _LISTS:
            return check(question, list(reply or ()))
        if reply is None or (isinstance(reply, str) and not reply.strip()):
            return check(question, None)
        return check(question, reply)


_LISTS = (QuestionType.MULTI, QuestionType.BODY_REGIONS)
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
    if question.type is QuestionType.NUMBER:
        lo, hi = question.minimum, question.maximum
        unit = f" {clean(question.unit)}" if question.unit else ""
        if lo is not None and hi is not None:
            return f"({lo:g}-{hi:g}{unit})"
        return f"({unit.strip()})" if unit else ""
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
    expanded: set[str] = set()
    for token in chosen:
        region, side = body.split(token)
        expanded |= {f"{region}.left", f"{region}.right"} if side == "both" else {token}
    items: list[Any] = []
    allowed = question.regions or tuple(body.BY_ID)
    for info in body.REGIONS:
        if info.id not in allowed:
            continue
        tokens: Iterable[str] = (
            (f"{info.id}.left", f"{info.id}.right") if info.sided else (info.id,)
        )
        for token in tokens:
            items.append(
                questionary.Choice(body.describe(token), value=token, checked=token in expanded)
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
