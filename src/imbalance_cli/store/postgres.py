"""The shared engine: a PostgreSQL server a gym runs (``--store postgresql://...``).

psycopg 3 (the ``postgres`` extra) is imported here and nowhere else, and this module only when
a URL is given, so a laptop's start-up never pays for it. The tables live in the schema
``imbalance`` of the database the URL names; ``imbalance admin init`` creates and upgrades
them (a trainer's role may not change the schema, so opening never migrates). The version is a
row of ``imbalance.meta``; a store of a newer imbalance is refused, untouched.

Every driver error becomes one of the project's store errors with a message a person can act
on: a wrong password or a role that is not a trainer (exit 2), a server that cannot be reached
or went away mid-run (exit 1), a change the database refused.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import (
    StoreAccessDenied,
    StoreConflict,
    StoreError,
    StoreUnavailable,
)
from imbalance_cli.store import SCHEMA_VERSION, Db, Store, redacted
from imbalance_cli.store.rows import _SESSION_COLUMNS, ClientRow, SessionRow

if TYPE_CHECKING:
    import psycopg

    from imbalance_cli.store.gym import AuditEntry

SCHEMA = "imbalance"
#: How long to wait for the server to answer a new connection, in seconds.
CONNECT_TIMEOUT = 10


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreAccessDenied(
            "a postgresql:// store needs psycopg, which is not installed; install it with: "
            "pip install 'imbalance-cli[postgres]'"
        ) from None
    return psycopg


class PasswordNeeded(StoreAccessDenied):
    """The server asks for a password and none was given (URL, PGPASSWORD, ~/.pgpass); the
    command line may ask for it on a terminal and open the store again."""


def connection_error(url: str, exc: Exception) -> StoreError:
    """What a failed connection means to a person, in one line."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    where = redacted(url)
    user = re.search(r'user "([^"]*)"', text)
    who = f"'{user.group(1)}'" if user else "this role"
    if "no password supplied" in lowered:
        return PasswordNeeded(
            f"the store at {where} asks for a password; put it in ~/.pgpass (or PGPASSWORD), "
            "or run imbalance on a terminal to be asked"
        )
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        return StoreAccessDenied(
            f"the store at {where} refused {who}: wrong password, or no such trainer"
        )
    role = re.search(r'role "([^"]*)" does not exist', text)
    if role:
        return StoreAccessDenied(
            f"the store at {where} has no role '{role.group(1)}'; the admin login (the one "
            "that ran admin init) adds a trainer with: imbalance --store ADMIN-URL admin "
            f"add-trainer {role.group(1)}"
        )
    database = re.search(r'database "([^"]*)" does not exist', text)
    if database:
        return StoreAccessDenied(
            f"the server of {where} has no database '{database.group(1)}'; check the URL"
        )
    if "permission denied for database" in lowered or "not permitted to log in" in lowered:
        return StoreAccessDenied(f"the store at {where} does not let {who} in ({text})")
    return StoreUnavailable(f"cannot reach the store at {where}: {text}")


def statement_error(where: str, exc: Exception) -> StoreError:
    """What a failed statement means: the connection lost, a change refused, no access."""
    psycopg = _driver()
    errors = psycopg.errors
    text = " ".join(str(exc).split())
    lost = (psycopg.OperationalError, psycopg.InterfaceError, errors.AdminShutdown)
    if isinstance(exc, (*lost, errors.CrashShutdown, errors.CannotConnectNow)):
        return StoreUnavailable(f"lost the connection to the store at {where} ({text})")
    primary = getattr(getattr(exc, "diag", None), "message_primary", None) or text
    if isinstance(exc, errors.InsufficientPrivilege):
        if "row-level security" in text:
            return StoreConflict(f"the store at {where} refused the change: it is not yours")
        if primary.startswith("only the trainer"):
            return StoreAccessDenied(f"{primary}; nothing was changed")
        return StoreAccessDenied(
            f"the store at {where} does not let this role do that ({text}); a trainer's or "
            "an owner's login does what a trainer may, and only the admin login (the one that "
            "ran admin init) adds trainers: imbalance --store ADMIN-URL admin add-trainer NAME"
        )
    if isinstance(exc, errors.CheckViolation) and primary.endswith("is not a trainer"):
        return StoreAccessDenied(f"{primary} of this store; nothing was changed")
    if isinstance(exc, psycopg.IntegrityError):
        return StoreConflict(f"the store at {where} refused the change ({text})")
    if isinstance(exc, (errors.UndefinedTable, errors.InvalidSchemaName)):
        return StoreAccessDenied(
            f"there is no imbalance store at {where}; the owner creates it with: "
            f"imbalance --store URL admin init"
        )
    return StoreError(f"the store at {where} failed: {text}")


#: The PostgreSQL type of each column a bulk insert fills.
_ARRAY_TYPES = {
    "id": "bigint", "client_id": "bigint", "questionnaire_id": "text",
    "questionnaire_version": "text", "questionnaire_sha256": "text",
    "questionnaire_source": "text", "status": "text", "started_at": "text",
    "updated_at": "text", "completed_at": "text", "worst_pain": "float8", "result_json": "text",
    "warning": "text", "previous_id": "bigint", "author": "text", "session_id": "bigint",
    "fingerprint": "text", "revision": "int", "import_key": "text",
    "question_id": "text", "position": "int", "value_json": "text", "answered_at": "text",
}  # fmt: skip


class _Rows:
    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


_PLACEHOLDERS: dict[str, str] = {}


def _native(sql: str) -> str:
    """The shared SQL's ``?`` placeholders as psycopg's ``%s`` (the SQL holds no '%')."""
    found = _PLACEHOLDERS.get(sql)
    if found is None:
        assert "%" not in sql, sql
        found = _PLACEHOLDERS[sql] = sql.replace("?", "%s")
    return found


class _Db:
    """The connection as the shared SQL uses it; psycopg's errors become ``StoreError``s."""

    def __init__(self, connection: psycopg.Connection[Any], where: str) -> None:
        self.connection = connection
        self.where = where

    def execute(self, sql: str, params: Sequence[object] = ()) -> _Rows:
        try:
            with self.connection.cursor() as cursor:
                if params:
                    cursor.execute(_native(sql), tuple(params))
                else:
                    cursor.execute(sql.encode())  # as written: no placeholders to fill
                rows = cursor.fetchall() if cursor.description is not None else []
                return _Rows(rows, cursor.rowcount)
        except _driver().Error as exc:
            raise statement_error(self.where, exc) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.executemany(_native(sql), [tuple(r) for r in rows])
        except _driver().Error as exc:
            raise statement_error(self.where, exc) from None


class PostgresStore(Store):
    """The store in a PostgreSQL database's ``imbalance`` schema."""

    engine = "postgresql"

    def __init__(
        self, connection: psycopg.Connection[Any], url: str, password: str | None = None
    ) -> None:
        self.connection = connection
        self.url = url
        self._password = password
        self.db = _Db(connection, redacted(url))

    @property
    def where(self) -> str:
        return redacted(self.url)

    @classmethod
    def connect(cls, url: str, password: str | None = None) -> PostgresStore:
        """A connection to the server, without looking at the schema."""
        psycopg = _driver()
        extra: dict[str, Any] = {"password": password} if password is not None else {}
        try:
            connection = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="imbalance",
                **extra,
            )
        except psycopg.Error as exc:
            raise connection_error(url, exc) from None
        except (ValueError, TypeError) as exc:  # psycopg's own check of the URL
            raise StoreAccessDenied(f"'{redacted(url)}' is not a usable store URL: {exc}") from None
        store = cls(connection, url, password)
        try:
            store.db.execute(f"SET search_path TO {SCHEMA}")
            store.author = str(store.db.execute("SELECT current_user").fetchone()[0])
        except BaseException:
            connection.close()
            raise
        return store

    @classmethod
    def open(cls, url: str, password: str | None = None) -> PostgresStore:
        """The store, checked: it exists, this role may use it, and its schema is this
        imbalance's."""
        store = cls.connect(url, password)
        try:
            version = store.schema_version()
            if (
                version is None
                and store.db.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = ?", (SCHEMA,)
                ).fetchone()
            ):
                raise StoreAccessDenied(
                    f"'{store.author}' is not a trainer of the store at {store.where}; the "
                    "admin login (the one that ran admin init) makes it one with: imbalance "
                    f"--store ADMIN-URL admin add-trainer {store.author} --existing"
                )
            if version is None:
                raise StoreAccessDenied(
                    f"there is no imbalance store at {store.where}; the owner creates it with: "
                    "imbalance --store URL admin init"
                )
            store._check_version(version)
        except BaseException:
            store.close()
            raise
        return store

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the session store at {self.where} was written by a newer imbalance "
                f"(schema {version}, this one knows up to {SCHEMA_VERSION}); upgrade imbalance "
                "to use it. Nothing was changed."
            )
        if version < SCHEMA_VERSION:
            raise StoreAccessDenied(
                f"the session store at {self.where} is at schema {version} and this imbalance "
                f"needs {SCHEMA_VERSION}; the owner upgrades it with: imbalance --store URL "
                "admin init"
            )

    def schema_version(self) -> int | None:
        """The store's version, or None when the database has no imbalance store yet."""
        found = self.db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
        if not found:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def initialise(self) -> tuple[int, int]:
        """Create the schema, or bring it up to this imbalance's version, in one transaction
        (others wait: one init at a time). Returns the versions before and after."""
        from imbalance_cli.store import gym

        with self._write() as db:
            db.execute("SELECT pg_advisory_xact_lock(hashtext('imbalance admin init'))")
            gym.ensure_roles(self)
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            db.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            current = self.schema_version() or 0
            if current > SCHEMA_VERSION:
                self._check_version(current)
            self._migrate(current)
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
            database = str(db.execute("SELECT current_database()").fetchone()[0])
            gym.grant(self, database, SCHEMA)
        return current, SCHEMA_VERSION

    def sql(self, template: str, *names: str, literal: str | None = None) -> None:
        """A statement naming roles, a database or a schema: ``{}`` for each name (quoted as
        an identifier), then one for ``literal`` if given (quoted as a string)."""
        from psycopg import sql

        parts: list[sql.Composable] = [sql.Identifier(n) for n in names]
        if literal is not None:
            parts.append(sql.Literal(literal))
        try:
            self.connection.execute(sql.SQL(template).format(*parts))
        except _driver().Error as exc:
            raise statement_error(self.where, exc) from None

    def url_for(self, role: str) -> str:
        """The URL a role uses to reach this store (no password in it)."""
        info = self.connection.info
        host = info.host if not info.host.startswith("/") else "localhost"
        port = "" if info.port == 5432 else f":{info.port}"
        return f"postgresql://{role}@{host}{port}/{info.dbname}"

    def hashed_password(self, role: str, password: str) -> str:
        """What the server stores for a password (SCRAM-SHA-256), made here with libpq."""
        hashed = self.connection.pgconn.encrypt_password(
            password.encode(), role.encode(), b"scram-sha-256"
        )
        return bytes(hashed).decode()

    # -- what only a shared store has (store/gym.py) --------------------------------------

    def clients(self) -> list[ClientRow]:
        from imbalance_cli.store import gym

        return gym.clients(self)

    def share(self, client: str, trainer: str, *, stop: bool = False) -> str:
        from imbalance_cli.store import gym

        return gym.share(self, client, trainer, stop=stop)

    def assign(self, client: str, trainer: str) -> tuple[str, str]:
        from imbalance_cli.store import gym

        return gym.assign(self, client, trainer)

    def record(
        self,
        action: str,
        sessions: Sequence[int] = (),
        client: str | None = None,
        detail: str | None = None,
    ) -> None:
        from imbalance_cli.store import gym

        gym.record(self, action, sessions, client, detail)

    def audit(self, **where: Any) -> list[AuditEntry]:
        from imbalance_cli.store import gym

        return gym.audit(self, **where)

    def latest_unfinished(self) -> SessionRow | None:
        """On a shared store: the latest unfinished session of this trainer's."""
        row = self.db.execute(
            f"""SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN clients c ON c.id = s.client_id
                WHERE s.status != 'complete' AND s.author = current_user
                ORDER BY s.updated_at DESC, s.id DESC LIMIT 1"""
        ).fetchone()
        return SessionRow(*row) if row else None

    def _note_merge(self, db: Db, from_id: int, into_id: int) -> None:
        db.execute(
            "SELECT audit_note('merge client', NULL, ?, (SELECT name || ' (' || uuid || ') -> ' "
            "FROM clients WHERE id = ?) || (SELECT name || ' (' || uuid || ')' FROM clients "
            "WHERE id = ?))",
            (into_id, from_id, into_id),
        )

    def _bulk_begins(self, db: Db, action: str) -> None:
        db.execute("SELECT set_config('imbalance.action', ?, true)", (action,))

    def _bulk_ends(self, db: Db) -> None:
        db.execute("SELECT numbering_past_kept_ids()")

    imports_in_bulk = True

    def _insert_imported(self, db: Db, rows: Sequence[Sequence[object]]) -> int:
        from imbalance_cli.store.bulk import IMPORTED_SESSION

        return self._unnest(
            "sessions", IMPORTED_SESSION, rows, " ON CONFLICT (import_key) DO NOTHING"
        )

    def _insert_rows(
        self, db: Db, table: str, columns: str, rows: Sequence[Sequence[object]]
    ) -> None:
        """One INSERT of arrays, one per column (a round trip per batch, not per row)."""
        self._unnest(table, columns, rows)

    def _unnest(
        self, table: str, columns: str, rows: Sequence[Sequence[object]], tail: str = ""
    ) -> int:
        """Rows into a table as one INSERT of arrays, one per column; how many went in."""
        if not rows:
            return 0
        types = [_ARRAY_TYPES[c.strip()] for c in columns.split(",")]
        arrays = [list(column) for column in zip(*rows, strict=True)]
        # %b: the arrays go in binary, with no quoting and escaping of every element (which
        # the text form spends most of a copy's time on)
        unnest = ", ".join(f"%b::{t}[]" for t in types)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table}({columns}) SELECT * FROM unnest({unnest}){tail}".encode(),
                    arrays,
                )
                return int(cursor.rowcount)
        except _driver().Error as exc:
            raise statement_error(self.where, exc) from None

    def _new_ids(self, db: Db, count: int) -> list[int]:
        if not count:
            return []
        rows = db.execute(
            "SELECT nextval('sessions_id_seq') FROM generate_series(1, ?)", (count,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def is_empty(self) -> bool:
        return bool(self.db.execute("SELECT never_used()").fetchone()[0])

    def _lock_session(self, db: Db, session_id: int) -> None:
        """Two writers of one session take turns: the second waits here for the first's
        transaction to end, then reads what it wrote (a row the trainer cannot see is not
        locked, and the write that follows finds it gone)."""
        db.execute("SELECT 1 FROM sessions WHERE id = ? FOR UPDATE", (session_id,))

    def _serialise(self, db: Any, key: str) -> None:
        db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))

    def _statements(self, script: str) -> list[str]:
        return [script]  # PostgreSQL takes a whole script (functions hold ';' of their own)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Db]:
        psycopg = _driver()
        try:
            with self.connection.transaction():
                yield self.db
        except psycopg.Error as exc:  # the commit itself failed
            raise statement_error(self.where, exc) from None

    def reconnect(self, attempts: int = 5, wait: float = 0.5) -> bool:
        import time

        psycopg = _driver()
        with contextlib.suppress(psycopg.Error):
            self.connection.close()
        for attempt in range(attempts):
            if attempt:
                time.sleep(wait * 2 ** (attempt - 1))
            try:
                fresh = PostgresStore.connect(self.url, self._password)
            except (StoreUnavailable, StoreAccessDenied):
                continue
            self.connection, self.db = fresh.connection, fresh.db
            return True
        return False

    def close(self) -> None:
        self.connection.close()
