"""Answers in words, and the answers that made a condition true: what every "because" of an
alert, a rule, a pattern or a situation is made of. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from imbalance_cli import bodymap as body
from imbalance_cli.engine import Types, matching
from imbalance_cli.model import (
    AllOf,
    Answers,
    AnswerValue,
    AnyOf,
    BodyMap,
    Condition,
    Leaf,
    Not,
    Op,
    Question,
    Questionnaire,
    QuestionType,
)


def describe_answer(question: Question, value: AnswerValue, bodymap: BodyMap | None = None) -> str:
    """An answer in words: choice labels, regions with sides, yes/no, numbers with their scale."""
    if value is None:
        return "skipped"
    t = question.type
    if t is QuestionType.YES_NO:
        return "yes" if value else "no"
    if t is QuestionType.SCALE and isinstance(value, (int, float)):
        return f"{value:g}/{question.maximum:g}"
    if t in (QuestionType.NUMBER, QuestionType.PAIRED) and isinstance(value, (int, float)):
        return f"{value:g} {question.unit}" if question.unit else f"{value:g}"
    if t is QuestionType.BODY_REGIONS and isinstance(value, tuple):
        regions = bodymap or body.default()
        return (
            ", ".join(
                question.none_label
                if token == "none" and question.none_label
                else regions.describe(token)
                for token in value
            )
            or "none"
        )
    if t.has_choices:
        ids = value if isinstance(value, tuple) else (str(value),)
        labels = [(question.choice(i).label if question.choice(i) else i) for i in ids]  # type: ignore[union-attr]
        return "; ".join(labels) or "none"
    return str(value)


Fact = tuple[str, AnswerValue]


def _shown(question: Question, value: AnswerValue, leaf: Leaf) -> AnswerValue:
    """The part of an answer that made a leaf true (the one ticked choice or matching region)."""
    if leaf.op is Op.INCLUDES and isinstance(value, tuple) and isinstance(leaf.value, str):
        if question.type is QuestionType.MULTI:
            return (leaf.value,)
        return tuple(t for t in value if body.matches((t,), leaf.value))
    return value


def trace(
    condition: Condition, answers: Answers, questionnaire: Questionnaire, types: Types
) -> tuple[bool, list[Fact]]:
    """Evaluate a condition and collect the (question, answer part) pairs that made it true."""
    if isinstance(condition, Leaf):
        hits = matching(condition, answers, types)
        facts: list[Fact] = []
        for qid in hits:
            question = questionnaire.question(qid)
            if question is None or condition.op is Op.ANSWERED:
                continue
            facts.append((qid, _shown(question, answers.get(qid), condition)))
        return bool(hits), facts
    if isinstance(condition, Not):
        held, _ = trace(condition.item, answers, questionnaire, types)
        return not held, []
    results = [trace(c, answers, questionnaire, types) for c in condition.items]
    if isinstance(condition, AllOf):
        if all(ok for ok, _ in results):
            return True, [f for _, fs in results for f in fs]
        return False, []
    assert isinstance(condition, AnyOf)
    if any(ok for ok, _ in results):
        return True, [f for ok, fs in results if ok for f in fs]
    return False, []


def describe_facts(facts: list[Fact], questionnaire: Questionnaire) -> tuple[str, ...]:
    """Facts in words, one per question, parts of the same answer merged:
    ``Painful regions: Neck, Shoulder (right)``; a region's copy is named: ``How long (neck)``."""
    merged: dict[str, AnswerValue] = {}
    for qid, shown in facts:
        before = merged.get(qid)
        if isinstance(before, tuple) and isinstance(shown, tuple):
            merged[qid] = tuple(dict.fromkeys(before + shown))
        else:
            merged[qid] = shown
    out: list[str] = []
    pairs = _pairs_in(merged, questionnaire)
    for qid, shown in merged.items():
        question = questionnaire.question(qid)
        if question is None:
            continue
        if question.pair in pairs:  # both sides of a left/right test: one fact, naming it
            if question.side == "left":
                out.append(pairs[question.pair])
            continue
        name = question.short
        regions = questionnaire.bodymap or body.default()
        if question.region is not None and regions.phrase(question.region) not in name:
            name = f"{name} ({regions.phrase(question.region)})"
        out.append(f"{name}: {describe_answer(question, shown, regions)}")
    return tuple(out)


def _pairs_in(facts: Mapping[str, AnswerValue], questionnaire: Questionnaire) -> dict[str, str]:
    """Left/right tests whose two sides are both among the facts, each as one fact that names
    the test: ``Single-leg heel raises: left 20, right 12 repetitions``."""
    from imbalance_cli.symmetry import pair_label

    sides: dict[str, dict[str, tuple[Question, AnswerValue]]] = {}
    for qid, value in facts.items():
        question = questionnaire.question(qid)
        if question is not None and question.pair is not None and question.side is not None:
            sides.setdefault(question.pair, {})[question.side] = (question, value)
    out = {}
    for pair, found in sides.items():
        if set(found) != {"left", "right"}:
            continue
        (left_q, left), (_, right) = found["left"], found["right"]
        unit = f" {left_q.unit}" if left_q.unit else ""
        shown = [f"{v:g}" if isinstance(v, (int, float)) else "not measured" for v in (left, right)]
        out[pair] = f"{pair_label(left_q)}: left {shown[0]}, right {shown[1]}{unit}"
    return out
