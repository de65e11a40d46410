"""CSV for spreadsheets and pandas, and moving sessions between stores (bundle export, import):
ids remapped, duplicates found by content, all or nothing, newer formats refused; and '-' as
an output file meaning stdout, for every command that writes one."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES

SIDE = EXAMPLES / "side-to-side-heel-raise-gap.test.yaml"


def cli(data: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "IMBALANCE_DATA_DIR"},
    )  # fmt: skip


def _side_answers(tmp_path: Path) -> Path:
    """The side-to-side fixture's answers, as an answers file."""
    path = tmp_path / "side.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(SIDE.read_text())["answers"]))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store with three sessions: Sam's runner knee and saddle numbness (intake), and
    Kim's side-to-side check."""
    data = tmp_path / "data"
    runs = [
        ("runner-knee.yaml", "Sam", "intake"),
        ("saddle-numbness-emergency.yaml", "Sam", "intake"),
        (str(_side_answers(tmp_path)), '=HYPERLINK("http://x")', "side-to-side"),
    ]
    for answers, client, questionnaire in runs:
        path = answers if os.sep in answers else str(EXAMPLES / answers)
        run = cli(data, "run", questionnaire, "--answers", path, "--no-input", "--client", client)
        assert run.returncode == 0, run.stderr
    return data


def test_csv_has_a_row_per_session_and_a_column_per_question(store: Path) -> None:
    run = cli(store, "sessions", "export", "--format", "csv", "--client", "Sam")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [r["session"] for r in rows] == ["1", "2"]
    runner, saddle = rows
    assert runner["questionnaire"] == "intake" and runner["client"] == "Sam"
    assert runner["regions"] == "knee.left"
    assert runner["pain_worst.knee.left"] == "6" and runner["pain_worst.knee.right"] == ""
    assert runner["warning"] == "none" and runner["alerts"] == ""
    assert "knee-start" in runner["recommended"].split(";")
    assert saddle["warning"] == "emergency"
    assert saddle["status"] == "stopped"  # the emergency ended the intake, as FHIR says too
    assert "saddle_numbness" in saddle["alerts"].split(";")
    assert saddle["recommended"] == ""
    assert set(rows[0]) >= {"pain_now.knee.left", "pain_now.knee.right", "pain_worst.neck"}
    out = store.parent / "sam.csv"
    assert cli(store, "sessions", "export", "--format", "csv", "--out", str(out)).returncode == 0
    assert out.read_bytes().endswith(b"\r\n")  # RFC 4180 line ends


def test_csv_of_several_questionnaires_names_columns_by_questionnaire_and_keeps_text_safe(
    store: Path,
) -> None:
    run = cli(store, "sessions", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == 3
    side = rows[2]
    assert side["questionnaire"] == "side-to-side"
    assert side["side-to-side:heel_raise.left"] == "25"
    assert side["side-to-side:heel_raise.right"] == "15"
    assert side["side-to-side:heel_raise.lsi"] == "60"
    assert side["side-to-side:grip_meter"] == "false"
    assert side["intake:regions"] == ""
    # A spreadsheet never runs a client's name as a formula.
    assert side["client"] == '\'=HYPERLINK("http://x")'


def test_pandas_reads_the_csv_with_numbers_and_booleans(store: Path, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "sessions.csv"
    run = cli(store, "sessions", "export", "--format", "csv", "--client", "Sam", "--out", str(out))
    assert run.returncode == 0, run.stderr
    frame = pandas.read_csv(out)
    assert len(frame) == 2
    assert frame["pain_worst.knee.left"].dtype.kind == "f"  # numbers, with NaN where not asked
    assert frame.loc[0, "pain_worst.knee.left"] == 6
    assert frame["session"].tolist() == [1, 2]
    assert frame["warning"].tolist() == ["none", "emergency"]
    yes_no = [c for c in frame.columns if frame[c].dtype.kind == "b"]
    assert yes_no  # true/false columns come back as booleans
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_bundle_moves_sessions_to_another_store_with_new_ids_and_links(
    store: Path, tmp_path: Path
) -> None:
    # Session 4 re-assesses session 1 (linked as `reassess` links them).
    from imbalance_cli.store import open_store

    with open_store(store) as db:
        first = db.session(1)
        new = db.start(
            questionnaire_id=first.questionnaire_id, version=first.questionnaire_version,
            sha256=first.questionnaire_sha256, source=first.questionnaire_source, client="Sam",
            previous=1,
        )  # fmt: skip
        db.save_answers(new, {"red_flags_now": ["none"], "age": 34}, {})  # type: ignore[dict-item]
    bundle = tmp_path / "sam.json"
    run = cli(
        store, "sessions", "export", "--format", "bundle", "--client", "Sam", "--out", str(bundle)
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(bundle.read_text())
    assert data["format"] == "imbalance-sessions" and data["format_version"] == 1
    assert [s["ref"] for s in data["sessions"]] == [1, 2, 4]
    assert data["sessions"][2]["previous"] == 1

    other = tmp_path / "laptop"
    cli(other, "run", "--answers", str(EXAMPLES / "no-pain.yaml"), "--no-input", "--client", "Ann")
    imported = cli(other, "sessions", "import", str(bundle))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3 session(s), now numbered 2-4." in imported.stderr
    listed = json.loads(cli(other, "sessions", "list", "--json").stdout)
    by_id = {s["id"]: s for s in listed}
    assert by_id[4]["previous"] == 2 and by_id[2]["client"] == "Sam"
    assert by_id[3]["warning"] == "emergency"
    # The same summary from either store.
    for old, new_id in ((1, 2), (2, 3)):
        here = cli(store, "sessions", "export", str(old), "--format", "json").stdout
        there = cli(other, "sessions", "export", str(new_id), "--format", "json").stdout
        mine, theirs = json.loads(here), json.loads(there)
        assert mine["answers"] == theirs["answers"] and mine["alerts"] == theirs["alerts"]
        assert theirs["session"] == new_id

    again = cli(other, "sessions", "import", str(bundle))
    assert again.returncode == 0
    assert "Imported nothing new." in again.stderr
    assert "Already here: the bundle's session 1 is session 2; skipped." in again.stderr
    assert len(json.loads(cli(other, "sessions", "list", "--json").stdout)) == 4


def test_a_reassessment_of_a_session_already_there_links_to_it(store: Path, tmp_path: Path) -> None:
    from imbalance_cli.store import open_store

    with open_store(store) as db:
        first = db.session(1)
        new = db.start(
            questionnaire_id="intake", version=first.questionnaire_version,
            sha256=first.questionnaire_sha256, source="intake", client="Sam", previous=1,
        )  # fmt: skip
        db.save_answers(new, {"age": 35}, {})
    one = tmp_path / "one.json"
    cli(store, "sessions", "export", "1", "--format", "bundle", "--out", str(one))
    both = tmp_path / "both.json"
    cli(store, "sessions", "export", "--format", "bundle", "--client", "Sam", "--out", str(both))
    other = tmp_path / "other"
    assert cli(other, "sessions", "import", str(one)).returncode == 0
    run = cli(other, "sessions", "import", str(both))
    assert run.returncode == 0, run.stderr
    assert "Imported 2 session(s), now numbered 2-3." in run.stderr
    listed = {s["id"]: s for s in json.loads(cli(other, "sessions", "list", "--json").stdout)}
    assert listed[3]["previous"] == 1  # linked to the copy that was already there


def test_a_broken_bundle_imports_nothing_and_says_where(store: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    data["sessions"][1]["answers"][2]["value"] = {"nested": "object"}
    data["sessions"][2]["status"] = "finished"
    data["sessions"][2]["previous"] = 99
    bundle.write_text(json.dumps(data))
    other = tmp_path / "other"
    run = cli(other, "sessions", "import", str(bundle))
    assert run.returncode == 1
    assert "3 problem(s) in the bundle; nothing was imported:" in run.stderr
    assert f"{bundle}: sessions[1].answers[2].value: an answer is text" in run.stderr
    assert (
        f"{bundle}: sessions[2].status: one of in_progress, interrupted, complete expected"
        in run.stderr
    )
    assert (
        f"{bundle}: sessions[2].previous: 99 is not a session earlier in the bundle" in run.stderr
    )
    assert cli(other, "sessions", "list", "--json").stdout.strip() == "[]"


def test_answers_that_do_not_fit_their_questionnaire_are_refused(
    store: Path, tmp_path: Path
) -> None:
    """With the same questionnaire here, an answer it could never have given (an age in words,
    a rating of 14, a region side that does not exist, a question it does not ask) is a problem
    of the bundle: nothing is imported, and every one is named."""
    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "1", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    session = data["sessions"][0]
    by_question = {a["question"]: a for a in session["answers"]}
    by_question["age"]["value"] = "old"
    by_question["pain_now.knee.left"]["value"] = 14
    by_question["regions"]["value"] = ["knee.middle"]
    session["answers"].append({"question": "favourite_colour", "value": "blue"})
    session["started_at"] = "yesterday"
    bundle.write_text(json.dumps(data))
    run = cli(tmp_path / "other", "sessions", "import", str(bundle))
    assert run.returncode == 1
    assert "sessions[0].started_at: a date and time such as" in run.stderr
    assert "nothing was imported" in run.stderr
    session["started_at"] = "2026-11-20T10:00:00+00:00"
    bundle.write_text(json.dumps(data))
    run = cli(tmp_path / "other", "sessions", "import", str(bundle))
    assert run.returncode == 1
    assert (
        "4 answer(s) in the bundle do not fit their questionnaire; nothing was imported"
        in run.stderr
    )
    assert "'favourite_colour' is not a question of 'intake'" in run.stderr
    assert cli(tmp_path / "other", "sessions", "list", "--json").stdout.strip() == "[]"


def test_impossible_dates_in_a_bundle_are_located_and_nothing_is_imported(
    store: Path, tmp_path: Path
) -> None:
    """A session completed before it started, or dated more than a day past this computer's
    clock (year 9999), is a problem of the bundle at its place; a few hours ahead (another time
    zone's clock) is not."""
    from datetime import datetime, timedelta, timezone

    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    first, second, third = data["sessions"]
    started = first["started_at"]
    first["completed_at"] = "2020-01-01T00:00:00+00:00"
    second["started_at"] = second["completed_at"] = "9999-12-31T23:59:59+00:00"
    second["updated_at"] = "9999-12-31T23:59:59+00:00"
    later = datetime.now(timezone.utc) + timedelta(days=3)
    third["completed_at"] = later.isoformat(timespec="seconds")
    bundle.write_text(json.dumps(data))
    other = tmp_path / "other"
    run = cli(other, "sessions", "import", str(bundle))
    assert run.returncode == 1, run.stderr
    assert "5 problem(s) in the bundle; nothing was imported" in run.stderr
    assert (
        f"{bundle}: sessions[0].completed_at: 2020-01-01T00:00:00+00:00 is before the session "
        f"started ({started})" in run.stderr
    )
    for key in ("started_at", "updated_at", "completed_at"):
        assert f"sessions[1].{key}: 9999-12-31T23:59:59+00:00 is in the future" in run.stderr
    assert f"sessions[2].completed_at: {third['completed_at']} is in the future" in run.stderr
    assert cli(other, "sessions", "list", "--json").stdout.strip() == "[]"

    first["completed_at"] = second["completed_at"] = None
    second["started_at"] = second["updated_at"] = started
    third["completed_at"] = (later - timedelta(days=3, hours=-5)).isoformat(timespec="seconds")
    bundle.write_text(json.dumps(data))
    fine = cli(other, "sessions", "import", str(bundle))
    assert fine.returncode == 0, fine.stderr
    assert "Imported 3 session(s)" in fine.stderr


def test_the_warning_sign_a_store_lists_is_worked_out_from_the_answers(
    store: Path, tmp_path: Path
) -> None:
    """A bundle saying an emergency session had no warning sign does not hide it: the level
    `sessions list` shows comes from the answers, as `show` and the CSV work it out."""
    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "2", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    data["sessions"][0]["warning"] = "none"
    data["sessions"][0]["result"] = None
    bundle.write_text(json.dumps(data))
    other = tmp_path / "other"
    run = cli(other, "sessions", "import", str(bundle))
    assert run.returncode == 0, run.stderr
    assert "New clients: Sam" in run.stderr
    (listed,) = json.loads(cli(other, "sessions", "list", "--json").stdout)
    assert listed["warning"] == "emergency"
    rows = list(
        csv.DictReader(io.StringIO(cli(other, "sessions", "export", "--format", "csv").stdout))
    )
    assert rows[0]["warning"] == "emergency"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"format": "imbalance-sessions", "format_version": 2, "sessions": []}',
            "written by a newer imbalance (bundle format 2",
        ),
        ('{"sessions": []}', "is not a sessions bundle"),
        (
            '{"format": "imbalance-sessions",\n "format_version": 1,\n "sessions": [}',
            ":3:15: JSON syntax error:",
        ),
        (
            '{"format": "imbalance-sessions", "format_version": 1,\n "sessions": '
            + "[" * 100_000
            + "]" * 100_000
            + "}",
            ":2:113: the JSON is nested more than 100 levels deep here; nothing was imported",
        ),
        (
            '{"format": "imbalance-sessions",\n "format_version": ' + "9" * 5000 + "}",
            ":2:20: a number of 5,000 digits is far too long for any value here",
        ),
    ],
    ids=["newer", "not-a-bundle", "not-json", "nested-100000-deep", "5000-digit-integer"],
)
def test_newer_or_foreign_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    """Every way a file can fail to be a bundle is a located message (JSON nested deeper than
    Python's parser goes, or an integer longer than Python converts, were internal errors)."""
    path = tmp_path / "x.json"
    path.write_text(content)
    run = cli(tmp_path / "data", "sessions", "import", str(path))
    assert run.returncode == 1 and message in run.stderr, run.stderr
    assert "internal error" not in run.stderr


def test_values_no_store_can_hold_are_problems_of_the_bundle(store: Path, tmp_path: Path) -> None:
    """A worst pain of 10**4000 (no float holds it) or a session ref past what SQLite stores
    is named by its place, and nothing is imported."""
    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    data["sessions"][0]["worst_pain"] = 10**4000
    data["sessions"][1]["ref"] = 2**70
    bundle.write_text(json.dumps(data))
    run = cli(tmp_path / "other", "sessions", "import", str(bundle))
    assert run.returncode == 1, run.stderr
    assert "sessions[0].worst_pain: a number from 0 to 10 expected" in run.stderr
    assert "sessions[1].ref: a session id (a whole number from 1) expected" in run.stderr
    assert "internal error" not in run.stderr


def test_a_fault_while_adding_rolls_everything_back(tmp_path: Path) -> None:
    """The store adds a bundle in one transaction: a failure on the second session leaves
    neither the first session nor its new client behind."""
    from imbalance_cli.errors import StoreConflict
    from imbalance_cli.store import NewSession, open_store

    good = NewSession(
        client="New Person", questionnaire_id="intake", version="1", sha256="x", source="intake",
        status="complete", started_at="2026-01-01T00:00:00+00:00",
        updated_at="2026-01-01T00:00:00+00:00", completed_at=None, worst_pain=None,
        warning=None, result_json=None, answers=(("age", 0, "40"),),
    )  # fmt: skip
    from dataclasses import replace

    clash = replace(good, answers=(("age", 0, "40"), ("age", 1, "41")))  # one answer twice
    with open_store(tmp_path / "data") as db:
        with pytest.raises(StoreConflict), db.importing() as batch:
            assert batch.add(good, "a" * 64) == (1, True)
            batch.add(clash, "b" * 64)
        assert db.sessions() == [] and db.clients() == []


def test_every_output_option_takes_dash_for_stdout(store: Path, tmp_path: Path) -> None:
    """'-' writes to standard output, and nothing else goes there."""
    persona = str(EXAMPLES / "runner-knee.yaml")
    cases = {
        "run --out -": (
            ["run", "--answers", persona, "--no-input", "--no-save", "--out", "-"],
            "# Muscle imbalance",
        ),
        "run --json -": (
            ["run", "--answers", persona, "--no-input", "--no-save", "--json", "-"],
            '{\n  "format_version": 1',
        ),
        "run --html -": (
            ["run", "--answers", persona, "--no-input", "--no-save", "--html", "-"],
            "<!DOCTYPE html>",
        ),
        "export --out -": (["sessions", "export", "1", "--out", "-"], "# Muscle imbalance"),
        "export fhir --out -": (
            ["sessions", "export", "1", "--format", "fhir", "--out", "-"],
            '{\n  "resourceType": "Bundle"',
        ),
        "compare --out -": (["compare", "1", "2", "--out", "-"], "# "),
        "progress --html -": (["progress", "Sam", "--html", "-"], "<!DOCTYPE html>"),
        "show --out -": (
            ["show", "intake", "--format", "json", "--out", "-"],
            '{\n  "id": "intake"',
        ),
    }
    for name, (args, start) in cases.items():
        run = cli(store, *args, cwd=tmp_path)
        assert run.returncode == 0, (name, run.stderr)
        if start is not None:
            assert run.stdout.startswith(start), (name, run.stdout[:200])
    # --json - with the summary: only the JSON reaches stdout.
    both = cli(
        store, "run", "--answers", persona, "--no-input", "--no-save", "--json", "-", cwd=tmp_path
    )
    json.loads(both.stdout)
    two = cli(store, "run", "--answers", persona, "--no-input", "--out", "-", "--json", "-")
    assert two.returncode == 2 and "are the same file" in two.stderr
    charts = cli(store, "progress", "Sam", "--html", "-", "--json")
    assert charts.returncode == 2 and "--json and --html - both write to stdout" in charts.stderr


def test_a_questionnaire_the_loader_would_refuse_is_a_problem_of_the_bundle(
    store: Path, tmp_path: Path
) -> None:
    """A bundle's questionnaire id is listed by `sessions list` and its source is read as a path:
    only ids the loader accepts (and full paths of YAML files) come in, never
    '../../etc/passwd' or a version that carries escape sequences."""
    bundle = tmp_path / "b.json"
    cli(store, "sessions", "export", "--format", "bundle", "--out", str(bundle))
    data = json.loads(bundle.read_text())
    data["sessions"][0]["questionnaire"].update(id="../../etc/passwd", source="../../etc/passwd")
    data["sessions"][1]["questionnaire"].update(version="1\x1b]0;owned\x07", sha256="x")
    bundle.write_text(json.dumps(data))
    other = tmp_path / "other"
    run = cli(other, "sessions", "import", str(bundle))
    assert run.returncode == 1, run.stderr
    said = run.stderr
    assert "sessions[0].questionnaire.id: '../../etc/passwd' is not a questionnaire id" in said
    assert "sessions[0].questionnaire.source: '../../etc/passwd' is neither" in said
    assert "sessions[1].questionnaire.version: '1' is not a version" in said
    assert "sessions[1].questionnaire.sha256: 64 hexadecimal digits expected" in said
    assert "\x1b" not in said and "\x07" not in said
    assert cli(other, "sessions", "list", "--json").stdout.strip() == "[]"
