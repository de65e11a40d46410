"""An encrypted store on this computer: SQLCipher (through ``sqlcipher3``, the ``encrypt``
extra), every page of the file encrypted with a key derived from a passphrase.

The encrypted store is its own file, ``imbalance.encrypted.db``, beside where the plain one
would be: which one a data directory holds is plain to see, and a damaged plain file is never
mistaken for an encrypted one. The passphrase comes from ``IMBALANCE_PASSPHRASE``, else the
system keyring (when the ``keyring`` package is installed and holds one for this store), else
is asked on a terminal. docs/encryption.md says why SQLCipher and not SQLite3 Multiple Ciphers.

``encrypt`` turns a plain store into an encrypted one in place, safely: it takes the store for
itself, writes the encrypted copy beside it, checks every table against the original, moves it
into place, and only then overwrites and removes the plain file; stopped at any point, either
the plain store is whole or the encrypted one is (a second run finishes the job).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from imbalance_cli.errors import ImbalanceError, StoreAccessDenied, StoreError, UsageError
from imbalance_cli.store import ENCRYPTED_FILENAME

FILENAME = ENCRYPTED_FILENAME

#: The environment variable that holds the passphrase (for scripts; a terminal is asked).
PASSPHRASE_VARIABLE = "IMBALANCE_PASSPHRASE"
#: The keyring's service name; the user name is the store's path.
KEYRING_SERVICE = "imbalance"
_TABLES = ("clients", "sessions", "answers")


def driver() -> ModuleType:
    try:
        import sqlcipher3.dbapi2 as sqlcipher
    except ImportError:
        raise StoreAccessDenied(
            "an encrypted store needs SQLCipher, which is not installed; install it with: "
            "pip install 'imbalance-cli[encrypt]'"
        ) from None
    module: ModuleType = sqlcipher
    return module


def _quoted(passphrase: str) -> str:
    """The passphrase as an SQL string (PRAGMA key takes no parameters)."""
    return "'" + passphrase.replace("'", "''") + "'"


def from_keyring(path: Path) -> str | None:
    """The passphrase the system keyring holds for this store, if keyring is installed and
    has one (a keyring that cannot be used is as good as none)."""
    try:
        import keyring
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, str(path.resolve()))
    except Exception:  # no backend, a locked keyring, D-Bus missing: ask instead
        return None
    return found if isinstance(found, str) and found else None


def to_keyring(path: Path, passphrase: str) -> None:
    try:
        import keyring
    except ImportError:
        raise UsageError(
            "--keyring needs the keyring package: pip install keyring; nothing was changed"
        ) from None
    try:
        keyring.set_password(KEYRING_SERVICE, str(path.resolve()), passphrase)
    except Exception as exc:
        raise ImbalanceError(f"the system keyring refused the passphrase: {exc}") from None


def passphrase_for(path: Path, ask: Callable[[str], str] | None) -> str:
    """The passphrase of the encrypted store at ``path``: the environment, the keyring, or
    asked; with none of them, a message that says where to put it."""
    given = os.environ.get(PASSPHRASE_VARIABLE)
    if given:
        return given
    kept = from_keyring(path)
    if kept:
        return kept
    if ask is None:
        raise StoreAccessDenied(
            f"the store at {path} is encrypted and no passphrase was given; set "
            f"{PASSPHRASE_VARIABLE}, keep it in the system keyring (store encrypt --keyring), or "
            "run imbalance on a terminal to be asked"
        )
    return ask(f"Passphrase for the encrypted store at {path}: ")


def connect(path: Path, passphrase: str) -> Any:
    """A connection to the encrypted store, the key checked: a wrong passphrase is one line."""
    sqlcipher = driver()
    connection = sqlcipher.connect(path, timeout=30, isolation_level=None)
    try:
        # SQLCipher reports a failed key on stderr itself; the message below says it instead.
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = {_quoted(passphrase)}")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        connection.close()
        if "not a database" in str(exc):
            raise StoreAccessDenied(
                f"wrong passphrase for the encrypted store at {path} (or the file is damaged)"
            ) from None
        raise StoreError(f"cannot open the encrypted store at {path}: {exc}") from None
    return connection


@dataclass(frozen=True)
class Encrypted:
    """What ``encrypt`` did: the rows moved, table by table, and where the store is now."""

    path: Path
    rows: dict[str, int]
    finished_earlier: bool = False


def _counts(connection: Any, schema: str = "main") -> dict[str, int]:
    out: dict[str, int] = {}
    for table in _TABLES:
        found = connection.execute(
            f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if found:
            out[table] = int(
                connection.execute(f"SELECT COUNT(*) FROM {schema}.{table}").fetchone()[0]
            )
    return out


def encrypt(folder: Path, plain_name: str, passphrase: str) -> Encrypted:
    """Turn the plain store in ``folder`` into an encrypted one (see the module's text)."""
    if not passphrase:
        raise UsageError("an empty passphrase would encrypt nothing; nothing was changed")
    sqlcipher = driver()
    plain, target = folder / plain_name, folder / FILENAME
    part = folder / (FILENAME + ".part")
    if target.exists() and not plain.exists():
        raise UsageError(f"the store at {target} is encrypted already; nothing was changed")
    if target.exists():
        return _finish(plain, target, passphrase)
    with contextlib.suppress(FileNotFoundError):
        part.unlink()  # left by an encrypt that was stopped: the plain store is still whole
    old_umask = os.umask(0o077)  # the encrypted copy, while it is written, is private too
    source = sqlcipher.connect(plain, timeout=30, isolation_level=None)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        # The store is this process's alone from here until the plain file is gone: no other
        # imbalance writes an answer into a file that is about to be removed.
        source.execute("PRAGMA locking_mode = EXCLUSIVE")
        source.execute("BEGIN EXCLUSIVE")
        source.execute("COMMIT")
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        version = int(source.execute("PRAGMA user_version").fetchone()[0])
        before = _counts(source)
        source.execute(f"ATTACH DATABASE ? AS encrypted KEY {_quoted(passphrase)}", (str(part),))
        source.execute("SELECT sqlcipher_export('encrypted')")
        source.execute(f"PRAGMA encrypted.user_version = {version}")
        after = _counts(source, "encrypted")
        source.execute("DETACH DATABASE encrypted")
        if after != before:
            raise StoreError(
                f"the encrypted copy does not match the store ({after} against {before}); the "
                "plain store is unchanged"
            )
        check = connect(part, passphrase)
        try:
            if str(check.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                raise StoreError(
                    "the encrypted copy failed its check; the plain store is unchanged"
                )
        finally:
            check.close()
        # The encrypted store keeps the plain one's mode (0600 when imbalance made it).
        os.chmod(part, plain.stat().st_mode & 0o777)
        _sync(part)
        os.replace(part, target)
        _sync(folder)
        _wipe(plain)
    except sqlcipher.Error as exc:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise StoreError(
            f"could not encrypt the store at {plain}: {exc}; it is unchanged"
        ) from None
    finally:
        source.close()
        os.umask(old_umask)
    return Encrypted(target, before)


def _finish(plain: Path, target: Path, passphrase: str) -> Encrypted:
    """Both files are there: an encrypt was stopped after the encrypted store was in place.
    If it holds everything the plain one does, remove the plain one."""
    sqlcipher = driver()
    encrypted = connect(target, passphrase)
    try:
        have = _counts(encrypted)
    finally:
        encrypted.close()
    source = sqlcipher.connect(plain, timeout=30, isolation_level=None)
    try:
        had = _counts(source)
    finally:
        source.close()
    if have != had:
        raise StoreError(
            f"both {plain} and {target} exist and hold different sessions; move one aside and "
            "run store encrypt again"
        )
    _wipe(plain)
    return Encrypted(target, have, finished_earlier=True)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wipe(plain: Path) -> None:
    """Overwrite the plain store (and its write-ahead log) with zeros, then remove it. On an
    SSD or a copy-on-write file system old blocks may survive anyway: SECURITY.md says so."""
    for path in (plain, Path(f"{plain}-wal"), Path(f"{plain}-shm"), Path(f"{plain}-journal")):
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        with path.open("r+b") as handle:
            remaining = size
            block = b"\0" * 65536
            while remaining > 0:
                handle.write(block[: min(remaining, len(block))])
                remaining -= len(block)
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
