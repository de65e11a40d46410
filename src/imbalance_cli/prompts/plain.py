"""The plain prompter: one question at a time as lines of text, answered by typing a line.

For screen readers, braille displays, dumb terminals and logs: choices are numbered, nothing is
redrawn, and no escape sequence is ever written (every text from a questionnaire or an answer is
cleaned of control characters first). It reads lines from ``input`` and writes to ``output``,
never importing prompt_toolkit. The keys match the full-screen prompts': ``b`` goes back, ``s``
skips an optional question, ``?`` shows help, Enter alone keeps the answer shown as the default,
and Ctrl-C stops with the answers so far kept (the session handles it, as for the other
prompter). End of input is like Ctrl-C.
"""

from __future__ import annotations

import re
from typing import TextIO

from imbalance_cli import bodymap as body
from imbalance_cli.answers import InvalidAnswer, check_noting
from imbalance_cli.engine import Progress
from imbalance_cli.model import (
    AnswerValue,
    FiredAlert,
    Question,
    QuestionType,
    Section,
)
from imbalance_cli.prompts import BACK, Reply, _Back
from imbalance_cli.text import one_line

_WORD = re.compile(r"[a-z0-9]+")
_KEYS = {"b": "back", "s": "skip", "?": "help"}


class PlainPrompter:
    """Asks line by line (see the module's text). ``output`` is usually stderr, so prompts never
    go into a redirected stdout."""

    def __init__(self, input: TextIO, output: TextIO, stop: str | None = None) -> None:
        self._in = input
        self._out = output
        #: What Ctrl-C does, when not "your answers so far are kept" (a log is saved whole).
        self._stop = stop or "Ctrl-C stops, and your answers so far are kept."
        self._announced: str | None = None

    # -- writing and reading ----------------------------------------------------------------

    def _say(self, *lines: str) -> None:
        for line in lines:
            indent = " " * (len(line) - len(line.lstrip(" ")))
            self._out.write(indent + one_line(line) + "\n")
        self._out.flush()

    def _read(self, prompt: str) -> str:
        self._out.write(one_line(prompt) + " ")
        self._out.flush()
        line = self._in.readline()
        if not line:
            self._out.write("\n")
            raise EOFError
        return one_line(line)

    # -- messages ---------------------------------------------------------------------------

    def section(self, section: Section) -> None:
        if section.id == self._announced:
            return  # going back within the section: it was announced already
        self._announced = section.id
        self._say("", f"== {section.title} ==")
        if section.intro:
            self._say(section.intro)

    def alert(self, fired: FiredAlert) -> None:
        a = fired.alert
        # Emergency and urgent signs are announced as warning signs; an advisory as a note
        # for a clinician, so the two never sound alike read aloud.
        loud = a.level.holds_back
        self._say(
            "",
            f"!! WARNING SIGN. {a.level.heading}." if loud else f"Note. {a.level.heading}.",
            a.message,
            f"What to do: {a.action}",
        )
        if fired.because:
            self._say("Because: " + "; ".join(fired.because))
        self._say("")

    def notice(self, text: str) -> None:
        self._say(f"Note: {text}")

    def offer_stop(self, emergencies: tuple[FiredAlert, ...], *, can_go_back: bool) -> bool | _Back:
        self._say(
            "This needs medical help first. You can stop here: the summary will hold the warning "
            "signs, what to do, and your answers so far.",
            "  1. Stop here and see what to do (recommended)",
            "  2. Go on with the remaining questions (for a complete record)",
        )
        back = ", b to change your answer" if can_go_back else ""
        while True:
            line = self._read(f"Type 1 or 2 (Enter stops here{back}):").lower()
            if line in ("", "1"):
                return True
            if line == "2":
                return False
            if line == "b" and can_go_back:
                return BACK
            self._say("Please type 1 to stop here or 2 to go on.")

    # -- asking -----------------------------------------------------------------------------

    def ask(
        self, question: Question, *, default: AnswerValue, progress: Progress, can_go_back: bool
    ) -> Reply:
        options = _options(question)
        self._say("", f"Question {progress.position} of about {progress.total}: {question.text}")
        # A left/right test explains itself before its left side; ? repeats it for the right.
        if question.help and question.side != "right":
            self._say(question.help)
        for number, (_, label) in enumerate(options, start=1):
            self._say(f"  {number}. {label}")
        shown = _shown(question, default, options)
        how = _instruction(question, options)
        keys = ["? for help"]
        if can_go_back:
            keys.insert(0, "b to go back")
        if not question.required:
            keys.insert(0, "s to skip")
        if shown is not None:
            how += f" Enter keeps: {shown}."
        while True:
            line = self._read(f"{how} ({', '.join(keys)})\n>")
            key = _KEYS.get(line.lower()) if len(line) == 1 else None
            if key == "back":
                if can_go_back:
                    return BACK
                self._say("This is the first question; there is nothing to go back to.")
                continue
            if key == "help":
                self._help(question, options, can_go_back)
                continue
            if key == "skip" or (not line and shown is None):
                if question.required:
                    self._say("This question needs an answer.")
                    continue
                return None
            if not line:
                return default
            try:
                raw = _parse(question, line, options)
                answer, note = check_noting(question, raw)
            except InvalidAnswer as exc:
                message = str(exc)
                self._say(f"{message[:1].upper()}{message[1:]}. Please try again.")
                continue
            if note:
                self.notice(note)
            return answer

    def _help(self, question: Question, options: list[tuple[str, str]], can_go_back: bool) -> None:
        self._say(f"Help: {_instruction(question, options)}")
        for choice in question.choices:
            if choice.help:
                self._say(f"  {choice.label}: {choice.help}")
        if question.help:
            self._say(question.help)
        self._say(
            "Keys: b goes back a question"
            + ("" if can_go_back else " (there is none before this one)")
            + "; s skips a question that is optional; Enter alone keeps the answer shown; "
            + self._stop
        )


def _options(question: Question) -> list[tuple[str, str]]:
    """The numbered options of a question: (value, label)."""
    if question.type.has_choices:
        return [(c.id, c.label) for c in question.choices]
    if question.type is QuestionType.BODY_REGIONS:
        regions = body.default()
        out = [(token, regions.describe(token)) for token in regions.tokens(question.regions)]
        if question.none_label:
            out.append(("none", question.none_label))
        return out
    return []


def _instruction(question: Question, options: list[tuple[str, str]]) -> str:
    t = question.type
    if t is QuestionType.SINGLE:
        return f"Type the number of one choice, 1 to {len(options)}."
    if t is QuestionType.MULTI:
        return "Type the numbers of all that apply, separated by spaces or commas."
    if t is QuestionType.BODY_REGIONS:
        return (
            "Type the numbers of every area that applies, separated by spaces or commas, or "
            "names such as: left knee, neck."
        )
    if t is QuestionType.YES_NO:
        return "Type y for yes or n for no."
    if t is QuestionType.SCALE:
        low, high = int(question.minimum or 0), int(question.maximum or 10)
        anchors = dict(question.anchors)
        ends = [f"{p} ({anchors[p]})" if p in anchors else str(p) for p in (low, high)]
        return f"Type a whole number from {ends[0]} to {ends[1]}."
    if t in (QuestionType.NUMBER, QuestionType.PAIRED):
        kind = "a whole number" if question.integer else "a number"
        unit = f" {question.unit}" if question.unit else ""
        lo, hi = question.minimum, question.maximum
        if lo is not None and hi is not None:
            return f"Type {kind} from {lo:g} to {hi:g}{unit}."
        if lo is not None:
            return f"Type {kind}{unit}, {lo:g} or more."
        return f"Type {kind}{unit}."
    return "Type your answer and press Enter."


def _shown(question: Question, default: AnswerValue, options: list[tuple[str, str]]) -> str | None:
    """The default answer as the person would read it, or None when there is none."""
    if default is None or (isinstance(default, tuple) and not default):
        return None
    labels = dict(options)
    if isinstance(default, tuple):
        tokens = default
        if question.type is QuestionType.BODY_REGIONS:
            tokens = body.default().normalise(default)
        return ", ".join(labels.get(t, t) for t in tokens)
    if isinstance(default, bool):
        return "yes" if default else "no"
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return labels.get(str(default), str(default))


def _parse(question: Question, line: str, options: list[tuple[str, str]]) -> object:
    """A typed line as a raw answer for ``check``: numbers and names become choice ids."""
    t = question.type
    if t is QuestionType.SINGLE:
        return _pick(line, options)
    if t.is_list:
        items = line.split(",") if "," in line or not _numbers_only(line) else line.split()
        return [_pick(item, options) for item in items if item.strip()]
    if t is QuestionType.YES_NO:
        word = line.lower()
        if word in ("y", "yes"):
            return True
        if word in ("n", "no"):
            return False
        raise InvalidAnswer("type y for yes or n for no")
    return line


def _numbers_only(line: str) -> bool:
    return all(part.isdigit() for part in line.replace(",", " ").split())


def _pick(item: str, options: list[tuple[str, str]]) -> str:
    """One option by its number, its id, or words that start words of exactly one label."""
    text = item.strip().lower()
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(options):
            return options[number - 1][0]
        raise InvalidAnswer(f"there is no choice {number}; the choices are 1 to {len(options)}")
    for value, _ in options:
        if text == value.lower():
            return value
    typed = _WORD.findall(text)
    regions = body.default()
    found = [
        (value, label)
        for value, label in options
        if typed
        and all(
            any(
                w.startswith(t)
                for w in _WORD.findall(f"{label} {' '.join(regions.search_words(value))}".lower())
            )
            for t in typed
        )
    ]
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise InvalidAnswer(f"no choice matches '{item.strip()}'; type its number")
    names = ", ".join(label for _, label in found[:4])
    raise InvalidAnswer(f"'{item.strip()}' matches {names}; type more words, or the number")
