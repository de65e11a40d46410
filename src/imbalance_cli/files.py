"""Writing files safely: atomically (temp file + rename), private (0600), never over an existing
file unless asked to."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from imbalance_cli.errors import ImbalanceError


def check_writable(path: Path, *, force: bool) -> None:
    """Fail before any work is done if ``path`` exists (without force) or cannot be written."""
    if path.is_dir():
        raise ImbalanceError(f"'{path}' is a directory; give a file name")
    if path.exists() and not force:
        raise ImbalanceError(f"'{path}' already exists; use --force to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ImbalanceError(f"the folder '{parent}' does not exist")


def write_private(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` with mode 0600, all or nothing."""
    check_writable(path, force=force)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def private_dir(path: Path) -> Path:
    """Create a folder readable only by its owner (0700) if it is missing."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path
