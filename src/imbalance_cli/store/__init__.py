"""Saved sessions: an SQLite file in the data directory, one row per answer, committed as it is
given, so Ctrl-C, a closed terminal, a crash or ``kill -9`` lose at most the question on screen.

The folder is 0700 and the files 0600. ``PRAGMA user_version`` versions the schema: migrations
run forward in one transaction, and a store written by a newer imbalance is refused, untouched.
WAL mode and a busy timeout let several ``imbalance`` processes use one store at once; deletes
overwrite what they remove (secure_delete), since this is health data.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from imbalance_cli.errors import ImbalanceError, UsageError
from imbalance_cli.files import private_dir
from imbalance_cli.model import AnswerValue, to_plain
from imbalance_cli.store.rows import (
    _SESSION_COLUMNS,
    DAMAGED,
    NewSession,
    SessionRow,
    fingerprint,
    worst_pain,
)
from imbalance_cli.store.schema import MIGRATIONS, SCHEMA_VERSION, STATUSES

__all__ = [
    "DAMAGED",
    "FILENAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "NewSession",
    "SessionRow",
    "Store",
    "fingerprint",
    "store_error",
    "worst_pain",
]

FILENAME = "imbalance.db"


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def store_error(path: Path, exc: sqlite3.Error) -> ImbalanceError:
    """A clear message for what went wrong with the store; "move it aside" only when the file
    itself cannot be read as a store."""
    text = str(exc)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return ImbalanceError(
            f"the session store at {path} is read-only ({text}); nothing was changed. Use a "
            "folder you can write to (--data-dir) or make it writable"
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        return ImbalanceError(
            f"the session store at {path} could not be written: {text}. Free some space; "
            "everything already saved is kept"
        )
    if "locked" in lowered or "busy" in lowered:
        return ImbalanceError(
            f"the session store at {path} has been locked by another imbalance for over 30 s; "
            "finish or close the other one and try again"
        )
    if "unable to open" in lowered:
        return ImbalanceError(f"cannot open the session store at {path} ({text})")
    return ImbalanceError(
        f"the session store at {path} cannot be read ({text}); "
        "move it aside and imbalance will start a new one"
    )


def _decoded(rows: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Stored (question id, JSON value) rows as plain values; a damaged row comes back as
    DAMAGED, so every other answer still comes back and this one is named."""
    out: dict[str, object] = {}
    for qid, value in rows:
        try:
            out[str(qid)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(qid)] = DAMAGED
    return out


class Store:
    """The session store. Open with ``Store.open(folder)``; close with ``close()``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, folder: Path) -> Store:
        if not str(folder).strip():
            raise UsageError("the data directory is empty; give a folder, or leave --data-dir out")
        if folder.exists() and not folder.is_dir():
            raise ImbalanceError(f"the data directory '{folder}' is a file, not a folder")
        try:
            private_dir(folder)
        except OSError as exc:
            raise ImbalanceError(
                f"cannot create the data directory '{folder}': {exc.strerror or exc}"
            ) from None
        path = folder / FILENAME
        # New files (the store, its write-ahead log) are created private; SQLite gives the log
        # the store's mode. Existing files keep theirs.
        old_umask = os.umask(0o077)
        try:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            store = cls(connection, path)
            try:
                store._prepare()
            except sqlite3.DatabaseError as exc:
                connection.close()
                raise store_error(path, exc) from None
            except BaseException:
                connection.close()
                raise
        except sqlite3.Error as exc:
            raise store_error(path, exc) from None
        finally:
            os.umask(old_umask)
        return store

    def _prepare(self) -> None:
        db = self.db
        db.execute("PRAGMA busy_timeout = 30000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ImbalanceError(
                f"the session store at {self.path} was written by a newer imbalance "
                f"(schema {version}, this one knows up to {SCHEMA_VERSION}); upgrade imbalance "
                "to use it. Nothing was changed."
            )
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")
        if version < SCHEMA_VERSION:
            with self._write():
                current = db.execute("PRAGMA user_version").fetchone()[0]
                for step in range(current, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step].split(";"):
                        if statement.strip():
                            db.execute(statement)
                if current < 2:
                    self._backfill_warnings()
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _backfill_warnings(self) -> None:
        """Sessions completed before warnings were recorded: read them from their results."""
        rank = {"emergency": 0, "urgent": 1, "advisory": 2}
        rows = self.db.execute(
            "SELECT id, result_json FROM sessions WHERE result_json IS NOT NULL"
        ).fetchall()
        for session_id, document in rows:
            try:
                levels = [a["level"] for a in json.loads(document).get("alerts", ())]
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            known = [lv for lv in levels if lv in rank]
            top = min(known, key=rank.__getitem__) if known else "none"
            self.db.execute("UPDATE sessions SET warning = ? WHERE id = ?", (top, session_id))

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of failing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clients -----------------------------------------------------------------------------

    def client_id(self, name: str, *, create: bool) -> int | None:
        """A client by name, without regard to case ("Ann" and "ann" are one client)."""
        row = self.db.execute(
            "SELECT id FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        ).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO clients(name, created_at) VALUES (?, ?)", (name, now())
            )
        row = self.db.execute(
            "SELECT id FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        ).fetchone()
        return int(row[0])

    def client_name(self, name: str) -> str:
        """The stored spelling of a client's name, or the name given when there is none yet."""
        row = self.db.execute(
            "SELECT name FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        ).fetchone()
        return str(row[0]) if row is not None else name

    def clients(self) -> list[tuple[str, int, str | None]]:
        """(name, number of sessions, last session start) for every client."""
        rows = self.db.execute(
            """SELECT c.name, COUNT(s.id), MAX(s.started_at) FROM clients c
               LEFT JOIN sessions s ON s.client_id = c.id GROUP BY c.id ORDER BY c.name"""
        ).fetchall()
        return [(str(r[0]), int(r[1]), r[2]) for r in rows]

    def rename_client(self, name: str, new: str) -> str:
        """Give a client a new name (or spelling); returns the old stored spelling."""
        client = self.client_id(name, create=False)
        if client is None:
            raise UsageError(f"no client called '{name}'; see: imbalance clients list")
        other = self.client_id(new, create=False)
        if other is not None and other != client:
            raise UsageError(
                f"there is already a client called '{self.client_name(new)}'; to put both "
                f"together use: imbalance clients merge '{name}' '{new}'"
            )
        old = self.client_name(name)
        with self._write() as db:
            db.execute("UPDATE clients SET name = ? WHERE id = ?", (new, client))
        return old

    def merge_clients(self, source: str, target: str) -> int:
        """Move every session of ``source`` to ``target`` and remove ``source``; returns the
        number of sessions moved."""
        from_id = self.client_id(source, create=False)
        into_id = self.client_id(target, create=False)
        for name, found in ((source, from_id), (target, into_id)):
            if found is None:
                raise UsageError(f"no client called '{name}'; see: imbalance clients list")
        if from_id == into_id:
            raise UsageError(f"'{source}' and '{target}' are the same client")
        with self._write() as db:
            moved = db.execute(
                "UPDATE sessions SET client_id = ? WHERE client_id = ?", (into_id, from_id)
            ).rowcount
            db.execute("DELETE FROM clients WHERE id = ?", (from_id,))
        return int(moved)

    def delete_client(self, name: str) -> int:
        """Delete a client and every session and answer about them; return the sessions removed."""
        client = self.client_id(name, create=False)
        if client is None:
            raise UsageError(f"no client called '{name}'; see: imbalance clients list")
        with self._write() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM sessions WHERE client_id = ?", (client,)
            ).fetchone()[0]
            db.execute("DELETE FROM sessions WHERE client_id = ?", (client,))
            db.execute("DELETE FROM clients WHERE id = ?", (client,))
        self._checkpoint()
        return int(count)

    # -- sessions ----------------------------------------------------------------------------

    def start(
        self,
        *,
        questionnaire_id: str,
        version: str,
        sha256: str,
        source: str,
        client: str | None,
        started_at: str | None = None,
        previous: int | None = None,
    ) -> int:
        client_id = self.client_id(client, create=True) if client else None
        stamp = started_at or now()
        with self._write() as db:
            cursor = db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   previous_id)
                   VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?)""",
                (client_id, questionnaire_id, version, sha256, source, stamp, stamp, previous),
            )
            return int(cursor.lastrowid or 0)

    def save_answers(
        self,
        session_id: int,
        answers: Mapping[str, AnswerValue],
        order: Mapping[str, int],
        warning: str | None = None,
        worst: float | None = None,
    ) -> None:
        """Make the stored answers equal ``answers``, in one transaction: changed ones are
        rewritten, removed ones (hidden by a changed answer, or undone by going back) deleted."""
        stamp = now()
        with self._write() as db:
            stored = dict(
                db.execute(
                    "SELECT question_id, value_json FROM answers WHERE session_id = ?",
                    (session_id,),
                ).fetchall()
            )
            for qid in set(stored) - set(answers):
                db.execute(
                    "DELETE FROM answers WHERE session_id = ? AND question_id = ?",
                    (session_id, qid),
                )
            for qid, value in answers.items():
                encoded = json.dumps(to_plain(value), ensure_ascii=False)
                if stored.get(qid) != encoded:
                    db.execute(
                        """INSERT INTO answers(session_id, question_id, position, value_json, answered_at)
                           VALUES (?, ?, ?, ?, ?)
                           ON CONFLICT(session_id, question_id) DO UPDATE SET
                           value_json = excluded.value_json, answered_at = excluded.answered_at,
                           position = excluded.position""",
                        (session_id, qid, order.get(qid, 0), encoded, stamp),
                    )
            db.execute(
                "UPDATE sessions SET updated_at = ?, worst_pain = ?, warning = ? WHERE id = ?",
                (stamp, worst, warning, session_id),
            )

    def set_warning(self, session_id: int, level: str | None) -> None:
        """The most urgent warning sign that stands (emergency, urgent, advisory or none)."""
        with self._write() as db:
            db.execute("UPDATE sessions SET warning = ? WHERE id = ?", (level, session_id))

    def set_outputs(self, session_id: int, outputs: Mapping[str, str]) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET outputs_json = ? WHERE id = ?",
                (json.dumps(dict(outputs)) if outputs else None, session_id),
            )

    def set_status(
        self,
        session_id: int,
        status: str,
        *,
        result_json: str | None = None,
        completed_at: str | None = None,
    ) -> None:
        assert status in STATUSES
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at), result_json = COALESCE(?, result_json) WHERE id = ?",
                (status, now(), completed_at, result_json, session_id),
            )

    def set_client(self, session_id: int, client: str | None) -> None:
        client_id = self.client_id(client, create=True) if client else None
        with self._write() as db:
            db.execute("UPDATE sessions SET client_id = ? WHERE id = ?", (client_id, session_id))

    def answers(self, session_id: int) -> dict[str, object]:
        """The stored answers as plain JSON values, in question order."""
        rows = self.db.execute(
            "SELECT question_id, value_json FROM answers WHERE session_id = ? ORDER BY position, question_id",
            (session_id,),
        ).fetchall()
        return _decoded(rows)

    def answers_of(
        self, session_ids: Iterable[int], chunk: int = 200
    ) -> Iterator[tuple[int, dict[str, object]]]:
        """The stored answers of many sessions, one session at a time in the order given, read
        ``chunk`` sessions to a query (a round trip per session costs more than its rows), so
        at most one chunk is held at a time."""
        pending: list[int] = []
        for session_id in session_ids:
            pending.append(session_id)
            if len(pending) == chunk:
                yield from self._answers_chunk(pending)
                pending = []
        if pending:
            yield from self._answers_chunk(pending)

    def _answers_chunk(self, ids: list[int]) -> Iterator[tuple[int, dict[str, object]]]:
        marks = ", ".join("?" * len(ids))
        rows: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
        for session_id, qid, value in self.db.execute(
            f"SELECT session_id, question_id, value_json FROM answers WHERE session_id IN ({marks}) "
            "ORDER BY session_id, position, question_id",
            ids,
        ):
            rows[session_id].append((qid, value))
        for session_id in ids:
            yield session_id, _decoded(rows[session_id])

    def session(self, session_id: int) -> SessionRow:
        row = self.db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise UsageError(f"no session {session_id}; see: imbalance sessions list")
        return SessionRow(*row)

    def result_json(self, session_id: int) -> str | None:
        row = self.db.execute(
            "SELECT result_json FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return None if row is None else row[0]

    def sessions(self, client: str | None = None, limit: int | None = None) -> list[SessionRow]:
        """Sessions, newest first, optionally for one client."""
        query = (
            f"SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id"
        )
        params: list[object] = []
        if client is not None:
            query += " WHERE c.name = ? COLLATE NOCASE"
            params.append(client)
        query += " ORDER BY s.started_at DESC, s.id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [SessionRow(*row) for row in self.db.execute(query, params).fetchall()]

    def session_count(self, client: str | None = None) -> int:
        """How many sessions there are, optionally for one client."""
        query = "SELECT COUNT(*) FROM sessions s"
        params: list[object] = []
        if client is not None:
            query += " JOIN clients c ON c.id = s.client_id WHERE c.name = ? COLLATE NOCASE"
            params.append(client)
        return int(self.db.execute(query, params).fetchone()[0])

    def latest_unfinished(self) -> SessionRow | None:
        row = self.db.execute(
            f"""SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id
                WHERE s.status != 'complete' ORDER BY s.updated_at DESC, s.id DESC LIMIT 1"""
        ).fetchone()
        return SessionRow(*row) if row else None

    def discard_if_empty(self, session_id: int) -> None:
        """After a failed run: remove the session if nothing was saved in it, and its client if
        that leaves them with no session, so a failure leaves nothing empty behind."""
        with contextlib.suppress(sqlite3.Error), self._write() as db:
            if db.execute("SELECT 1 FROM answers WHERE session_id = ?", (session_id,)).fetchone():
                return
            row = db.execute(
                "SELECT client_id FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            if row is not None and row[0] is not None:
                db.execute(
                    "DELETE FROM clients WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM sessions WHERE client_id = ?)",
                    (row[0], row[0]),
                )

    def fingerprints(self) -> dict[str, int]:
        """Every stored session's fingerprint, and its id (the oldest of equal ones)."""
        answers: dict[int, dict[str, object]] = {}
        for session_id, qid, value in self.db.execute(
            "SELECT session_id, question_id, value_json FROM answers"
        ):
            try:
                answers.setdefault(session_id, {})[qid] = json.loads(value)
            except (TypeError, ValueError):
                answers.setdefault(session_id, {})[qid] = value
        out: dict[str, int] = {}
        for session_id, qid, sha, started in self.db.execute(
            "SELECT id, questionnaire_id, questionnaire_sha256, started_at FROM sessions "
            "ORDER BY id DESC"
        ):
            out[fingerprint(qid, sha, started, answers.get(session_id, {}))] = int(session_id)
        return out

    def add_sessions(self, records: Sequence[NewSession]) -> list[int]:
        """Add sessions from another store in one transaction: all of them, or, on any error,
        none. Returns their new ids, in order."""
        ids: list[int] = []
        with self._write() as db:
            for record in records:
                client_id = None
                if record.client:
                    found = db.execute(
                        "SELECT id FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id",
                        (record.client,),
                    ).fetchone()
                    if found is None:
                        cursor = db.execute(
                            "INSERT INTO clients(name, created_at) VALUES (?, ?)",
                            (record.client, now()),
                        )
                        client_id = cursor.lastrowid
                    else:
                        client_id = found[0]
                previous = record.previous_id
                if record.previous_index is not None:
                    previous = ids[record.previous_index]
                cursor = db.execute(
                    """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                       questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                       completed_at, worst_pain, result_json, warning, previous_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        client_id, record.questionnaire_id, record.version, record.sha256,
                        record.source, record.status, record.started_at, record.updated_at,
                        record.completed_at, record.worst_pain, record.result_json,
                        record.warning, previous,
                    ),
                )  # fmt: skip
                session_id = int(cursor.lastrowid or 0)
                db.executemany(
                    """INSERT INTO answers(session_id, question_id, position, value_json,
                       answered_at) VALUES (?, ?, ?, ?, ?)""",
                    [(session_id, q, n, v, record.updated_at) for q, n, v in record.answers],
                )
                ids.append(session_id)
        return ids

    def delete_session(self, session_id: int) -> None:
        self.session(session_id)
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        self._checkpoint()

    def _checkpoint(self) -> None:
        """Fold the write-ahead log into the main file so deleted rows do not linger in it."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
