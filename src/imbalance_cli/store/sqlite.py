"""The embedded engine: an SQLite file, ``imbalance.db``, in the data directory.

The folder is 0700 and the files 0600. ``PRAGMA user_version`` holds the schema's version:
migrations run forward in one transaction, and a store written by a newer imbalance is refused,
untouched. WAL mode and a busy timeout let several ``imbalance`` processes use one store at
once; deletes overwrite what they remove (secure_delete), since this is health data.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from imbalance_cli.errors import ImbalanceError, StoreConflict, StoreError, UsageError
from imbalance_cli.files import private_dir
from imbalance_cli.store import (
    ENCRYPTED_FILENAME,
    FILENAME,
    SCHEMA_VERSION,
    Db,
    Store,
    local_account,
)


def store_error(path: Path, exc: Exception) -> StoreError:
    """A clear message for what went wrong with the store; "move it aside" only when the file
    itself cannot be read as a store."""
    from imbalance_cli.store.readonly import why_read_only

    text = str(exc)
    lowered = text.lower()
    if type(exc).__name__ == "IntegrityError":  # sqlite3's, or SQLCipher's own
        return StoreConflict(f"the session store at {path} refused the change ({text})")
    why = why_read_only(path)
    cannot_open = "unable to open" in lowered or "disk i/o" in lowered
    if "readonly" in lowered or "read-only" in lowered or (why and cannot_open):
        because = f": {why}" if why else ""
        return StoreError(
            f"the session store at {path} is read-only{because} ({text}); nothing was changed. "
            "Commands that only read it (sessions list, show and export, clients list, compare, "
            "progress) still work; to change it, use a folder you can write to (--data-dir) or "
            "make it writable"
        )
    if "disk is full" in lowered or "disk i/o" in lowered:
        return StoreError(
            f"the session store at {path} could not be written: {text}. Free some space; "
            "everything already saved is kept"
        )
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"the session store at {path} has been locked by another imbalance for over 30 s; "
            "finish or close the other one and try again"
        )
    if "unable to open" in lowered:
        return StoreError(f"cannot open the session store at {path} ({text})")
    return StoreError(
        f"the session store at {path} cannot be read ({text}). Rescue the sessions that can "
        "still be read with 'imbalance store salvage --out rescued.json', then move it aside: "
        "imbalance will start a new one, and 'imbalance sessions import rescued.json' brings "
        "them back"
    )


class _Rows:
    """A statement's rows, read at once, so a driver error can only come from ``execute``."""

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


class _Db:
    """The connection as the shared SQL uses it: the driver's errors (sqlite3's, or SQLCipher's
    for an encrypted store) become ``StoreError``s."""

    def __init__(
        self, connection: Any, path: Path, errors: type[Exception] = sqlite3.Error
    ) -> None:
        self.connection = connection
        self.path = path
        self.errors = errors

    def execute(self, sql: str, params: Sequence[object] = ()) -> _Rows:
        try:
            cursor = self.connection.execute(sql, params)
            return _Rows(cursor.fetchall(), cursor.rowcount)
        except self.errors as exc:
            raise store_error(self.path, exc) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except self.errors as exc:
            raise store_error(self.path, exc) from None


class SqliteStore(Store):
    """The store in a data directory's ``imbalance.db``."""

    engine = "sqlite"

    def __init__(
        self, connection: Any, path: Path, errors: type[Exception] = sqlite3.Error
    ) -> None:
        self.connection = connection
        self.path = path
        self.db = _Db(connection, path, errors)
        self.author = local_account()
        #: An SQLCipher store (its driver's errors are its own).
        self.encrypted = errors is not sqlite3.Error

    @property
    def where(self) -> str:
        return str(self.path)

    @classmethod
    def open(
        cls, folder: Path, ask: Callable[[str], str] | None = None, *, read_only: bool = False
    ) -> SqliteStore:
        """The store in ``folder``: its encrypted file if it has one (the passphrase from the
        environment, the keyring, or ``ask``), else the plain one, made (and migrated) as
        needed. With ``read_only``, for commands that only read, an existing plain store is
        opened without writing anything, so a read-only mount or folder can still be listed
        and exported."""
        path = folder / FILENAME
        if str(folder).strip() and (folder / ENCRYPTED_FILENAME).exists():
            return cls._open_encrypted(folder / ENCRYPTED_FILENAME, path, ask)
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
        # New files (the store, its write-ahead log) are created private; SQLite gives the log
        # the store's mode. Existing files keep theirs.
        old_umask = os.umask(0o077)
        try:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            store = cls(connection, path)
            try:
                store._prepare()
            except BaseException:
                connection.close()
                raise
        except sqlite3.Error as exc:
            raise store_error(path, exc) from None
        finally:
            os.umask(old_umask)
        return store

    @classmethod
    def _open_read_only(cls, path: Path) -> SqliteStore | None:
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

    @classmethod
    def _open_encrypted(
        cls, path: Path, plain: Path, ask: Callable[[str], str] | None
    ) -> SqliteStore:
        from imbalance_cli.store import encrypted

        if plain.exists():
            raise StoreError(
                f"both {plain} and the encrypted {path} exist: a store encrypt was stopped part "
                "way; run imbalance store encrypt again to finish it"
            )
        connection = encrypted.connect(path, encrypted.passphrase_for(path, ask))
        store = cls(connection, path, encrypted.driver().Error)
        try:
            store._prepare()
        except BaseException:
            connection.close()
            raise
        return store

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
                self._migrate(current)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def _write(self) -> Iterator[Db]:
        """One write transaction, taken up front so concurrent writers queue instead of failing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            with contextlib.suppress(StoreError):
                self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    def _checkpoint(self) -> None:
        """Fold the write-ahead log into the main file so deleted rows do not linger in it."""
        with contextlib.suppress(StoreError):
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
