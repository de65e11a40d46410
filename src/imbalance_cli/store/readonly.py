"""Opening the store only to read it, and telling why a store cannot be written.

A store on a read-only mount, in a folder the user may not write to, or a file made read-only
still serves every command that only reads (``sessions list``, ``show`` and ``export``,
``clients list``, ``compare``, ``progress``) and ``store salvage``. SQLite's write-ahead log
needs a shared-memory file beside the store even to read; where that file cannot be made and no
log is waiting to be folded in, the store is read as an immutable file, which needs none.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """A connection that never writes: ``mode=ro``, or ``immutable=1`` when the shared-memory
    file cannot be made and no write-ahead log holds changes the main file lacks."""
    # A URI: "?", "#" and "%" in the path are escaped (urllib is not imported: no networking
    # module is, see tests/test_hardening.py).
    uri = "file:" + "".join(f"%{ord(c):02X}" if c in "?#%" else c for c in str(path.resolve()))
    try:
        return _checked(sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30))
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return _checked(sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=30))


def _checked(connection: sqlite3.Connection) -> sqlite3.Connection:
    """Read something, so that a store that cannot be opened fails here, not later."""
    try:
        connection.isolation_level = None
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def why_read_only(path: Path) -> str | None:
    """Why the store at ``path`` cannot be written, in words, or None when nothing says so (as
    root, file modes say nothing; a read-only mount always does)."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except (OSError, AttributeError):  # no such folder; no statvfs on this platform
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return "the file cannot be written"
    if folder.exists() and not os.access(folder, os.W_OK):
        return "its folder cannot be written"
    return None
