"""Relevance: a rule that names region-specific content must check that region.

An article or strategy may declare the body regions it speaks about (``regions: [knee]``). A rule
naming it is accepted only when its condition implies one of those regions: a knee article is
never chosen for back pain, whatever else the condition says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imbalance_cli.model import (
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Library,
    Not,
    Op,
    Question,
    QuestionType,
    Rule,
    Section,
    split_token,
)
from imbalance_cli.yamlsrc import Sink

Regions = frozenset[str]


def implied_regions(
    condition: Condition | None,
    questions: Mapping[str, Question],
    sections: Mapping[str, Section],
    depth: int = 0,
) -> Regions | None:
    """A set of region ids one of which must be involved whenever ``condition`` holds, or None
    when nothing can be said. A test on a question implies what its visibility implies."""
    if condition is None or depth > 40:
        return None
    if isinstance(condition, Leaf):
        if condition.op is Op.INCLUDES and isinstance(condition.value, str):
            first = questions.get(condition.questions[0] if condition.questions else "")
            if first is not None and first.type is QuestionType.BODY_REGIONS:
                region = split_token(condition.value)[0]
                return None if region == "none" else frozenset({region})
        if condition.op is Op.ANSWERED and condition.value is False:
            return None
        found: set[str] = set()
        for qid in condition.questions or (condition.question,):
            question = questions.get(qid)
            if question is None:
                return None
            if question.region is not None:
                found.add(split_token(question.region)[0])
                continue
            section = sections.get(question.section)
            parts = [c for c in (question.when, section.when if section else None) if c]
            shown = (
                implied_regions(AllOf(tuple(parts)), questions, sections, depth + 1)
                if parts
                else None
            )
            if shown is None:
                return None
            found |= shown
        return frozenset(found)
    if isinstance(condition, AllOf):
        known = [
            r
            for r in (implied_regions(c, questions, sections, depth + 1) for c in condition.items)
            if r is not None
        ]
        return min(known, key=len) if known else None
    if isinstance(condition, AnyOf):
        union: set[str] = set()
        for item in condition.items:
            part = implied_regions(item, questions, sections, depth + 1)
            if part is None:
                return None
            union |= part
        return frozenset(union)
    assert isinstance(condition, Not)
    return None


def check_rules(
    rules: Iterable[Rule],
    library: Library,
    questions: Mapping[str, Question],
    sections: Iterable[Section],
    sink: Sink,
) -> None:
    """Report every rule that names region-specific content without checking its region."""
    by_id = {s.id: s for s in sections}
    for rule in rules:
        named: list[tuple[str, tuple[str, ...], str]] = []
        for article_id in rule.articles:
            article = library.articles.get(article_id)
            named.append((article_id, article.regions if article else (), "article"))
        for strategy_id in rule.strategies:
            strategy = library.strategies.get(strategy_id)
            named.append((strategy_id, strategy.regions if strategy else (), "strategy"))
        if not any(regions for _, regions, _ in named):
            continue
        implied = implied_regions(rule.when, questions, by_id)
        for item_id, regions, kind in named:
            if not regions or (implied is not None and implied <= set(regions)):
                continue
            sink.add_at(
                rule.location,
                f"recommendation '{rule.id}' names {kind} '{item_id}', which is about "
                f"{' or '.join(regions)}, but its condition does not make sure of that region "
                f"(add a test such as {{question: regions, includes: {regions[0]}}})",
            )
