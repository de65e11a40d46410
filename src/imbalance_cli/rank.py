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
from typing import TYPE_CHECKING

from imbalance_cli import bodymap as body
from imbalance_cli import words
from imbalance_cli.model import (
    Answers,
    Questionnaire,
    split_token,
)
from imbalance_cli.profile import pain_by_region
from imbalance_cli.rules import adapted_for

if TYPE_CHECKING:
    from imbalance_cli.content import Library, Rung, Strategy
    from imbalance_cli.results import Recommendation, Result, RuleHit

#: Used when the library sets no ranking: specific reasons first.
DEFAULT_RANKING = {
    "situation": 80,
    "pattern": 60,
    "goal": 50,
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
    beaten = _beaten_ladders(shown, questionnaire, answers, library)
    scored: list[tuple[int, int, Recommendation]] = []
    for position, rec in enumerate(shown):
        if rec.general:
            scored.append((-1, position, rec))
            continue
        best: tuple[int, RuleHit] | None = None
        for hit in hits:
            ids = hit.articles if rec.kind == "article" else hit.strategies
            if rec.id not in ids or (hit.chosen_by == "goal" and rec.id in beaten):
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


def _beaten_ladders(
    shown: tuple[Recommendation, ...],
    questionnaire: Questionnaire,
    answers: Answers,
    library: Library,
) -> set[str]:
    """Ladders a goal chose that another ladder fits better: "climb the stairs" is about walking
    more than climbing, so the walking ladder keeps the goal's rank and the climbing one does not.
    The better fit is the one whose activity words match the longest piece of the goal."""
    ladders = {
        rec.id: library.strategies[rec.id]
        for rec in shown
        if rec.kind == "strategy"
        and rec.id in library.strategies
        and library.strategies[rec.id].activity
    }
    lists = library.word_lists
    beaten: set[str] = set()
    for goal, _rating in questionnaire.goals():
        text = answers.get(goal.id)
        if not isinstance(text, str) or not text.strip():
            continue
        fits: dict[str, int] = {}
        for sid, strategy in ladders.items():
            word_list = lists.get(strategy.activity or "")
            if word_list is not None:
                found = words.find(text, word_list.words)
                if found:
                    fits[sid] = max(len(piece) for piece in found)
        if len(fits) > 1:
            best = max(fits.values())
            beaten |= {sid for sid, length in fits.items() if length < best}
    return beaten


def _regions(rec: Recommendation, library: Library) -> tuple[str, ...]:
    item = (library.articles if rec.kind == "article" else library.strategies).get(rec.id)
    return item.regions if item is not None else ()


#: Page one quotes at most this many of the answers behind an item (the trace has them all).
PLAN_FACTS = 2


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
    ranked = [r for r in result.recommendations if not r.general]
    chosen = _pick(ranked, result, library)
    out: list[PlanItem] = []
    started: set[str] = set()  # the movements the items so far start with
    for rec in chosen:
        if rec.kind == "strategy":
            strategy = library.strategies.get(rec.id)
            if strategy is None:
                continue
            out.append(_strategy_item(rec, strategy, result, library, started))
        else:
            article = library.articles.get(rec.id)
            first = _first_sentence(article.summary) if article else rec.title
            out.append(
                PlanItem(
                    rec.kind, rec.id, rec.title, rec.lead_reason, rec.lead_facts[:PLAN_FACTS],
                    f"Read: {first}", "A few minutes", adapted=rec.adapted,
                )
            )  # fmt: skip
    return tuple(out)


def _pick(ranked: list[Recommendation], result: Result, library: Library) -> list[Recommendation]:
    """The plan's items, most relevant first, whatever their kind; an article chosen by the same
    rule as a strategy gives way to it (the strategy is what to do; the article stays in the
    reading list), and one ladder back to an activity is enough for each goal."""
    strategies = {r.id for r in ranked if r.kind == "strategy"}
    with_strategy = {
        article
        for hit in result.trace
        if strategies & set(hit.strategies)
        for article in hit.articles
    }
    chosen: list[Recommendation] = []
    goals: set[str] = set()
    for rec in ranked:
        if rec.kind == "article" and rec.id in with_strategy:
            continue
        strategy = library.strategies.get(rec.id) if rec.kind == "strategy" else None
        if strategy is not None and strategy.ladder:
            goal, _ = _goal_for(strategy, result)
            if goal is not None and goal in goals:
                continue
            if goal is not None:
                goals.add(goal)
        chosen.append(rec)
        if len(chosen) == library.guidance.plan_size:
            break
    if not goals and len(chosen) > 1:
        # The person's goal has a place in their plan: the best ladder back to it takes the
        # last place when more specific items filled the rest.
        for rec in ranked:
            strategy = library.strategies.get(rec.id) if rec.kind == "strategy" else None
            if strategy is not None and strategy.ladder and _goal_for(strategy, result)[0]:
                chosen[-1] = rec
                break
    return chosen


def _strategy_item(
    rec: Recommendation,
    strategy: Strategy,
    result: Result,
    library: Library,
    started: set[str] | None = None,
) -> PlanItem:
    """A strategy's plan item. Its first step is its first exercise whose movement an item
    above does not already start with (a brisk walk above, an easy walk here: this item starts
    with its next exercise), or its ladder's step for the goal's rating."""
    goal, rung = (None, None)
    exercises = [library.exercises[e] for e in rec.exercises if e in library.exercises]
    family = _families(library)
    seen = started if started is not None else set()
    fresh = [e for e in exercises if family.get(e.id, e.id) not in seen]
    starts: str | None = None  # the exercise the item starts with
    if strategy.ladder:
        goal, rating = _goal_for(strategy, result)
        step, number = ladder_step(strategy.ladder, rating)
        rung = f"Step {number} of {len(strategy.ladder)}"
        first, how_much = step, strategy.dose
    elif exercises:
        exercise = (fresh or exercises)[0]
        starts = exercise.id
        seen.add(family.get(exercise.id, exercise.id))
        first, how_much = f"{exercise.name}: {exercise.steps_for()[0]}", exercise.dose.text
    else:
        first, how_much = (strategy.steps[0] if strategy.steps else strategy.summary), strategy.dose
    adapted = adapted_for(rec.adapted, rec.exercises, library, keep=starts)
    return PlanItem(
        rec.kind, rec.id, rec.title, rec.lead_reason, rec.lead_facts[:PLAN_FACTS], first, how_much,
        rec.after_clinician, adapted, goal, rung, rec.swaps,
    )  # fmt: skip


def _families(library: Library) -> dict[str, str]:
    """Each exercise's movement: exercises joined by their easier and harder versions, or of one
    name, are one movement ("Easy walk" and "Brisk walk"; heel raises on two feet and on one),
    named by the first id in order."""
    parent = {e: e for e in library.exercises}

    def root(e: str) -> str:
        while parent[e] != e:
            parent[e] = parent[parent[e]]
            e = parent[e]
        return e

    def join(a: str, b: str) -> None:
        if a in parent and b in parent:
            ra, rb = sorted((root(a), root(b)))
            parent[rb] = ra

    by_name: dict[str, str] = {}
    for eid, exercise in library.exercises.items():
        for other in (exercise.easier, exercise.harder):
            if other:
                join(eid, other)
        join(eid, by_name.setdefault(exercise.name.lower(), eid))
    return {e: root(e) for e in parent}


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
