"""Programmes and log entries as JSON documents (the store keeps them so; ``plan --json`` writes
one), read back with whatever a damaged or older document lacks left at its default."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from imbalance_cli.model import Dose
from imbalance_cli.programme.model import Decision, Entry, Item, Programme, Stopped

FORMAT_VERSION = 1


def dose_dict(dose: Dose) -> dict[str, Any]:
    return {k: v for k, v in asdict(dose).items() if v not in (None, False)}


def dose_of(data: object) -> Dose:
    if not isinstance(data, dict):
        return Dose()
    whole = {k: data[k] for k in ("sets", "reps", "hold", "minutes", "rest", "days")
             if isinstance(data.get(k), int) and not isinstance(data.get(k), bool)}  # fmt: skip
    return Dose(per_side=data.get("per_side") is True, **whole)


def decision_dict(d: Decision) -> dict[str, Any]:
    out: dict[str, Any] = {"exercise": d.exercise, "action": d.action, "rule": d.rule,
                           "says": d.says, "entries": list(d.entries)}  # fmt: skip
    if d.to_exercise:
        out["to_exercise"] = d.to_exercise
    if d.to_dose is not None:
        out["to_dose"] = dose_dict(d.to_dose)
    if d.notes:
        out["notes"] = list(d.notes)
    return out


def decision_of(data: dict[str, Any]) -> Decision:
    return Decision(
        str(data.get("exercise", "")), str(data.get("action", "hold")), str(data.get("rule", "")),
        str(data.get("says", "")), tuple(int(i) for i in data.get("entries", ()) if isinstance(i, int)),
        data.get("to_exercise"), dose_of(data["to_dose"]) if "to_dose" in data else None,
        tuple(str(n) for n in data.get("notes", ())),
    )  # fmt: skip


def programme_dict(p: Programme) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "session": p.session,
        "created_at": p.created_at,
        "goal": p.goal,
        "areas": list(p.areas),
        "after_clinician": p.after_clinician,
        "note": p.note,
        "items": [
            {
                "exercise": i.exercise,
                "dose": dose_dict(i.dose),
                "why": i.why,
                "strategy": i.strategy,
                "note": i.note,
                "steps": i.steps,
                "adapted": [list(a) for a in i.adapted],
            }
            for i in p.items
        ],
        "changes": [decision_dict(d) for d in p.changes],
        "stopped": None
        if p.stopped is None
        else {
            "at": p.stopped.at,
            "entry": p.stopped.entry,
            "alerts": list(p.stopped.alerts),
            "day": p.stopped.day,
        },
        "situations": list(p.situations),
    }


def programme_json(p: Programme) -> str:
    return json.dumps(programme_dict(p), ensure_ascii=False, sort_keys=True)


def _object(text: str) -> dict[str, Any]:
    """A stored document as a mapping; a damaged one as an empty one (its fields default)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def programme_of(text: str, *, id: int | None = None, previous: int | None = None) -> Programme:
    data = _object(text)
    items = tuple(
        Item(
            str(i.get("exercise", "")),
            dose_of(i.get("dose")),
            str(i.get("why") or ""),
            i.get("strategy"),
            i.get("note"),
            int(i.get("steps") or 0),
            tuple((str(a[0]), str(a[1])) for a in i.get("adapted", ()) if len(a) == 2),
        )
        for i in data.get("items", ())
        if isinstance(i, dict)
    )
    stop = data.get("stopped")
    return Programme(
        items=items,
        session=data.get("session"),
        created_at=str(data.get("created_at") or ""),
        goal=data.get("goal"),
        areas=tuple(str(a) for a in data.get("areas", ())),
        after_clinician=bool(data.get("after_clinician")),
        changes=tuple(decision_of(d) for d in data.get("changes", ()) if isinstance(d, dict)),
        note=data.get("note"),
        stopped=Stopped(
            str(stop.get("at", "")),
            stop.get("entry"),
            tuple(stop.get("alerts", ())),
            str(stop.get("day") or ""),
        )
        if isinstance(stop, dict)
        else None,
        situations=tuple(str(x) for x in data.get("situations", ()) if isinstance(x, str)),
        id=id,
        previous=previous,
    )


def entry_dict(e: Entry) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "day": e.day,
        "done": dict(e.done),
        "pain": dict(e.pain),
        "morning": e.morning,
        "sensations": list(e.sensations),
        "where": {s: list(x) for s, x in e.where},
        "warnings": list(e.warnings),
        "note": e.note,
    }


def entry_of(text: str, *, id: int = 0, logged_at: str = "", programme: int | None = None) -> Entry:
    data = _object(text)

    def mapping(key: str) -> dict[str, Any]:
        value = data.get(key)
        return value if isinstance(value, dict) else {}

    return Entry(
        day=str(data.get("day") or logged_at[:10]),
        done=tuple((str(k), str(v)) for k, v in mapping("done").items()),
        pain=tuple((str(k), int(v)) for k, v in mapping("pain").items() if isinstance(v, int)),
        morning=str(data.get("morning") or "unknown"),
        sensations=tuple(str(s) for s in data.get("sensations", ())),
        where=tuple((str(s), tuple(str(x) for x in v)) for s, v in mapping("where").items()),
        warnings=tuple(str(w) for w in data.get("warnings", ())),
        note=data.get("note"),
        id=id,
        logged_at=logged_at,
        programme=programme,
    )
