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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.resolver import Resolver

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.text import suggest

try:  # libyaml's C parser is several times faster; fall back to pure Python when absent.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

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
_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}


@dataclass
class Sink:
    """Collects problems for one file so a run reports all of them."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def at(self, node: yaml.Node | None) -> SourceLocation:
        if node is None:
            return SourceLocation(self.path)
        mark = node.start_mark
        return SourceLocation(self.path, mark.line + 1, mark.column + 1)

    def add(self, node: yaml.Node | None, message: str) -> None:
        self.add_at(self.at(node), message)

    def add_at(self, location: SourceLocation, message: str) -> None:
        # Messages quote what was written; a megabyte-long key must not become a megabyte of error.
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        self.problems.append(Problem(location, message))


def kind_of(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "empty (null)"
    if node.tag in (INT, FLOAT):
        return "a number"
    if node.tag == BOOL:
        return "true/false"
    return "text"


def read_text(path: Path, sink: Sink, max_bytes: int) -> str | None:
    """Read a UTF-8 file, refusing ones over ``max_bytes`` without reading them whole."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            sink.add(
                None,
                f"file is {size:,} bytes, over the limit of {max_bytes:,}; "
                "split it, or raise the limit with --max-size",
            )
            return None
        data = path.read_bytes()
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


def compose(text: str, sink: Sink) -> yaml.Node | None:
    """Parse YAML into one node tree, or record why it cannot be and return None.

    Nodes are built here from the parser's events, iteratively: libyaml's own composer recurses,
    and a file nested a hundred thousand levels deep crashes it. Building from events also lets
    one pass refuse anchors, aliases, explicit tags, extra documents and deep nesting.
    """
    with no_gc():
        return _compose(text, sink)


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


def _compose(text: str, sink: Sink) -> yaml.Node | None:
    resolve: Any = Resolver().resolve  # PyYAML's stubs leave resolve() untyped
    # Implicit types (numbers, booleans, null, timestamps) are found by their first character;
    # a plain scalar starting with any other character is text, without asking the resolver.
    typed_starts: Any = Resolver.yaml_implicit_resolvers
    stack: list[Any] = []
    is_list: list[bool] = []
    pending: list[Any] = []
    root: Any = None
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

    # Local names: this loop runs once per YAML event, hundreds of thousands of times for a
    # large questionnaire, and global and attribute lookups are most of its cost.
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    scalar_node, sequence_node, mapping_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    plain_tags = _PLAIN_TAGS
    try:
        parser: Any = _Loader(text)
        next_event = parser.get_event
        while True:
            event = next_event()
            kind = type(event)
            node: Any
            if kind is scalar_event:
                if event.anchor is not None:
                    refuse_anchor(event)
                    return None
                tag = event.tag
                if tag is None:
                    value = event.value
                    if event.implicit[0] and (not value or value[0] in typed_starts):
                        tag = resolve(scalar_node, value, event.implicit)
                    else:
                        tag = STR
                elif tag == "!":
                    tag = STR
                elif tag not in plain_tags:
                    fail(
                        event.start_mark,
                        f"YAML tag '{tag}' is not allowed; remove it, plain values only",
                    )
                    return None
                node = scalar_node(
                    tag, event.value, event.start_mark, event.end_mark, style=event.style
                )
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None:
                    refuse_anchor(event)
                    return None
                listing = kind is sequence_start
                expected = SEQ if listing else MAP
                if event.tag not in (None, "!", expected):
                    fail(
                        event.start_mark,
                        f"YAML tag '{event.tag}' is not allowed here; plain lists and mappings only",
                    )
                    return None
                node_class = sequence_node if listing else mapping_node
                node = node_class(
                    expected, [], event.start_mark, event.end_mark, flow_style=event.flow_style
                )
                if len(stack) >= MAX_DEPTH:
                    fail(
                        event.start_mark,
                        f"nested more than {MAX_DEPTH} levels deep; flatten the structure",
                    )
                    return None
            elif kind is mapping_end or kind is sequence_end:
                stack.pop()
                is_list.pop()
                pending.pop()
                continue
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
                continue
            elif kind is yaml.StreamEndEvent or event is None:
                break
            else:
                continue
            # Attach the new node to its parent: a list item, a mapping key, or a mapping value.
            if not stack:
                root = node
            elif is_list[-1]:
                stack[-1].value.append(node)
            elif pending[-1] is None:
                pending[-1] = node
            else:
                stack[-1].value.append((pending[-1], node))
                pending[-1] = None
            if kind is not scalar_event:
                stack.append(node)
                is_list.append(kind is sequence_start)
                pending.append(None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join((exc.problem or exc.context or "invalid YAML").split())
        fail(mark, f"YAML syntax error: {what}")
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
    if root is None:
        sink.add(None, "the file is empty; it should hold a mapping")
        return None
    result: yaml.Node = root
    return result


def pairs(node: yaml.MappingNode, sink: Sink) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """The (key, key node, value node) of a mapping, each key once; repeats are reported."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            sink.add(key_node, "a key must be plain text, not a list or mapping")
            continue
        key = str(key_node.value)
        if key in seen:
            first = seen[key].start_mark.line + 1
            sink.add(key_node, f"duplicate key '{key}' (first given on line {first}); keep one")
            continue
        seen[key] = key_node
        yield key, key_node, value_node


def as_str(node: yaml.Node, sink: Sink, what: str) -> str | None:
    """A plain scalar as the text that was written (so ``no`` stays "no", ``1.10`` stays "1.10")."""
    if isinstance(node, yaml.ScalarNode) and node.tag != NULL:
        return str(node.value)
    sink.add(node, f"{what} must be text, not {kind_of(node)}")
    return None


def as_bool(node: yaml.Node, sink: Sink, what: str) -> bool | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:
        return str(node.value).lower() in _TRUE
    sink.add(node, f"{what} must be true or false, not {kind_of(node)}")
    return None


def as_number(node: yaml.Node, sink: Sink, what: str, limit: float = 1e9) -> int | float | None:
    """An int or float scalar within ±limit (huge or non-finite numbers are refused)."""
    if isinstance(node, yaml.ScalarNode) and node.tag in (INT, FLOAT):
        text = str(node.value).replace("_", "")
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


def as_list(node: yaml.Node, sink: Sink, what: str) -> list[yaml.Node] | None:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    sink.add(node, f"{what} must be a list, not {kind_of(node)}")
    return None


def as_mapping(node: yaml.Node, sink: Sink, what: str) -> yaml.MappingNode | None:
    if isinstance(node, yaml.MappingNode):
        return node
    sink.add(node, f"{what} must be a mapping (key: value lines), not {kind_of(node)}")
    return None


def fields(
    node: yaml.Node,
    sink: Sink,
    what: str,
    allowed: Iterable[str],
    required: Iterable[str] = (),
) -> dict[str, yaml.Node] | None:
    """Check a mapping's keys against the allowed and required fields; return key -> value node."""
    if not isinstance(node, yaml.MappingNode):
        as_mapping(node, sink, what)
        return None
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if type(key_node) is yaml.ScalarNode else None
        if key is None or key in out or key not in allowed:
            _field_problem(node, key_node, sink, what, tuple(allowed), out)
            continue
        out[key] = value_node
    for name in required:
        if name not in out:
            sink.add(node, f"{what} is missing the required field '{name}'")
    return out


def _field_problem(
    node: yaml.MappingNode,
    key_node: yaml.Node,
    sink: Sink,
    what: str,
    allowed: tuple[str, ...],
    seen: dict[str, yaml.Node],
) -> None:
    if not isinstance(key_node, yaml.ScalarNode):
        sink.add(key_node, "a key must be plain text, not a list or mapping")
        return
    key = str(key_node.value)
    if key in seen:
        first = next(k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == key)
        sink.add(
            key_node,
            f"duplicate key '{key}' (first given on line {first.start_mark.line + 1}); keep one",
        )
        return
    sink.add(
        key_node,
        f"unknown field '{key}' in {what}{suggest(key, allowed)} (allowed: {', '.join(allowed)})",
    )


def each(
    node: yaml.Node, sink: Sink, what: str, read: Callable[[yaml.Node], object]
) -> list[object]:
    items = as_list(node, sink, what)
    return [read(item) for item in items or ()]
