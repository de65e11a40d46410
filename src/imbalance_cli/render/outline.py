"""``show`` and ``library``: a questionnaire as a tree or as normalised JSON, the library as a
table or JSON. Text from YAML is escaped so it cannot restyle the terminal."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_cli.model import (
    AllOf,
    AnyOf,
    Article,
    Condition,
    Leaf,
    Library,
    Not,
    Questionnaire,
    Strategy,
)
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    from rich.console import RenderableType


def condition_text(condition: Condition | None) -> str:
    """A condition in one line: ``regions includes knee and knee_worst >= 7``."""
    if condition is None:
        return "always"
    if isinstance(condition, Leaf):
        symbol = {
            "gte": ">=",
            "lte": "<=",
            "equals": "=",
            "in": "in",
            "includes": "includes",
            "answered": "answered =",
            "side": "on side",
            "zones": "covers zones >=",
            "lsi_below": "symmetry index below",
            "weaker": "weaker side is",
            "mentions": "mentions a word of",
        }
        value = condition.value
        shown = json.dumps(list(value)) if isinstance(value, tuple) else json.dumps(value)
        return f"{condition.question} {symbol[condition.op.value]} {shown}"
    if isinstance(condition, Not):
        return f"not ({condition_text(condition.item)})"
    if isinstance(condition, AllOf) and condition.name:
        return condition.name.replace(":", " ")
    joiner = " and " if isinstance(condition, AllOf) else " or "
    assert isinstance(condition, (AllOf, AnyOf))
    return "(" + joiner.join(condition_text(c) for c in condition.items) + ")"


def tree(q: Questionnaire) -> RenderableType:
    from rich.tree import Tree

    root = Tree(
        f"[bold]{markup(q.title)}[/] [dim]{markup(q.id)} {markup(q.version)}, {len(q.questions)} questions[/]"
    )
    for section in q.sections:
        when = f" [dim]when {markup(condition_text(section.when))}[/]" if section.when else ""
        branch = root.add(
            f"[bold blue]{markup(section.title)}[/] [dim]({markup(section.id)})[/]{when}"
        )
        for question in section.questions:
            cond = (
                f"\n[dim]  when {markup(condition_text(question.when))}[/]" if question.when else ""
            )
            node = branch.add(
                f"[green]{markup(question.id)}[/] [dim]{question.type.value}[/] {markup(question.text)}{cond}"
            )
            for choice in question.choices:
                flag = " [dim](exclusive)[/]" if choice.exclusive else ""
                node.add(f"{markup(choice.id)}: {markup(choice.label)}{flag}")
    if q.alerts:
        alerts = root.add("[bold red]Alerts[/]")
        for a in q.alerts:
            alerts.add(
                f"[red]{markup(a.id)}[/] [dim]{a.level.value}[/] when {markup(condition_text(a.when))}"
            )
    if q.rules:
        rules = root.add("[bold]Recommendation rules[/]")
        for r in q.rules:
            targets = ", ".join([*r.articles, *r.strategies])
            rules.add(
                f"[green]{markup(r.id)}[/] -> {markup(targets)} [dim]when {markup(condition_text(r.when))}[/]"
            )
    return root


def _plain(value: Any) -> Any:
    """Dataclasses, enums and tuples as JSON-ready data, private fields left out."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        if isinstance(value, (Leaf, AllOf, AnyOf, Not)):
            out["kind"] = type(value).__name__.lower()
        for name in value.__dataclass_fields__:
            if name.startswith("_"):
                continue
            item = getattr(value, name)
            if name == "zones" and not item:
                continue
            if name == "location":
                out[name] = str(item)
                continue
            out[name] = _plain(item)
        return out
    if isinstance(value, str):
        return clean(value)
    return value


def as_json(q: Questionnaire) -> str:
    return json.dumps(_plain(q), indent=2, ensure_ascii=False) + "\n"


def _matches(tags: tuple[str, ...], tag: str | None) -> bool:
    return tag is None or tag in tags


def library_json(lib: Library, tag: str | None) -> str:
    data = {
        "articles": [_plain(a) for a in lib.articles.values() if _matches(a.tags, tag)],
        "strategies": [_plain(s) for s in lib.strategies.values() if _matches(s.tags, tag)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def library_table(lib: Library, tag: str | None, bundled: str = "") -> RenderableType:
    """Articles and strategies; ``from`` says whether each is bundled (its file is under
    ``bundled``) or the author's own, by file name."""
    from rich.table import Table

    def origin(path: str) -> str:
        return "bundled" if bundled and path.startswith(bundled) else Path(path).name

    table = Table(box=None, header_style="bold", expand=False)
    for column in ("kind", "id", "title", "tags", "from"):
        # ids are what an author copies into a rule: wrapped when narrow, never cut short
        table.add_column(column, overflow="fold")
    items: list[tuple[str, Article | Strategy]] = [("article", a) for a in lib.articles.values()]
    items += [("strategy", s) for s in lib.strategies.values()]
    for kind, item in items:
        if _matches(item.tags, tag):
            table.add_row(
                kind,
                markup(item.id),
                markup(item.title),
                markup(", ".join(item.tags)),
                markup(origin(item.location.path)),
            )
    return table
