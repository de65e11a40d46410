"""Pure rules: answers -> alerts and recommendations, each with the "because" that fired it.

The order of the guidance (DESIGN.md): answers -> findings (patterns, situations, words in free
text) -> alerts -> recommendations (held back or adapted for the situations that hold) -> rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from imbalance_cli.engine import Flow
from imbalance_cli.facts import Fact, describe_answer, describe_facts, trace
from imbalance_cli.model import (
    AlertLevel,
    Answers,
    AnswerValue,
    FiredAlert,
    Questionnaire,
    split_token,
)

if TYPE_CHECKING:
    from imbalance_cli.content import Article, Exercise, Library, Strategy
    from imbalance_cli.results import Findings, Found, Recommendation, Result, RuleHit

__all__ = [
    "Fact",
    "assess",
    "describe_answer",
    "describe_facts",
    "fired_alerts",
    "recommend",
    "rule_hits",
    "trace",
]


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def fired_alerts(questionnaire: Questionnaire, answers: Answers) -> tuple[FiredAlert, ...]:
    """The alerts these answers raise, most urgent first (file order within a time frame). An
    alert that another raised alert supersedes (the same body part, less urgent) is folded into
    it: its reasons join the other's, and the person reads one time frame."""
    types = {q.id: q.type for q in questionnaire.questions}
    fired: dict[str, FiredAlert] = {}
    for alert in questionnaire.alerts:
        ok, facts = trace(alert.when, answers, questionnaire, types)
        if ok:
            said = describe_facts(facts, questionnaire) + _words_of(facts, questionnaire, answers)
            fired[alert.id] = FiredAlert(alert, said)
    folded: set[str] = set()
    for fired_alert in list(fired.values()):
        merged = [ref for ref in fired_alert.alert.supersedes if ref in fired]
        if not merged:
            continue
        because = list(fired_alert.because)
        for ref in merged:
            because += [b for b in fired[ref].because if b not in because]
        fired[fired_alert.alert.id] = FiredAlert(fired_alert.alert, tuple(because), tuple(merged))
        folded.update(merged)
    kept = [f for aid, f in fired.items() if aid not in folded]
    return tuple(sorted(kept, key=lambda f: (f.alert.level.rank, f.alert.when_to_act.rank)))


def _words_of(facts: list[Fact], questionnaire: Questionnaire, answers: Answers) -> tuple[str, ...]:
    """What the person wrote that a follow-up among the facts asked about, in their words: the
    strongest thing a clinician can read ("chest feels tight" on a hill), where the follow-up's
    label alone says only which question it was."""
    from imbalance_cli.engine import mentioned

    words: dict[str, str] = {}
    for qid in dict.fromkeys(qid for qid, _ in facts):
        question = questionnaire.question(qid)
        if question is not None and question.when is not None and "{mentioned}" in question.text:
            for word in mentioned(question.when, answers):
                words.setdefault(word.lower(), word)
    return (f"In your own words: {', '.join(repr(w) for w in words.values())}",) if words else ()


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
    findings: Findings | None = None,
) -> tuple[tuple[Recommendation, ...], tuple[Recommendation, ...]]:
    """(shown, withheld). Articles first, then strategies, each once, in the order of the first
    rule that chose it, with every reason that chose it (rank.py orders them afterwards).

    Nothing contradicts an alert: while an emergency stands, every article and strategy is held
    back (the summary is the alerts, what to do and the answers); while an urgent alert stands,
    content declared ``assumes_no_warning_signs`` is held back and strategies wait for a
    clinician. An item that does not suit a situation that holds (``not_for``) is held back
    with the reason; one that changes for it (``adapt``) carries how. ``hits`` are the rules
    that fired, when the caller has them already."""
    from imbalance_cli.content import Article, Strategy  # not needed to ask (model.py)
    from imbalance_cli.results import Recommendation

    if hits is None:
        hits = rule_hits(questionnaire, answers)
    holding = {f.id: f for f in (findings.situations if findings else ())}
    levels = {f.alert.level for f in alerts}
    top = min(levels, key=lambda lv: lv.rank) if levels else None
    hold = top is not None and top.holds_back
    reasons: dict[tuple[str, str], list[str]] = {}
    plain: dict[tuple[str, str], list[str]] = {}
    rules: dict[tuple[str, str], list[str]] = {}
    chosen: dict[tuple[str, str], list[str]] = {}
    personal: dict[tuple[str, str], list[str]] = {}
    for hit in hits:
        why = f"{hit.because} ({'; '.join(hit.facts)})" if hit.facts else hit.because
        for kind, ids in (("article", hit.articles), ("strategy", hit.strategies)):
            for item in ids:
                reasons.setdefault((kind, item), []).append(why)
                plain.setdefault((kind, item), []).append(hit.because)
                rules.setdefault((kind, item), []).append(hit.rule)
                chosen.setdefault((kind, item), []).append(hit.chosen_by)
                if hit.chosen_by not in ("topic", "region"):  # chosen by what they answered
                    personal.setdefault((kind, item), []).append(why)
    shown: list[Recommendation] = []
    withheld: list[Recommendation] = []
    for kind in ("article", "strategy"):
        for (k, item), whys in reasons.items():
            if k != kind:
                continue
            content: Article | Strategy | None = (
                library.articles if kind == "article" else library.strategies
            ).get(item)
            if content is None:
                continue
            held = None
            if top is AlertLevel.EMERGENCY:
                held = _HELD[top]
            elif hold and content.assumes_no_warning_signs:
                held = _HELD[AlertLevel.URGENT]
            applies = [s for s in holding.values() if _touches(s, content.regions)]
            names = {s.id for s in applies}
            unsuited = [s for s in applies if s.id in content.not_for]
            if held is None and unsuited:
                held = "held back: it does not suit " + " or ".join(f.label for f in unsuited)
            adapted = tuple((holding[s].label, text) for s, text in content.adapt if s in names)
            exercises: tuple[str, ...] = ()
            swaps: tuple[str, ...] = ()
            if isinstance(content, Strategy):
                exercises, swaps, more = _fit_exercises(content, library, holding)
                adapted += more
            recommendation = Recommendation(
                kind=kind,
                id=item,
                title=content.title,
                because=_unique(whys),
                reasons=_unique(plain[(k, item)]),
                rules=_unique(rules[(k, item)]),
                url=content.url if isinstance(content, Article) else None,
                after_clinician=hold and kind == "strategy",
                withheld=held,
                adapted=adapted,
                general=content.general,
                chosen_by=_unique(chosen[(k, item)]),
                personal=_unique(personal.get((k, item), [])),
                exercises=exercises,
                swaps=swaps,
            )
            (withheld if held else shown).append(recommendation)
    return tuple(shown), tuple(withheld)


def adapted_for(
    adapted: tuple[tuple[str, str], ...],
    exercises: Iterable[str],
    library: Library,
    keep: str | None = None,
) -> tuple[tuple[str, str], ...]:
    """A strategy's adaptations that go with one of its exercises: its own (for the strategy as
    a whole) and those of exercise ``keep``, not those of its other exercises (a pillow under
    the bump for the side-lying leg raise was printed under the brisk walk)."""
    names = {library.exercises[e].name: e for e in exercises if e in library.exercises}
    out = []
    for label, text in adapted:
        owner = next((e for name, e in names.items() if text.startswith(f"{name}: ")), None)
        if owner is None or owner == keep:
            out.append((label, text))
    return tuple(out)


def _fit_exercises(
    strategy: Strategy, library: Library, holding: Mapping[str, Found]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A strategy's exercises for this person: each that does not suit a situation that holds
    gives way to its easier version (the first that suits), or is left out, with the reason;
    how a kept exercise changes for a situation joins the strategy's adaptations."""
    kept: list[str] = []
    swaps: list[str] = []
    adapted: list[tuple[str, str]] = []
    for eid in strategy.exercises:
        exercise = library.exercises.get(eid)
        if exercise is None:
            continue
        chosen: Exercise | None = exercise
        seen: set[str] = set()
        while chosen is not None and chosen.id not in seen:
            seen.add(chosen.id)
            unsuited = [
                holding[s]
                for s in chosen.not_for
                if s in holding and _touches(holding[s], chosen.regions or strategy.regions)
            ]
            if not unsuited:
                break
            why = " or ".join(f.label for f in unsuited)
            easier = library.exercises.get(chosen.easier) if chosen.easier else None
            if easier is not None and easier.id not in seen:
                swaps.append(f"{chosen.name}: swapped for {easier.name}, as it does not suit {why}")
            else:
                swaps.append(f"{chosen.name}: left out, as it does not suit {why}")
            chosen = easier if easier is not None and easier.id not in seen else None
        if chosen is None or chosen.id in kept:
            continue
        kept.append(chosen.id)
        for situation, text in chosen.adapt:
            found = holding.get(situation)
            if found is not None and _touches(found, chosen.regions or strategy.regions):
                adapted.append((found.label, f"{chosen.name}: {text}"))
    return tuple(kept), tuple(swaps), tuple(adapted)


def _touches(situation: Found, regions: tuple[str, ...]) -> bool:
    """A situation bound to body regions (surgery on the hip) concerns only items about them, and
    items about no region in particular (a walking ladder loads the whole body)."""
    if not situation.regions or not regions:
        return True
    return any(split_token(token)[0] in regions for token in situation.regions)


def rule_hits(questionnaire: Questionnaire, answers: Answers) -> tuple[RuleHit, ...]:
    """Every recommendation rule that fires, in file order, with the answers behind it."""
    from imbalance_cli.results import RuleHit  # not needed to ask (model.py)

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
                    rule.chosen_by,
                    rule.note,
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
    # Not needed to ask (fired_alerts is, as each answer is given): imported to assess.
    from imbalance_cli.findings import find
    from imbalance_cli.rank import rank
    from imbalance_cli.results import Result

    flow = Flow(questionnaire, reassessment=previous is not None)
    kept: Mapping[str, AnswerValue] = flow.prune(answers)
    findings = find(questionnaire, kept, library)
    alerts = fired_alerts(questionnaire, kept)
    hits = rule_hits(questionnaire, kept)
    shown, withheld = recommend(questionnaire, kept, library, alerts, hits, findings)
    shown = rank(shown, hits, questionnaire, kept, library)
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
        findings=findings,
    )
