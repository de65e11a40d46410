"""Writing files safely: atomically (temp file + rename), private (0600), never over an existing
file unless asked to."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from imbalance_cli.errors import ImbalanceError, UsageError

STDOUT = "-"


def streamed(path: Path) -> bool:
    """Outputs written to, never replaced: ``-`` (standard output), ``/dev/stdout`` and other
    paths into /dev or /proc/self/fd, and any existing file that is not a regular file (a
    device, a FIFO, a socket)."""
    text = str(path)
    if text == STDOUT or text.startswith(("/dev/", "/proc/self/fd/")):
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: Path, *, force: bool) -> None:
    """Fail before any work is done if ``path`` exists (without force) or cannot be written."""
    if str(path) == STDOUT:
        return
    if path.is_dir():
        raise ImbalanceError(f"'{path}' is a directory; give a file name")
    if streamed(path):
        return
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
        if str(target) == STDOUT:
            key = Path("/dev/stdout")
        else:
            key = target.resolve() if str(target) else target
        if key in seen:
            raise UsageError(
                f"'{seen[key]}' and '{target}' are the same file; give each output its own name"
            )
        seen[key] = target


def _pieces(text: str | Iterable[str]) -> Iterable[str]:
    return (text,) if isinstance(text, str) else text


def write_private(path: Path, text: str | Iterable[str], *, force: bool) -> None:
    """Write ``text`` (or its pieces, as they come) to ``path`` with mode 0600, all or nothing.
    A stream (``-``, a device, a FIFO) is written to in place, never replaced. Faults of the
    machine (a full disk, a file that cannot be written) are reported with the path; an existing
    file is then left as it was, as it is when making the pieces fails."""
    check_writable(path, force=force)
    if str(path) == STDOUT:
        write_stdout(text)
        return
    try:
        if streamed(path):
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                for piece in _pieces(text):
                    handle.write(piece)
            return
        parent = path.parent if str(path.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                for piece in _pieces(text):
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ImbalanceError(
            f"cannot write '{path}': {exc.strerror or exc}; nothing was replaced"
        ) from None


def write_stdout(text: str | Iterable[str]) -> None:
    """Write to standard output (pieces as they come); a closed or full one is a clear error,
    not a traceback."""
    import sys

    if sys.stdout is None:
        raise ImbalanceError("standard output is closed; write to a file with --out instead")
    try:
        for piece in _pieces(text):
            sys.stdout.write(piece)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ImbalanceError(
            f"cannot write to standard output: {exc.strerror or exc}; write to a file with --out "
            "instead"
        ) from None


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
