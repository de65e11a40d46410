"""Reading a large JSON object a member at a time, and one long array in it an element at a
time, so that memory holds one element, not the file (a bundle of 20,000 sessions is 260 MB).

Values are decoded by the standard library's decoder (its C scanner), so what is accepted, and
what each value becomes, is exactly what ``json.loads`` gives; a syntax error is located by
line and column in the file, as ``json.loads`` would locate it. The two failures the decoder
gives no place for, nesting deeper than it recurses and an integer longer than Python converts,
are located as ``jsonsrc.loads`` locates them (same messages, same places).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from imbalance_cli.jsonsrc import TOO_DEEP, JsonProblem, too_deep, too_long, too_long_message

#: Bytes read at a time: large enough that a value cut by the end of a chunk (decoded again once
#: the next chunk is in) is rare.
CHUNK = 1 << 20
#: The longest token a chunk can cut so that the decoder fails before the end of what it was
#: given (``-Infinity``, a ``\\uXXXX`` escape): an error this close to the end means "read on".
_TAIL = 16


class JSONStreamError(JsonProblem):
    """Not JSON, or JSON no parser here can take, at a line and column (1-based) of the file:
    ``msg`` is what the decoder said, ``message`` what a person is told (as ``jsonsrc``)."""

    def __init__(self, message: str, line: int, column: int, *, syntax: bool = True) -> None:
        super().__init__(line, column, f"JSON syntax error: {message}" if syntax else message)
        self.msg = message
        self.lineno = line
        self.colno = column


class NotUTF8(ValueError):
    """The file is not UTF-8: ``start`` is the offset of the first bad byte."""

    def __init__(self, start: int) -> None:
        super().__init__(f"not UTF-8 text (byte {start})")
        self.start = start


class ObjectStream:
    """The members of the JSON object in a binary file, in order: ``members()`` yields
    ``(key, value)``, except that the value of a key in ``lazy`` is an iterator over the
    elements of its array (which must be a list), consumed before the next member is read."""

    def __init__(self, file: IO[bytes], chunk: int = CHUNK) -> None:
        self._file = file
        self._chunk = chunk
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._read_bytes = 0
        self._buf = ""
        self._pos = 0
        self._eof = False
        #: Line and column (0-based) of the first character of the buffer.
        self._line = 0
        self._col = 0
        self._decoder = json.JSONDecoder()

    # -- the buffer --------------------------------------------------------------------------

    def _more(self) -> bool:
        """Read the next chunk into the buffer (dropping what was consumed); False at the end."""
        if self._eof:
            return False
        data = self._file.read(self._chunk)
        pending = len(self._utf8.getstate()[0])  # bytes of a character cut by the last chunk
        try:
            text = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise NotUTF8(self._read_bytes - pending + exc.start) from None
        self._read_bytes += len(data)
        if not data:
            self._eof = True
        if not text:
            return bool(data)
        self._drop()  # positions into the buffer change only when something was added
        self._buf += text
        return True

    def _drop(self) -> None:
        consumed = self._buf[: self._pos]
        newlines = consumed.count("\n")
        if newlines:
            self._line += newlines
            self._col = len(consumed) - consumed.rfind("\n") - 1
        else:
            self._col += len(consumed)
        self._buf = self._buf[self._pos :]
        self._pos = 0

    def _where(self, pos: int) -> tuple[int, int]:
        """Line and column (1-based) of a buffer position."""
        before = self._buf[:pos]
        newlines = before.count("\n")
        if newlines:
            return self._line + newlines + 1, len(before) - before.rfind("\n")
        return self._line + 1, self._col + len(before) + 1

    def error(
        self, message: str, pos: int | None = None, *, syntax: bool = True
    ) -> JSONStreamError:
        line, column = self._where(self._pos if pos is None else pos)
        return JSONStreamError(message, line, column, syntax=syntax)

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\n\r":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def _expect(self, char: str, message: str) -> None:
        if self._peek() != char:
            raise self.error(message)
        self._pos += 1

    def _value(self, depth: int = 0) -> Any:
        """Decode the value at the current position (``depth`` levels deep in the document),
        reading on while the buffer cuts it."""
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self._buf) - _TAIL or exc.msg.startswith("Unterminated")
                if cut and self._more():
                    continue
                raise self.error(exc.msg, exc.pos) from None
            except RecursionError:
                # The decoder went deeper than it can, so that depth is in the buffer already.
                raise self.error(
                    TOO_DEEP, too_deep(self._buf, self._pos, depth), syntax=False
                ) from None
            except ValueError:
                # The only other ValueError the decoder raises: an integer too long to convert
                # (read on if the buffer cuts it, so that all its digits are counted).
                at, end, digits = too_long(self._buf, self._pos)
                if end >= len(self._buf) and self._more():
                    continue
                raise self.error(too_long_message(digits), at, syntax=False) from None
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and end > len(self._buf) - _TAIL and self._more():
                continue  # "12" or "1." may be the start of "123" or "1.5" in the next chunk
            self._pos = end
            return value

    # -- the object --------------------------------------------------------------------------

    def first(self) -> str:
        """The first character of the document that is not white space ("" if it is empty)."""
        return self._peek()

    def whole(self) -> Any:
        """The document as one value (for one that is not an object): what json.loads gives."""
        if self._peek() == "\ufeff":
            raise self.error("Unexpected UTF-8 BOM (decode using utf-8-sig)")
        value = self._value(0)
        self._end()
        return value

    def members(self, lazy: frozenset[str] = frozenset()) -> Iterator[tuple[str, Any]]:
        self._expect("{", "Expecting '{'")
        if self._peek() == "}":
            self._pos += 1
            self._end()
            return
        while True:
            if self._peek() != '"':
                raise self.error("Expecting property name enclosed in double quotes")
            key = self._value(1)
            self._expect(":", "Expecting ':' delimiter")
            if key in lazy and self._peek() == "[":
                elements = self._elements()
                yield key, elements
                for _ in elements:  # what the reader left unread
                    pass
            else:
                yield key, self._value(1)
            if self._peek() == ",":
                self._pos += 1
                continue
            self._expect("}", "Expecting ',' delimiter")
            self._end()
            return

    def _elements(self) -> Iterator[Any]:
        self._pos += 1  # the "["
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self._value(2)
            if self._peek() == ",":
                self._pos += 1
                continue
            self._expect("]", "Expecting ',' delimiter")
            return

    def _end(self) -> None:
        if self._peek() != "":
            raise self.error("Extra data")
