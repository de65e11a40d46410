"""Saved sessions: one interface (``Store``) over two engines, chosen by where the store is.

- ``store.sqlite``: an SQLite file in the data directory, the default, nothing to set up.
- ``store.postgres``: a PostgreSQL server a gym shares (``--store postgresql://...``), with a
  role per trainer and row-level security in the database; psycopg is imported only then.

Both keep one row per answer, committed as it is given, so Ctrl-C, a closed terminal, a crash,
``kill -9`` or a dropped connection lose at most the question on screen. Both are built by the
one list of versioned migrations in ``schema.py``; a store written by a newer imbalance is
refused, untouched. The SQL below is written once for both: ``?`` for parameters (the
PostgreSQL engine turns them into its own), ``RETURNING`` for new keys, ``lower()`` to match
names without regard to case. Each engine turns its driver's errors into the project's
``StoreError`` family, so nothing above this package knows which engine it talks to.

Two writers never answer one session at once (a lease per session, and a revision on every
answer: ``writing.py``, written by ``answering.py``), and an import adds each session once
however many run together (``imports.py``), on either engine.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from imbalance_cli.errors import StoreError, UsageError
from imbalance_cli.store.answering import Answering
from imbalance_cli.store.bulk import Copying
from imbalance_cli.store.clients import ClientRecords, new_uuid
from imbalance_cli.store.programmes import Programmes
from imbalance_cli.store.rows import (
    _SESSION_COLUMNS,
    DAMAGED,
    ClientRow,
    Db,
    NewSession,
    Rows,
    SessionRow,
    fingerprint,
    now,
    worst_pain,
)
from imbalance_cli.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    STATUSES,
    backfill_fingerprints,
    backfill_warnings,
)
from imbalance_cli.store.writing import (
    Lease,
    LeaseLost,
    SessionGone,
    SessionHeld,
    StaleAnswers,
    Take,
    Writer,
)

if TYPE_CHECKING:
    from imbalance_cli.store.gym import AuditEntry
    from imbalance_cli.store.imports import Importing

__all__ = [
    "DAMAGED",
    "FILENAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "ClientRow",
    "Db",
    "Lease",
    "LeaseLost",
    "NewSession",
    "Rows",
    "SessionGone",
    "SessionHeld",
    "SessionRow",
    "StaleAnswers",
    "Store",
    "Take",
    "Writer",
    "fingerprint",
    "is_url",
    "local_account",
    "new_uuid",
    "now",
    "open_store",
    "redacted",
    "worst_pain",
]

FILENAME = "imbalance.db"
#: The same store once encrypted (store/encrypted.py).
ENCRYPTED_FILENAME = "imbalance.encrypted.db"
#: The URL schemes that name a PostgreSQL server.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def local_account() -> str:
    """Who writes to a store on this computer: the account imbalance runs as, found as
    getpass.getuser finds it (the login variables, then the password file), without importing
    getpass and the terminal modules it brings."""
    import os

    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        name = os.environ.get(variable)
        if name:
            return name
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # Windows, or a uid with no entry
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "this computer's account"


def is_url(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def redacted(url: str, mask: str = "***") -> str:
    """A store URL with its password masked (for messages), or, with ``mask=""``, left out
    (for commands to suggest: libpq then finds it in ~/.pgpass or PGPASSWORD)."""
    import re

    base, _, query = url.partition("?")
    base = re.sub(
        r"^(postgres(?:ql)?://[^:/@]*):[^@/]*@", rf"\1{':' + mask if mask else ''}@", base
    )
    params = [p for p in query.split("&") if p]
    if mask:
        params = [f"password={mask}" if p.startswith("password=") else p for p in params]
    else:
        params = [p for p in params if not p.startswith("password=")]
    return base + ("?" + "&".join(params) if params else "")


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


_S = TypeVar("_S", bound="Store")


class Store(Answering, Copying, ClientRecords, Programmes):
    """The session store. Open one with ``open_store()``; close it with ``close()`` (or use it
    as a context manager). The engines fill in how to connect, how to take a write
    transaction, and how to say where the store is."""

    #: "sqlite" or "postgresql"
    engine: str = ""
    db: Db
    #: Who writes: the local account, or the trainer's database role.
    author: str = ""

    @property
    def where(self) -> str:
        """Where the store is, for messages (a path, or a URL without its password)."""
        raise NotImplementedError

    def _write(self) -> contextlib.AbstractContextManager[Db]:
        """One write transaction; concurrent writers queue instead of failing."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what only a gym's shared store has (the PostgreSQL engine fills these in) ------------

    def share(self, client: str, trainer: str, *, stop: bool = False) -> str:
        raise _local_only("sharing a client")

    def assign(self, client: str, trainer: str) -> tuple[str, str]:
        raise _local_only("assigning a client")

    def audit(self, **where: Any) -> list[AuditEntry]:
        raise _local_only("the audit")

    def record(
        self,
        action: str,
        sessions: Sequence[int] = (),
        client: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Audit a read or an export (a store on this computer keeps no audit: it is one
        account's own)."""

    def reconnect(self) -> bool:
        """After a lost connection: connect again (a server may take a few seconds to come
        back). True when the store answers again; an embedded store never loses one."""
        return False

    def integrity(self) -> str:
        """The engine's check of the store: "ok", or what it found wrong."""
        return "ok"

    def _statements(self, script: str) -> list[str]:
        """A migration's script as the engine runs it: one statement at a time by default."""
        return [s for s in script.split(";") if s.strip()]

    def _migrate(self, current: int) -> None:
        """Run the migrations after ``current`` inside the caller's write transaction."""
        for step in range(current, SCHEMA_VERSION):
            migration = MIGRATIONS[step]
            for statement in self._statements(migration.script(self.engine)):
                self.db.execute(statement)
            if migration.then:
                getattr(self, migration.then)()

    def _backfill_identities(self) -> None:
        """Clients made before ids were kept get one; sessions and answers written before
        authorship was recorded are the store's own account's (a laptop's store has one)."""
        for (client,) in self.db.execute("SELECT id FROM clients WHERE uuid IS NULL").fetchall():
            self.db.execute("UPDATE clients SET uuid = ? WHERE id = ?", (new_uuid(), client))
        self.db.execute("UPDATE sessions SET author = ? WHERE author IS NULL", (self.author,))
        self.db.execute("UPDATE answers SET author = ? WHERE author IS NULL", (self.author,))

    def _backfill_warnings(self) -> None:
        """Sessions completed before warnings were recorded: read them from their results."""
        backfill_warnings(self.db)

    def _backfill_fingerprints(self) -> None:
        """Every session's fingerprint, worked out from its stored answers."""
        backfill_fingerprints(self.db)

    def importing(self, *, bulk: bool = True) -> contextlib.AbstractContextManager[Importing]:
        """One import: sessions added in batches inside one write transaction, each looked up
        first, so that any number of imports of one bundle add it once (``imports.py``).
        ``bulk=False``: a session to a statement, on every engine."""
        from imbalance_cli.store.imports import importing

        return importing(self, bulk=bulk)

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
            if not db.execute(
                "UPDATE sessions SET client_id = ? WHERE id = ?", (client_id, session_id)
            ).rowcount:
                raise UsageError(
                    f"session {session_id} is not yours to attach (or there is no such "
                    "session); nothing was changed"
                )

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
            rows[int(session_id)].append((qid, value))
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
        """Sessions, newest first, optionally for one client (by name or id)."""
        query = (
            f"SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id"
        )
        params: list[object] = []
        if client is not None:
            found = self._one_client(client)
            if found is None:
                return []
            query += " WHERE s.client_id = ?"
            params.append(found[0])
        query += " ORDER BY s.started_at DESC, s.id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [SessionRow(*row) for row in self.db.execute(query, params).fetchall()]

    def session_count(self, client: str | None = None) -> int:
        """How many sessions there are, optionally for one client (found as ``sessions``
        finds them: by name or id, or by the cleaned form of a name stored raw)."""
        query = "SELECT COUNT(*) FROM sessions s"
        params: list[object] = []
        if client is not None:
            found = self._one_client(client)
            if found is None:
                return 0
            query += " WHERE s.client_id = ?"
            params.append(found[0])
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
        except StoreError:
            return False

    def fingerprints(self) -> dict[str, int]:
        """Every stored session's fingerprint (kept as its answers are saved), and its id (the
        oldest of equal ones)."""
        return {
            str(key): int(session_id)
            for session_id, key in self.db.execute(
                "SELECT id, fingerprint FROM sessions WHERE fingerprint IS NOT NULL "
                "ORDER BY id DESC"
            )
        }

    def delete_session(self, session_id: int) -> None:
        """Delete a session; a usage error when nothing was deleted (a shared store's session
        that this trainer may see but not delete, or one deleted meanwhile)."""
        self.session(session_id)
        with self._write() as db:
            if not db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount:
                raise UsageError(
                    f"session {session_id} is not yours to delete: only its author, the "
                    "trainer its client is assigned to, or an owner can; nothing was deleted"
                )
        self._checkpoint()


def _local_only(what: str) -> UsageError:
    return UsageError(
        f"{what} is for a gym's shared PostgreSQL store (--store postgresql://...); a store "
        "on this computer is only its account's"
    )


def open_store(
    location: str | Path | None = None,
    ask_password: Callable[[str], str] | None = None,
    *,
    read_only: bool = False,
) -> Store:
    """The store at ``location``: a ``postgresql://`` URL, or a data directory (its SQLite
    file); by default the one the command line chose (``--store``, ``$IMBALANCE_STORE``, else
    the data directory). psycopg is imported only for a URL. When the server asks for a
    password that nobody gave, ``ask_password`` (given a prompt) is asked once, if given.
    ``read_only``: for commands that only read, an SQLite store is opened without writing
    anything, so a read-only folder still serves them (a server's rights are its own)."""
    if location is None:
        from imbalance_cli import resources

        location = resources.store_location()
    if isinstance(location, str) and is_url(location):
        from imbalance_cli.store.postgres import PasswordNeeded, PostgresStore

        try:
            return PostgresStore.open(location)
        except PasswordNeeded:
            if ask_password is None:
                raise
            password = ask_password(f"Password for {redacted(location)}: ")
            return PostgresStore.open(location, password=password)
    from imbalance_cli.store.sqlite import SqliteStore

    return SqliteStore.open(Path(location), ask_password, read_only=read_only)
