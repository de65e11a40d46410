"""A questionnaire's flow as a graph: Mermaid flowchart text, or Graphviz DOT.

What is drawn:

- each section as a box (a subgraph / cluster) holding its questions in order, joined by solid
  arrows; a section repeated per body region is drawn once, titled with what it repeats over;
- each condition as dashed arrows from the questions it reads to the question, section, alert or
  rule it guards, labelled with the test (``includes: knee``, ``gte: 4``; ``not`` when negated);
- each alert as a hexagon coloured by its level, and each recommendation rule as a rounded box
  with arrows to the articles and strategies it recommends.

Ids are never written raw into the graph language: node names are made of ``[A-Za-z0-9_]``
only, with a prefix per kind (``q_``, ``s_``, ``a_``, ``r_``, ``c_``) and a number when two ids
would clash, so any id works (``end``, ``graph``, quotes). Labels are escaped for each language:
Mermaid entity codes (``#quot;``, ``#lt;``, ``#35;``...) inside quoted labels, DOT backslash
escapes inside double quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from imbalance_cli.model import (
    AlertLevel,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Not,
    Questionnaire,
    Section,
    exercise_name,
)
from imbalance_cli.symmetry import pair_label
from imbalance_cli.text import clean

COLOURS = {
    AlertLevel.EMERGENCY: ("#fde2e2", "#b00020"),
    AlertLevel.URGENT: ("#fff0d9", "#b35c00"),
    AlertLevel.ADVISORY: ("#fff9d6", "#7a6a00"),
}


@dataclass
class _Node:
    name: str
    label: str
    kind: str  # question | alert | rule | article | strategy | pattern | situation
    level: AlertLevel | None = None


@dataclass
class _Graph:
    """The graph as plain data, before either language writes it."""

    sections: list[tuple[str, str, list[str]]] = field(default_factory=list)
    nodes: dict[str, _Node] = field(default_factory=dict)
    order: list[tuple[str, str]] = field(default_factory=list)
    reads: list[tuple[str, str, str]] = field(default_factory=list)
    recommends: list[tuple[str, str]] = field(default_factory=list)


class _Names:
    """Safe node names for arbitrary ids: ``[A-Za-z0-9_]`` only, unique."""

    def __init__(self) -> None:
        self.given: dict[tuple[str, str], str] = {}
        self.used: set[str] = set()

    def __call__(self, prefix: str, ident: str) -> str:
        key = (prefix, ident)
        if key not in self.given:
            base = f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', ident)}"[:80]
            name, n = base, 1
            while name in self.used:
                n += 1
                name = f"{base}_{n}"
            self.used.add(name)
            self.given[key] = name
        return self.given[key]


def build(q: Questionnaire) -> _Graph:
    graph = _Graph()
    names = _Names()
    # Question ids (every copy and side) -> the node drawn for the question its author wrote.
    node_of: dict[str, str] = {}
    drawn_sections: set[str] = set()
    repeats: dict[str, str] = {}
    last: str | None = None
    for section in q.sections:
        base_section = section.id.split(".", 1)[0] if section.repeated else section.id
        if section.repeated:
            for question in section.questions:
                node_of[question.id] = names("q", question.written_id)
            if base_section in drawn_sections:
                continue
            repeats[base_section] = _region_source(section)
        drawn_sections.add(base_section)
        members: list[str] = []
        for question in section.questions:
            name = names("q", question.written_id)
            node_of[question.id] = name
            if name in graph.nodes:
                continue  # the second side of a paired test
            short = pair_label(question) if question.pair is not None else question.short
            label = f"{question.written_id}: {short}"
            if section.region is not None and q.bodymap is not None:
                label = label.replace(q.bodymap.phrase(section.region), "{region}")
            if section.exercise is not None:
                label = label.replace(exercise_name(q, section.exercise), "{exercise}")
            graph.nodes[name] = _Node(name, label, "question")
            if members:
                graph.order.append((members[-1], name))
            members.append(name)
        title = section.title if section.region is None else _template_title(section, q)
        if section.region is not None:
            title += f" (for each region chosen in {repeats[base_section]})"
        if section.exercise is not None:
            title = f"{section.template} (for each exercise in {repeats[base_section]})"
        graph.sections.append((names("s", base_section), f"{base_section}: {title}", members))
        if members and last is not None:
            graph.order.append((last, members[0]))  # the flow goes on into the next section
        last = members[-1] if members else last
        section_when = _own_when(section)
        if section_when is not None and members:
            _edges(graph, section_when, members[0], node_of, "section")
    for section in q.sections:
        for question in section.questions:
            if question.when is not None:
                _edges(graph, question.when, node_of[question.id], node_of, "")
    # Patterns and situations are nodes of their own: the questions they read point at them,
    # and they at the alerts and rules that name them.
    for kind, items in (("situation", q.situations), ("pattern", q.patterns)):
        for item in items:
            name = names(kind[0] + "n", item.id)
            node_of[f"{kind}:{item.id}"] = name
            graph.nodes[name] = _Node(name, f"{kind}: {item.id}", kind)
            _edges(graph, item.when, name, node_of, "")
    for alert in q.alerts:
        name = names("a", alert.id)
        graph.nodes[name] = _Node(name, f"{alert.level.value}: {alert.id}", "alert", alert.level)
        _edges(graph, alert.when, name, node_of, "")
    for rule in q.rules:
        name = names("r", rule.id)
        graph.nodes[name] = _Node(name, f"rule: {rule.id}", "rule")
        _edges(graph, rule.when, name, node_of, "")
        for kind, ids in (("article", rule.articles), ("strategy", rule.strategies)):
            for cid in ids:
                target = names("c", cid)
                graph.nodes.setdefault(target, _Node(target, f"{kind}: {cid}", kind))
                graph.recommends.append((name, target))
    # One arrow per (source, target, label): copies of a repeated question read alike.
    graph.reads = list(dict.fromkeys(graph.reads))
    return graph


def _region_source(section: Section) -> str:
    when = section.when
    leaf = when if isinstance(when, Leaf) else None
    if isinstance(when, AllOf) and isinstance(when.items[0], Leaf):
        leaf = when.items[0]
    return leaf.question if leaf is not None else "a body_regions question"


def _template_title(section: Section, q: Questionnaire) -> str:
    """A repeated section's title with the region put back as ``{region}``."""
    assert section.region is not None
    label = q.bodymap.describe(section.region) if q.bodymap is not None else section.region
    return section.title.replace(label, "{region}")


def _own_when(section: Section) -> Condition | None:
    """A section's condition without the 'this region was chosen' part of a repeated copy."""
    if not section.repeated:
        return section.when
    if isinstance(section.when, AllOf) and len(section.when.items) == 2:
        return section.when.items[1]
    return None


def _edges(
    graph: _Graph, condition: Condition, target: str, node_of: dict[str, str], prefix: str
) -> None:
    """An arrow from each question a condition reads, labelled with its test: 'or' before a
    part of an ``any``, 'not' inside a ``not``, and the reference as written where it names a
    region's copy (``overhead.shoulder``, ``night.*``). Many tests of one question on one target
    (``same_region`` over every region) become one arrow that says how many."""
    found: dict[tuple[str, str], list[str]] = {}
    for leaf, negated, alternative in _leaves(condition, False, False):
        if isinstance(leaf, str):  # a named pattern or situation
            source = node_of.get(leaf)
            if source is not None:
                named = ("or" if alternative else "", "not" if negated else "", leaf.split(":")[0])
                found.setdefault((source, target), []).append(" ".join(w for w in named if w))
            continue
        for qid in leaf.questions or (leaf.question,):
            source = node_of.get(qid)
            if source is None:
                continue
            test = f"{leaf.op.value}: {_value(leaf.value)}"
            written = leaf.question if "." in leaf.question else ""
            words = (prefix, "or" if alternative else "", "not" if negated else "", written, test)
            label = " ".join(x for x in words if x)
            found.setdefault((source, target), [])
            if label not in found[(source, target)]:
                found[(source, target)].append(label)
    for (source, edge_target), labels in found.items():
        # One arrow per pair of nodes (Graphviz lays out parallel labelled arrows between
        # boxes badly): its tests joined, those of one kind under one head with their values
        # named ("or includes: saddle, fever, bladder, bowel").
        ops = {label.rsplit(": ", 1)[0] for label in labels}
        if len(labels) > 1 and len(ops) == 1:
            head = ops.pop()
            values = [label.rsplit(": ", 1)[1] for label in labels]
            more = f" and {len(values) - _NAMED} more" if len(values) > _NAMED else ""
            labels = [f"{head}: {', '.join(values[:_NAMED])}{more}"]
        graph.reads.append((source, edge_target, "; ".join(labels)))


#: Values named on one arrow before the rest are counted (a test over every region's copy).
_NAMED = 12


def _leaves(
    condition: Condition, negated: bool, alternative: bool
) -> Iterator[tuple[Leaf | str, bool, bool]]:
    """Each test with whether it sits inside a ``not`` and whether it is one part of an
    ``any`` (the nearest joining one); a named pattern or situation is given by its name."""
    if isinstance(condition, Leaf):
        yield condition, negated, alternative
    elif isinstance(condition, AllOf) and condition.name is not None:
        yield condition.name, negated, alternative
    elif isinstance(condition, Not):
        yield from _leaves(condition.item, not negated, alternative)
    elif isinstance(condition, AllOf):
        for item in condition.items:
            yield from _leaves(item, negated, False)
    elif isinstance(condition, AnyOf):
        for item in condition.items:
            yield from _leaves(item, negated, len(condition.items) > 1)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- Mermaid -------------------------------------------------------------------------------------

#: Mermaid's default limit on arrows in one diagram (a diagram cannot raise it itself).
MERMAID_MAX_EDGES = 500

_MERMAID_CODES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;"}


def _m(text: str) -> str:
    """Text for a quoted Mermaid label: one line, entity codes for what the parser or its
    HTML sanitiser would take as syntax or markup. ``#`` first, so codes are not re-escaped."""
    one_line = " ".join(clean(text).split())
    out = "".join(_MERMAID_CODES.get(ch, ch) for ch in one_line)
    return out[:200] or " "


def mermaid(q: Questionnaire) -> str:
    graph = build(q)
    lines = ["flowchart TD", f"  %% {_m(q.id)} {_m(q.version)}: {_m(q.title)}"]
    placed: set[str] = set()
    for name, title, members in graph.sections:
        lines.append(f'  subgraph {name}["{_m(title)}"]')
        lines.append("    direction TB")
        for member in members:
            lines.append(f'    {member}["{_m(graph.nodes[member].label)}"]')
            placed.add(member)
        lines.append("  end")
    for node in graph.nodes.values():
        if node.name in placed:
            continue
        label = _m(node.label)
        if node.kind == "alert":
            lines.append(f'  {node.name}{{{{"{label}"}}}}')
        elif node.kind == "rule":
            lines.append(f'  {node.name}(["{label}"])')
        elif node.kind in ("pattern", "situation"):
            lines.append(f'  {node.name}[/"{label}"/]')
        else:
            lines.append(f'  {node.name}[["{label}"]]')
    for source, target in graph.order:
        lines.append(f"  {source} --> {target}")
    for source, target, label in graph.reads:
        lines.append(f'  {source} -.->|"{_m(label)}"| {target}')
    for source, target in graph.recommends:
        lines.append(f"  {source} ==> {target}")
    for level, (fill, stroke) in COLOURS.items():
        lines.append(f"  classDef {level.value} fill:{fill},stroke:{stroke},stroke-width:2px")
        members = [n.name for n in graph.nodes.values() if n.level is level]
        if members:
            lines.append(f"  class {','.join(members)} {level.value}")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT --------------------------------------------------------------------------------


def _d(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, one line."""
    one_line = " ".join(clean(text).split())[:200]
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(q: Questionnaire) -> str:
    graph = build(q)
    lines = [
        f"digraph {_d(q.id)} {{",
        f"  label={_d(f'{q.title} ({q.id} {q.version})')};",
        "  labelloc=t;",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    placed: set[str] = set()
    for name, title, members in graph.sections:
        lines.append(f"  subgraph {_d('cluster_' + name)} {{")
        lines.append(f"    label={_d(title)};")
        for member in members:
            lines.append(f"    {_d(member)} [label={_d(graph.nodes[member].label)}];")
            placed.add(member)
        lines.append("  }")
    for node in graph.nodes.values():
        if node.name in placed:
            continue
        attrs = [f"label={_d(node.label)}"]
        if node.kind == "alert" and node.level is not None:
            fill, stroke = COLOURS[node.level]
            attrs += [
                "shape=hexagon",
                'style="filled"',
                f"fillcolor={_d(fill)}",
                f"color={_d(stroke)}",
            ]
        elif node.kind == "rule":
            attrs += ['style="rounded,filled"', 'fillcolor="#e8f0fe"']
        elif node.kind in ("pattern", "situation"):
            attrs += ["shape=parallelogram", 'style="filled"', 'fillcolor="#eef7ee"']
        else:
            attrs += ["shape=note"]
        lines.append(f"  {_d(node.name)} [{', '.join(attrs)}];")
    for source, target in graph.order:
        lines.append(f"  {_d(source)} -> {_d(target)};")
    for source, target, label in graph.reads:
        # xlabel, placed after the layout: a label is a node to Graphviz's ranking, and hundreds
        # of them between boxes trip its init_rank (Graphviz 2.43, the version Debian ships).
        lines.append(f"  {_d(source)} -> {_d(target)} [style=dashed, xlabel={_d(label)}];")
    for source, target in graph.recommends:
        lines.append(f"  {_d(source)} -> {_d(target)} [penwidth=2];")
    lines.append("}")
    return "\n".join(lines) + "\n"
