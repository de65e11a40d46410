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
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from imbalance_cli.errors import StoreError, UsageError
from imbalance_cli.model import AnswerValue, to_plain
from imbalance_cli.store.clients import ClientRecords, new_uuid
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
from imbalance_cli.store.schema import MIGRATIONS, SCHEMA_VERSION, STATUSES

if TYPE_CHECKING:
    from imbalance_cli.store.gym import AuditEntry

__all__ = [
    "DAMAGED",
    "FILENAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "ClientRow",
    "Db",
    "NewSession",
    "Rows",
    "SessionRow",
    "Store",
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


class Store(ClientRecords):
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
        values = (client_id, questionnaire_id, version, sha256, source, stamp, stamp)
        with self._write() as db:
            row = db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   previous_id, author)
                   VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?) RETURNING id""",
                (*values, previous, self.author),
            ).fetchone()
            return int(row[0])

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
                        """INSERT INTO answers(session_id, question_id, position, value_json,
                           answered_at, author) VALUES (?, ?, ?, ?, ?, ?)
                           ON CONFLICT(session_id, question_id) DO UPDATE SET
                           value_json = excluded.value_json, answered_at = excluded.answered_at,
                           position = excluded.position, author = excluded.author""",
                        (session_id, qid, order.get(qid, 0), encoded, stamp, self.author),
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
        out: dict[str, object] = {}
        for qid, value in rows:
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

    def latest_unfinished(self) -> SessionRow | None:
        row = self.db.execute(
            f"""SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id
                WHERE s.status != 'complete' ORDER BY s.updated_at DESC, s.id DESC LIMIT 1"""
        ).fetchone()
        return SessionRow(*row) if row else None

    def discard_if_empty(self, session_id: int) -> None:
        """After a failed run: remove the session if nothing was saved in it, and its client if
        that leaves them with no session, so a failure leaves nothing empty behind."""
        with contextlib.suppress(StoreError), self._write() as db:
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
            sessions.append((session_id, *values))
            stamps = record.answered or ((record.updated_at, author),) * len(record.answers)
            answers += [
                (session_id, q, n, v, when, who or author)
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

    def delete_session(self, session_id: int) -> None:
        self.session(session_id)
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        self._checkpoint()


#: The columns of a session brought in, and their placeholders.
_NEW_SESSION = """client_id, questionnaire_id, questionnaire_version, questionnaire_sha256,
    questionnaire_source, status, started_at, updated_at, completed_at, worst_pain, result_json,
    warning, previous_id, author"""
_NEW_ANSWER = "session_id, question_id, position, value_json, answered_at, author"


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
