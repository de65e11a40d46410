"""`imbalance store salvage`: every session a damaged store still holds, to a bundle that
`sessions import` brings into a new store; the damaged file is never written to."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from conftest import EXAMPLES
from test_cli import imbalance

PERSONAS = ("runner-knee.yaml", "desk-worker-neck-shoulder.yaml", "several-regions-no-flags.yaml")


def _store_of(data: Path, rounds: int) -> Path:
    for n in range(rounds):
        for persona in PERSONAS:
            run = imbalance(
                "run", "--answers", str(EXAMPLES / persona), "--no-input", "--client", f"C{n}"
            )
            assert run.returncode == 0, run.stderr
    return data / "imbalance.db"


def _pages(path: Path, table: str) -> list[int]:
    """The leaf pages of a table, from SQLite's dbstat table (skips where it is not built in)."""
    with sqlite3.connect(path) as db:
        try:
            rows = db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
                (table,),
            ).fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find pages with")
        size = db.execute("PRAGMA page_size").fetchone()[0]
    assert size == 4096
    return [r[0] for r in rows]


def _damage(path: Path, *pages: int) -> None:
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * 4096)
            handle.write(b"\xde\xad\xbe\xef" * 1024)


def test_salvage_exports_what_a_damaged_store_still_holds(
    tmp_path: Path, _private_data_dir: Path
) -> None:
    """With a page of sessions and a page of answers overwritten, every command that reads the
    store says it cannot be read and names salvage; salvage writes the readable sessions (those
    whose answers are lost come back from their stored results), names the ones left behind,
    exits 1, and leaves the damaged file exactly as it was; the bundle imports into a new store."""
    path = _store_of(_private_data_dir, 4)
    sessions, answers = _pages(path, "sessions"), _pages(path, "answers")
    assert len(sessions) > 2 and len(answers) > 2
    _damage(path, sessions[1], answers[1])
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    listed = imbalance("sessions", "list")
    assert listed.returncode == 1
    assert "cannot be read (database disk image is malformed)" in listed.stderr
    assert "imbalance store salvage --out rescued.json" in listed.stderr

    run = imbalance("store", "salvage", "--out", str(tmp_path / "rescued.json"))
    assert run.returncode == 1, run.stderr
    said = " ".join(run.stderr.split())
    assert "internal error" not in said
    assert "of 12 session(s)" in said
    assert "Left behind: session" in said and "its record cannot be read" in said
    assert "its answers were read from its stored result" in said
    assert f"imbalance sessions import {tmp_path / 'rescued.json'}" in said
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

    bundle = json.loads((tmp_path / "rescued.json").read_text())
    rescued = len(bundle["sessions"])
    assert 6 <= rescued < 12
    assert all(s["answers"] for s in bundle["sessions"])
    fresh = imbalance(
        "sessions", "import", str(tmp_path / "rescued.json"),
        env={"IMBALANCE_DATA_DIR": str(tmp_path / "fresh")},
    )  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    assert f"Imported {rescued} session(s)" in fresh.stderr


def test_salvage_of_a_sound_store_exports_everything_and_exits_0(
    tmp_path: Path, _private_data_dir: Path
) -> None:
    path = _store_of(_private_data_dir, 1)
    moved = tmp_path / "moved-aside.db"
    path.rename(moved)
    run = imbalance("store", "salvage", str(moved), "--out", str(tmp_path / "all.json"))
    assert run.returncode == 0, run.stderr
    assert "Salvaged 3 of 3 session(s)" in " ".join(run.stderr.split())
    assert len(json.loads((tmp_path / "all.json").read_text())["sessions"]) == 3
    again = imbalance("store", "salvage", str(moved), "--out", str(tmp_path / "all.json"))
    assert again.returncode == 1 and "already exists; use --force" in again.stderr


def test_salvage_of_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 1000)
    run = imbalance("store", "salvage", str(junk), "--out", str(tmp_path / "x.json"))
    assert run.returncode == 1
    assert "nothing can be read from the session store" in run.stderr
    assert "internal error" not in run.stderr and not (tmp_path / "x.json").exists()
