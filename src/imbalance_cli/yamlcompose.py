"""Composing YAML text into located nodes (``yamlsrc.compose`` is the entry point).

Two ways, one result. The usual file is composed by libyaml's own composer, in C, straight into
:mod:`yamlsrc`'s node classes: no Python object per parser event, only one per node. That way is
taken only when the text holds nothing it would treat differently from the event walk below: no
'!', '&' or '*' where a token can start (so no tags, anchors or aliases), one document, nesting
within the limit. Anything else (a broken file too) is composed again from the parser's events,
which is where every refusal and every located message comes from; the C composer never reports
anything itself. PyYAML without libyaml, or a test swapping ``yamlsrc._Loader``, gets the event
walk only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import SourceLocation
from imbalance_cli.yamlsrc import (
    BOOL,
    FLOAT,
    INT,
    MAP,
    MAX_DEPTH,
    NULL,
    OPEN,
    SEQ,
    STR,
    Map,
    Node,
    Scalar,
    Seq,
    Sink,
    _parser,
)

if TYPE_CHECKING:
    import yaml

_PLAIN_TAGS = {STR, INT, FLOAT, BOOL, NULL, "tag:yaml.org,2002:timestamp", MAP, SEQ}
#: A '!' (a tag), '&' (an anchor) or '*' (an alias) where a token can start: not right after a
#: letter, digit or '_', where it can only be inside a plain scalar ("R&D", "Stop!"). Text
#: holding one is composed from events, which refuse them or read them as the file means.
_TOKEN_MARKS = re.compile(r"(?<!\w)[!&*]")


def _may_hold_tokens(text: str) -> bool:
    """Whether ``text`` may hold a tag, an anchor or an alias (see ``_TOKEN_MARKS``). Most
    files hold none of the three characters, and looking for each is much cheaper than the
    pattern."""
    if "!" not in text and "&" not in text and "*" not in text:
        return False
    return _TOKEN_MARKS.search(text) is not None


def compose_text(text: str, sink: Sink, tags: bool = True) -> Node | None:
    """The node tree of ``text``, or None with the reason in ``sink`` (see the module's doc)."""
    parser = _parser()
    if not _may_hold_tokens(text):
        composer = _c_composer(parser)
        if composer is not None:
            root = _compose_in_c(composer, text)
            if root is not None:
                return root
    return _compose(text, sink, tags)


class _Refused(Exception):
    """The C composer met what only the event walk may judge (nesting over the limit)."""


_COMPOSERS: dict[Any, Any] = {}


def _c_composer(parser: Any) -> Any:
    """A libyaml composer resolving scalars as the event walk does, for this parser class; None
    when the parser is not libyaml's (PyYAML built without it, or a test's pure loader)."""
    if parser in _COMPOSERS:
        return _COMPOSERS[parser]
    composer = None
    cyaml: Any = None
    try:
        from yaml import _yaml

        cyaml = _yaml
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        pass
    stand_ins = ("ScalarNode", "SequenceNode", "MappingNode")  # what _compose_in_c swaps
    if (
        cyaml is not None
        and all(hasattr(cyaml, name) for name in stand_ins)
        and isinstance(parser, type)
        and issubclass(parser, cyaml.CParser)
    ):
        composer = _make_composer(cyaml.CParser)
    _COMPOSERS[parser] = composer
    return composer


def _make_composer(base: Any) -> Any:
    typed_starts, resolved_tag = _TYPED_STARTS, core_tag

    class Composer(base):  # type: ignore[misc]
        """libyaml's composer with the event walk's resolution and nesting limit."""

        def __init__(self, text: str) -> None:
            super().__init__(text)
            self.types: dict[str, str] = {}

        def resolve(self, kind: Any, value: str | None, implicit: Any) -> str:
            # Called by the C composer for every node without an explicit tag (all of them
            # here): a plain scalar by the core schema, anything quoted is text.
            if kind is Scalar:
                if implicit[0] and (not value or value[0] in typed_starts):
                    assert value is not None
                    tag = self.types.get(value)
                    if tag is None:
                        tag = resolved_tag(value)
                        if len(self.types) < 4096:
                            self.types[value] = tag
                    return tag
                return STR
            # A list or mapping begins (it ends when its end_mark is set, yamlsrc.OPEN): the C
            # composer recurses per level, so it is stopped where the event walk would refuse.
            OPEN[0] += 1
            if OPEN[0] > MAX_DEPTH:
                raise _Refused
            return SEQ if kind is _seq else MAP

        # Called before and after every node, for path resolvers nothing here uses: C callables
        # (a Python method costs a call per node), taking (parent, index) and nothing.
        descend_resolver = staticmethod(slice)
        ascend_resolver = staticmethod(tuple)

    return Composer


def _seq(tag: str, value: list[Node], start_mark: Any, end_mark: Any, style: Any) -> Seq:
    return Seq(value, start_mark)


def _map(
    tag: str, value: list[tuple[Node, Node]], start_mark: Any, end_mark: Any, style: Any
) -> Map:
    return Map(value, start_mark)


def _compose_in_c(composer: Any, text: str) -> Node | None:
    """The file's one document composed by libyaml into our nodes; None when the event walk
    must judge it (a syntax error, another document, an empty file, nesting over the limit)."""
    from yaml import YAMLError, _yaml

    cyaml: Any = _yaml
    # The C composer makes its nodes with the module's ScalarNode, SequenceNode and
    # MappingNode, looked up when called: ours stand in for them while this file is composed.
    saved = cyaml.ScalarNode, cyaml.SequenceNode, cyaml.MappingNode
    cyaml.ScalarNode, cyaml.SequenceNode, cyaml.MappingNode = Scalar, _seq, _map
    OPEN[0] = 0
    try:
        root = composer(text).get_single_node()
    except (YAMLError, _Refused):
        return None
    finally:
        cyaml.ScalarNode, cyaml.SequenceNode, cyaml.MappingNode = saved
    return root if type(root) in (Scalar, Seq, Map) else None


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
