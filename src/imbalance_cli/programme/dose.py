"""The next dose of each exercise from the client's log entries, by the library's dose rules
(progress, hold, regress to the easier version, change the angle, stop), each decision naming
the rule and the entries that caused it. Pure: entries and the date in, decisions out.

Entries are read as a trainer would read a paper log: sessions where an exercise was not done
do not count for it (a missed day is not a bad day); two entries for one day are one session,
read cautiously (the higher pain, the worse morning, every sensation named, done if either says
so, though not as planned), so a conflicting entry can only hold or lower a dose, never raise it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from imbalance_cli.model import Dose, Exercise, Library
from imbalance_cli.programme.model import (
    MORNINGS,
    Decision,
    DoseRule,
    Entry,
    Item,
    Programme,
    ProgrammeRules,
)

_WORSE_MORNING = {m: i for i, m in enumerate(("better", "usual", "unknown", "worse"))}


def merged_by_day(entries: list[Entry]) -> list[Entry]:
    """One entry per day, oldest first; two entries for a day are read cautiously."""
    by_day: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: (e.day, e.id)):
        seen = by_day.get(entry.day)
        by_day[entry.day] = entry if seen is None else _cautious(seen, entry)
    return [by_day[d] for d in sorted(by_day)]


def _cautious(a: Entry, b: Entry) -> Entry:
    # Entries that disagree on whether an exercise was done: done (its pain counts), but not
    # surely as planned, so it cannot count towards more.
    done = dict(a.done)
    for k, v in b.done:
        done[k] = v if done.get(k, v) == v else "less"
    pain = dict(a.pain)
    for k, level in b.pain:
        pain[k] = max(pain.get(k, level), level)
    where = {s: set(e) for s, e in a.where}
    for s, e in b.where:
        where.setdefault(s, set()).update(e)
    morning = max(a.morning, b.morning, key=lambda m: _WORSE_MORNING.get(m, 2))
    return replace(
        b,
        done=tuple(done.items()),
        pain=tuple(pain.items()),
        morning=morning,
        sensations=tuple(dict.fromkeys((*a.sensations, *b.sensations))),
        where=tuple((s, tuple(sorted(e))) for s, e in where.items()),
        warnings=tuple(dict.fromkeys((*a.warnings, *b.warnings))),
        # Both entries caused whatever this day decides.
        note="; ".join(n for n in (a.note, b.note) if n) or None,
        id=b.id,
    )


def decide(
    item: Item,
    entries: list[Entry],
    rules: ProgrammeRules,
    library: Library,
    today: date,
    *,
    situations: tuple[str, ...] = (),
    since: date | None = None,
) -> Decision:
    """The next dose of one exercise from the entries logged since its dose last changed (any
    order). ``situations``: the client's (a harder or easier version that does not suit one is
    never proposed); ``since``: the day the dose last changed (it goes up at most once in
    ``progress_every_days``)."""
    days = merged_by_day(entries)
    ids_by_day = _ids_by_day(entries)
    done = [e for e in days if e.did(item.exercise) != "not_done"]
    for rule in rules.rules:
        # What the sensations met last time mean, but for the one this rule acts on (a pinch
        # with pain above 5: the pain rule acts, and the pinch's advice still comes with it).
        notes = _notes(done[-1:], item, rules, rule.sensation)
        window = done if rule.over is None else done[-rule.over :]
        if rule.gap_days is not None:
            last = _day(done[-1].day) if done else None
            if last is not None and (today - last).days > rule.gap_days:
                return Decision(item.exercise, rule.action, rule.id, rule.says,
                                tuple(ids_by_day[done[-1].day]), notes=notes)  # fmt: skip
            continue
        if rule.over is not None and len(window) < rule.over:
            continue
        matching = [e for e in window if _matches(rule, e, item, rules)]
        if matching and len(matching) >= rule.needed:
            caused = tuple(i for e in matching for i in ids_by_day[e.day])
            wait = rules.progress_every_days
            if rule.action == "progress" and since is not None and (today - since).days < wait:
                later = date.fromordinal(since.toordinal() + wait).isoformat()
                return Decision(
                    item.exercise, "hold", rule.id,
                    f"Going well; the dose goes up at most once every {wait} days, so a little "
                    f"more from {later}.", caused, notes=notes,
                )  # fmt: skip
            return _apply(item, rule, caused, rules, library, notes, situations)
    caused = tuple(i for e in done[-2:] for i in ids_by_day[e.day])
    notes = _notes(done[-1:], item, rules, None)
    return Decision(item.exercise, "hold", "", rules.default_says, caused, notes=notes)


def suits(exercise: Exercise, situations: tuple[str, ...]) -> bool:
    """Whether an exercise suits every situation that holds (its ``not_for``)."""
    return not set(exercise.not_for) & set(situations)


def _ids_by_day(entries: list[Entry]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for e in sorted(entries, key=lambda e: e.id):
        out.setdefault(e.day, []).append(e.id)
    return out


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _matches(rule: DoseRule, entry: Entry, item: Item, rules: ProgrammeRules) -> bool:
    pain = entry.pain_of(item.exercise)
    if rule.pain_above is not None and (pain is None or pain <= rule.pain_above):
        return False
    if rule.pain_at_most is not None and (pain is None or pain > rule.pain_at_most):
        return False
    if rule.mornings and entry.morning not in rule.mornings:
        return False
    if entry.morning == "worse" and "worse" in rule.mornings and not _morning_is_its(entry, item):
        return False
    if rule.done and entry.did(item.exercise) not in rule.done:
        return False
    if rule.sensation is not None:
        sensation = rules.sensation(rule.sensation)
        per = sensation.per_exercise if sensation is not None else False
        if not entry.felt(rule.sensation, item.exercise, per):
            return False
    return True


def _morning_is_its(entry: Entry, item: Item) -> bool:
    """The next morning is the session's, not one exercise's: it counts against the exercises
    that hurt most that session (pain during above 3, or the highest), not against one that
    went easily beside them."""
    pain = entry.pain_of(item.exercise)
    levels = [p for _, p in entry.pain]
    if pain is None or not levels:
        return True
    return pain > 3 or pain >= max(levels)


def _notes(
    last: list[Entry], item: Item, rules: ProgrammeRules, acted: str | None
) -> tuple[str, ...]:
    """What the sensations met last time mean, but for ``acted``, the one the deciding rule
    acts on (its own words say it)."""
    out: list[str] = []
    for entry in last:
        for sensation in rules.sensations:
            if sensation.id != acted and entry.felt(
                sensation.id, item.exercise, sensation.per_exercise
            ):
                out.append(sensation.says)
    return tuple(out)


def _apply(
    item: Item,
    rule: DoseRule,
    caused: tuple[int, ...],
    rules: ProgrammeRules,
    library: Library,
    notes: tuple[str, ...],
    situations: tuple[str, ...] = (),
) -> Decision:
    exercise = library.exercises.get(item.exercise)
    base = Decision(item.exercise, rule.action, rule.id, rule.says, caused, notes=notes)
    if exercise is None or rule.action in ("hold", "change", "stop"):
        return base
    if rule.action == "progress":
        harder = library.exercises.get(exercise.harder) if exercise.harder else None
        if harder is not None and item.steps >= rules.steps_before_harder:
            if suits(harder, situations):
                return replace(base, to_exercise=harder.id, to_dose=harder.dose)
            notes = (*notes, f"The harder version, {harder.name}, does not suit the client's "
                     "situation, so the dose goes up instead.")  # fmt: skip
        return replace(base, to_dose=step_up(item.dose, rules.step), notes=notes)
    easier = library.exercises.get(exercise.easier) if exercise.easier else None
    if easier is not None and suits(easier, situations):
        return replace(base, to_exercise=easier.id, to_dose=easier.dose)
    lower = step_down(item.dose, rules.step)
    return replace(base, to_dose=lower) if lower != item.dose else replace(base, action="hold")


def _by(amount: int, most: int | None) -> int:
    """A step of a quarter of the amount, at least 1 and at most the library's step."""
    return max(1, min(most or 5, round(amount / 4)))


def step_up(dose: Dose, step: Dose) -> Dose:
    if dose.minutes is not None:
        return replace(dose, minutes=dose.minutes + _by(dose.minutes, step.minutes))
    if dose.hold is not None:
        return replace(dose, hold=dose.hold + _by(dose.hold, step.hold))
    reps = dose.reps or 1
    return replace(dose, reps=reps + _by(reps, step.reps))


def step_down(dose: Dose, step: Dose) -> Dose:
    if dose.minutes is not None:
        return replace(dose, minutes=max(1, dose.minutes - _by(dose.minutes, step.minutes)))
    if dose.hold is not None:
        return replace(dose, hold=max(1, dose.hold - _by(dose.hold, step.hold)))
    reps = dose.reps or 1
    return replace(dose, reps=max(1, reps - _by(reps, step.reps)))


def decisions(
    programme: Programme,
    entries: list[Entry],
    rules: ProgrammeRules,
    library: Library,
    today: date,
) -> list[Decision]:
    """A decision for each exercise, from the entries logged since this version was saved."""
    since = _day(programme.created_at) if programme.created_at else None
    logged = (
        [e for e in entries if e.logged_at >= programme.created_at]
        if programme.created_at
        else entries
    )
    return [
        decide(item, logged, rules, library, today, situations=programme.situations, since=since)
        for item in programme.items
    ]


def applied(programme: Programme, chosen: list[Decision], now: str) -> Programme:
    """The next version: the chosen decisions applied (a stopped exercise leaves)."""
    by_exercise = {d.exercise: d for d in chosen}
    items: list[Item] = []
    for item in programme.items:
        d = by_exercise.get(item.exercise)
        if d is None:
            items.append(item)
        elif d.action == "stop":
            continue
        elif d.to_exercise is not None:
            items.append(
                replace(item, exercise=d.to_exercise, dose=d.to_dose or item.dose, steps=0)
            )
        elif d.to_dose is not None:
            steps = item.steps + 1 if d.action == "progress" else max(0, item.steps - 1)
            items.append(replace(item, dose=d.to_dose, steps=steps))
        else:
            items.append(item)
    return replace(
        programme, items=tuple(items), changes=tuple(chosen), created_at=now,
        id=None, previous=programme.id,
    )  # fmt: skip


def edits(before: Programme, after: Programme, library: Library) -> list[Decision]:
    """The trainer's own changes from one version to the next: exercises dropped and added,
    doses and notes changed, each as a change with the trainer as its reason."""
    was = {i.exercise: i for i in before.items}
    now = {i.exercise: i for i in after.items}
    out: list[Decision] = []
    for eid in was:
        if eid not in now:
            out.append(Decision(eid, "trainer", "", "Dropped by the trainer."))
    for eid, item in now.items():
        old = was.get(eid)
        if old is None:
            out.append(Decision(eid, "trainer", "", "Added by the trainer.", to_dose=item.dose))
        elif old.dose != item.dose:
            out.append(Decision(eid, "trainer", "", f"Dose changed by the trainer, from {old.dose.text}.",
                                to_dose=item.dose))  # fmt: skip
        elif old.note != item.note:
            out.append(Decision(eid, "trainer", "", "Note changed by the trainer."))
    del library
    return out


__all__ = ["MORNINGS", "applied", "decide", "decisions", "merged_by_day", "step_down", "step_up"]
