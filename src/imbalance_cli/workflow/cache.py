"""Questionnaires and the library, parsed once per process.

A command that reads many saved sessions (``progress``, a CSV export, the charts of a report)
meets the same questionnaire version again and again; parsing it and the library anew for each
session made ``progress`` of 500 sessions take 13 s. Here each version is parsed once per
process and handed out again while its file holds the same bytes: the library by its files
(each path and its content), a questionnaire by its path, its content, the library it was
checked against and the size limit it was read under. The content itself is the key (a few
dozen kilobytes, compared byte for byte, cheaper than a digest of it), not the modification
time, which a rewrite within the same clock tick leaves unchanged.

Only what loaded cleanly is kept: a file with problems is read again, and reports them again,
every time it is asked for. Nothing here knows the rules: the models are the loader's, frozen.

A command also keeps what it parsed on disk, in the user's cache folder (``$IMBALANCE_CACHE_DIR``,
else the platform's), so the next command starts from it: the bundled intake and library take
about 200 ms to parse and 15 ms to read back. A file there is named by a digest of everything
that made it: the files' paths and bytes, the size limit, and this imbalance's own code (each
module's path, size and modification time), so an edited questionnaire or a new imbalance never
meets an old parse. Anything wrong with a cached file (cut short, from another Python, not ours)
makes it parse again; a folder that cannot be written is simply not used. Only the entry point
turns this on (:func:`use_disk`): tests that count parses see every parse.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from imbalance_cli import resources
from imbalance_cli.errors import DEFAULT_MAX_BYTES
from imbalance_cli.model import Questionnaire

if TYPE_CHECKING:
    from imbalance_cli.content import Library

#: Versions kept of each kind: a command meets one or two; a long test run meets hundreds.
LIMIT = 16

LibraryKey = tuple[tuple[str, bytes], ...]
_libraries: OrderedDict[LibraryKey, Library] = OrderedDict()
_questionnaires: OrderedDict[tuple[str, bytes, LibraryKey, int], Questionnaire] = OrderedDict()
#: Files kept in the cache folder; older ones are removed as new ones are written.
DISK_LIMIT = 8


def use_disk(on: bool = True) -> None:
    """Keep parses in the user's cache folder for the next command (the entry point's
    switch, in ``resources`` so that ``--help`` need not import this module)."""
    resources.keep_parses(on)


def _folder() -> Path:
    given = os.environ.get("IMBALANCE_CACHE_DIR")
    if given:
        return Path(given).expanduser() / "parsed"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("imbalance", appauthor=False)) / "parsed"


@lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """This imbalance's own code as it is installed: a changed module changes every name."""
    # os.scandir, not Path.rglob: on every start, and rglob's Path objects and its walk through
    # each __pycache__ folder took about twice as long.
    found: list[tuple[str, int, int]] = []
    folders = [str(Path(__file__).resolve().parent.parent)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    found.append((entry.path, info.st_size, info.st_mtime_ns))
    digest = hashlib.sha256()
    for path, size, mtime in sorted(found):
        digest.update(f"{path}:{size}:{mtime};".encode())
    return digest.digest()


def _name(kind: str, parts: Sequence[bytes]) -> str | None:
    """The cache file's name for this parse; None when parses are not kept, or when this
    imbalance's own files cannot be read to name it (then nothing is kept or read)."""
    if not resources.keeping_parses():
        return None
    try:
        digest = hashlib.sha256(_code_digest())
    except OSError:
        return None
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return f"{kind}-{digest.hexdigest()[:40]}.pickle"


def _read(name: str | None, kind: type) -> object | None:
    """A parse kept on disk, or None when there is none or it cannot be trusted to be ours."""
    if name is None:
        return None
    import pickle

    try:
        with (_folder() / name).open("rb") as handle:
            found = pickle.load(handle)
    except Exception:  # a missing, cut-short or foreign file: parse again
        return None
    return found if isinstance(found, kind) else None


def _write(name: str | None, value: object) -> None:
    """Keep a parse for the next command; a folder that cannot be written is not used."""
    if name is None:
        return
    import pickle
    import tempfile

    try:
        folder = _folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".parse-")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[DISK_LIMIT:]:
            old.unlink(missing_ok=True)
    except (OSError, RecursionError, TypeError, ValueError, AttributeError):
        return  # the next command parses again


def _read_library(
    name: str | None, paths: Sequence[Path], contents: Sequence[bytes | None]
) -> Library | None:
    """The library kept on disk, unread until it is used (lazy.py): an intake asks its
    questions first. A file cut short is parsed again now; one that is not a library's pickle
    when read, then."""
    if name is None:
        return None
    try:
        with (_folder() / name).open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if not data.endswith(b"."):  # a pickle ends with STOP
        return None
    from imbalance_cli.lazy import LazyLibrary

    files = tuple(paths)

    def parse() -> Library:
        from imbalance_cli import loader

        found = loader.load_library(files)
        # Kept under the name of the bytes read at start only if the files still hold them
        # (the library is first used minutes into an intake; a file edited since is not).
        if [content(p) for p in files] == list(contents):
            _write(name, found)
        return found

    return cast("Library", LazyLibrary(data, parse))


def content(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """The bytes of a regular file of at most ``max_bytes``; None for anything else (a folder,
    a pipe, a file too big or unreadable), which is then left to the loader to report."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    return data if len(data) <= max_bytes else None


def library(paths: Sequence[Path]) -> Library:
    """The library of these files, parsed once per content."""
    contents = [content(p) for p in paths]
    if any(c is None for c in contents):
        from imbalance_cli import loader

        return loader.load_library(paths)  # it says what is wrong with the odd file
    key: LibraryKey = tuple((str(p), bytes(c or b"")) for p, c in zip(paths, contents, strict=True))
    found = _libraries.get(key)
    if found is None:
        name = _name("library", [part for p, c in key for part in (p.encode(), c)])
        found = _read_library(name, paths, contents)
        if found is None:
            from imbalance_cli import loader

            found = loader.load_library(paths)
            _write(name, found)
        _libraries[key] = found
        while len(_libraries) > LIMIT:
            _libraries.popitem(last=False)
    _libraries.move_to_end(key)
    return found


def _key_of(library: Library) -> LibraryKey | None:
    """The key a library was cached under; None for one loaded elsewhere."""
    return next((k for k, known in _libraries.items() if known is library), None)


def questionnaire(
    path: Path, library: Library, max_bytes: int = DEFAULT_MAX_BYTES
) -> Questionnaire:
    """The questionnaire in this file, checked against this library, parsed once per content.
    Against a library that did not come from :func:`library` nothing is cached."""
    library_key = _key_of(library)
    data = content(path, max_bytes) if library_key is not None else None
    if library_key is None or data is None:
        from imbalance_cli import loader

        return loader.load_questionnaire(path, library, max_bytes)
    key = (str(path), data, library_key, max_bytes)
    found = _questionnaires.get(key)
    if found is None:
        parts = [str(path).encode(), data, str(max_bytes).encode()]
        parts += [part for p, c in library_key for part in (p.encode(), c)]
        name = _name("questionnaire", parts)
        kept = _read(name, Questionnaire)
        found = kept if isinstance(kept, Questionnaire) else None
        if found is None:
            from imbalance_cli import loader

            found = loader.load_questionnaire(path, library, max_bytes)
            _write(name, found)
        _questionnaires[key] = found
        while len(_questionnaires) > LIMIT:
            _questionnaires.popitem(last=False)
    _questionnaires.move_to_end(key)
    return found


def clear() -> None:
    """Forget everything parsed, and stop keeping parses on disk (for tests that count
    parses)."""
    _libraries.clear()
    _questionnaires.clear()
    use_disk(False)
