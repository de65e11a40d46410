"""Shared helpers: write inline YAML to a temp file and load it; the bundled content."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from imbalance_cli import loader, resources
from imbalance_cli.model import Library, Questionnaire

if TYPE_CHECKING:
    from imbalance_cli.store import Store
    from pgcluster import Cluster

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "questionnaires" / "examples"
#: The persona answers files (the `imbalance test` fixtures beside them end in .test.yaml).
PERSONA_FILES = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".test.yaml"))


@pytest.fixture(scope="session")
def _parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the commands of a whole test run, never the user's own."""
    return tmp_path_factory.mktemp("parse-cache")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _parse_cache: Path) -> Path:
    """Every test gets its own data directory, so nothing touches the real one."""
    data = tmp_path / "data"
    monkeypatch.setenv("IMBALANCE_DATA_DIR", str(data))
    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(_parse_cache))
    monkeypatch.delenv("IMBALANCE_STORE", raising=False)
    # What an earlier command line in this process chose (--data-dir, --store) is forgotten.
    resources.set_data_dir(None)
    resources.set_store(None)
    return data


@pytest.fixture(scope="session")
def library() -> Library:
    return loader.load_library(resources.library_paths())


@pytest.fixture(scope="session")
def intake(library: Library) -> Questionnaire:
    return loader.load_questionnaire(resources.bundled_dir() / "intake.yaml", library)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented text to a file in tmp_path and return its path."""

    def _write(text: str, name: str = "q.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def load(write: Callable[..., Path], library: Library) -> Callable[..., Questionnaire]:
    def _load(text: str, lib: Library | None = None) -> Questionnaire:
        return loader.load_questionnaire(write(text), lib if lib is not None else library)

    return _load


def installed_command() -> str:
    """The installed ``imbalance`` command beside this Python (skips when it is not there)."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / "imbalance"
    found = str(beside) if beside.exists() else shutil.which("imbalance")
    if not found:
        pytest.skip("the imbalance command is not installed")
    return found


def env_without_tty() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    return env


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before the first test, fetch what npm can bring without root (the Mermaid parser, HL7's
    FHIR files), so that the README's one test command runs those tests on a fresh machine."""
    import outside_tools

    if os.environ.get("IMBALANCE_TEST_OFFLINE", "").strip() not in ("", "0"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(f"imbalance tests: {text}")

    outside_tools.fetch(say)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """After a run that skipped tests, say which outside tools are missing and how to get them."""
    import outside_tools

    if not terminalreporter.stats.get("skipped"):
        return
    lines = outside_tools.advice()
    if lines:
        terminalreporter.section("outside tools")
        for line in lines:
            terminalreporter.write_line(line)


# -- the two store engines ------------------------------------------------------------------

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole run (tests/pgcluster.py). CI must have
    one (.ci/run installs PostgreSQL); elsewhere the PostgreSQL tests skip without it."""
    import pgcluster

    if not pgcluster.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's initdb and pg_ctl are not installed (.ci/run installs them)")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    pytest.importorskip("psycopg")
    with pgcluster.running() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh database holding an initialised imbalance store; the superuser's URL."""
    return pg_cluster.url(database=pg_cluster.new_store())


@pytest.fixture(params=ENGINES)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store is, once for each engine: a data directory, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "store"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(store_location: str | Path) -> Iterator[Store]:
    """An open, empty store, once for each engine."""
    from imbalance_cli.store import open_store

    with open_store(store_location) as opened:
        yield opened
