"""Streaming JSON: the same values as json.loads, and the same errors at the same places, whatever
the size of the chunks the file is read in."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imbalance_cli.jsonstream import JSONStreamError, NotUTF8, ObjectStream


def streamed(text: str | bytes, chunk: int) -> Any:
    """The document read through ObjectStream, the ``items`` array element by element."""
    data = text.encode() if isinstance(text, str) else text
    stream = ObjectStream(io.BytesIO(data), chunk=chunk)
    if stream.first() != "{":
        return stream.whole()
    out: dict[str, Any] = {}
    for key, value in stream.members(frozenset({"items"})):
        out[key] = (
            value
            if isinstance(value, (list, dict, str, int, float, bool, type(None)))
            else list(value)
        )
    return out


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    header=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "items"), values, max_size=3),
    items=st.lists(values, max_size=6),
    indent=st.sampled_from([None, 0, 2]),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_values_are_what_json_loads_gives(
    header: dict[str, Any], items: list[Any], indent: int | None, chunk: int
) -> None:
    text = json.dumps({**header, "items": items}, indent=indent, ensure_ascii=False)
    assert streamed(text, chunk) == json.loads(text)


BROKEN = [
    '{"format": "imbalance-sessions",\n "format_version": 1,\n "sessions": [}',
    '{"a": 1,}',
    '{"a" 1}',
    '{"items": [1 2]}',
    '{"items": [1, 2',
    "",
    '{"a": 1} x',
    '{"a": "abc',
    '{"a": tru}',
    '\n\n  {"items": \n  [1, }',
    '{"items": [{"a": "line\nbreak"}]}',
    "[1, 2,]",
    '{"items": [1.]}',
]


@pytest.mark.parametrize("text", BROKEN)
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_errors_are_located_as_json_loads_locates_them(text: str, chunk: int) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(JSONStreamError) as got:
        streamed(text, chunk)
    want = expected.value
    assert (got.value.lineno, got.value.colno, got.value.msg) == (want.lineno, want.colno, want.msg)


def test_bytes_that_are_not_utf8_are_named_by_their_offset() -> None:
    data = b'{"items": ["' + "é".encode() * 5 + b'\xff"]}'
    for chunk in (1, 3, 64):
        with pytest.raises(NotUTF8) as info:
            streamed(data, chunk)
        assert info.value.start == 22


def test_elements_left_unread_are_skipped_and_what_follows_is_read() -> None:
    stream = ObjectStream(io.BytesIO(b'{"items": [1, [2, 3], {"x": 4}], "after": true}'), chunk=4)
    seen = {}
    for key, value in stream.members(frozenset({"items"})):
        if key == "items":
            seen[key] = next(value)  # one element read, the rest left
        else:
            seen[key] = value
    assert seen == {"items": 1, "after": True}


DEEP_OR_LONG = [
    '{"format": 1,\n "items": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"a":\n  ' + '{"b": ' * 3000 + "1" + "}" * 3000 + "}",
    "[" * 5000 + "]" * 5000,
    '{"a": 1,\n "b": ' + "9" * 5000 + "}",
    '{"items": [1,\n -' + "7" * 5000 + "]}",
]


@pytest.mark.parametrize("text", DEEP_OR_LONG, ids=["items", "member", "whole", "int", "item-int"])
@pytest.mark.parametrize("chunk", [7, 1000, 1 << 20])
def test_too_deep_or_too_long_is_located_as_jsonsrc_locates_it(text: str, chunk: int) -> None:
    """Nesting deeper than the decoder recurses and an integer longer than Python converts get
    the message and the place ``jsonsrc.loads`` gives them, never a bare RecursionError or
    ValueError, however the chunks cut the file."""
    from imbalance_cli.jsonsrc import JsonProblem, loads

    with pytest.raises(JsonProblem) as expected:
        loads(text)
    with pytest.raises(JSONStreamError) as got:
        streamed(text, chunk)
    want = expected.value
    assert (got.value.line, got.value.column, got.value.message) == (
        want.line, want.column, want.message,
    )  # fmt: skip
