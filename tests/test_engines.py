"""The two store engines behind one interface: every records command works the same on an
SQLite file and on a PostgreSQL server, a laptop's start-up never imports psycopg, and what can
go wrong with a server (a wrong password, a role that is not a trainer, a server that is not
there, a database without a store) is one line and its exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pgcluster
from conftest import EXAMPLES
from imbalance_cli.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def imbalance(
    store_location: str | Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Run:
    """The command line, in this process, on the store of the engine under test."""

    def run(*args: str) -> tuple[int, str, str]:
        if isinstance(store_location, Path):
            where = ["--data-dir", str(store_location)]
        else:
            where = ["--data-dir", str(tmp_path / "data"), "--store", store_location]
        capsys.readouterr()
        code = main([*where, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _intake(run: Run, persona: str, client: str) -> None:
    code, _, err = run(
        "run", "--answers", str(EXAMPLES / persona), "--no-input", "--client", client
    )
    assert code == 0, err


def test_the_records_commands_work_alike_on_both_engines(imbalance: Run, tmp_path: Path) -> None:
    _intake(imbalance, "runner-knee.yaml", "Sam")
    _intake(imbalance, "saddle-numbness-emergency.yaml", "sam")  # the same client
    _intake(imbalance, "no-pain.yaml", "Kim")
    code, out, err = imbalance("sessions", "list", "--json")
    assert code == 0, err
    listed = {s["id"]: s for s in json.loads(out)}
    assert sorted(listed) == [1, 2, 3]
    assert [listed[n]["client"] for n in (1, 2, 3)] == ["Sam", "Sam", "Kim"]
    assert listed[2]["warning"] == "emergency" and listed[1]["worst_pain"] == 6
    code, out, _ = imbalance("clients", "list", "--json")
    assert {(c["name"], c["sessions"]) for c in json.loads(out)} == {("Sam", 2), ("Kim", 1)}

    code, out, err = imbalance("sessions", "show", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["result"]["answers"]["regions"] == ["knee.left"]
    for fmt, start in (("md", "# "), ("json", "{"), ("fhir", "{"), ("html", "<!DOCTYPE html>")):
        code, out, err = imbalance("sessions", "export", "1", "--format", fmt)
        assert code == 0 and out.startswith(start), (fmt, err)
    code, out, _ = imbalance("sessions", "export", "--format", "csv", "--client", "Sam")
    assert code == 0 and len(out.strip().splitlines()) == 3
    code, out, err = imbalance("compare", "1", "2")
    assert code == 0 and out.startswith("# "), err
    code, out, err = imbalance("progress", "Sam", "--json")
    assert code == 0 and json.loads(out)["client"] == "Sam", err

    bundle = tmp_path / "sam.bundle.json"
    code, _, err = imbalance(
        "sessions", "export", "--format", "bundle", "--client", "Sam", "--out", str(bundle)
    )
    assert code == 0, err
    assert imbalance("clients", "rename", "Kim", "Kim Lee")[0] == 0
    assert imbalance("sessions", "attach", "3", "Sam")[0] == 0
    code, _, err = imbalance("sessions", "delete", "3", "--yes")
    assert code == 0 and "Deleted session 3." in err
    code, _, err = imbalance("clients", "delete", "Sam", "--yes")
    assert code == 0 and "and 2 session(s)" in err
    code, out, _ = imbalance("sessions", "list", "--json")
    assert json.loads(out) == []

    code, _, err = imbalance("sessions", "import", str(bundle))
    assert code == 0 and "Imported 2 session(s)" in err, err
    code, _, err = imbalance("sessions", "import", str(bundle))
    assert code == 0 and "Imported nothing new." in err, err
    code, out, _ = imbalance("sessions", "list", "--json")
    assert sorted(s["warning"] for s in json.loads(out)) == ["emergency", "none"]
    code, _, err = imbalance("sessions", "show", "99")
    assert code == 2 and "no session 99" in err


def test_a_laptop_never_imports_the_server_driver(tmp_path: Path) -> None:
    """Start-up is unchanged without the extra: psycopg is imported only for a URL."""
    probe = (
        "import sys; from imbalance_cli.cli import main; "
        f"main(['--data-dir', {str(tmp_path)!r}, 'run', '--answers', "
        f"{str(EXAMPLES / 'no-pain.yaml')!r}, '--no-input', '--out', {str(tmp_path / 'a.md')!r}]); "
        f"main(['--data-dir', {str(tmp_path)!r}, 'sessions', 'list']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_without_the_extra_a_server_url_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    code = main(["--store", "postgresql://anna@localhost/gym", "sessions", "list"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'imbalance-cli[postgres]'" in err
    assert len(err.strip().splitlines()) == 1


def test_store_urls_are_checked_and_passwords_never_shown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--store", "/srv/imbalance", "sessions", "list"]) == 2
    assert "--store takes a postgresql:// URL" in capsys.readouterr().err
    monkeypatch.setenv("IMBALANCE_STORE", "mysql://x")
    assert main(["sessions", "list"]) == 2
    assert "IMBALANCE_STORE is not a postgresql:// URL" in capsys.readouterr().err


def _one_line_error(code: int, err: str, expected: int) -> str:
    lines = err.strip().splitlines()
    assert code == expected and len(lines) == 1, err
    assert lines[0].startswith("imbalance: error: ") and "internal error" not in err
    return lines[0]


def test_connection_faults_are_one_line_with_their_exit_code(
    pg_cluster: pgcluster.Cluster, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = pg_url.rsplit("/", 1)[1]

    def attempt(url: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--store", url, "sessions", "list"])
        return code, capsys.readouterr().err

    wrong = pg_cluster.url(password="not-the-password", database=database)
    line = _one_line_error(*attempt(wrong), 2)
    assert "wrong password" in line and "not-the-password" not in line
    nobody = pg_cluster.url(user="nosuchtrainer", password="x", database=database)
    assert "refused 'nosuchtrainer'" in _one_line_error(*attempt(nobody), 2)
    empty = pg_cluster.url(database=pg_cluster.new_database())
    assert "admin init" in _one_line_error(*attempt(empty), 2)
    missing = pg_cluster.url(database="no_such_db")
    assert "has no database 'no_such_db'" in _one_line_error(*attempt(missing), 2)
    down = f"postgresql://postgres:{pgcluster.PASSWORD}@127.0.0.1:1/{database}"
    line = _one_line_error(*attempt(down), 1)
    assert "cannot reach the store at" in line and pgcluster.PASSWORD not in line


def test_admin_init_creates_then_upgrades_and_is_safe_to_repeat(
    pg_cluster: pgcluster.Cluster, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = pg_cluster.url(database=pg_cluster.new_database())
    assert main(["--store", url, "admin", "init"]) == 0
    assert "Created the store at" in capsys.readouterr().err
    assert main(["--store", url, "admin", "init"]) == 0
    assert "is up to date" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "admin", "init"]) == 2
    assert "is for a shared PostgreSQL store" in capsys.readouterr().err
