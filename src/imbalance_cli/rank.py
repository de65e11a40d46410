"""Ranking: how relevant each recommendation is to this person, from what chose it, and the
plan it makes. Pure.

An item's score is the score of the most specific kind of reason among the rules that chose it
(a region pattern outranks "pain somewhere", a goal outranks a general topic: the library's
``guidance: ranking`` table), plus the worst pain of the person's own area it is about, times
``pain_weight``. Ties keep the questionnaire's order. General guidance (the 0-10 rule, the
sensations, building load) is not ranked: it is the plan's "How to use this plan" box.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from imbalance_cli import bodymap as body
from imbalance_cli.model import (
    Answers,
    Library,
    Questionnaire,
    Recommendation,
    Result,
    RuleHit,
    Rung,
    Strategy,
    split_token,
)
from imbalance_cli.profile import pain_by_region

#: Used when the library sets no ranking: specific reasons first.
DEFAULT_RANKING = {
    "pattern": 60,
    "goal": 50,
    "situation": 45,
    "region": 30,
    "history": 20,
    "sensation": 15,
    "topic": 10,
}


def rank(
    shown: tuple[Recommendation, ...],
    hits: tuple[RuleHit, ...],
    questionnaire: Questionnaire,
    answers: Answers,
    library: Library,
) -> tuple[Recommendation, ...]:
    """The recommendations with their scores, most relevant first; general guidance last."""
    table = {**DEFAULT_RANKING, **library.guidance.ranking}
    weight = library.guidance.pain_weight
    worst: dict[str, tuple[float, str]] = {}
    bodymap = questionnaire.bodymap or body.default()
    for token, pain in pain_by_region(questionnaire, answers).items():
        region = split_token(token)[0]
        value = pain.worst if pain.worst is not None else pain.now
        if value is not None and value > worst.get(region, (-1.0, ""))[0]:
            worst[region] = (value, bodymap.phrase(token))
    scored: list[tuple[int, int, Recommendation]] = []
    for position, rec in enumerate(shown):
        if rec.general:
            scored.append((-1, position, rec))
            continue
        best: tuple[int, RuleHit] | None = None
        for hit in hits:
            ids = hit.articles if rec.kind == "article" else hit.strategies
            if rec.id not in ids:
                continue
            points = table.get(hit.chosen_by, 0)
            if best is None or points > best[0]:
                best = (points, hit)
        if best is None:
            scored.append((0, position, rec))
            continue
        points, hit = best
        why = [f"chosen by {hit.chosen_by} (rule {hit.rule}): {points}"]
        regions = _regions(rec, library)
        bonus = 0
        for region in regions:
            if region in worst:
                value, phrase = worst[region]
                if int(value * weight) > bonus:
                    bonus = int(value * weight)
                    why = [why[0], f"your {phrase} at {value:g}/10 at worst: +{bonus}"]
        score = points + bonus
        rec = replace(
            rec,
            score=score,
            score_why=tuple(why),
            lead_reason=hit.because,
            lead_facts=hit.facts,
        )
        scored.append((score, position, rec))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return tuple(rec for _, _, rec in scored)


def _regions(rec: Recommendation, library: Library) -> tuple[str, ...]:
    item = (library.articles if rec.kind == "article" else library.strategies).get(rec.id)
    return item.regions if item is not None else ()


@dataclass(frozen=True)
class PlanItem:
    """One of the plan's top items: what to do, the answer that chose it, the first step and
    how much."""

    kind: str
    id: str
    title: str
    why: str
    facts: tuple[str, ...]
    first: str
    how_much: str
    after_clinician: bool = False
    adapted: tuple[tuple[str, str], ...] = ()
    #: For a goal's steps back: the goal in the person's words, and "step 2 of 4".
    goal: str | None = None
    rung: str | None = None
    #: Exercises swapped or left out for the person's situations, and why.
    swaps: tuple[str, ...] = ()


def plan(result: Result) -> tuple[PlanItem, ...]:
    """The plan's top items: the most relevant strategies (and, when fewer, articles), each
    naming the answer that chose it, with its first step and how much. Nothing while a warning
    sign holds advice back: then what to do about the alert comes first."""
    top = result.top_level
    library = result.library
    if library is None or (top is not None and top.holds_back):
        return ()
    size = library.guidance.plan_size
    ranked = [r for r in result.recommendations if not r.general]
    strategies = [r for r in ranked if r.kind == "strategy"]
    articles = [r for r in ranked if r.kind == "article"]
    chosen = (strategies + articles)[:size] if len(strategies) < size else strategies[:size]
    chosen.sort(key=lambda r: ranked.index(r))
    out: list[PlanItem] = []
    for rec in chosen:
        if rec.kind == "strategy":
            strategy = library.strategies.get(rec.id)
            if strategy is None:
                continue
            out.append(_strategy_item(rec, strategy, result, library))
        else:
            article = library.articles.get(rec.id)
            first = _first_sentence(article.summary) if article else rec.title
            out.append(
                PlanItem(
                    rec.kind, rec.id, rec.title, rec.lead_reason, rec.lead_facts,
                    f"Read: {first}", "A few minutes", adapted=rec.adapted,
                )
            )  # fmt: skip
    return tuple(out)


def _strategy_item(
    rec: Recommendation, strategy: Strategy, result: Result, library: Library
) -> PlanItem:
    goal, rung = (None, None)
    if strategy.ladder:
        goal, rating = _goal_for(strategy, result)
        step, number = ladder_step(strategy.ladder, rating)
        rung = f"Step {number} of {len(strategy.ladder)}"
        first, how_much = step, strategy.dose
    elif rec.exercises and rec.exercises[0] in library.exercises:
        exercise = library.exercises[rec.exercises[0]]
        first, how_much = f"{exercise.name}: {exercise.steps[0]}", exercise.dose.text
    else:
        first, how_much = (strategy.steps[0] if strategy.steps else strategy.summary), strategy.dose
    return PlanItem(
        rec.kind, rec.id, rec.title, rec.lead_reason, rec.lead_facts, first, how_much,
        rec.after_clinician, rec.adapted, goal, rung, rec.swaps,
    )  # fmt: skip


def ladder_step(ladder: tuple[Rung, ...], rating: float | None) -> tuple[str, int]:
    """The rung for a goal rating (the last that starts at or below it), and its number; the
    first rung when the goal was not rated."""
    number = 1
    for n, rung in enumerate(ladder, 1):
        if rating is not None and rung.from_rating <= rating:
            number = n
    return ladder[number - 1].step, number


def _goal_for(strategy: Strategy, result: Result) -> tuple[str | None, float | None]:
    """The person's goal (in their words) that names this strategy's activity, and its rating."""
    words = {
        hit.question
        for hit in result.findings.words
        if hit.kind == "activity" and hit.list_id == strategy.activity
    }
    for goal, rating in result.questionnaire.goals():
        text = result.answers.get(goal.id)
        if goal.id in words and isinstance(text, str):
            value = result.answers.get(rating.id) if rating else None
            number = (
                value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            )
            return text.strip(), number
    return None, None


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]
