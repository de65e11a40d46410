"""Pure rules: answers -> alerts and recommendations, each with the "because" that fired it."""

from __future__ import annotations

from collections.abc import Mapping

from imbalance_cli import bodymap as body
from imbalance_cli.engine import Flow, Types, matching
from imbalance_cli.model import (
    AlertLevel,
    AllOf,
    Answers,
    AnswerValue,
    AnyOf,
    BodyMap,
    Condition,
    FiredAlert,
    Leaf,
    Library,
    Not,
    Op,
    Question,
    Questionnaire,
    QuestionType,
    Recommendation,
    Result,
    RuleHit,
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


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def fired_alerts(questionnaire: Questionnaire, answers: Answers) -> tuple[FiredAlert, ...]:
    """The alerts these answers raise, most urgent first (file order within a level)."""
    types = {q.id: q.type for q in questionnaire.questions}
    fired: list[FiredAlert] = []
    for alert in questionnaire.alerts:
        ok, facts = trace(alert.when, answers, questionnaire, types)
        if ok:
            fired.append(FiredAlert(alert, describe_facts(facts, questionnaire)))
    return tuple(sorted(fired, key=lambda f: f.alert.level.rank))


_HELD = {
    AlertLevel.EMERGENCY: "held back until a clinician has seen you about the emergency warning sign",
    AlertLevel.URGENT: "held back until a doctor has checked the warning signs: it assumes there are none",
}


def recommend(
    questionnaire: Questionnaire,
    answers: Answers,
    library: Library,
    alerts: tuple[FiredAlert, ...],
    hits: tuple[RuleHit, ...] | None = None,
) -> tuple[tuple[Recommendation, ...], tuple[Recommendation, ...]]:
    """(shown, withheld). Articles first, then strategies, each once, in the order of the first
    rule that chose it, with every reason that chose it.

    Nothing contradicts an alert: while an emergency stands, every article and strategy is held
    back (the summary is the alerts, what to do and the answers); while an urgent alert stands,
    content declared ``assumes_no_warning_signs`` is held back and strategies wait for a
    clinician. ``hits`` are the rules that fired, when the caller has them already."""
    if hits is None:
        hits = rule_hits(questionnaire, answers)
    levels = {f.alert.level for f in alerts}
    top = min(levels, key=lambda lv: lv.rank) if levels else None
    hold = top is not None and top.holds_back
    reasons: dict[tuple[str, str], list[str]] = {}
    plain: dict[tuple[str, str], list[str]] = {}
    rules: dict[tuple[str, str], list[str]] = {}
    for hit in hits:
        why = f"{hit.because} ({'; '.join(hit.facts)})" if hit.facts else hit.because
        for kind, ids in (("article", hit.articles), ("strategy", hit.strategies)):
            for item in ids:
                reasons.setdefault((kind, item), []).append(why)
                plain.setdefault((kind, item), []).append(hit.because)
                rules.setdefault((kind, item), []).append(hit.rule)
    shown: list[Recommendation] = []
    withheld: list[Recommendation] = []
    for kind in ("article", "strategy"):
        for (k, item), whys in reasons.items():
            if k != kind:
                continue
            content = (library.articles if kind == "article" else library.strategies).get(item)
            if content is None:
                continue
            url = content.url if kind == "article" else None  # type: ignore[union-attr]
            held = None
            if top is AlertLevel.EMERGENCY:
                held = _HELD[top]
            elif hold and content.assumes_no_warning_signs:
                held = _HELD[AlertLevel.URGENT]
            recommendation = Recommendation(
                kind=kind,
                id=item,
                title=content.title,
                because=_unique(whys),
                reasons=_unique(plain[(k, item)]),
                rules=_unique(rules[(k, item)]),
                url=url,
                after_clinician=hold and kind == "strategy",
                withheld=held,
            )
            (withheld if held else shown).append(recommendation)
    return tuple(shown), tuple(withheld)


def rule_hits(questionnaire: Questionnaire, answers: Answers) -> tuple[RuleHit, ...]:
    """Every recommendation rule that fires, in file order, with the answers behind it."""
    types = {q.id: q.type for q in questionnaire.questions}
    hits: list[RuleHit] = []
    for rule in questionnaire.rules:
        ok, facts = trace(rule.when, answers, questionnaire, types)
        if ok:
            hits.append(
                RuleHit(
                    rule.id,
                    rule.because,
                    describe_facts(facts, questionnaire),
                    rule.articles,
                    rule.strategies,
                )
            )
    return tuple(hits)


def assess(
    questionnaire: Questionnaire,
    answers: Answers,
    library: Library,
    *,
    started_at: str,
    completed_at: str | None,
    client: str | None = None,
    session: int | None = None,
    previous: int | None = None,
) -> Result:
    """Build the result document's data from a set of answers (pruned to what was asked). A
    re-assessment (``previous`` given) keeps the answers to questions asked only then."""
    flow = Flow(questionnaire, reassessment=previous is not None)
    kept: Mapping[str, AnswerValue] = flow.prune(answers)
    alerts = fired_alerts(questionnaire, kept)
    hits = rule_hits(questionnaire, kept)
    shown, withheld = recommend(questionnaire, kept, library, alerts, hits)
    # A completed intake with an emergency and required questions unanswered was stopped there.
    # (A session saved under an older questionnaire can lack answers too: that is not a stop.)
    emergency = any(f.alert.level is AlertLevel.EMERGENCY for f in alerts)
    done = completed_at is not None and emergency
    not_asked = tuple(q.id for q in flow.missing_required(kept)) if done else ()
    return Result(
        questionnaire=questionnaire,
        answers=kept,
        alerts=alerts,
        recommendations=shown,
        started_at=started_at,
        completed_at=completed_at,
        client=client,
        library=library,
        trace=hits,
        withheld=withheld,
        not_asked=not_asked,
        session=session,
        previous=previous,
    )
