"""The first screen's lines without importing rich: the questionnaire's header, a section's rule
and intro, a question's help, written with the very bytes rich writes for them.

Importing rich's console and rendering those few lines was 7% of the time from launch to the
first question (issue 24). Every line here is plain text in bold, dim or blue on a terminal,
word-wrapped as rich wraps; whenever rich could write anything else (text that is not plain
Latin, an emoji code, a title too long for its rule, colours turned off or forced, no
terminal, Windows) ``Lines`` declines and the caller prints with rich as before. A test holds
the bytes equal to rich's over the bundled questionnaires' text at many widths.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from imbalance_cli.text import clean

BOLD, DIM, BLUE = "\x1b[1m", "\x1b[2m", "\x1b[34m"
RESET = "\x1b[0m"
RULE = "─"

#: Characters one cell wide in rich and never restyled by it: printable ASCII but ':' (emoji
#: codes) and '[' (markup, escaped by the callers for rich), Latin-1, and general punctuation
#: (dashes, quotes, ellipsis).
_PLAIN = re.compile(r"[ !-9;-Z\\\]-~\u00a0-\u00ff\u2010-\u2027\u2030-\u205e]*")
_WORD = re.compile(r"\s*\S+\s*")
#: Environment that changes what rich writes: then rich writes it.
_RICH_ENV = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")

Span = tuple[str, str]  # (style codes, text)


def plain(text: str) -> bool:
    """Text these lines write as rich would: one cell a character, nothing rich restyles."""
    return _PLAIN.fullmatch(text) is not None


class Lines:
    """Writes styled lines to standard error, as ``Console(stderr=True, highlight=False)``
    does, or declines (``None`` from ``usable``) when rich would write something else."""

    def __init__(self, stream: TextIO | None = None, environ: dict[str, str] | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.environ = dict(os.environ) if environ is None else environ

    def usable(self) -> bool:
        env = self.environ
        if sys.platform == "win32" or any(env.get(k) is not None for k in _RICH_ENV):
            return False
        encoding = str(getattr(self.stream, "encoding", "") or "").lower().replace("-", "")
        if encoding != "utf8":  # rich draws rules in ASCII then
            return False
        if env.get("TERM", "").strip().lower() in ("dumb", "unknown"):
            return False
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty is not None and isatty())

    def width(self) -> int:
        """The width rich gives the console: the first standard stream that is a terminal,
        COLUMNS over it, 80 when neither says."""
        width = None
        for fd in (0, 1, 2):
            try:
                width = os.get_terminal_size(fd).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
        columns = self.environ.get("COLUMNS")
        if columns is not None and columns.isdigit():
            width = int(columns)
        return width or 80

    def write(self, spans: Sequence[Span]) -> int:
        """One paragraph of styled spans, wrapped to the width: the terminal rows written, or 0
        (nothing written) when rich would write it differently."""
        texts = [clean(text) for _, text in spans]
        if not self.usable() or not all(plain(t) for t in texts) or "\n" in "".join(texts):
            return 0
        cleaned = [(style, text) for (style, _), text in zip(spans, texts, strict=True)]
        text = render(cleaned, self.width())
        self.stream.write(text)
        self.stream.flush()
        return text.count("\n")

    def rule(self, title: str, *, blank_before: bool = False) -> int:
        """``console.rule("[bold]title[/]", align="left", style="blue")`` (after
        ``console.print()`` with ``blank_before``): the terminal rows written, or 0, with
        nothing written."""
        title = clean(title)
        width = self.width()
        if not self.usable() or not plain(title) or "\n" in title or len(title) > width - 2:
            return 0
        line = f"{BOLD}{title}{RESET} {BLUE}{RULE * (width - len(title) - 1)}{RESET}\n"
        self.stream.write(("\n" if blank_before else "") + line)
        self.stream.flush()
        return 2 if blank_before else 1


def render(spans: Sequence[Span], width: int) -> str:
    """Spans of plain text as rich prints them: broken between words (a word longer than the
    width cut), a line's trailing spaces kept up to the width, each span in its style codes
    with a reset after it."""
    text = "".join(t for _, t in spans)
    styles: list[str] = []
    for style, t in spans:
        styles += [style] * len(t)
    out: list[str] = []
    starts = [0, *_breaks(text, width), len(text)]
    for start, end in itertools.pairwise(starts):
        line = text[start:end]
        if len(line) > width:  # rich's rstrip_end: trailing spaces beyond the width go
            keep = len(line.rstrip())
            line = line[: max(keep, width)]
        out.append(_styled(line, styles[start : start + len(line)]) + "\n")
    return "".join(out)


def _breaks(text: str, width: int) -> list[int]:
    """rich's divide_line (fold=True) for one-cell characters."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            for n, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if n == len(pieces) - 1:
                    offset = len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _styled(line: str, styles: list[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(line):
        j = i
        while j < len(line) and styles[j] == styles[i]:
            j += 1
        out.append(f"{styles[i]}{line[i:j]}{RESET}" if styles[i] else line[i:j])
        i = j
    return "".join(out)
