"""Where things are: the bundled questionnaires and library (inside the package), the user's own
questionnaires, and the data directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from imbalance_cli.errors import Problem, SourceLocation, UsageError
from imbalance_cli.text import suggest


def bundled_dir() -> Path:
    """The bundled ``questionnaires/`` folder: inside the installed package, or, when running
    from a source checkout (an editable install), the repository's own folder."""
    from importlib.resources import files

    packaged = Path(str(files("imbalance_cli"))) / "questionnaires"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "questionnaires"


def schema_path() -> Path:
    from importlib.resources import files

    packaged = Path(str(files("imbalance_cli"))) / "schema" / "questionnaire.schema.json"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "schema" / "questionnaire.schema.json"


_DATA_DIR: Path | None = None


def set_data_dir(path: Path | None) -> None:
    """Use this data directory for the rest of the process (the ``--data-dir`` option);
    None goes back to the environment variable and the platform default."""
    global _DATA_DIR
    _DATA_DIR = path.expanduser() if path is not None else None


def data_dir() -> Path:
    """``--data-dir``, else ``$IMBALANCE_DATA_DIR``, else the platform's user data directory."""
    if _DATA_DIR is not None:
        return _DATA_DIR
    override = os.environ.get("IMBALANCE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("imbalance", appauthor=False))


_STORE: str | None = None

#: Whether parsed questionnaires are kept on disk for the next command (workflow/cache.py): on
#: for a command line, off for code that imports imbalance, such as the tests.
_KEEP_PARSES = False


def keep_parses(on: bool) -> None:
    global _KEEP_PARSES
    _KEEP_PARSES = on


def keeping_parses() -> bool:
    return _KEEP_PARSES


def set_store(location: str | None) -> None:
    """Use this store for the rest of the process (the ``--store`` option); None goes back to
    ``$IMBALANCE_STORE``, else the data directory's file."""
    global _STORE
    _STORE = location


def store_location() -> str | Path:
    """Where sessions are kept: ``--store``, else ``$IMBALANCE_STORE`` (a ``postgresql://``
    URL), else the SQLite file in the data directory."""
    if _STORE is not None:
        return _STORE
    given = os.environ.get("IMBALANCE_STORE", "").strip()
    if given and not given.startswith(("postgresql://", "postgres://")):
        raise UsageError(
            "IMBALANCE_STORE is not a postgresql:// URL; a local store is chosen with "
            "--data-dir or IMBALANCE_DATA_DIR"
        )
    return given or data_dir()


def user_dir() -> Path:
    """The author's own questionnaires: ``<data dir>/questionnaires``."""
    return data_dir() / "questionnaires"


def user_library_dir() -> Path:
    """The author's own articles and strategies: ``<data dir>/questionnaires/library``, laid out
    like the bundled ``questionnaires/library``."""
    return user_dir() / "library"


def library_paths() -> list[Path]:
    """The library files every command reads: the bundled ones, then the author's own."""
    return sorted((bundled_dir() / "library").glob("*.yaml")) + _yaml_files(user_library_dir())


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


_LIBRARY_KEYS = re.compile(
    r"^(articles|strategies|exercises|situations|word_lists|guidance|programme)\s*:", re.MULTILINE
)
_REGIONS_KEY = re.compile(r"^regions\s*:", re.MULTILINE)
_SECTIONS_KEY = re.compile(r"^sections\s*:", re.MULTILINE)
_EXPECT_KEY = re.compile(r"^expect\s*:", re.MULTILINE)
_ID = re.compile(r"""^id\s*:\s*(["']?)([A-Za-z0-9_.-]+)\1\s*(#.*)?$""", re.MULTILINE)


def _head(path: Path) -> str:
    """The start of a regular file (a FIFO or a device is never opened: it could block or never
    end; the loader then says what it is)."""
    try:
        if not path.is_file():
            return ""
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(200_000)
    except OSError:
        return ""


def kind_of_file(path: Path) -> str:
    """What a YAML file holds, by its top-level keys: ``questionnaire`` (``sections:``),
    ``library`` (``articles:`` / ``strategies:``), ``bodymap`` (``regions:``) or ``fixture``
    (``expect:``, an ``imbalance test`` fixture). Unknown content counts as a questionnaire, so
    that ``validate`` says what is wrong with it."""
    head = _head(path)
    if _SECTIONS_KEY.search(head):
        return "questionnaire"
    if _EXPECT_KEY.search(head):
        return "fixture"
    if _LIBRARY_KEYS.search(head):
        return "library"
    if _REGIONS_KEY.search(head):
        return "bodymap"
    return "questionnaire"


@dataclass(frozen=True)
class Entry:
    """One questionnaire file that ``run``, ``list`` and the other commands can name by id."""

    origin: str  # bundled | user
    path: Path
    id: str  # the id the file declares (its file name when it declares none)


@dataclass(frozen=True)
class Catalogue:
    """Every bundled and user questionnaire; ``known`` maps each id (and each file name) to the
    file it means; ``warnings`` name both files of every clash."""

    entries: tuple[Entry, ...]
    known: dict[str, Entry]
    warnings: tuple[Problem, ...]
    #: Names that more than one file claims -> the files that lost (reachable by path only).
    shadowed: dict[str, tuple[Path, ...]]


def catalogue() -> Catalogue:
    """The questionnaires by id. A bundled questionnaire always wins a clash with a user file of
    the same id, so the bundled intake and its warning-sign screen cannot be replaced unnoticed;
    among user files, ``ID.yaml`` holding ``id: ID`` wins, then a file named ``ID.yaml``, then
    the first by file name that declares the id, so a copy (``draft.yaml`` with the same id)
    never takes over. Each clash (on the file that lost), each file whose id differs from its
    name, and each library file in the questionnaire folder is a warning."""
    warnings: list[Problem] = []
    entries: list[Entry] = []
    sources = [("bundled", p) for p in _yaml_files(bundled_dir()) if p.name != "bodymap.yaml"]
    sources += [("user", p) for p in _yaml_files(user_dir())]
    for origin, path in sources:
        kind = kind_of_file(path) if origin == "user" else "questionnaire"
        if kind == "library":
            warnings.append(
                _warning(
                    path,
                    f"a library file is read only from {user_library_dir()}; move it there "
                    "so that run, show and library see its articles and strategies",
                )
            )
            continue
        if kind != "questionnaire":
            continue
        # Bundled files are ours, and a test keeps their ids and names equal; start-up does
        # not read them twice.
        head = _head(path) if origin == "user" else ""
        match = _ID.search(head) if origin == "user" else None
        qid = match.group(2) if match else path.stem
        if match is not None and qid != path.stem:
            warnings.append(
                _warning(
                    path,
                    f"the file declares id '{qid}' but is named '{path.name}'; name it "
                    f"'{qid}{path.suffix}' so that its id and its file agree",
                    line=head.count("\n", 0, match.start()) + 1,
                )
            )
        entries.append(Entry(origin, path, qid))

    def rank(entry: Entry, name: str) -> tuple[int, str]:
        if entry.origin == "bundled":
            return (0, "")
        named = entry.path.stem == name
        return (1 if named and entry.id == name else 2 if named else 3, entry.path.name)

    claims: dict[str, list[Entry]] = {}
    for entry in entries:
        for name in dict.fromkeys((entry.id, entry.path.stem)):
            claims.setdefault(name, []).append(entry)
    known: dict[str, Entry] = {}
    shadowed: dict[str, tuple[Path, ...]] = {}
    for name, group in claims.items():
        winner, *losers = sorted(group, key=lambda e: rank(e, name))
        known[name] = winner
        for entry in losers:
            shadowed[name] = (*shadowed.get(name, ()), entry.path)
            used = "the bundled one" if winner.origin == "bundled" else str(winner.path)
            warnings.append(
                _warning(
                    entry.path,
                    f"'{name}' also names {winner.path}; '{name}' means {used}, so this file "
                    "is only reachable by its path; give it another id and file name",
                )
            )
    return Catalogue(tuple(entries), known, tuple(warnings), shadowed)


def _warning(path: Path, message: str, line: int = 0) -> Problem:
    where = SourceLocation(str(path), line, 1 if line else 0)
    return Problem(where, message, severity="warning", rule="catalogue")


def questionnaire_files() -> list[tuple[str, Path]]:
    """(origin, path) of every bundled and user questionnaire (library, body map and fixture
    files in the folder are left out)."""
    return [(e.origin, e.path) for e in catalogue().entries]


def _is_file(path: Path) -> bool:
    """Whether a bare name is a file here; in a folder the user cannot look into (a session's
    stored source of 'intake', run from such a folder), it is not, and the id is looked up."""
    try:
        return path.is_file()
    except OSError:
        return False


def resolve(name: str) -> Path:
    """A questionnaire argument: a path to a YAML file, or the id (or file name) of a bundled or
    user one."""
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or os.sep in name or _is_file(candidate):
        if not candidate.is_file():
            raise UsageError(f"no questionnaire file at '{name}'")
        return candidate
    known = catalogue().known
    if name in known:
        return known[name].path
    raise UsageError(
        f"no questionnaire called '{name}'{suggest(name, known)}; "
        f"known: {', '.join(sorted(known)) or 'none'} (or give a path to a .yaml file)"
    )
