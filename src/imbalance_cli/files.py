"""Writing files safely: atomically (temp file + rename), private (0600), never over an existing
file unless asked to."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from imbalance_cli.errors import ImbalanceError, UsageError


def check_writable(path: Path, *, force: bool) -> None:
    """Fail before any work is done if ``path`` exists (without force) or cannot be written."""
    if path.is_dir():
        raise ImbalanceError(f"'{path}' is a directory; give a file name")
    if path.exists() and not force:
        raise ImbalanceError(f"'{path}' already exists; use --force to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ImbalanceError(f"the folder '{parent}' does not exist")


def check_outputs(targets: list[Path | None], *, force: bool) -> None:
    """Check every output before any question is asked: each writable, and no two the same
    file (``--out x --json x`` would have one silently replace the other)."""
    seen: dict[Path, Path] = {}
    for target in targets:
        if target is None:
            continue
        check_writable(target, force=force)
        key = target.resolve() if str(target) else target
        if key in seen:
            raise UsageError(
                f"'{seen[key]}' and '{target}' are the same file; give each output its own name"
            )
        seen[key] = target


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
    """Create a folder readable only by its owner (0700) if it is missing. An existing folder
    keeps its mode: a read-only or shared folder is the user's choice, never changed here."""
    if path.is_dir():
        return path
    old_umask = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    finally:
        os.umask(old_umask)
    return path
