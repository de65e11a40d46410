"""Adding many sessions at once: ``store copy`` (in batches, keeping their numbers where it
may) and the engines' bulk inserts. Every session brought in gets its fingerprint, as one saved
here does, so that a later import finds it (``imports.py``)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from imbalance_cli.store.clients import new_uuid
from imbalance_cli.store.rows import (
    _SESSION_COLUMNS,
    Db,
    NewSession,
    SessionRow,
    fingerprint,
    now,
)


def _fingerprint(record: NewSession) -> str:
    """A record's fingerprint from its answers as stored (a damaged one counts as its text)."""
    answers: dict[str, object] = {}
    for qid, _, value in record.answers:
        try:
            answers[qid] = json.loads(value)
        except (TypeError, ValueError):
            answers[qid] = value
    return fingerprint(record.questionnaire_id, record.sha256, record.started_at, answers)


class Copying:
    """The bulk half of the store (the engines give ``db``, ``_write`` and ``author``)."""

    db: Db
    author: str
    #: ``sessions import`` adds sessions many to a statement (a server, where each statement
    #: is a round trip), not one at a time (``_insert_imported``).
    imports_in_bulk = False

    def _write(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def add_sessions(self, records: Sequence[NewSession]) -> list[int]:
        """Add sessions from another store in one transaction: all of them, or, on any error,
        none. Returns their new ids, in order."""
        with self.bulk("import") as add:
            return add(records)

    @contextlib.contextmanager
    def bulk(self, action: str = "import") -> Iterator[Callable[[Sequence[NewSession]], list[int]]]:
        """One write transaction to add many sessions in batches (``store copy``): yields a
        function that adds a batch and returns its ids. All batches are kept, or, on any
        error, none. ``action`` names it in a shared store's audit."""
        clients: dict[tuple[str, str | None], int] = {}
        with self._write() as db:
            self._bulk_begins(db, action)
            yield lambda records: self._insert(db, records, clients)
            self._bulk_ends(db)

    def _bulk_begins(self, db: Db, action: str) -> None:
        """Before a bulk write (a server labels its audit entries with ``action``)."""

    def _bulk_ends(self, db: Db) -> None:
        """After a bulk write that may have kept ids (a server moves its id counter on)."""

    def _insert(
        self, db: Db, records: Sequence[NewSession], clients: dict[tuple[str, str | None], int]
    ) -> list[int]:
        ids: list[int] = []
        answers: list[tuple[object, ...]] = []
        sessions: list[tuple[object, ...]] = []
        # Each session's id, chosen before any is added, so all go in at once: the one it
        # keeps, or the store's next.
        fresh = iter(self._new_ids(db, sum(1 for r in records if r.id is None)))
        for record in records:
            key = (record.client or "", record.client_uuid)
            if record.client and key not in clients:
                clients[key] = self._client_for(db, record)
            client_id = clients.get(key) if record.client else None
            author = record.author or self.author
            previous = record.previous_id
            if record.previous_index is not None:
                previous = ids[record.previous_index]
            values = (
                client_id, record.questionnaire_id, record.version, record.sha256,
                record.source, record.status, record.started_at, record.updated_at,
                record.completed_at, record.worst_pain, record.result_json, record.warning,
                previous, author,
            )  # fmt: skip
            session_id = record.id if record.id is not None else next(fresh)
            sessions.append((session_id, *values, _fingerprint(record), 1))
            stamps = record.answered or ((record.updated_at, author),) * len(record.answers)
            answers += [
                (session_id, q, n, v, when, who or author, 1)
                for (q, n, v), (when, who) in zip(record.answers, stamps, strict=True)
            ]
            ids.append(session_id)
        self._insert_rows(db, "sessions", f"id, {_NEW_SESSION}", sessions)
        self._insert_rows(db, "answers", _NEW_ANSWER, answers)
        return ids

    def _new_ids(self, db: Db, count: int) -> list[int]:
        """The ids the next ``count`` sessions get (inside the write transaction, which no
        other writer shares on SQLite)."""
        if not count:
            return []
        last = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM sessions").fetchone()[0])
        return list(range(last + 1, last + 1 + count))

    def _insert_rows(
        self, db: Db, table: str, columns: str, rows: Sequence[Sequence[object]]
    ) -> None:
        """Many rows into a table at once (a server takes them in one statement)."""
        marks = ", ".join("?" * len(columns.split(",")))
        db.executemany(f"INSERT INTO {table}({columns}) VALUES ({marks})", rows)

    def _insert_imported(self, db: Db, rows: Sequence[Sequence[object]]) -> int:
        """Sessions brought in (``IMPORTED_SESSION``'s columns), in one statement, skipping any
        whose import key is taken; how many were added. Engines that import in bulk."""
        raise NotImplementedError

    def _client_for(self, db: Db, record: NewSession) -> int:
        """The client a record brought in belongs to: the one with its id, else (a record
        without one) the one of its name, else a new client keeping the record's id."""
        if record.client_uuid:
            row = db.execute(
                "SELECT id FROM clients WHERE uuid = ?", (record.client_uuid,)
            ).fetchone()
        else:
            row = db.execute(
                "SELECT id FROM clients WHERE lower(name) = lower(?) ORDER BY id",
                (record.client,),
            ).fetchone()
        if row is not None:
            return int(row[0])
        return int(
            db.execute(
                "INSERT INTO clients(name, created_at, uuid) VALUES (?, ?, ?) RETURNING id",
                (record.client, now(), record.client_uuid or new_uuid()),
            ).fetchone()[0]
        )

    def is_empty(self) -> bool:
        """No session was ever stored here (so a copy may keep its session numbers)."""
        return self.db.execute("SELECT MAX(id) FROM sessions").fetchone()[0] is None

    def batches(self, size: int = 500) -> Iterator[list[tuple[SessionRow, str | None, list[Any]]]]:
        """Every session, oldest id first, ``size`` at a time: its row, its result document
        and its answers as stored (question, position, value as JSON, answered at, author), so
        a whole store is read in memory that does not grow with it."""
        last = 0
        while True:
            rows = self.db.execute(
                f"""SELECT {_SESSION_COLUMNS}, s.result_json FROM sessions s
                    LEFT JOIN clients c ON c.id = s.client_id WHERE s.id > ?
                    ORDER BY s.id LIMIT ?""",
                (last, size),
            ).fetchall()
            if not rows:
                return
            first, last = int(rows[0][0]), int(rows[-1][0])
            answers: dict[int, list[Any]] = {}
            for sid, *answer in self.db.execute(
                """SELECT session_id, question_id, position, value_json, answered_at, author
                   FROM answers WHERE session_id BETWEEN ? AND ?
                   ORDER BY session_id, position, question_id""",
                (first, last),
            ):
                answers.setdefault(int(sid), []).append(tuple(answer))
            yield [(SessionRow(*r[:-1]), r[-1], answers.get(int(r[0]), [])) for r in rows]


#: The columns of a session brought in, and their placeholders.
_NEW_SESSION = """client_id, questionnaire_id, questionnaire_version, questionnaire_sha256,
    questionnaire_source, status, started_at, updated_at, completed_at, worst_pain, result_json,
    warning, previous_id, author, fingerprint, revision"""
_NEW_ANSWER = "session_id, question_id, position, value_json, answered_at, author, revision"
#: The columns of a session ``sessions import`` adds in bulk (``imports.Importing.insert``).
IMPORTED_SESSION = """id, client_id, questionnaire_id, questionnaire_version,
    questionnaire_sha256, questionnaire_source, status, started_at, updated_at, completed_at,
    worst_pain, result_json, warning, previous_id, revision, fingerprint, import_key, author"""
