"""Where things are: the bundled questionnaires and library (inside the package), the user's own
questionnaires, and the data directory."""

from __future__ import annotations

import os
from pathlib import Path

from imbalance_cli.errors import UsageError
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


def user_dir() -> Path:
    return data_dir() / "questionnaires"


def library_paths() -> list[Path]:
    return sorted((bundled_dir() / "library").glob("*.yaml"))


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def questionnaire_files() -> list[tuple[str, Path]]:
    """(origin, path) of every bundled and user questionnaire; the id is the file's stem. (The
    bundled body map sits beside the questionnaires and is not one.)"""
    out = [("bundled", p) for p in _yaml_files(bundled_dir()) if p.name != "bodymap.yaml"]
    out += [("user", p) for p in _yaml_files(user_dir())]
    return out


def resolve(name: str) -> Path:
    """A questionnaire argument: a path to a YAML file, or the id of a bundled or user one."""
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or os.sep in name or candidate.is_file():
        if not candidate.is_file():
            raise UsageError(f"no questionnaire file at '{name}'")
        return candidate
    known = {p.stem: p for _, p in reversed(questionnaire_files())}
    if name in known:
        return known[name]
    raise UsageError(
        f"no questionnaire called '{name}'{suggest(name, known)}; "
        f"known: {', '.join(sorted(known)) or 'none'} (or give a path to a .yaml file)"
    )
