"""The store's schema: the migrations that build it, one step per version of the file, and the
data each step fills in that SQL alone cannot work out.

The SQL is the common ground of SQLite and PostgreSQL (``ALTER TABLE ... ADD COLUMN``, unique
indexes, ``ON CONFLICT``), so that both engines run the same list.
"""

from __future__ import annotations

import json
from typing import Any

from imbalance_cli.store.rows import fingerprint

MIGRATIONS: tuple[str, ...] = (
    # 1: clients, sessions, answers
    """
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
        questionnaire_id TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        questionnaire_sha256 TEXT NOT NULL,
        questionnaire_source TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('in_progress', 'interrupted', 'complete')),
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        completed_at TEXT,
        worst_pain REAL,
        result_json TEXT
    );
    CREATE INDEX sessions_by_client ON sessions(client_id, started_at);
    CREATE INDEX sessions_by_status ON sessions(status, started_at);
    CREATE TABLE answers (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        value_json TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (session_id, question_id)
    );
    """,
    # 2: the most urgent warning sign of each session, for lists; the outputs a run was asked
    # to write, so that resume writes them
    """
    ALTER TABLE sessions ADD COLUMN warning TEXT;
    ALTER TABLE sessions ADD COLUMN outputs_json TEXT
    """,
    # 3: a re-assessment names the session it re-assesses
    """
    ALTER TABLE sessions ADD COLUMN previous_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL
    """,
    # 4: no answer lost to a second writer (issue 25). Each save bumps the session's revision and
    # stamps the answers it writes; the fingerprint (questionnaire, start, answers) is kept as
    # answers are saved, so an import finds a session already here by index; a session brought
    # in by an import keeps the key it came with (its fingerprint in the bundle, and which of
    # equal ones it was), unique, so two imports of one bundle cannot both add it; the lease
    # names the one writer answering a session.
    """
    ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN fingerprint TEXT;
    ALTER TABLE sessions ADD COLUMN import_key TEXT;
    CREATE INDEX sessions_by_fingerprint ON sessions(fingerprint);
    CREATE UNIQUE INDEX sessions_by_import_key ON sessions(import_key);
    ALTER TABLE answers ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE leases (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        token TEXT NOT NULL,
        account TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        since TEXT NOT NULL,
        renewed_at TEXT NOT NULL,
        released_at TEXT
    )
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
STATUSES = ("in_progress", "interrupted", "complete")


def backfill(db: Any, before: int) -> None:
    """Fill in what the migrations from version ``before`` added and SQL cannot compute: the
    warning sign of sessions completed before it was recorded (2), every session's
    fingerprint (4). ``db`` is a DB-API connection inside the migration's transaction."""
    if before < 2:
        _backfill_warnings(db)
    if before < 4:
        _backfill_fingerprints(db)


def _backfill_warnings(db: Any) -> None:
    """Sessions completed before warnings were recorded: read them from their results."""
    rank = {"emergency": 0, "urgent": 1, "advisory": 2}
    rows = db.execute(
        "SELECT id, result_json FROM sessions WHERE result_json IS NOT NULL"
    ).fetchall()
    for session_id, document in rows:
        try:
            levels = [a["level"] for a in json.loads(document).get("alerts", ())]
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        known = [lv for lv in levels if lv in rank]
        top = min(known, key=rank.__getitem__) if known else "none"
        db.execute("UPDATE sessions SET warning = ? WHERE id = ?", (top, session_id))


def _backfill_fingerprints(db: Any) -> None:
    """Every session's fingerprint from its stored answers, read one session at a time (only the
    fingerprints are held, never every answer). A damaged answer counts as its stored text, as
    it did when fingerprints were worked out on each import."""
    rows = db.execute(
        """SELECT s.id, s.questionnaire_id, s.questionnaire_sha256, s.started_at, a.question_id,
                  a.value_json
           FROM sessions s LEFT JOIN answers a ON a.session_id = s.id ORDER BY s.id"""
    )
    updates: list[tuple[str, int]] = []
    current: tuple[Any, ...] | None = None
    answers: dict[str, object] = {}

    def done() -> None:
        if current is not None:
            updates.append((fingerprint(current[1], current[2], current[3], answers), current[0]))

    for session_id, qid, sha, started, question, value in rows:
        if current is None or current[0] != session_id:
            done()
            current, answers = (session_id, qid, sha, started), {}
        if question is not None:
            try:
                answers[question] = json.loads(value)
            except (TypeError, ValueError):
                answers[question] = value
    done()
    db.executemany("UPDATE sessions SET fingerprint = ? WHERE id = ?", updates)
