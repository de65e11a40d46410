"""Making text from questionnaires and answers safe to show.

``clean`` strips what a terminal would interpret (ANSI escapes, other control characters, bidi
overrides); ``markup`` additionally escapes rich markup; ``md`` escapes markdown so free text
cannot become a heading, link, image, HTML, code, table or list item.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi controls and
# invisible formatting characters that can reorder or hide text.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Escape sequences: 7-bit (ESC [ ..., ESC ] ... BEL) and the 8-bit CSI (U+009B), whose
# parameters would otherwise stay behind as text ("31m") once the control itself is stripped.
_ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]"
)
# Unicode noncharacters: HTML forbids them, and no name or answer needs one.
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff\U0010fffe\U0010ffff]")
#: The longest client name taken (a name, not a note: 10,000 characters were accepted once).
MAX_NAME = 100
# Inline markdown and HTML syntax, escaped wherever it stands.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~!$])")
# Block syntax only counts at the start of a line: headings, lists, quotes, setext lines.
# (A marker only counts when a space or the end of the line follows: "1.0.0" and "24-hour" stay.)
_MD_LINE_START = re.compile(r"^(\s*)(>|[#+=-](?=[#+=-]*(?:\s|$)))|^(\s*\d+)([.)])(?=\s|$)")
# Things autolinkers pick up: a scheme's "://" and the dots of a host name.
_MD_LINKY = re.compile(r"(?<=\w)(\.(?=[A-Za-z])|:(?=/)|@(?=\w))")


def clean(text: str) -> str:
    """Drop escape sequences and control characters; keep tabs and newlines."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def person_name(text: str) -> str:
    """A client's name as it is kept: escape sequences, control, bidi and invisible characters
    and noncharacters removed, and every run of spaces, tabs or newlines one space. Names are
    cleaned here, where they enter (the command line, an imported bundle), so the store, every
    export (HTML, CSV, FHIR, markdown) and the terminal all get the same plain text."""
    if _plain(text):  # noncharacters are unassigned code points: never printable either
        return text
    return " ".join(_NONCHARACTER.sub("", clean(text)).split())


def _plain(text: str) -> bool:
    """Already clean and on one line: printable text has no control, bidi or invisible
    character and no whitespace but the space; with no space at either end and none doubled,
    cleaning and folding cannot change it (the common case: a list of 10,000 sessions has
    70,000 cells, an import compares each new client's name with every client's)."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def one_line(text: str) -> str:
    """Clean, with every run of whitespace (newlines included) folded to one space."""
    if _plain(text):
        return text
    return " ".join(clean(text).split())


def markup(text: str) -> str:
    """Clean and escape for rich markup, so ``[bold]`` in data stays literal."""
    from rich.markup import escape

    return escape(clean(text))


def md(text: str) -> str:
    """Escape free text for markdown, on one line.

    Inline syntax (emphasis, code, links, images, HTML, tables, strikethrough, entities) is
    backslash-escaped everywhere; block syntax (headings, lists, quotes) at the start; dots, colons
    and at-signs inside words so autolinkers find no URL or e-mail. The text renders as typed.
    """
    escaped = _MD_INLINE.sub(r"\\\1", one_line(text))
    escaped = _MD_LINKY.sub(r"\\\1", escaped)
    return _MD_LINE_START.sub(_escape_start, escaped)


def _escape_start(match: re.Match[str]) -> str:
    lead, mark = (
        (match.group(1), match.group(2)) if match.group(2) else (match.group(3), match.group(4))
    )
    return f"{lead}\\{mark}"


def dumps(data: object) -> str:
    """JSON for a terminal or a file: readable text (not ``\\u`` for every accent), but control,
    C1 and bidi characters written as escapes (``\\u202e``), so printing a list cannot move the
    cursor or reverse text. The data is unchanged: any JSON reader gets the same strings."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def suggest(word: str, options: Iterable[str]) -> str:
    """``; did you mean 'x'?`` when something close exists, else an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
