"""A programme as text (the terminal and markdown): whose it is, each exercise with its dose and
why it was chosen, the changes the log calls for with the entries behind them, and, for a
programme a warning sign stopped, the alert first and nothing to do but what it says."""

from __future__ import annotations

from imbalance_cli.model import Library
from imbalance_cli.programme.model import Decision, Entry, Programme

ACTION_WORDS = {
    "progress": "a little more",
    "hold": "",
    "regress": "a little less",
    "change": "",
    "stop": "stop this exercise",
    "trainer": "",
}


def name_of(library: Library, exercise: str) -> str:
    found = library.exercises.get(exercise)
    return found.name if found is not None else exercise


def stopped_lines(programme: Programme) -> list[str]:
    if programme.stopped is None:
        return []
    day = programme.stopped.day or programme.stopped.at[:10]
    entry = f", log entry {programme.stopped.entry}" if programme.stopped.entry else ""
    out = [
        f"STOPPED by a warning sign in the log of {day} (logged {programme.stopped.at[:10]}{entry}):"
    ]
    for alert in programme.stopped.alerts:
        out.append(f"  {str(alert.get('heading', '')).upper()}: {alert.get('message', '')}")
        out.append(f"  What to do: {alert.get('action', '')}")
    out.append("  Do no exercise of this programme until a clinician has checked it. Your trainer")
    out.append(
        "  starts a new one from a new assessment (imbalance reassess, then imbalance plan)."
    )
    return out


def change_line(d: Decision, library: Library, entries: dict[int, Entry] | None = None) -> str:
    """One decision in a line: what changes (nothing, for a hold), why, and the log entries
    behind it."""
    what = ACTION_WORDS.get(d.action, d.action)
    if d.to_exercise:
        version = "the easier version" if d.action == "regress" else "the harder version"
        what = f"{version}, {name_of(library, d.to_exercise)}"
    if d.to_dose is not None:
        what += f" ({d.to_dose.text})" if what else d.to_dose.text
    since = ""
    if d.entries:
        days = sorted({entries[i].day for i in d.entries if entries and i in entries})
        since = f" [log {', '.join(days) if days else ', '.join(str(i) for i in d.entries)}]"
    head = (
        f"{name_of(library, d.exercise)}: {what}." if what else f"{name_of(library, d.exercise)}:"
    )
    return f"{head} {d.says}{since}"


def adaptations(programme: Programme, exercise_id: str, library: Library) -> list[tuple[str, str]]:
    """How an exercise changes for the situations the client is in (however it got into the
    programme: proposed, swapped in, added), each with the situation's label; then how the
    strategy that chose it changes for them, where the exercise came with one."""
    exercise = library.exercises.get(exercise_id)
    held = set(programme.situations)
    out: list[tuple[str, str]] = []
    for sid, how in exercise.adapt if exercise is not None else ():
        if sid in held:
            found = library.situations.get(sid)
            label = found.label if found is not None else sid
            out.append((label[:1].upper() + label[1:], how))
    item = next((i for i in programme.items if i.exercise == exercise_id), None)
    for label, how in item.adapted if item is not None else ():
        if all(how != seen for _, seen in out):
            out.append((label[:1].upper() + label[1:], how))
    return out


def situation_notes(programme: Programme, library: Library) -> list[str]:
    """What each of the client's situations means for the programme (the library's note:
    breathe out on holds with high blood pressure; check with the midwife in pregnancy)."""
    return [library.situations[s].note for s in programme.situations if s in library.situations]


def situation_line(programme: Programme, library: Library) -> str | None:
    """The client's situations, for the top of the programme and the sheet."""
    labels = [library.situations[s].label if s in library.situations else s
              for s in programme.situations]  # fmt: skip
    if not labels:
        return None
    return "Chosen to suit: " + "; ".join(labels)


def text(
    programme: Programme,
    library: Library,
    client: str,
    decisions: list[Decision] | None = None,
    entries: list[Entry] | None = None,
) -> str:
    number = programme.number or programme.id
    out = [f"Home programme for {client}" + (f" (version {number})" if number else "")]
    out += stopped_lines(programme)
    if programme.stopped is not None:
        out += ["", "The programme it stopped (not to be done):"]
    if programme.areas:
        out.append(f"For: {'; '.join(programme.areas)}")
    if programme.goal:
        out.append(f"Goal: {programme.goal}")
    situations = situation_line(programme, library)
    if situations:
        out.append(situations)
        out += [f"  {note}" for note in situation_notes(programme, library)]
    if programme.after_clinician:
        out.append("After you have been checked by a clinician.")
    out.append("")
    for n, item in enumerate(programme.items, start=1):
        out.append(f"{n}. {name_of(library, item.exercise)}: {item.dose.text}")
        if item.why:
            out.append(f"   Why: {item.why}")
        for label, how in adaptations(programme, item.exercise, library):
            out.append(f"   {label}: {how}")
        if item.note:
            out.append(f"   Note: {item.note}")
    by_id = {e.id: e for e in entries or ()}
    pending = list(decisions or ())
    if pending and programme.stopped is None:
        logged = any(e.logged_at >= programme.created_at for e in entries or ())
        out += ["", "From the log:" if logged else "Nothing logged yet for this version:"]
        for d in pending:
            out.append(f"- {change_line(d, library, by_id)}")
            out += [f"  ({note})" for note in d.notes]
    if programme.changes:
        out += ["", "Changed in this version:"]
        out += [f"- {change_line(d, library, by_id)}" for d in programme.changes]
    notes = [e for e in entries or () if e.note and e.logged_at >= programme.created_at]
    if notes:
        out += ["", "Notes from the log:"]
        out += [f"- {e.day}: {e.note}" for e in notes]
    return "\n".join(out) + "\n"
