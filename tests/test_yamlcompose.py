"""libyaml's composer (yamlcompose's fast way) and the event walk give the same nodes and the
same messages: for every YAML file shipped or used by the tests, and for the cases where the
event walk alone must judge (tags, anchors and aliases anywhere, depth, other documents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from imbalance_cli import yamlcompose, yamlsrc
from imbalance_cli.errors import Problem

yaml = pytest.importorskip("yaml")
if not hasattr(yaml, "CSafeLoader"):  # pragma: no cover - depends on how PyYAML was built
    pytest.skip("PyYAML here is built without libyaml", allow_module_level=True)


def _shape(node: yamlsrc.Node | None) -> object:
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column)
    if type(node) is yamlsrc.Scalar:
        return ("scalar", node.tag, node.value, where)
    if type(node) is yamlsrc.Seq:
        return ("list", where, [_shape(item) for item in node.value])
    assert type(node) is yamlsrc.Map
    return ("map", where, [(_shape(k), _shape(v)) for k, v in node.value])


def _both(text: str, tags: bool = True) -> tuple[object, list[Problem], object, list[Problem]]:
    events, composed = yamlsrc.Sink("f.yaml"), yamlsrc.Sink("f.yaml")
    by_events = _shape(yamlcompose._compose(text, events, tags))
    by_compose = _shape(yamlsrc.compose(text, composed, tags=tags))
    return by_events, events.problems, by_compose, composed.problems


FILES = sorted(
    p
    for folder in ("questionnaires", "tests", "src/imbalance_cli", "docs")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".yaml", ".yml")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_composes_the_same_both_ways(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    by_events, events, by_compose, composed = _both(text)
    assert by_compose == by_events
    assert composed == events


def test_most_bundled_files_take_the_fast_way() -> None:
    """The check for tags, anchors and aliases does not send ordinary text to the event walk."""
    bundled = [p for p in FILES if "questionnaires" in p.parts]
    fast = [p for p in bundled if not yamlcompose._may_hold_tokens(p.read_text())]
    assert len(fast) >= len(bundled) * 3 // 4


def _deep_alias(depth: int) -> str:
    lines = ["a: &x [1, 2]"] + ["  " * i + "k:" for i in range(depth)]
    return "\n".join(lines) + "\n" + "  " * depth + "v: *x\n"


CASES = [
    "a: 1\nb: [1, 2.5, true, null, ~, '5', \"x\", 0x1f, 0o7, .inf, -.NaN, 1e3, yes, 2001-01-01]\n",
    "",
    "# only a comment\n",
    "---\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a: b\n\tc: d\n",
    "a: \x07\n",
    "[" * 64 + "]" * 64,
    "[" * 65 + "]" * 65,
    "- " * 64 + "x\n",
    "- " * 65 + "x\n",
    "- " * 900 + "x\n",
    "{a: " * 64 + "x" + "}" * 64,
    "[" * 5000 + "]" * 5000,
    "a: &x 1\nb: *x\n",
    "a: *x\n",
    _deep_alias(10),
    "l: [a, [b, [c, &y {d: e}]]]\nm: [*y, *y]\n",
    "a: !!str 5\n",
    "a: ! 5\n",
    "a: [!!int 5]\n",
    "a: !!python/object x\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: R&D, Q&A: stop! 5*3 and_*x\n",
    "a: 1\na: 2\n",
    "? [a, b]\n: c\n",
    "a: |\n  text\n  more\nb: >\n  folded\n",
    'x: "\\t\\u00e9"\n',
    "\ufeffa: 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "<<: {a: 1}\n=: 2\n",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("tags", [True, False])
def test_hard_cases_compose_and_fail_the_same_both_ways(text: str, tags: bool) -> None:
    by_events, events, by_compose, composed = _both(text, tags)
    assert by_compose == by_events
    assert composed == events


def test_an_alias_deep_in_the_file_is_refused_where_it_is() -> None:
    sink = yamlsrc.Sink("f.yaml")
    assert yamlsrc.compose(_deep_alias(10), sink) is None
    (problem,) = sink.problems
    assert "anchors and aliases ('&x', '*x') are not allowed" in problem.message
    assert (problem.location.line, problem.location.column) == (1, 4)


def test_nesting_over_the_limit_is_refused_not_recursed_into() -> None:
    """libyaml's composer recurses per level: it is stopped at the limit, and the event walk
    says where."""
    sink = yamlsrc.Sink("f.yaml")
    assert yamlsrc.compose("- " * 900 + "x\n", sink) is None
    assert "nested more than 64 levels deep" in sink.problems[0].message
    # The count of open levels starts again for the next file.
    again = yamlsrc.compose("- " * 60 + "x\n", yamlsrc.Sink("f.yaml"))
    assert type(again) is yamlsrc.Seq


def test_pyyaml_is_left_as_it_was() -> None:
    """The node classes stand in for PyYAML's only while a file is composed."""
    from yaml import _yaml

    yamlsrc.compose("a: [1, {b: c}]\n", yamlsrc.Sink("f.yaml"))
    assert _yaml.ScalarNode is yaml.nodes.ScalarNode
    assert _yaml.SequenceNode is yaml.nodes.SequenceNode
    assert _yaml.MappingNode is yaml.nodes.MappingNode
    assert yaml.load("a: [1, b]", Loader=yaml.CSafeLoader) == {"a": [1, "b"]}
    assert yamlsrc.compose("a: !!str 1\n", yamlsrc.Sink("f.yaml")) is not None
    assert _yaml.ScalarNode is yaml.nodes.ScalarNode


def test_the_pure_loader_is_never_given_the_fast_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "_Loader", yamlsrc.PureLoader)
    assert yamlcompose._c_composer(yamlsrc.PureLoader) is None
    node = yamlsrc.compose("a: [1, x]\n", yamlsrc.Sink("f.yaml"))
    assert _shape(node) == (
        "map",
        (0, 0),
        [
            (
                ("scalar", yamlsrc.STR, "a", (0, 0)),
                ("list", (0, 3), [
                    ("scalar", yamlsrc.INT, "1", (0, 4)),
                    ("scalar", yamlsrc.STR, "x", (0, 7)),
                ]),
            )
        ],
    )  # fmt: skip
