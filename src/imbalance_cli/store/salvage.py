"""Reading what can still be read from a damaged store, one row at a time.

A damaged store file refuses whole queries (``database disk image is malformed``) although most
of its pages may be intact. Salvage never writes to it: it opens the file read-only, finds the
session ids any way it can (a scan that stops at the first bad page, then each id up to the
largest one found), and reads each session, its client and its answers on their own, so one bad
page costs the sessions on it and no others.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store.rows import DAMAGED, SessionRow

#: Ids tried one by one past the last one a scan could read (a damaged page can hide the end).
_PROBE_PAST = 1000

_COLUMNS = (
    "id, client_id, questionnaire_id, questionnaire_version, questionnaire_sha256, "
    "questionnaire_source, status, started_at, updated_at, completed_at, worst_pain"
)
_LATER_COLUMNS = ("warning", "outputs_json", "previous_id", "author")


@dataclass(frozen=True)
class Rescued:
    """One session read back whole: its row, its answers and its stored result (None when the
    result could not be read; it is worked out again from the answers on import)."""

    row: SessionRow
    answers: dict[str, object]
    result_json: str | None


@dataclass
class Salvaged:
    sessions: list[Rescued] = field(default_factory=list)
    #: (session id, what could not be read): sessions left behind.
    lost: list[tuple[int, str]] = field(default_factory=list)
    #: Answers left out of sessions that were otherwise read, as (session id, question id).
    damaged_answers: list[tuple[int, str]] = field(default_factory=list)
    #: Sessions whose answers came from their stored result, their own rows being unreadable.
    from_result: list[int] = field(default_factory=list)


def salvage(path: Path) -> Salvaged:
    """Every session of the store at ``path`` that can be read, and what could not."""
    from imbalance_cli.store.readonly import connect

    if not path.is_file():
        raise ImbalanceError(f"there is no session store at {path}")
    try:
        db = connect(path)
    except sqlite3.Error as exc:
        raise ImbalanceError(
            f"nothing can be read from the session store at {path} ({exc})"
        ) from None
    out = Salvaged()
    try:
        ids = _session_ids(db, out)
        if ids is None:
            raise ImbalanceError(
                f"nothing can be read from the session store at {path}: its list of sessions "
                "is lost"
            )
        names = _client_names(db)
        for session_id in ids:
            _rescue(db, session_id, names, out)
        out.lost.sort()
    finally:
        db.close()
    return out


def _session_ids(db: sqlite3.Connection, out: Salvaged) -> list[int] | None:
    """Every session id that can be found, in order; None when the sessions table cannot be
    read at all. Ids whose record cannot even be looked up are added to ``out.lost``."""
    found: set[int] = set()
    try:
        cursor = db.execute("SELECT id FROM sessions ORDER BY id")
    except sqlite3.DatabaseError:
        return None
    with contextlib.suppress(sqlite3.DatabaseError):
        for (session_id,) in cursor:
            found.add(int(session_id))
    largest = max(found, default=0)
    with contextlib.suppress(sqlite3.DatabaseError):
        row = db.execute("SELECT MAX(id) FROM sessions").fetchone()
        largest = max(largest, int(row[0] or 0))
    for session_id in range(1, largest + _PROBE_PAST):
        if session_id in found:
            continue
        try:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                found.add(session_id)
        except sqlite3.DatabaseError as exc:
            if session_id <= largest:
                out.lost.append((session_id, f"its record cannot be read ({exc})"))
    return sorted(found)


def _client_names(db: sqlite3.Connection) -> dict[int, str]:
    names: dict[int, str] = {}
    with contextlib.suppress(sqlite3.DatabaseError):
        for client_id, name in db.execute("SELECT id, name FROM clients"):
            names[int(client_id)] = str(name)
    return names


def _client_uuid(db: sqlite3.Connection, client_id: object) -> str | None:
    """A client's stable id, where the store has one and it can be read."""
    if client_id is None:
        return None
    with contextlib.suppress(sqlite3.DatabaseError, TypeError):
        found = db.execute("SELECT uuid FROM clients WHERE id = ?", (client_id,)).fetchone()
        return _text(found[0]) if found else None
    return None


def _rescue(db: sqlite3.Connection, session_id: int, names: dict[int, str], out: Salvaged) -> None:
    try:
        row = db.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
    except sqlite3.DatabaseError as exc:
        out.lost.append((session_id, f"its record cannot be read ({exc})"))
        return
    if row is None:
        return
    later: list[object] = []
    for column in _LATER_COLUMNS:  # added by later versions of the store; any may be damaged
        try:
            value = db.execute(f"SELECT {column} FROM sessions WHERE id = ?", (session_id,))
            later.append(value.fetchone()[0])
        except sqlite3.DatabaseError:
            later.append(None)
    client_id = row[1]
    client = names.get(int(client_id)) if client_id is not None else None
    if client_id is not None and client is None:
        with contextlib.suppress(sqlite3.DatabaseError):
            found = db.execute("SELECT name FROM clients WHERE id = ?", (client_id,)).fetchone()
            client = str(found[0]) if found else None
    result_json = None
    with contextlib.suppress(sqlite3.DatabaseError):
        found = db.execute("SELECT result_json FROM sessions WHERE id = ?", (session_id,))
        result_json = found.fetchone()[0]
    answers: dict[str, object] = {}
    try:
        stored = db.execute(
            "SELECT question_id, value_json FROM answers WHERE session_id = ? "
            "ORDER BY position, question_id",
            (session_id,),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        # A completed session's result document holds its answers too.
        kept = _answers_of_result(result_json)
        if kept is None:
            out.lost.append((session_id, f"its answers cannot be read ({exc})"))
            return
        out.from_result.append(session_id)
        stored = [(qid, json.dumps(value)) for qid, value in kept.items()]
    for qid, value in stored:
        try:
            answers[str(qid)] = json.loads(value)
        except (TypeError, ValueError):
            answers[str(qid)] = DAMAGED
            out.damaged_answers.append((session_id, str(qid)))
    warning, outputs, previous, author = later
    session = SessionRow(
        id=int(row[0]), client=client, questionnaire_id=str(row[2]),
        questionnaire_version=str(row[3]), questionnaire_sha256=str(row[4]),
        questionnaire_source=str(row[5]), status=str(row[6]), started_at=str(row[7]),
        updated_at=str(row[8]), completed_at=_text(row[9]),
        worst_pain=float(row[10]) if isinstance(row[10], (int, float)) else None,
        warning=_text(warning), outputs_json=_text(outputs),
        previous_id=previous if isinstance(previous, int) else None,
        author=_text(author), client_id=_client_uuid(db, client_id) if client else None,
    )  # fmt: skip
    out.sessions.append(Rescued(session, answers, _text(result_json)))


def _answers_of_result(document: object) -> dict[str, object] | None:
    if not isinstance(document, str):
        return None
    try:
        data = json.loads(document)
    except ValueError:
        return None
    answers = data.get("answers") if isinstance(data, dict) else None
    return answers if isinstance(answers, dict) and answers else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
