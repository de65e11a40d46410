"""The home programme's use cases: propose a programme from a client's latest session, review
it against their log (the dose rules' decisions), save a version, and log a session at home
(a short questionnaire built from the programme; a warning sign stops the programme)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import ImbalanceError, UsageError
from imbalance_cli.model import AnswerValue, FiredAlert, Library, Questionnaire, Result
from imbalance_cli.programme import codec
from imbalance_cli.programme.dose import applied, decisions
from imbalance_cli.programme.model import (
    Decision,
    Entry,
    LogWarning,
    Programme,
    ProgrammeRules,
    Stopped,
)

if TYPE_CHECKING:
    from imbalance_cli.store import Store

LOG_ID = "programme-log"


@dataclass(frozen=True)
class ClientProgramme:
    """A client's programme as the store holds it: the newest version, every version before it
    (oldest first), and their log."""

    client_id: int
    name: str
    uuid: str
    current: Programme | None
    status: str | None
    versions: tuple[Programme, ...]
    entries: tuple[Entry, ...]


def rules_of(library: Library) -> ProgrammeRules:
    if library.programme is None:
        raise ImbalanceError(
            "the content library has no 'programme:' settings (see docs/authoring.md)"
        )
    return library.programme


def load(store: Store, client: str) -> ClientProgramme:
    client_id, name, uuid = store._needed(client)
    rows = store.programmes(client_id)
    versions = tuple(
        replace(codec.programme_of(r.document, id=r.id, previous=r.previous_id), number=n)
        for n, r in enumerate(rows, start=1)
    )
    live = [(r, v) for r, v in zip(rows, versions, strict=False) if r.status != "replaced"]
    current, status = (live[-1][1], live[-1][0].status) if live else (None, None)
    entries = tuple(
        codec.entry_of(r.document, id=r.id, logged_at=r.logged_at, programme=r.programme_id)
        for r in store.logs(client_id)
    )
    return ClientProgramme(client_id, name, uuid, current, status, versions, entries)


def held_after(store: Store, client: str, session: int | None, since: str = "") -> str | None:
    """Why nothing may be planned or logged from session ``session`` (or, without one, from
    ``since``) on: an assessment after it (an intake, a re-assessment or a check-in, finished
    or not) found a warning sign that holds exercise advice back. None when none did. Any such
    sign counts, not only the newest assessment's: a clean check-in a week later asks about
    that week only, and does not lift it; a programme proposed from an assessment made after
    the sign does."""
    rows = [r for r in store.sessions(client) if r.finished or r.warning]
    rows.sort(key=lambda r: (r.completed_at or r.updated_at or r.started_at, r.id))
    ids = [r.id for r in rows]
    if session is not None and session in ids:
        after = rows[ids.index(session) + 1 :]
    else:
        # Equal stamps count as after (the safe reading).
        after = [r for r in rows if (r.completed_at or r.updated_at or r.started_at) >= since]
    for row in after:
        if row.warning in ("emergency", "urgent"):
            when = (row.completed_at or row.updated_at or row.started_at)[:10]
            return (
                f"an assessment of {client} on {when} (session {row.id}, "
                f"{row.questionnaire_id}) found a warning sign ({row.warning}) that holds exercise "
                "back; do not hand out or do these exercises until a clinician has checked them. "
                f"Then a new programme starts from an assessment made after it: imbalance "
                f"reassess '{client}', then imbalance plan '{client}' --new"
            )
    return None


def held_latest(store: Store, client: str) -> str | None:
    """Why no programme can be made now (``plan`` plans from the latest assessment): that
    assessment found a warning sign that holds exercise advice back. None when it did not."""
    rows = [r for r in store.sessions(client) if r.finished or r.warning]
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.completed_at or r.updated_at or r.started_at, r.id))
    return held_after(
        store, client, None, latest.completed_at or latest.updated_at or latest.started_at
    )


def on_hold(store: Store, cp: ClientProgramme) -> str | None:
    """Why the client's current programme is on hold (:func:`held_after` the session it came
    from), or None. A stopped programme says so itself."""
    if cp.current is None or cp.current.stopped is not None:
        return None
    why = held_after(store, cp.name, cp.current.session, cp.current.created_at)
    return f"the programme of {cp.name} is on hold: {why}" if why else None


def latest_result(store: Store, client: str, session: int | None = None) -> Result:
    """The result of the client's latest completed session (or the one asked for)."""
    return next(iter(results(store, client, session)))


def results(store: Store, client: str, session: int | None = None) -> list[Result]:
    """The client's completed sessions' results, newest first (or the one asked for)."""
    from imbalance_cli.workflow import Sources, client_history, load_session, result_of

    rows = client_history(store, client)
    if session is not None:
        rows = [r for r in rows if r.id == session]
        if not rows:
            raise UsageError(f"session {session} is not a completed session of {client}")
    if not rows:
        raise UsageError(
            f"{client} has no completed session to plan from; run the intake first "
            f"(imbalance run --client '{client}')"
        )
    sources = Sources()
    return [result_of(load_session(store, r.id, sources)) for r in reversed(rows)]


def proposal(store: Store, client: str, session: int | None = None) -> tuple[Programme, Result]:
    """A programme from the newest session whose plan has exercises (a check-in after the
    intake may have none); a warning sign in the newest session holds it back all the same."""
    from imbalance_cli.programme.propose import NoProgramme, propose

    found = results(store, client, session)
    newest = found[0]
    top = newest.top_level
    if top is not None and top.holds_back:
        propose(newest)  # raises NoProgramme naming the alert
    reason = ""
    for result in found:
        try:
            return propose(result), result
        except NoProgramme as exc:
            reason = reason or str(exc)
    raise NoProgramme(reason)


def review(cp: ClientProgramme, library: Library, today: date) -> list[Decision]:
    """The dose rules' decision for each exercise of the current programme."""
    if cp.current is None:
        return []
    return decisions(cp.current, list(cp.entries), rules_of(library), library, today)


def save(store: Store, cp: ClientProgramme, programme: Programme, now: str) -> Programme:
    programme = replace(programme, created_at=now)
    pid = store.save_programme(
        cp.client_id, programme.session, codec.programme_json(programme), now
    )
    return replace(programme, id=pid, number=len(cp.versions) + 1)


def next_version(current: Programme, chosen: list[Decision], now: str) -> Programme:
    return applied(current, chosen, now)


# -- the log ------------------------------------------------------------------------------


def _choice_id(exercise: str) -> str:
    return exercise.replace("-", "_")


def log_warnings(programme: Programme, library: Library) -> list[LogWarning]:
    """The warning signs this client's log asks about: everyone's, and those of the situations
    that held when the programme was made (pregnancy, osteoporosis)."""
    held = set(programme.situations)
    return [w for w in rules_of(library).warnings if not w.situations or held & set(w.situations)]


#: The days a session can be logged for, by how many days back from today.
LOG_DAYS = (
    ("today", "Today", 0),
    ("yesterday", "Yesterday", 1),
    ("two_days_ago", "Two days ago", 2),
)


def log_days(programme: Programme, today: date) -> list[dict[str, Any]]:
    """The days offered for a session: today and the two before, none before the programme
    started (a session logged for such a day would be refused after every answer was given)."""
    start = programme.created_at[:10]
    return [
        {"id": key, "label": label}
        for key, label, back in LOG_DAYS
        if not start or (today - timedelta(days=back)).isoformat() >= start
    ] or [{"id": "today", "label": "Today"}]


def log_questionnaire(
    programme: Programme, library: Library, today: date | None = None
) -> Questionnaire:
    """The log's questions for this programme: warning signs first, then the day (of those
    ``log_days`` offers) and, for each exercise, whether it was done and the pain during it, the
    next morning, the sensations met (and during which exercise, for those whose response is
    the exercise's), a note, and a question about any warning word the note holds. Without
    ``today``, every day is offered (an answers file's day is checked once read)."""
    import yaml

    from imbalance_cli.loader import questionnaire_from_text

    rules = rules_of(library)
    warnings = log_warnings(programme, library)
    names = {i.exercise: library.exercises[i.exercise].name if i.exercise in library.exercises else i.exercise
             for i in programme.items}  # fmt: skip
    signs = [{"id": w.id, "label": w.label} for w in warnings]
    none = [{"id": "none", "label": "None of these", "exclusive": True}]
    first: list[dict[str, Any]] = [
        {"id": "warnings", "type": "multi", "label": "Warning signs",
         "text": "Since your last log, have you noticed any of these?", "choices": signs + none},
    ]  # fmt: skip
    each: list[dict[str, Any]] = [
        {"id": "day", "type": "single", "text": "Which day was the session?", "label": "Day",
         "choices": log_days(programme, today) if today is not None else [
             {"id": key, "label": label} for key, label, _ in LOG_DAYS]},
    ]  # fmt: skip
    for n, item in enumerate(programme.items, start=1):
        name = names[item.exercise]
        each.append({
            "id": f"done_{n}", "type": "single", "label": f"{name}: done",
            "text": f"{name} ({item.dose.text}): did you do it?",
            "choices": [{"id": "as_planned", "label": "Yes, as planned"},
                        {"id": "less", "label": "Yes, but less than planned"},
                        {"id": "not_done", "label": "No"}],
        })  # fmt: skip
        each.append({
            "id": f"pain_{n}", "type": "scale", "min": 0, "max": 10, "label": f"{name}: pain during",
            "text": f"{name}: your pain during it, from 0 (none) to 10 (the worst you can imagine)?",
            "anchors": {0: "none", 3: "fine", 5: "acceptable", 10: "worst"},
            "when": {"question": f"done_{n}", "in": ["as_planned", "less"]},
        })  # fmt: skip
    after: list[dict[str, Any]] = [
        {"id": "morning", "type": "single", "label": "Next morning", **_morning(programme),
         "choices": [{"id": "better", "label": "Better than usual"},
                     {"id": "usual", "label": "As usual"},
                     {"id": "worse", "label": "Worse than usual"},
                     {"id": "unknown", "label": "Not known yet (I am logging on the same day)"}]},
        {"id": "sensations", "type": "multi", "label": "Sensations",
         "text": "Did you feel any of these during or after the exercises?",
         "choices": [{"id": s.id, "label": s.label} for s in rules.sensations] + none},
    ]  # fmt: skip
    if len(programme.items) > 1:  # with one exercise, it is the one
        for s in rules.sensations:
            if s.per_exercise:
                after.append({
                    "id": f"where_{s.id}", "type": "multi", "label": f"{s.label}: during",
                    "text": f"{s.label}: during which exercise?",
                    "choices": [{"id": _choice_id(i.exercise), "label": names[i.exercise]}
                                for i in programme.items],
                    "when": {"question": "sensations", "includes": s.id},
                })  # fmt: skip
    after.append({"id": "note", "type": "text", "required": False, "label": "Note",
                  "text": "Anything else your trainer should know?"})  # fmt: skip
    read = sorted({word for w in warnings for word in w.words})
    if read:
        after.append({
            "id": "check_note", "type": "multi", "label": "Follow-up on words in your note",
            "text": "You wrote {mentioned}. Have you had any of these since your last log?",
            "help": "We ask because those words can go with a warning sign. Choose any that fits, even if it has eased since.",
            "choices": signs + none,
            "when": {"any": [{"question": "note", "mentions": word} for word in read]},
        })  # fmt: skip
    alerts = []
    for w in warnings:
        tests = [{"question": "warnings", "includes": w.id}]
        if read:
            tests.append({"question": "check_note", "includes": w.id})
        alert: dict[str, Any] = {"id": f"log_{w.id}", "level": w.level, "message": w.message,
                                 "action": w.action, "when": {"any": tests}}  # fmt: skip
        if w.timeframe:
            alert["timeframe"] = w.timeframe
        alerts.append(alert)
    document = {
        "id": LOG_ID,
        "title": "Home programme log",
        "version": "1.0.0",
        "sections": [
            {"id": "warning_signs", "title": "Warning signs", "questions": first},
            {"id": "exercises", "title": "The session", "questions": each},
            {"id": "after", "title": "How it went", "questions": after},
        ],
        "alerts": alerts,
    }

    class _Plain(yaml.SafeDumper):
        """Every value written out (lists shared between questions are not aliased)."""

        def ignore_aliases(self, data: object) -> bool:
            return True

    text = yaml.dump(document, Dumper=_Plain, sort_keys=False, allow_unicode=True, width=1000)
    return questionnaire_from_text(text, f"<{LOG_ID}>", library)


def _morning(programme: Programme) -> dict[str, str]:
    """The next-morning question, naming the programme's body parts: "the sore area" read as
    either of two. With several, the one that changed most is asked for, worse first."""
    areas = [a.split(" (", 1)[0] for a in programme.areas]  # without the patterns found there
    if not areas:
        return {
            "text": "The morning after the session, how did the sore area feel compared with usual?"
        }
    if len(areas) == 1:
        return {
            "text": f"The morning after the session, how did your {areas[0]} feel compared with usual?"
        }
    named = ", ".join(f"your {a}" for a in areas[:-1]) + f" and your {areas[-1]}"
    return {
        "text": f"The morning after the session, how did {named if len(areas) <= 3 else 'your sore areas'}"
        " feel compared with usual?",
        "help": "Answer for the one that changed most; if any of them felt worse, choose Worse than usual.",
    }


def entry_from_answers(
    answers: dict[str, AnswerValue], programme: Programme, library: Library, today: date,
    day: date | None = None,
) -> Entry:  # fmt: skip
    rules = rules_of(library)
    if day is None:
        back = {"yesterday": 1, "two_days_ago": 2}.get(str(answers.get("day")), 0)
        day = today - timedelta(days=back)
    done: list[tuple[str, str]] = []
    pain: list[tuple[str, int]] = []
    for n, item in enumerate(programme.items, start=1):
        did = str(answers.get(f"done_{n}") or "not_done")
        done.append((item.exercise, did))
        level = answers.get(f"pain_{n}")
        if did != "not_done" and isinstance(level, (int, float)) and not isinstance(level, bool):
            pain.append((item.exercise, int(level)))
    back_to_id = {_choice_id(i.exercise): i.exercise for i in programme.items}
    sensations = tuple(s for s in _ids(answers.get("sensations")) if s != "none")
    only = tuple(i.exercise for i in programme.items) if len(programme.items) == 1 else None
    where = tuple(
        (s.id, only if only is not None else tuple(
            back_to_id[c] for c in _ids(answers.get(f"where_{s.id}")) if c in back_to_id))
        for s in rules.sensations
        if s.per_exercise and s.id in sensations
    )  # fmt: skip
    note = answers.get("note")
    return Entry(
        day=day.isoformat(),
        done=tuple(done),
        pain=tuple(pain),
        morning=str(answers.get("morning") or "unknown"),
        sensations=sensations,
        where=where,
        warnings=tuple(
            dict.fromkeys(
                w
                for w in (*_ids(answers.get("warnings")), *_ids(answers.get("check_note")))
                if w != "none"
            )
        ),
        note=note.strip() if isinstance(note, str) and note.strip() else None,
    )


def _ids(value: AnswerValue) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return (value,) if isinstance(value, str) else ()


def record(
    store: Store, cp: ClientProgramme, entry: Entry, fired: tuple[FiredAlert, ...], now: str
) -> tuple[int, Programme | None]:
    """Save a log entry; a warning sign in it stops the programme (in one transaction).
    Returns the entry's id and the stopped programme, if it stopped."""
    current = cp.current
    warning = _top_level(fired)
    stopped_programme: Programme | None = None
    stopped_doc = None
    if fired and current is not None:
        alerts = tuple(
            {
                "id": f.alert.id,
                "level": f.alert.level.value,
                "message": f.alert.message,
                "action": f.alert.action,
                "heading": f.alert.heading,
                "because": list(f.because),
            }
            for f in fired
        )
        stopped_programme = replace(current, stopped=Stopped(now, None, alerts, entry.day))

        def stopped_doc(entry_id: int) -> str:
            assert stopped_programme is not None
            done = replace(stopped_programme, stopped=Stopped(now, entry_id, alerts, entry.day))
            return codec.programme_json(done)

    entry_id = store.add_log(
        cp.client_id,
        current.id if current is not None else None,
        entry.day,
        _entry_json(entry),
        warning,
        stopped_doc,
    )
    return entry_id, stopped_programme


def _entry_json(entry: Entry) -> str:
    import json

    return json.dumps(codec.entry_dict(entry), ensure_ascii=False, sort_keys=True)


def _top_level(fired: tuple[FiredAlert, ...]) -> str | None:
    if not fired:
        return None
    return min((f.alert.level for f in fired), key=lambda lv: lv.rank).value
