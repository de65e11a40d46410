"""`imbalance graph`: the flow as Mermaid and DOT, checked by the real parsers (Graphviz's `dot`
and the Mermaid library run by node), with hostile ids and labels."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import ROOT
from imbalance_cli import loader
from imbalance_cli.model import Library, Questionnaire
from imbalance_cli.render import graph

MERMAID = ROOT / "tests" / "tools" / "mermaid"

# Ids that are keywords of one language or the other, and labels full of their syntax.
HOSTILE = """\
id: end
title: 'A "quoted" <b>title</b> & #1; {braces} [brackets] \\ back'
version: "1"
sections:
  - id: end
    title: 'subgraph end "x"'
    questions:
      - id: graph
        type: single
        text: 'Pick "one" -> <script>alert(1)</script> | pipe; #35; %% comment'
        choices:
          - {id: end, label: 'end'}
          - {id: style, label: 'class "A"'}
      - id: subgraph
        type: yes_no
        text: 'digraph { a -> b } // node'
        when: {question: graph, equals: end}
      - id: click
        type: scale
        text: 'click here'
        when: {not: {question: subgraph, equals: true}}
alerts:
  - id: end
    level: emergency
    when: {question: graph, equals: style}
    message: 'A "message" with <tags> & #entities;'
    action: Get help now.
recommendations:
  - id: graph
    when: {question: click, gte: 3}
    because: 'Because "reasons" -> [x]'
    articles: [soreness-vs-pain]
"""


def _hostile(write: Callable[..., Path], library: Library) -> Questionnaire:
    return loader.load_questionnaire(write(HOSTILE, "end.yaml"), library)


def _node() -> list[str]:
    node = shutil.which("node")
    if node is None or not (MERMAID / "node_modules" / "mermaid").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and tests/tools/mermaid/node_modules are required in CI (.ci/run)")
        pytest.skip("the Mermaid parser is not installed (npm ci --prefix tests/tools/mermaid)")
    return [node, str(MERMAID / "parse.mjs"), "--flowchart"]


def _dot() -> str:
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is required in CI (.ci/run installs it)")
        pytest.skip("Graphviz is not installed")
    return found


def _questionnaires(write: Callable[..., Path], library: Library) -> dict[str, Questionnaire]:
    out = {
        name: loader.load_questionnaire(ROOT / "questionnaires" / f"{name}.yaml", library)
        for name in ("intake", "side-to-side")
    }
    out["hostile"] = _hostile(write, library)
    return out


def test_node_names_are_safe_and_every_condition_is_an_edge(
    write: Callable[..., Path], library: Library
) -> None:
    q = _hostile(write, library)
    text = graph.mermaid(q)
    names = re.findall(r"^\s+([^\s\[({]+)[\[({]", text, re.M)
    assert names and all(re.fullmatch(r"[a-z]_[A-Za-z0-9_]+", n) for n in names), names
    assert 'q_graph -.->|"equals: end"| q_subgraph' in text
    assert 'q_subgraph -.->|"not equals: true"| q_click' in text
    assert 'q_graph -.->|"equals: style"| a_end' in text
    assert "r_graph ==> c_soreness_vs_pain" in text
    assert "<script>" not in text and '"Pick "' not in text
    assert "#quot;one#quot;" in text and "#lt;script#gt;" in text


@pytest.mark.parametrize("name", ["intake", "side-to-side", "hostile"])
def test_graphviz_renders_the_dot(name: str, write: Callable[..., Path], library: Library) -> None:
    q = _questionnaires(write, library)[name]
    run = subprocess.run(
        [_dot(), "-Tsvg"], input=graph.dot(q), capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "syntax error" not in run.stderr
    svg = ElementTree.fromstring(run.stdout)
    ns = {"s": "http://www.w3.org/2000/svg"}
    titles = {t.text for t in svg.iterfind(".//s:g/s:title", ns)}
    texts = " ".join(t.text or "" for t in svg.iterfind(".//s:text", ns))
    for question in q.questions:
        assert any(t and t.endswith(question.id.split(".")[0]) for t in titles), question.id
    for alert in q.alerts:
        assert f"{alert.level.value}: {alert.id}" in texts
    if name == "hostile":
        # The labels came through as written: quotes, tags and braces are text, not syntax.
        assert 'Pick "one" -> <script>alert(1)</script>' in texts
        assert "digraph { a -> b } // node" in texts


@pytest.mark.parametrize("name", ["intake", "side-to-side", "hostile"])
def test_the_mermaid_library_parses_the_flowchart(
    name: str, write: Callable[..., Path], library: Library, tmp_path: Path
) -> None:
    command = _node()
    q = _questionnaires(write, library)[name]
    path = tmp_path / f"{name}.mmd"
    path.write_text(graph.mermaid(q))
    run = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=120, cwd=MERMAID
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_the_mermaid_parser_is_real_and_refuses_a_raw_keyword(tmp_path: Path) -> None:
    """What the escaping prevents: a bare `end` as a node id is a parse error."""
    command = _node()
    path = tmp_path / "bad.mmd"
    path.write_text('flowchart TD\n  n_a["A"] --> end\n')
    run = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Parse error" in run.stderr


def test_graph_command_formats_and_errors(write: Callable[..., Path]) -> None:
    def imbalance(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "imbalance_cli", *args],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    mermaid = imbalance("graph", "side-to-side")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart TD\n")
    dot = imbalance("graph", "side-to-side", "--format", "dot")
    assert dot.returncode == 0 and dot.stdout.startswith('digraph "side-to-side" {')
    bad = imbalance("graph", "side-to-side", "--format", "png")
    assert bad.returncode == 2 and "--format must be mermaid or dot" in bad.stderr
    broken = write("id: x\ntitle: X\nversion: '1'\nsections: []\n", "x.yaml")
    failed = imbalance("graph", str(broken))
    assert failed.returncode == 1 and "x.yaml:4:11" in failed.stderr


def test_tests_over_every_region_become_one_arrow_and_alternatives_say_or(
    write: Callable[..., Path], library: Library
) -> None:
    """A same_region alert over every region is one arrow from the regions question that says
    how many tests it holds, not one per region and side; a part of an 'any' says 'or'; a
    reference to one region's copy keeps its name."""
    q = loader.load_questionnaire(
        write(
            """
            id: regions-graph
            title: Regions
            version: "1"
            sections:
              - id: where
                title: Where
                questions:
                  - {id: regions, type: body_regions, text: Where?}
              - id: per
                title: "{region}"
                repeat: regions
                questions:
                  - {id: worse, type: yes_no, text: Worse?}
            alerts:
              - id: everywhere
                level: advisory
                when: {same_region: {all: [{question: worse, equals: true}]}}
                message: Worse somewhere.
                action: Mention it at your next visit.
              - id: knee_or_neck
                level: advisory
                when: {any: [{question: worse.knee.left, equals: true}, {question: worse.neck, equals: true}]}
                message: Worse in the knee or neck.
                action: Mention it at your next visit.
            """
        ),
        library,
    )
    text = graph.mermaid(q)
    to_everywhere = [line for line in text.splitlines() if line.strip().endswith("a_everywhere")]
    assert len(to_everywhere) <= 3, to_everywhere
    # One arrow per pair of boxes, its tests joined.
    [arrow] = [
        line for line in text.splitlines() if "q_worse -.->" in line and "a_knee_or_neck" in line
    ]
    assert "or worse.knee.left equals: true" in arrow and "or worse.neck equals: true" in arrow


def test_an_arrow_with_many_values_names_them(write: Callable[..., Path], library: Library) -> None:
    """Four choices read by one alert are named on its arrow, not counted ("4 values")."""
    q = loader.load_questionnaire(
        write(
            """
            id: flags-graph
            title: Flags
            version: "1"
            sections:
              - id: s
                title: S
                questions:
                  - id: flags
                    type: multi
                    text: Any of these?
                    choices:
                      - {id: saddle, label: Saddle}
                      - {id: fever, label: Fever}
                      - {id: bladder, label: Bladder}
                      - {id: bowel, label: Bowel}
                      - {id: none, label: None of these, exclusive: true}
            alerts:
              - id: now
                level: emergency
                when: {question: flags, includes_any: [saddle, fever, bladder, bowel]}
                message: See someone now.
                action: Call your local emergency number.
            """
        ),
        library,
    )
    [arrow] = [line for line in graph.mermaid(q).splitlines() if "a_now" in line and "-.->" in line]
    assert "or includes: saddle, fever, bladder, bowel" in arrow, arrow
    assert "values" not in arrow
