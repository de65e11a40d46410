"""Reading YAML as located nodes, safely.

The loader and the answers reader both walk the node tree themselves instead of letting PyYAML
build Python objects, so every value keeps its line and column, duplicate keys are caught, and
nothing is ever constructed from a tag. Aliases and anchors are refused before anything is
composed: they allow exponential blow-up ("billion laughs") and nothing here needs them.
"""

from __future__ import annotations

import contextlib
import gc
import math
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.text import suggest


def __getattr__(name: str) -> Any:
    """``PureLoader`` and ``_Loader`` (the parser ``compose`` uses), made when first asked for:
    PyYAML is imported only when a file is parsed, so a command that reads its questionnaire
    back from the parse cache (the first question on screen) does not pay for it."""
    if name not in ("PureLoader", "_Loader"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import yaml

    class PureLoader(yaml.SafeLoader):
        """PyYAML's pure-Python loader, reading plain scalars as libyaml does: its scanner ends
        a plain scalar at '?' inside a flow mapping ("{text: Where does it hurt?}" is a syntax
        error there), libyaml does not. A file must load the same with and without libyaml."""

        _in_plain = False

        def scan_plain(self) -> Any:
            self._in_plain = True
            try:
                return super().scan_plain()
            finally:
                self._in_plain = False

        def peek(self, index: int = 0) -> str:
            ch: str = super().peek(index)
            if ch == "?" and self._in_plain and self.flow_level:
                return "x"  # only the scanner's decision sees this; the text keeps its '?'
            return ch

    loader: Any = PureLoader
    try:  # libyaml's C parser is several times faster; fall back to pure Python when absent.
        from yaml import CSafeLoader

        loader = CSafeLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        pass
    globals().setdefault("PureLoader", PureLoader)
    globals().setdefault("_Loader", loader)
    return globals()[name]


def _parser() -> Any:
    """The parser ``compose`` uses (``_Loader``, which a test may swap)."""
    found = globals().get("_Loader")
    return found if found is not None else __getattr__("_Loader")


MAX_MESSAGE = 400
MAX_DEPTH = 64

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
_tuple_new: Any = tuple.__new__


class Scalar:
    """A value as written, with its YAML type (``tag``) and where it starts."""

    __slots__ = ("start_mark", "tag", "value")

    def __init__(
        self, tag: str, value: str, start_mark: Any, end_mark: Any = None, style: Any = None
    ) -> None:
        # (libyaml's composer gives the end and the style too: yamlcompose.)
        self.tag = tag
        self.value = value
        self.start_mark = start_mark


#: Lists and mappings libyaml's composer has begun and not yet ended (yamlcompose counts them
#: to hold it to MAX_DEPTH: it recurses per level).
OPEN = [0]


def _ended(node: Any, mark: Any) -> None:
    OPEN[0] -= 1


class Seq:
    """A list and where it starts."""

    __slots__ = ("start_mark", "value")
    #: libyaml's composer sets the end where the list ends: that is all it is used for here.
    end_mark = property(None, _ended)

    def __init__(self, value: list[Node], start_mark: Any) -> None:
        self.value = value
        self.start_mark = start_mark


class Map:
    """A mapping as its (key, value) pairs in file order, repeats included, and where it starts."""

    __slots__ = ("start_mark", "value")
    end_mark = property(None, _ended)  # as Seq's

    def __init__(self, value: list[tuple[Node, Node]], start_mark: Any) -> None:
        self.value = value
        self.start_mark = start_mark


#: A node of a composed file. These are lighter than PyYAML's node classes (which carry end
#: marks and styles nothing here reads): a large questionnaire holds hundreds of thousands.
Node = Scalar | Seq | Map


class Shape:
    """The fields one kind of mapping may have, in documentation order, and those it must."""

    __slots__ = ("allowed", "names", "required")

    def __init__(self, names: Sequence[str], required: Sequence[str] = ()) -> None:
        self.names = tuple(names)
        self.required = tuple(required)
        self.allowed = frozenset(self.names)


@dataclass
class Sink:
    """Collects problems for one file so a run reports all of them."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def at(self, node: Node | None) -> SourceLocation:
        if node is None:
            return SourceLocation(self.path)
        mark = node.start_mark
        # tuple.__new__ skips the named tuple's Python-level constructor; this runs for every
        # question, rule and condition read.
        location: SourceLocation = _tuple_new(
            SourceLocation, (self.path, mark.line + 1, mark.column + 1)
        )
        return location

    def add(self, node: Node | None, message: str) -> None:
        self.add_at(self.at(node), message)

    def add_at(self, location: SourceLocation, message: str) -> None:
        # Messages quote what was written; a megabyte-long key must not become a megabyte of error.
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        problem = Problem(location, message)
        # One mistake in a section repeated per region is read once per region: say it once.
        if self.problems and problem in self.problems[-64:]:
            return
        self.problems.append(problem)


def kind_of(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    if node.tag == NULL:
        return "empty (null)"
    if node.tag in (INT, FLOAT):
        return "a number"
    if node.tag == BOOL:
        return "true/false"
    return "text"


#: What to do about a file over the limit: for files read with ``--max-size``.
RAISE_THE_LIMIT = "split it, or raise the limit with --max-size"


def read_text(path: Path, sink: Sink, max_bytes: int, remedy: str = RAISE_THE_LIMIT) -> str | None:
    """Read a UTF-8 file, refusing ones over ``max_bytes`` without reading them whole. Only
    regular files are read (a FIFO would wait for a writer, /dev/zero never ends), and the limit
    holds for what is read, not for what the file system says its size is. ``remedy`` says what
    to do about a file over the limit (only some commands have ``--max-size``)."""
    too_big = f"file is over the limit of {max_bytes:,} bytes; {remedy}"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            sink.add(
                None,
                f"cannot read it: it is {kind} (a pipe or a device, say); save it to a file first"
                if kind != "a folder"
                else "cannot read it: it is a folder; give a file",
            )
            return None
        if info.st_size > max_bytes:
            sink.add(None, f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,}; "
                     f"{remedy}")  # fmt: skip
            return None
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            sink.add(None, too_big)
            return None
    except OSError as exc:
        sink.add(None, f"cannot read the file: {exc.strerror or exc}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        sink.add_at(
            SourceLocation(sink.path, line, 1), "the file is not UTF-8 text; save it as UTF-8"
        )
        return None


def compose(text: str, sink: Sink, *, tags: bool = True) -> Node | None:
    """Parse YAML into one node tree, or record why it cannot be and return None.

    Nodes are built from the parser's events, iteratively: libyaml's own composer recurses, and
    a file nested a hundred thousand levels deep crashes it. Building from events also lets one
    pass refuse anchors, aliases, explicit tags, extra documents and deep nesting. A file that
    has none of those is composed by libyaml in C instead, with its depth held to the limit, to
    the same nodes (yamlcompose).
    """
    from imbalance_cli.yamlcompose import compose_text

    with no_gc():
        return compose_text(text, sink, tags)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building: node trees hold no cycles, and with the
    collector running, its repeated passes over the growing tree made loading quadratic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pairs(node: Map, sink: Sink) -> Iterator[tuple[str, Node, Node]]:
    """The (key, key node, value node) of a mapping, each key once; repeats are reported."""
    seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, Scalar):
            sink.add(key_node, "a key must be plain text, not a list or mapping")
            continue
        key = key_node.value
        if key in seen:
            first = seen[key].start_mark.line + 1
            sink.add(key_node, f"duplicate key '{key}' (first given on line {first}); keep one")
            continue
        seen[key] = key_node
        yield key, key_node, value_node


def as_str(node: Node, sink: Sink, what: str) -> str | None:
    """A plain scalar as the text that was written (so ``no`` stays "no", ``1.10`` stays "1.10")."""
    if type(node) is Scalar and node.tag != NULL:
        return node.value
    sink.add(node, f"{what} must be text, not {kind_of(node)}")
    return None


def as_bool(node: Node, sink: Sink, what: str) -> bool | None:
    if type(node) is Scalar and node.tag == BOOL:
        return node.value.lower() == "true"
    said = node.value.lower() if type(node) is Scalar and isinstance(node.value, str) else ""
    hint = {"yes": " (write true)", "no": " (write false)", "on": " (write true)"}.get(said, "")
    sink.add(node, f"{what} must be true or false, not {kind_of(node)}{hint}")
    return None


def as_number(node: Node, sink: Sink, what: str, limit: float = 1e9) -> int | float | None:
    """An int or float scalar within ±limit (huge or non-finite numbers are refused)."""
    if type(node) is Scalar and node.tag in (INT, FLOAT):
        text = node.value.replace("_", "")
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            text = text.replace(".", "", 1)
        try:
            if node.tag == INT and len(text) < 40:
                value: int | float = int(text, 0) if text[:2].lower() in ("0x", "0o") else int(text)
            else:
                value = float(text)
        except ValueError:
            sink.add(node, f"{what} is not a number I can read: {text[:40]!r}")
            return None
        if not math.isfinite(value) or abs(value) > limit:
            sink.add(node, f"{what} must be between {-limit:g} and {limit:g}")
            return None
        return value
    sink.add(node, f"{what} must be a number, not {kind_of(node)}")
    return None


def as_list(node: Node, sink: Sink, what: str) -> list[Node] | None:
    if type(node) is Seq:
        return node.value
    sink.add(node, f"{what} must be a list, not {kind_of(node)}")
    return None


def as_mapping(node: Node, sink: Sink, what: str) -> Map | None:
    if type(node) is Map:
        return node
    sink.add(node, f"{what} must be a mapping (key: value lines), not {kind_of(node)}")
    return None


def fields(node: Node, sink: Sink, what: str, shape: Shape) -> dict[str, Node] | None:
    """Check a mapping's keys against the shape's fields; return field name -> value node."""
    if type(node) is not Map:
        as_mapping(node, sink, what)
        return None
    out: dict[str, Node] = {}
    allowed = shape.allowed
    for key_node, value_node in node.value:
        if type(key_node) is Scalar:
            key = key_node.value
            if key in allowed and key not in out:
                out[key] = value_node
                continue
        _field_problem(node, key_node, sink, what, shape.names, out)
    for name in shape.required:
        if name not in out:
            sink.add(node, f"{what} is missing the required field '{name}'")
    return out


def _field_problem(
    node: Map,
    key_node: Node,
    sink: Sink,
    what: str,
    allowed: tuple[str, ...],
    seen: dict[str, Node],
) -> None:
    if not isinstance(key_node, Scalar):
        sink.add(key_node, "a key must be plain text, not a list or mapping")
        return
    key = key_node.value
    if key in seen:
        first = next(k for k, _ in node.value if isinstance(k, Scalar) and k.value == key)
        sink.add(
            key_node,
            f"duplicate key '{key}' (first given on line {first.start_mark.line + 1}); keep one",
        )
        return
    curly = any(ch in key for ch in "\u201c\u201d\u2018\u2019")
    sink.add(
        key_node,
        f"unknown field '{key}' in {what}{suggest(key, allowed)} (allowed: {', '.join(allowed)})"
        + (
            "; it holds a curly quote: a text in curly quotes (\u201c\u2026\u201d) is not "
            'quoted for YAML, so its comma or colon splits it; use straight quotes "..."'
            if curly
            else ""
        ),
    )
