"""A programme as text (the terminal and markdown): whose it is, each exercise with its dose and
why it was chosen, the changes the log calls for with the entries behind them, and, for a
programme a warning sign stopped, the alert first and nothing to do but what it says."""

from __future__ import annotations

from imbalance_cli.model import Library
from imbalance_cli.programme.model import Decision, Entry, Programme

ACTION_WORDS = {
    "progress": "a little more",
    "hold": "keep the dose",
    "regress": "a little less",
    "change": "change the angle or range",
    "stop": "stop this exercise",
}


def name_of(library: Library, exercise: str) -> str:
    found = library.exercises.get(exercise)
    return found.name if found is not None else exercise


def stopped_lines(programme: Programme) -> list[str]:
    if programme.stopped is None:
        return []
    entry = f" (log entry {programme.stopped.entry})" if programme.stopped.entry else ""
    out = [f"STOPPED by a warning sign logged on {programme.stopped.at[:10]}{entry}:"]
    for alert in programme.stopped.alerts:
        out.append(f"  {str(alert.get('heading', '')).upper()}: {alert.get('message', '')}")
        out.append(f"  What to do: {alert.get('action', '')}")
    out.append("  Do no exercise of this programme until a clinician has checked it. A new")
    out.append(
        "  programme starts from a new assessment (imbalance reassess, then imbalance plan)."
    )
    return out


def change_line(d: Decision, library: Library, entries: dict[int, Entry] | None = None) -> str:
    what = ACTION_WORDS.get(d.action, d.action)
    if d.to_exercise:
        what += f": {name_of(library, d.to_exercise)}"
    if d.to_dose is not None:
        what += f" ({d.to_dose.text})"
    since = ""
    if d.entries:
        days = [entries[i].day for i in d.entries if entries and i in entries]
        since = f" [log {', '.join(days) if days else ', '.join(str(i) for i in d.entries)}]"
    return f"{name_of(library, d.exercise)}: {what}. {d.says}{since}"


def text(
    programme: Programme,
    library: Library,
    client: str,
    decisions: list[Decision] | None = None,
    entries: list[Entry] | None = None,
) -> str:
    out = [f"Home programme for {client}" + (f" (version {programme.id})" if programme.id else "")]
    out += stopped_lines(programme)
    if programme.stopped is not None:
        out += ["", "The programme it stopped (not to be done):"]
    if programme.areas:
        out.append(f"For: {'; '.join(programme.areas)}")
    if programme.goal:
        out.append(f"Goal: {programme.goal}")
    if programme.after_clinician:
        out.append("After you have been checked by a clinician.")
    out.append("")
    for n, item in enumerate(programme.items, start=1):
        out.append(f"{n}. {name_of(library, item.exercise)}: {item.dose.text}")
        if item.why:
            out.append(f"   Why: {item.why}")
        for label, how in item.adapted:
            out.append(f"   {label}: {how}")
        if item.note:
            out.append(f"   Note: {item.note}")
    by_id = {e.id: e for e in entries or ()}
    pending = list(decisions or ())
    if pending and programme.stopped is None:
        out += ["", "From the log:"]
        for d in pending:
            out.append(f"- {change_line(d, library, by_id)}")
            out += [f"  ({note})" for note in d.notes]
    if programme.changes:
        out += ["", "Changed in this version:"]
        out += [f"- {change_line(d, library, by_id)}" for d in programme.changes]
    return "\n".join(out) + "\n"
