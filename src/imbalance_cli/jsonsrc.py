"""Reading JSON that someone else wrote (answers files, session bundles): every way the parser
can fail becomes a message with a line and a column, never an internal error.

Python's JSON parser reports syntax errors with their place, but two other failures come without
one: nesting deeper than the interpreter's recursion limit (``RecursionError``) and an integer
longer than Python converts from text (``ValueError``, 4,300 digits by default). For those the
place is found again in the text, which costs a scan only when the parser has already failed.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

#: How deep nesting is reported as too deep: far beyond what any answers file or bundle needs
#: (a bundle is about ten levels deep), and well within what the parser can take.
MAX_DEPTH = 100

# A JSON string (skipped whole, so brackets and digits inside text do not count), a bracket, or
# a number.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')


class JsonProblem(ValueError):
    """What is wrong with a JSON text, and where (1-based line and column)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def loads(
    text: str, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    """``json.loads``, raising ``JsonProblem`` with a place for every failure."""
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.lineno, exc.colno, f"JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise JsonProblem(*_place(text, too_deep(text)), TOO_DEEP) from None
    except ValueError:
        # The only other ValueError the parser raises: an integer too long to convert.
        at, _, digits = too_long(text)
        raise JsonProblem(*_place(text, at), too_long_message(digits)) from None


#: What a text nested deeper than the parser goes is told (``too_deep`` finds where).
TOO_DEEP = f"the JSON is nested more than {MAX_DEPTH} levels deep here"


def too_long_message(digits: int) -> str:
    """What a text holding an integer longer than Python converts is told."""
    return f"a number of {digits:,} digits is far too long for any value here"


def _place(text: str, at: int) -> tuple[int, int]:
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def too_deep(text: str, start: int = 0, depth: int = 0) -> int:
    """Where the nesting first goes deeper than MAX_DEPTH, scanning from ``start`` (the start of
    a value, ``depth`` levels deep in its document); ``start`` when it is not found."""
    for token in _TOKEN.finditer(text, start):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return token.start()
        elif mark in "]}":
            depth -= 1
    return start


def too_long(text: str, start: int = 0) -> tuple[int, int, int]:
    """Where the first integer longer than Python converts stands (from ``start``, the start of
    a value), where it ends, and its number of digits; ``(start, start, 0)`` when none does."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300
    for token in _TOKEN.finditer(text, start):
        mark = token.group()
        digits = len(mark.lstrip("-"))
        integer = mark[0] not in '"[]{}' and not any(c in mark for c in ".eE")
        if integer and digits > limit:
            return token.start(), token.end(), digits
    return start, start, 0
