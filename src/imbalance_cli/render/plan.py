"""The plan in markdown: "Your plan" (the person's own areas and goals, the most relevant things
to do, each with the answer that chose it, its first step and how much), the notes their answers
call for, the situations that changed it, and the short "How to use this plan" box of general
guidance. Shared by the trainer and the client summaries; the HTML report draws the same data.
"""

from __future__ import annotations

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import (
    BodyMap,
    Exercise,
    Library,
    Recommendation,
    Result,
    Source,
    Strategy,
)
from imbalance_cli.rank import PlanItem, plan
from imbalance_cli.text import md

#: Up to this many painful areas, "For:" names each with the pattern found there.
SHORT_AREAS = 3


def whose(result: Result) -> tuple[list[str], list[str]]:
    """Whose plan it is, as plain text: their areas (with the patterns found in each) and their
    goals in their own words."""
    from imbalance_cli.profile import pain_by_region

    bodymap = result.questionnaire.bodymap or bodymaps.default()
    pains = pain_by_region(result.questionnaire, result.answers)
    # The most painful area first (their main complaint), then body order.
    painful = sorted(pains, key=lambda t: -(pains[t].shade or 0))
    if len(painful) > SHORT_AREAS:
        # Many areas: their names alone, or the line would fill page one.
        return [bodymap.phrase(token) for token in painful], goal_texts(result)
    labels: dict[str, list[str]] = {}  # one entry per area, with each pattern found there
    for found in result.findings.patterns:
        for token in found.regions:
            labels.setdefault(token, [])
            if found.label not in labels[token]:
                labels[token].append(found.label)
    order = [*painful, *(t for t in labels if t not in pains)]
    areas = [
        f"{bodymap.phrase(t)} ({'; '.join(labels[t])})" if t in labels else bodymap.phrase(t)
        for t in order
    ]
    return list(dict.fromkeys(areas)), goal_texts(result)


def headline(result: Result) -> str:
    areas, goals = whose(result)
    parts: list[str] = []
    if areas:
        parts.append("**For:** " + md("; ".join(areas)))
    if goals:
        parts.append(f"**Your goal{'s' if len(goals) > 1 else ''}:** " + md("; ".join(goals)))
    return "  \n".join(parts)


def goal_texts(result: Result) -> list[str]:
    out = []
    for goal, rating in result.questionnaire.goals():
        text = result.answers.get(goal.id)
        if not isinstance(text, str) or not text.strip():
            continue
        value = result.answers.get(rating.id) if rating else None
        shown = (
            f" (today {value:g}/10)"
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else ""
        )
        out.append(text.strip() + shown)
    return out


def section(result: Result) -> list[str]:
    """ "Your plan", or nothing while a warning sign holds advice back (the alerts above say
    what to do first)."""
    if holding(result):
        return []  # the alerts above say what to do first; the plan waits for a clinician
    items = plan(result)
    notes = plan_notes(result)
    situations = [f for f in result.findings.situations if f.note]
    if not items and not notes and not situations:
        # Nothing chosen (a questionnaire with no rules): the goals still lead, in their words.
        goals = goal_texts(result)
        return ["## Your goals", "", *(f"- {md(g)}" for g in goals), ""] if goals else []
    out = ["## Your plan", ""]
    head = headline(result)
    if head:
        out += [head, ""]
    for n, item in enumerate(items, 1):
        out += _item(n, item)
    if notes:
        out += ["**From your answers:**", ""]
        out += [f"- {md(note)}" for note in notes]
        out.append("")
    if situations:
        out += ["**What changed the plan:**", ""]
        out += [f"- {md(f.note or '')}" for f in situations]
        out.append("")
    return out


def _item(n: int, item: PlanItem) -> list[str]:
    title = md(item.title)
    if item.after_clinician:
        title += " (after a clinician has checked you)"
    out = [f"{n}. **{title}**"]
    if item.goal:
        out.append(f"   Your goal: {md(item.goal)}. {md(item.rung or '')}.")
    why = item.why
    if item.facts:
        why = f"{why} ({'; '.join(item.facts)})"
    if why:
        out.append(f"   *Why:* {md(why)}")
    out.append(f"   *Start with:* {md(item.first)}")
    if item.how_much:
        out.append(f"   *How much:* {md(item.how_much)}")
    for label, text in item.adapted:
        out.append(f"   *For {md(label)}:* {md(text)}")
    for swap in item.swaps:
        out.append(f"   *Changed for you:* {md(swap)}")
    return ["  \n".join(out), ""]


def holding(result: Result) -> bool:
    """Does a warning sign hold advice back (an urgent or emergency alert stands)?"""
    top = result.top_level
    return top is not None and top.holds_back


def plan_notes(result: Result) -> list[str]:
    """The notes of the rules that fired, once each, in file order; none while a warning sign
    holds advice back."""
    if holding(result):
        return []
    shown = {(r.kind, r.id) for r in result.recommendations}
    notes = []
    for hit in result.trace:
        chose = [("article", a) for a in hit.articles] + [("strategy", s) for s in hit.strategies]
        # A note about items all held back (back exercises, for pain in many places) is moot.
        if hit.note and (not chose or any(item in shown for item in chose)):
            notes.append(_where(result, hit.rule, hit.note))
    return list(dict.fromkeys(notes))


def _where(result: Result, rule_id: str, note: str) -> str:
    """A note said of "your pain" that only some of the person's areas gave rise to, with
    those areas first ("For your left knee: ..."): a neck that eases with movement said
    "Moving about eases your pain" to someone whose wrist eases only with rest."""
    from imbalance_cli.facts import trace

    q, answers = result.questionnaire, result.answers
    rule = next((r for r in q.rules if r.id == rule_id), None)
    every = {x.region for x in q.questions if x.region is not None and x.id in answers}
    if rule is None or len(every) < 2:
        return note
    _, facts = trace(rule.when, answers, q, {x.id: x.type for x in q.questions})
    found = [x.region for x in (q.question(qid) for qid, _ in facts) if x and x.region]
    regions = list(dict.fromkeys(r for r in found if r is not None))
    if not regions or set(regions) == every:
        return note
    bodymap = q.bodymap or _default_bodymap()
    said = [bodymap.phrase(r) for r in regions]
    joined = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    if len(said) > SHORT_AREAS:
        joined = f"{len(said)} of your {len(every)} areas"
    else:
        joined = f"your {joined}"
    return f"For {joined}: {note[:1].lower()}{note[1:]}"


def _default_bodymap() -> BodyMap:
    from imbalance_cli import bodymap

    return bodymap.default()


def how_to(result: Result) -> list[str]:
    """The general guidance (the 0-10 rule, the sensations, building load), short; none while
    a warning sign holds advice back."""
    general = [r for r in result.recommendations if r.general]
    library = result.library
    if not general or library is None or holding(result):
        return []
    out = ["## How to use this plan", ""]
    for rec in general:
        strategy = library.strategies.get(rec.id)
        text = strategy.summary if strategy else ""
        why = personal_why(rec)
        out.append(f"- **{md(rec.title)}:** {md(text)}" + (f" *Why:* {md(why)}" if why else ""))
    return [*out, ""]


def personal_why(rec: Recommendation) -> str | None:
    """Why general guidance came up for this person, when something they answered (not a topic
    or a body part alone) chose it: "An exercise of your programme hurt more than 5 of 10
    (...)"."""
    return rec.personal[0] if rec.personal else None


def strategy_detail(
    rec: Recommendation, strategy: Strategy, library: Library, plain: bool
) -> list[str]:
    """A strategy in full: its exercises (steps and dose), steps, how much, easier and harder,
    signs it works, when to stop, and how it changes for the person's situations."""
    out = [md(strategy.summary), ""]
    for eid in rec.exercises:
        exercise = library.exercises.get(eid)
        if exercise is not None:
            out += exercise_lines(exercise)
    if rec.swaps:
        out += [f"*Changed for you:* {md(swap)}." for swap in rec.swaps]
        out.append("")
    if strategy.steps:
        # A lead-in of its own: a list straight after an exercise's numbered steps would
        # continue it ("4. Lift your baby..." as a step of the wrist exercise).
        shown = any(eid in library.exercises for eid in rec.exercises)
        out += [f"**{'Besides the exercises' if shown else 'What to do'}:**", ""]
        out += [f"{n}. {md(step)}" for n, step in enumerate(strategy.steps, 1)]
        out.append("")
    if strategy.ladder:
        out += [
            f"- *Step {n} (goal rated {r.from_rating} or more):* {md(r.step)}"
            for n, r in enumerate(strategy.ladder, 1)
        ]
        out.append("")
    out += [f"- **How much:** {md(strategy.dose)}"]
    if strategy.easier:
        out.append(f"- **Easier:** {md(strategy.easier)}")
    if strategy.harder:
        out.append(f"- **Harder:** {md(strategy.harder)}")
    out += [
        f"- **Signs it is working:** {md(strategy.progress)}",
        f"- **When to stop:** {md(strategy.stop)}",
    ]
    out += [f"- **For {md(label)}:** {md(text)}" for label, text in rec.adapted]
    out.append("")
    if not plain:
        out += source_lines(cited(strategy.sources, rec, library))
    return out


def exercise_lines(exercise: Exercise) -> list[str]:
    out = [f"**{md(exercise.name)}** ({md(exercise.dose.text)})", ""]
    out += [f"{n}. {md(step)}" for n, step in enumerate(exercise.steps_for(), 1)]
    for cue in exercise.cues:
        out.append(f"   - {md(cue)}")
    out.append("")
    return out


def cited(
    sources: tuple[Source, ...], rec: Recommendation, library: Library | None
) -> tuple[Source, ...]:
    """The sources to cite for an item as shown to this person: a source that supports only the
    text adapted for a situation (pregnancy, osteoporosis) is cited when that text is shown."""
    if library is None:
        return sources
    labels = {label for label, _ in rec.adapted}
    shown = {sid for sid, s in library.situations.items() if s.label in labels}
    return tuple(s for s in sources if not s.situations or set(s.situations) & shown)


def source_lines(sources: tuple[object, ...]) -> list[str]:
    from imbalance_cli.model import Source

    out = []
    for source in sources:
        assert isinstance(source, Source)
        link = f" <{source.link}>" if source.link else ""
        scope = f" ({md(source.scope)})" if source.scope else ""
        out.append(f"- *{source.kind.label}:* {md(source.citation)}{scope}{link}")
    return [*out, ""] if out else []
