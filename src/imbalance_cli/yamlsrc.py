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
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.text import suggest

if TYPE_CHECKING:
    import yaml


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
_PLAIN_TAGS = {STR, INT, FLOAT, BOOL, NULL, "tag:yaml.org,2002:timestamp", MAP, SEQ}
_tuple_new: Any = tuple.__new__


class Scalar:
    """A value as written, with its YAML type (``tag``) and where it starts."""

    __slots__ = ("start_mark", "tag", "value")

    def __init__(self, tag: str, value: str, start_mark: Any) -> None:
        self.tag = tag
        self.value = value
        self.start_mark = start_mark


class Seq:
    """A list and where it starts."""

    __slots__ = ("start_mark", "value")

    def __init__(self, value: list[Node], start_mark: Any) -> None:
        self.value = value
        self.start_mark = start_mark


class Map:
    """A mapping as its (key, value) pairs in file order, repeats included, and where it starts."""

    __slots__ = ("start_mark", "value")

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

    Nodes are built here from the parser's events, iteratively: libyaml's own composer recurses,
    and a file nested a hundred thousand levels deep crashes it. Building from events also lets
    one pass refuse anchors, aliases, explicit tags, extra documents and deep nesting.
    """
    with no_gc():
        return _compose(text, sink, tags)


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


_CORE = (
    (NULL, re.compile(r"^(?:~|null|Null|NULL|)$")),
    (BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")),
    (INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")),
    (
        FLOAT,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
    ),
)
#: Characters a plain scalar of a type other than text can start with.
_TYPED_STARTS = frozenset("0123456789+-.~nNtTfF")


def core_tag(value: str) -> str:
    """The type of a plain scalar by YAML 1.2's core schema: only true/false are booleans
    (``yes``, ``no``, ``on`` and ``off`` stay text), and no timestamps or sexagesimals."""
    for tag, pattern in _CORE:
        if pattern.match(value):
            return tag
    return STR


def _compose(text: str, sink: Sink, tags: bool = True) -> Node | None:
    resolved: dict[str, str] = {}
    roots: list[Node] = []
    # Each new node goes to `append`: the open list's, the open mapping's (keys and values
    # alternate until the mapping ends and they are paired), or the document's.
    append: Callable[[Node], None] = roots.append
    stack: list[tuple[Any, Callable[[Node], None]]] = []
    documents = 0

    def fail(mark: Any, message: str) -> None:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        sink.add_at(SourceLocation(sink.path, line, column), message)

    def refuse_anchor(event: Any) -> None:
        name = event.anchor
        fail(
            event.start_mark,
            f"YAML anchors and aliases ('&{name}', '*{name}') are not allowed; "
            "write the value out in full",
        )

    import yaml

    # Local names: this loop runs once per YAML event, hundreds of thousands of times for a
    # large questionnaire, and global and attribute lookups are most of its cost.
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    scalar, plain_tags = Scalar, _PLAIN_TAGS
    try:
        parser: Any = _parser()(text)
        next_event = parser.get_event
        while True:
            event = next_event()
            kind = type(event)
            if kind is scalar_event:
                if event.anchor is not None:
                    refuse_anchor(event)
                    return None
                tag = event.tag
                value = event.value
                if tag is None:
                    if event.implicit[0] and (not value or value[0] in _TYPED_STARTS):
                        # Numbers and booleans repeat ("5", "true"): remember each one's type.
                        tag = resolved.get(value)
                        if tag is None:
                            tag = core_tag(value)
                            if len(resolved) < 4096:
                                resolved[value] = tag
                    else:
                        tag = STR
                elif tag == "!":
                    tag = STR
                elif not tags:
                    fail(
                        event.start_mark,
                        f"YAML tag '{tag}' is not allowed in answers; write the value plainly",
                    )
                    return None
                elif tag not in plain_tags:
                    fail(
                        event.start_mark,
                        f"YAML tag '{tag}' is not allowed; remove it, plain values only",
                    )
                    return None
                append(scalar(tag, value, event.start_mark))
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None:
                    refuse_anchor(event)
                    return None
                listing = kind is sequence_start
                if event.tag not in (None, "!", SEQ if listing else MAP):
                    fail(
                        event.start_mark,
                        f"YAML tag '{event.tag}' is not allowed here; plain lists and mappings only",
                    )
                    return None
                if len(stack) >= MAX_DEPTH:
                    fail(
                        event.start_mark,
                        f"nested more than {MAX_DEPTH} levels deep; flatten the structure",
                    )
                    return None
                node: Any = (Seq if listing else Map)([], event.start_mark)
                append(node)
                stack.append((node, append))
                append = node.value.append
            elif kind is mapping_end:
                node, append = stack.pop()
                flat = node.value  # key, value, key, value...: the parser emits them in pairs
                node.value = list(zip(flat[::2], flat[1::2], strict=True))
            elif kind is sequence_end:
                append = stack.pop()[1]
            elif kind is yaml.AliasEvent:
                refuse_anchor(event)
                return None
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    fail(
                        event.start_mark,
                        "only one YAML document per file; remove the '---' and what follows",
                    )
                    return None
            elif kind is yaml.StreamEndEvent or event is None:
                break
    except yaml.MarkedYAMLError as exc:
        line, column, hint = syntax_hint(exc, text)
        what = " ".join((exc.problem or exc.context or "invalid YAML").split())
        sink.add_at(SourceLocation(sink.path, line, column), f"YAML syntax error: {what}{hint}")
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        sink.add_at(
            SourceLocation(sink.path, line, column),
            f"the character U+{ord(char):04X} is not allowed in YAML; remove it "
            "(write control characters as escapes inside double quotes)",
        )
        return None
    except yaml.YAMLError as exc:
        sink.add(None, "YAML error: " + " ".join(str(exc).split()))
        return None
    if not roots:
        sink.add(None, "the file is empty; it should hold a mapping")
        return None
    return roots[0]


_CURLY = "\u201c\u201d\u2018\u2019"
#: A key followed by a '{' or '[' with no ':' between (``when {question: ...}``).
_KEY_BEFORE_FLOW = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w.]*)\s+([{\[])")
#: ``key: value`` (or ``- key: value``) on one line: the mapping entry is complete.
_KEY_WITH_VALUE = re.compile(r"^(?:-\s+)?[\w.]+:\s+\S")


def syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """Where a YAML syntax error really is, and a plain hint for the usual causes: curly quotes,
    an unquoted ': ' in text, tabs, a line missing its ':', an unclosed '{' or '[', indentation.
    (The parser notices a missing ':' or '}' only on the next line; the place is moved back.)"""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = exc.problem or ""
    before = next(
        (
            n
            for n in range(line - 1, 0, -1)
            if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
        ),
        0,
    )
    previous = lines[before - 1] if before else ""
    if any(c in here for c in _CURLY):
        return (
            line,
            column,
            (
                "; curly quotes (\u201c \u201d \u2018 \u2019) are not YAML quotes: write straight ones, "
                "\"like this\" or 'like this'"
            ),
        )
    if "\t" in here[: len(here) - len(here.lstrip())] or (
        "cannot start any token" in problem and "\t" in here
    ):
        return line, column, "; indent with spaces, not tabs"
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        opened = exc.context_mark
        if opened is not None and opened.line + 1 < line:
            opener, closer = ("{", "}") if "}" in problem else ("[", "]")
            message = (
                f"; the '{opener}' here is not closed on its line: add '{closer}', or put a ',' "
                "between items"
            )
            return opened.line + 1, opened.column + 1, message
        return line, column, "; put a ',' between items, or quotes around text holding ',' or ':'"
    if "mapping values are not allowed" in problem:
        stripped = previous.strip()
        if before and before < line and ":" not in stripped and not stripped.startswith("-"):
            return (
                before,
                len(previous) - len(previous.lstrip()) + 1,
                ("; this line has no ':' after its key"),
            )
        key = _KEY_BEFORE_FLOW.match(here)
        if key is not None:
            return (
                line,
                len(key.group(1)) + 1,
                f"; '{key.group(2)}' has no ':' before its '{key.group(3)}': write "
                f"'{key.group(2)}: {key.group(3)}...'",
            )
        indent = len(here) - len(here.lstrip())
        previous_indent = len(previous) - len(previous.lstrip())
        holds_value = _KEY_WITH_VALUE.match(previous.strip()) is not None
        if before and indent > previous_indent and holds_value:
            return (
                line,
                indent + 1,
                "; this line is indented deeper than the one before, which already has its "
                "value: line it up with the other keys of its mapping",
            )
        return (
            line,
            column,
            ("; a ': ' inside a value starts a new key: put the whole text in quotes"),
        )
    if (
        "did not find expected key" in problem
        or "expected <block end>" in problem
        or "expected '-' indicator" in problem
    ):
        return (
            line,
            column,
            (
                "; check this line's indentation: the keys of one mapping, and the items of one "
                "list, start in the same column"
            ),
        )
    if "could not find expected ':'" in problem and before:
        return (
            before,
            len(previous) - len(previous.lstrip()) + 1,
            "; this line has no ':' after its key",
        )
    return line, column, ""


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
