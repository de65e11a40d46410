"""Saved sessions: an SQLite file in the data directory, one row per answer, committed as it is
given, so Ctrl-C, a closed terminal, a crash or ``kill -9`` lose at most the question on screen.

The folder is 0700 and the files 0600. ``PRAGMA user_version`` versions the schema: migrations
run forward in one transaction, and a store written by a newer imbalance is refused, untouched.
WAL mode and a busy timeout let several ``imbalance`` processes use one store at once; deletes
overwrite what they remove (secure_delete), since this is health data. Two writers never answer
one session at once (a lease per session, and a revision on every answer: ``writing.py``), and
an import adds each session once however many run together (``imports.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from imbalance_cli.errors import ImbalanceError, UsageError
from imbalance_cli.files import private_dir
from imbalance_cli.store.answering import Answering, now, transaction

if TYPE_CHECKING:
    from imbalance_cli.store.imports import Importing
from imbalance_cli.store.rows import (
    _SESSION_COLUMNS,
    DAMAGED,
    NewSession,
    SessionRow,
    fingerprint,
    worst_pain,
)
from imbalance_cli.store.schema import MIGRATIONS, SCHEMA_VERSION, STATUSES, backfill
from imbalance_cli.store.writing import (
    Lease,
    LeaseLost,
    SessionGone,
    SessionHeld,
    StaleAnswers,
    Take,
    Writer,
)

__all__ = [
    "DAMAGED",
    "FILENAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "Lease",
    "LeaseLost",
    "NewSession",
    "SessionGone",
    "SessionHeld",
    "SessionRow",
    "StaleAnswers",
    "Store",
    "Take",
    "Writer",
    "fingerprint",
    "now",
    "store_error",
    "worst_pain",
]

FILENAME = "imbalance.db"


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


class Store(Answering):
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
                backfill(db, current)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return transaction(self.db)

    def importing(self) -> contextlib.AbstractContextManager[Importing]:
        """One import: sessions added in batches inside one write transaction, each looked up
        first, so that any number of imports of one bundle add it once (``imports.py``)."""
        from imbalance_cli.store.imports import importing

        return importing(self.db)

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

    def set_outputs(self, session_id: int, outputs: Mapping[str, str]) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET outputs_json = ? WHERE id = ?",
                (json.dumps(dict(outputs)) if outputs else None, session_id),
            )

    def set_client(self, session_id: int, client: str | None) -> None:
        client_id = self.client_id(client, create=True) if client else None
        with self._write() as db:
            db.execute("UPDATE sessions SET client_id = ? WHERE id = ?", (client_id, session_id))

    def answers(
        self, session_id: int, revisions: dict[str, int] | None = None
    ) -> dict[str, object]:
        """The stored answers as plain JSON values, in question order; ``revisions``, if given,
        receives the revision of each (read in the same query)."""
        rows = self.db.execute(
            "SELECT question_id, value_json, revision FROM answers WHERE session_id = ? "
            "ORDER BY position, question_id",
            (session_id,),
        ).fetchall()
        out: dict[str, object] = {}
        for qid, value, revision in rows:
            if revisions is not None:
                revisions[str(qid)] = int(revision)
            try:
                out[str(qid)] = json.loads(value)
            except (TypeError, ValueError):
                # A damaged row: every other answer still comes back, and this one is named.
                out[str(qid)] = DAMAGED
        return out

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
