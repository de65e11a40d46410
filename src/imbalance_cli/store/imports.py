"""Adding sessions from another store, exactly once, in batches inside one write transaction.

Each session comes with its fingerprint (``rows.fingerprint``: questionnaire, start, answers). It
is *already here* when the store holds a session brought in under the same key before, or one
with the same fingerprint now (made here, or brought in and unchanged since) that this import
has not matched yet: so a bundle holding two equal sessions adds two, and a store holding one
adds the other. Otherwise it is added under its import key (the fingerprint and which of equal
ones in the bundle it is), which a unique index keeps to one session.

The lookups and the inserts run in one write transaction (SQLite: ``BEGIN IMMEDIATE``, so
imports queue), and the insert says ``ON CONFLICT (import_key) DO NOTHING``: on a server where
two imports do run at once, the second to insert a key finds it taken and counts the session as
already here, never as added. Every import reports what it added and what it found.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from imbalance_cli.store.answering import now, transaction
from imbalance_cli.store.rows import NewSession

#: Answers are written this many rows at a time.
BATCH = 5000


class Importing:
    """One import in progress: ``add`` each session, in bundle order."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._clients: dict[str, int] = {}
        #: Clients this import created, in the spelling it created them.
        self.new_clients: list[str] = []
        #: How many sessions of each fingerprint the bundle has had so far.
        self._seen: dict[str, int] = {}
        #: Sessions already here that this import matched (each stands for one bundle session).
        self._matched: set[int] = set()
        self._answers: list[tuple[int, str, int, str, str, int]] = []

    def add(self, record: NewSession, key: str) -> tuple[int, bool]:
        """Add one session unless it is already here: (its id in this store, added?)."""
        copy = self._seen.get(key, 0)
        self._seen[key] = copy + 1
        found = self._here(key, f"{key}/{copy}")
        if found is not None:
            return found, False
        client_id = self._client(record.client)
        while True:
            import_key = f"{key}/{copy}"
            cursor = self.db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   completed_at, worst_pain, result_json, warning, previous_id, revision,
                   fingerprint, import_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                   ON CONFLICT (import_key) DO NOTHING""",
                (
                    client_id, record.questionnaire_id, record.version, record.sha256,
                    record.source, record.status, record.started_at, record.updated_at,
                    record.completed_at, record.worst_pain, record.result_json, record.warning,
                    record.previous_id, key, import_key,
                ),
            )  # fmt: skip
            if cursor.rowcount:
                break
            # Another import added it first (a server running both at once): already here.
            found = self._here(key, import_key)
            if found is not None:
                return found, False
            copy += 1  # the key is taken by a session this import matched already
        session_id = int(cursor.lastrowid or 0)
        self._matched.add(session_id)
        self._answers.extend(
            (session_id, q, n, v, record.updated_at, 1) for q, n, v in record.answers
        )
        if len(self._answers) >= BATCH:
            self.flush()
        return session_id, True

    def _here(self, key: str, import_key: str) -> int | None:
        """The session already here that stands for this one: the one brought in under this
        import key, else the first with this fingerprint that this import has not matched."""
        rows = self.db.execute(
            "SELECT id, import_key FROM sessions WHERE import_key = ? OR fingerprint = ?",
            (import_key, key),
        ).fetchall()
        rows.sort(key=lambda row: (row[1] != import_key, row[0]))
        for session_id, _ in rows:
            if session_id not in self._matched:
                self._matched.add(session_id)
                return int(session_id)
        return None

    def _client(self, name: str | None) -> int | None:
        if not name:
            return None
        if name in self._clients:
            return self._clients[name]
        found = self.db.execute(
            "SELECT id FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        ).fetchone()
        if found is None:
            cursor = self.db.execute(
                "INSERT INTO clients(name, created_at) VALUES (?, ?)", (name, now())
            )
            client_id = int(cursor.lastrowid or 0)
            self.new_clients.append(name)
        else:
            client_id = int(found[0])
        self._clients[name] = client_id
        return client_id

    def flush(self) -> None:
        self.db.executemany(
            """INSERT INTO answers(session_id, question_id, position, value_json, answered_at,
               revision) VALUES (?, ?, ?, ?, ?, ?)""",
            self._answers,
        )
        self._answers.clear()


@contextlib.contextmanager
def importing(db: sqlite3.Connection) -> Iterator[Importing]:
    """An import's transaction: everything added, or on any error (a problem found late in the
    bundle, a full disk), nothing."""
    with transaction(db):
        batch = Importing(db)
        yield batch
        batch.flush()
