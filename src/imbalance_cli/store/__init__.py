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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    from imbalance_cli.store.readonly import why_read_only

    text = str(exc)
    lowered = text.lower()
    why = why_read_only(path)
    cannot_open = "unable to open" in lowered or "disk i/o" in lowered
    if "readonly" in lowered or "read-only" in lowered or (why and cannot_open):
        because = f": {why}" if why else ""
        return ImbalanceError(
            f"the session store at {path} is read-only{because} ({text}); nothing was changed. "
            "Commands that only read it (sessions list, show and export, clients list, compare, "
            "progress) still work; to change it, use a folder you can write to (--data-dir) or "
            "make it writable"
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
        f"the session store at {path} cannot be read ({text}). Rescue the sessions that can "
        "still be read with 'imbalance store salvage --out rescued.json', then move it aside: "
        "imbalance will start a new one, and 'imbalance sessions import rescued.json' brings "
        "them back"
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


def no_such_client(name: str, names: Sequence[str]) -> str:
    """The message for a client name not in the store, with the nearest names: those whose
    words start with every word typed ("sam" finds "Sam Rivera"), else those spelled alike
    ("Sma Rivera")."""
    import difflib

    typed = name.lower().split()
    found = [
        n
        for n in names
        if typed and all(any(w.startswith(t) for w in n.lower().split()) for t in typed)
    ]
    if not found:
        lowered = {n.lower(): n for n in names}
        found = [
            lowered[n]
            for n in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
        ]
    hint = ""
    if found:
        shown = " or ".join(f"'{n}'" for n in found[:3])
        hint = f"; did you mean {shown}?"
    return f"there is no client called '{name}'{hint} (see: imbalance clients list)"


class Store(Answering):
    """The session store. Open with ``Store.open(folder)``; close with ``close()``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, folder: Path, *, read_only: bool = False) -> Store:
        """The store in ``folder``, made (and migrated) as needed. With ``read_only``, for
        commands that only read, an existing store is opened without writing anything, so a
        read-only mount or folder can still be listed and exported."""
        path = folder / FILENAME
        if read_only and str(folder).strip() and path.is_file():
            found = cls._open_read_only(path)
            if found is not None:
                return found
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

    @classmethod
    def _open_read_only(cls, path: Path) -> Store | None:
        """The store opened for reading only, or None when it must be migrated first (which
        writes: the normal open does it, or says why it cannot)."""
        from imbalance_cli.store import readonly

        try:
            connection = readonly.connect(path)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise store_error(path, exc) from None
        store = cls(connection, path)
        if version == SCHEMA_VERSION:
            return store
        connection.close()
        if version > SCHEMA_VERSION:
            store._refuse_newer(version)
        return None

    def _refuse_newer(self, version: int) -> None:
        raise ImbalanceError(
            f"the session store at {self.path} was written by a newer imbalance "
            f"(schema {version}, this one knows up to {SCHEMA_VERSION}); upgrade imbalance "
            "to use it. Nothing was changed."
        )

    def _prepare(self) -> None:
        db = self.db
        db.execute("PRAGMA busy_timeout = 30000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._refuse_newer(version)
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

    def _find_client(self, name: str) -> tuple[int, str] | None:
        """A client's (id, stored name), without regard to case ("Ann" and "ann" are one
        client). A name stored before names were cleaned where they enter (one with escape
        sequences, say) is found by its cleaned form, which is all anyone can type now."""
        row = self.db.execute(
            "SELECT id, name FROM clients WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        ).fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        from imbalance_cli.text import person_name

        wanted = person_name(name).casefold()
        for client_id, stored in self.db.execute("SELECT id, name FROM clients ORDER BY id"):
            if person_name(str(stored)).casefold() == wanted:
                return int(client_id), str(stored)
        return None

    def client_id(self, name: str, *, create: bool) -> int | None:
        """A client by name, without regard to case ("Ann" and "ann" are one client)."""
        found = self._find_client(name)
        if found is not None:
            return found[0]
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

    def known_client(self, name: str) -> str:
        """The stored spelling of a client's name; a usage error naming the nearest names when
        there is no such client (a typo, or a first name alone)."""
        found = self._find_client(name)
        if found is None:
            raise UsageError(no_such_client(name, [n for n, _, _ in self.clients()]))
        return found[1]

    def client_name(self, name: str) -> str:
        """The stored spelling of a client's name, or the name given when there is none yet."""
        found = self._find_client(name)
        return found[1] if found is not None else name

    def clients(self) -> list[tuple[str, int, str | None]]:
        """(name, number of sessions, last session start) for every client."""
        rows = self.db.execute(
            """SELECT c.name, COUNT(s.id), MAX(s.started_at) FROM clients c
               LEFT JOIN sessions s ON s.client_id = c.id GROUP BY c.id ORDER BY c.name"""
        ).fetchall()
        return [(str(r[0]), int(r[1]), r[2]) for r in rows]

    def rename_client(self, name: str, new: str) -> str:
        """Give a client a new name (or spelling); returns the old stored spelling."""
        self.known_client(name)
        client = self.client_id(name, create=False)
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
        for name in (source, target):
            self.known_client(name)
        from_id = self.client_id(source, create=False)
        into_id = self.client_id(target, create=False)
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
        self.known_client(name)
        client = self.client_id(name, create=False)
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
        if revisions is not None:
            revisions.update((str(qid), int(revision)) for qid, _, revision in rows)
        return _decoded((qid, value) for qid, value, _ in rows)

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
            found = self._find_client(client)
            query += " WHERE c.id = ?"
            params.append(found[0] if found is not None else -1)
        query += " ORDER BY s.started_at DESC, s.id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [SessionRow(*row) for row in self.db.execute(query, params).fetchall()]

    def session_count(self, client: str | None = None) -> int:
        """How many sessions there are, optionally for one client (found as ``sessions``
        finds them: by name, or by the cleaned form of a name stored raw)."""
        query = "SELECT COUNT(*) FROM sessions s"
        params: list[object] = []
        if client is not None:
            found = self._find_client(client)
            query += " WHERE s.client_id = ?"
            params.append(found[0] if found is not None else -1)
        return int(self.db.execute(query, params).fetchone()[0])

    def latest_unfinished(self) -> SessionRow | None:
        row = self.db.execute(
            f"""SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id
                WHERE s.status != 'complete' ORDER BY s.updated_at DESC, s.id DESC LIMIT 1"""
        ).fetchone()
        return SessionRow(*row) if row else None

    def discard_if_empty(self, session_id: int, writer: Writer | None = None) -> bool:
        """After a failed or stopped run: remove the session if nothing was saved in it, with
        its lease, and its client if that leaves them with no session, so a failure leaves
        nothing empty behind; True if it was removed. With a ``writer``, a session another
        writer holds now (taken over meanwhile) is left to it."""
        try:
            with self._write() as db:
                if db.execute(
                    "SELECT 1 FROM answers WHERE session_id = ?", (session_id,)
                ).fetchone():
                    return False
                lease = self.lease(session_id)
                holder = lease.token if lease is not None and lease.held else None
                if writer is not None and holder not in (None, writer.token):
                    return False  # taken over meanwhile: it is the other's now
                row = db.execute(
                    "SELECT client_id FROM sessions WHERE id = ?", (session_id,)
                ).fetchone()
                if row is None:
                    return False
                db.execute("DELETE FROM leases WHERE session_id = ?", (session_id,))
                db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                if row[0] is not None:
                    db.execute(
                        "DELETE FROM clients WHERE id = ? AND NOT EXISTS "
                        "(SELECT 1 FROM sessions WHERE client_id = ?)",
                        (row[0], row[0]),
                    )
                return True
        except sqlite3.Error:
            return False

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
