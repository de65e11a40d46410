"""The home programme as HL7 FHIR R4: a ``collection`` Bundle with a ``Patient`` (the client,
identified by their stable id) and a ``CarePlan`` whose activities are the programme's
exercises (code of ours, ``urn:imbalance:exercise``; the dose as text and, where it says how
many days a week, as a ``scheduledTiming``), each activity's ``progress`` the client's log
entries for it. A programme a warning sign stopped is ``on-hold`` with every activity
``on-hold``, its ``note`` the alert and what to do, and a ``Flag`` per alert (as the session
export writes them): the plan must not be read as one to follow."""

from __future__ import annotations

import uuid
from typing import Any

from imbalance_cli.model import Library
from imbalance_cli.programme.model import Entry, Programme
from imbalance_cli.render.fhir import BASE, CLIENT_SYSTEM, EXT, LEVEL_SYSTEM, PRIORITY_NAMES
from imbalance_cli.render.programme import name_of
from imbalance_cli.text import clean

EXERCISE_SYSTEM = f"{BASE}:exercise"
_NAMESPACE = uuid.UUID("2b0d8c53-8f1e-4e0a-a7c4-6a2f1f0d9e17")
_PRIORITY = {"emergency": "PH", "urgent": "PM", "advisory": "PL"}


def _url(client: str, programme: Programme, what: str) -> str:
    key = f"{client}:{programme.id}:{programme.created_at}:{what}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _moment(stamp: str) -> str:
    """A FHIR dateTime: the store's stamps are ISO 8601 with a zone already."""
    return stamp


def bundle(
    programme: Programme,
    entries: tuple[Entry, ...],
    library: Library,
    client: str,
    client_id: str | None,
) -> dict[str, Any]:
    patient_url = _url(client, programme, "patient")
    plan_url = _url(client, programme, "careplan")
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if client_id:
        patient["identifier"] = [{"system": CLIENT_SYSTEM, "value": client_id}]
    patient["name"] = [{"text": clean(client)}]
    stopped = programme.stopped is not None
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "identifier": [{"system": f"{BASE}:programme", "value": str(programme.id or 0)}],
        "status": "on-hold" if stopped else "active",
        "intent": "plan",
        "title": f"Home programme for {clean(client)}",
        "subject": {"reference": patient_url},
        "created": _moment(programme.created_at),
        "activity": [
            _activity(programme, n, entries, library) for n in range(len(programme.items))
        ],
    }
    if programme.goal:
        plan["description"] = f"Goal: {clean(programme.goal)}"
    notes = []
    if programme.stopped is not None:
        for alert in programme.stopped.alerts:
            notes.append({
                "time": _moment(programme.stopped.at),
                "text": f"Stopped by a warning sign in the log: {alert.get('heading', '')}. "
                f"{alert.get('message', '')} What to do: {alert.get('action', '')}",
            })  # fmt: skip
    if programme.note:
        notes.append({"text": clean(programme.note)})
    if notes:
        plan["note"] = notes
    out = [{"fullUrl": plan_url, "resource": plan}, {"fullUrl": patient_url, "resource": patient}]
    if programme.stopped is not None:
        for n, alert in enumerate(programme.stopped.alerts):
            out.append({
                "fullUrl": _url(client, programme, f"flag:{n}"),
                "resource": _flag(alert, programme.stopped.at, patient_url, plan_url),
            })  # fmt: skip
    return {
        "resourceType": "Bundle",
        "identifier": {"system": f"{BASE}:export", "value": plan_url[9:]},
        "type": "collection",
        "timestamp": _moment(programme.created_at),
        "entry": out,
    }


def _activity(
    programme: Programme, n: int, entries: tuple[Entry, ...], library: Library
) -> dict[str, Any]:
    item = programme.items[n]
    exercise = library.exercises.get(item.exercise)
    text = f"{name_of(library, item.exercise)}: {item.dose.text}"
    if exercise is not None:
        text += ". " + " ".join(exercise.steps_for(item.dose))
    if item.note:
        text += f" Note: {clean(item.note)}"
    detail: dict[str, Any] = {
        "code": {
            "coding": [
                {
                    "system": EXERCISE_SYSTEM,
                    "code": item.exercise,
                    "display": name_of(library, item.exercise),
                }
            ],
            "text": name_of(library, item.exercise),
        },
        "status": "on-hold" if programme.stopped is not None else "in-progress",
        "description": text,
    }
    if item.dose.days:
        detail["scheduledTiming"] = {
            "repeat": {"frequency": item.dose.days, "period": 1, "periodUnit": "wk"}
        }
    activity: dict[str, Any] = {"detail": detail}
    progress = []
    for entry in entries:
        done = entry.did(item.exercise)
        if done == "not_done" and entry.day < programme.created_at[:10]:
            continue
        pain = entry.pain_of(item.exercise)
        said = {"as_planned": "done as planned", "less": "done, less than planned",
                "not_done": "not done"}[done] if done in ("as_planned", "less", "not_done") else done  # fmt: skip
        parts = [said]
        if pain is not None:
            parts.append(f"pain during {pain}/10")
        parts.append(f"next morning {entry.morning}")
        progress.append(
            {"time": f"{entry.day}T00:00:00Z", "text": f"Log {entry.day}: {', '.join(parts)}"}
        )
    if progress:
        activity["progress"] = progress
    return activity


def _flag(alert: dict[str, Any], at: str, patient_url: str, plan_url: str) -> dict[str, Any]:
    level = str(alert.get("level", "urgent"))
    priority = _PRIORITY.get(level, "PM")
    return {
        "resourceType": "Flag",
        "extension": [
            {"url": f"{EXT}/flag-priority", "valueCodeableConcept": {"coding": [{
                "system": "http://hl7.org/fhir/flag-priority-code", "code": priority,
                "display": PRIORITY_NAMES[priority]}], "text": level}},
            {"url": f"{EXT}/flag-detail", "valueReference": {"reference": plan_url}},
        ],
        "status": "active",
        "category": [{"coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/flag-category", "code": "clinical",
             "display": "Clinical"},
            {"system": LEVEL_SYSTEM, "code": level, "display": str(alert.get("heading", level))},
        ]}],
        "code": {
            "coding": [{"system": f"{BASE}:programme-warning", "code": str(alert.get("id", ""))}],
            "text": f"{alert.get('heading', '')}. {alert.get('message', '')} What to do: "
            f"{alert.get('action', '')}",
        },
        "subject": {"reference": patient_url},
        "period": {"start": _moment(at)},
    }  # fmt: skip


def csv_text(entries: tuple[Entry, ...], library: Library) -> str:
    """The log as CSV, one row per exercise of each entry (the long form a spreadsheet or
    pandas reads): entry, day, logged_at, exercise_id, exercise, done (as_planned, less,
    not_done), pain_during (0-10, empty when not done), next_morning (better, usual, worse,
    unknown), sensations met during it (``;``), the entry's warning signs (``;``) and note.
    Text a spreadsheet would run as a formula gets a leading ``'``; rows end with CRLF."""
    import csv
    import io

    from imbalance_cli.render.spreadsheet import _text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in csv_rows(entries, library):
        writer.writerow([_text(cell) for cell in row])
    return buffer.getvalue()


def csv_rows(entries: tuple[Entry, ...], library: Library) -> list[list[str]]:
    """One row per exercise of each log entry (a spreadsheet's long form)."""
    rows = [["entry", "day", "logged_at", "exercise_id", "exercise", "done", "pain_during",
             "next_morning", "sensations", "warning_signs", "note"]]  # fmt: skip
    for e in entries:
        for exercise, done in e.done or (("", "not_done"),):
            pain = e.pain_of(exercise) if exercise else None
            felt = [s for s in e.sensations if e.felt(s, exercise, s in dict(e.where))]
            rows.append([
                str(e.id), e.day, e.logged_at, exercise, name_of(library, exercise) if exercise else "",
                done, "" if pain is None else str(pain), e.morning, ";".join(felt),
                ";".join(e.warnings), e.note or "",
            ])  # fmt: skip
    return rows
