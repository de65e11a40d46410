"""A programme proposed from a session's result: the plan's top strategies, one exercise of each
(a movement not already in the programme), as many as the library's ``programme: size``, with
the situations that hold respected (the result's exercises are already swapped or left out for
them) and their adapted text carried along."""

from __future__ import annotations

from dataclasses import replace

from imbalance_cli.model import Library, Recommendation, Result
from imbalance_cli.programme.model import Item, Programme, ProgrammeRules
from imbalance_cli.rules import adapted_for


class NoProgramme(Exception):
    """Why no programme can be proposed from this result (a warning sign holds advice back,
    nothing to exercise): the reason in the reader's words."""


def propose(result: Result, size: int | None = None) -> Programme:
    """The proposed programme. Raises NoProgramme with the reason when there is none."""
    from imbalance_cli.rank import _families, plan
    from imbalance_cli.render.plan import goal_texts, whose

    library = result.library
    if library is None or library.programme is None:
        raise NoProgramme("the content library has no programme settings")
    rules: ProgrammeRules = library.programme
    top = result.top_level
    if top is not None and top.holds_back:
        fired = min(result.alerts, key=lambda f: f.alert.level.rank)
        raise NoProgramme(
            f"a warning sign stands ({fired.alert.heading.lower()}: {fired.alert.action}); "
            "no exercise programme until a clinician has checked it"
        )
    wanted = size or rules.size
    family = _families(library)
    by_id = {r.id: r for r in result.recommendations if r.kind == "strategy" and not r.general}
    order: list[Recommendation] = [by_id[p.id] for p in plan(result) if p.id in by_id]
    order += [r for r in by_id.values() if r not in order]
    items: list[Item] = []
    used: set[str] = set()
    holding = {f.id: f.label for f in result.findings.situations}
    hurting = _regions(result)
    # One exercise of each strategy in the plan's order, then, while places are left, the
    # next exercises of the same strategies (a movement not already in the programme).
    for _ in range(wanted):
        for rec in order:
            if len(items) >= wanted:
                break
            for eid in rec.exercises:
                exercise = library.exercises.get(eid)
                if exercise is None or family.get(eid, eid) in used:
                    continue
                if hurting and exercise.regions and not hurting & set(exercise.regions):
                    # A general strategy's exercise for another body part (a step-up to even
                    # out the sides of a sore wrist) does not take a place in a short programme.
                    continue
                used.add(family.get(eid, eid))
                # How the strategy changes for the client's situations (breathing out on holds
                # with high blood pressure) goes with each of its exercises on the sheet; how
                # another of its exercises changes does not (the exercise's own is added where
                # it is shown: render.programme.adaptations).
                adapted = adapted_for(rec.adapted, rec.exercises, library)
                items.append(Item(eid, exercise.dose, _why(rec), rec.id, adapted=adapted))
                break
    if not items:
        raise NoProgramme("the plan has no exercises for this client's answers")
    areas, goals = whose(result)
    return Programme(
        items=tuple(items),
        session=result.session,
        goal="; ".join(goals or goal_texts(result)) or None,
        areas=tuple(areas),
        after_clinician=any(by_id[i.strategy].after_clinician for i in items if i.strategy),
        situations=tuple(holding),
    )


def _regions(result: Result) -> set[str]:
    """The body regions that hurt (``wrist_hand`` of ``wrist_hand.right``)."""
    from imbalance_cli.profile import pain_by_region

    return {t.split(".", 1)[0] for t in pain_by_region(result.questionnaire, result.answers)}


def _why(rec: Recommendation) -> str:
    reason = rec.lead_reason or (rec.because[0] if rec.because else "")
    return f"{rec.title}: {reason}" if reason else rec.title


def candidates(result: Result | None, library: Library, programme: Programme) -> list[str]:
    """Exercises a trainer may add: those of the client's recommended strategies that suit the
    client's situations or, when none is left, the library's exercises for the programme's body
    parts that suit them. Each movement once (``rank._families``: the library has a "Row with a band"
    for pain and one for general strength), and none already in the programme."""
    from imbalance_cli.programme.dose import suits
    from imbalance_cli.rank import _families

    family = _families(library)
    used = {family.get(i.exercise, i.exercise) for i in programme.items}

    def new_movements(ids: list[str]) -> list[str]:
        out: list[str] = []
        for eid in ids:
            if family.get(eid, eid) not in used:
                used.add(family.get(eid, eid))
                out.append(eid)
        return out

    found: list[str] = []
    if result is not None:
        for rec in result.recommendations:
            if rec.kind == "strategy" and not rec.withheld:
                found += [e for e in rec.exercises if e in library.exercises
                          and suits(library.exercises[e], programme.situations)]  # fmt: skip
    offered = new_movements(found)
    if offered:
        return offered
    regions = {r for i in programme.items if i.exercise in library.exercises
               for r in library.exercises[i.exercise].regions}  # fmt: skip
    return new_movements([e.id for e in library.exercises.values()
                          if set(e.regions) & regions and suits(e, programme.situations)])  # fmt: skip


def with_item(programme: Programme, item: Item) -> Programme:
    return replace(programme, items=(*programme.items, item))
