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
"""

from __future__ import annotations

import stat
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from imbalance_cli import loader
from imbalance_cli.errors import DEFAULT_MAX_BYTES
from imbalance_cli.model import Library, Questionnaire

#: Versions kept of each kind: a command meets one or two; a long test run meets hundreds.
LIMIT = 16

LibraryKey = tuple[tuple[str, bytes], ...]
_libraries: OrderedDict[LibraryKey, Library] = OrderedDict()
_questionnaires: OrderedDict[tuple[str, bytes, LibraryKey, int], Questionnaire] = OrderedDict()


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
        return loader.load_library(paths)  # it says what is wrong with the odd file
    key: LibraryKey = tuple((str(p), bytes(c or b"")) for p, c in zip(paths, contents, strict=True))
    found = _libraries.get(key)
    if found is None:
        found = _libraries[key] = loader.load_library(paths)
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
        return loader.load_questionnaire(path, library, max_bytes)
    key = (str(path), data, library_key, max_bytes)
    found = _questionnaires.get(key)
    if found is None:
        found = _questionnaires[key] = loader.load_questionnaire(path, library, max_bytes)
        while len(_questionnaires) > LIMIT:
            _questionnaires.popitem(last=False)
    _questionnaires.move_to_end(key)
    return found


def clear() -> None:
    """Forget everything parsed (for tests that count parses)."""
    _libraries.clear()
    _questionnaires.clear()
