"""Stable identities and authorship: every client has a UUID that goes with their records
(bundles, the FHIR Patient, CSV) and finds them again on import, where a name alone is never
taken as the same person without asking; every session and answer records who wrote it."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from conftest import EXAMPLES
from imbalance_cli.cli import main
from imbalance_cli.store import SCHEMA_VERSION, Store, local_account, open_store


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _at(location: str | Path, data: Path) -> list[str]:
    """The options that put the command line on this store."""
    if isinstance(location, Path):
        return ["--data-dir", str(location)]
    return ["--data-dir", str(data), "--store", location]


def test_every_client_gets_a_stable_id_and_every_row_its_author(store: Store) -> None:
    sid = store.start(
        questionnaire_id="intake", version="1", sha256="x", source="intake", client="Ana"
    )
    store.save_answers(sid, {"age": 40}, {})
    (client,) = store.clients()
    assert str(uuid.UUID(client.uuid)) == client.uuid
    row = store.session(sid)
    expected = local_account() if store.engine == "sqlite" else "postgres"
    assert row.author == expected and row.client_id == client.uuid
    authors = store.db.execute("SELECT DISTINCT author FROM answers").fetchall()
    assert [a[0] for a in authors] == [expected]
    # The id names the client as well as the name does, in full or by its first 8 digits.
    assert store.client_name(client.uuid) == "Ana" == store.client_name(client.uuid[:8])
    assert store.client_name(client.uuid.upper()) == "Ana"


def test_a_store_made_before_ids_gets_them_and_its_rows_an_author(tmp_path: Path) -> None:
    """Migrations 4 and 5 on an SQLite file of schema 3: ids for every client (5), the store's account
    as the author of what was there."""
    from imbalance_cli.store import MIGRATIONS

    folder = tmp_path / "old"
    folder.mkdir()
    db = sqlite3.connect(folder / "imbalance.db")
    for step in MIGRATIONS[:3]:
        db.executescript(step.script("sqlite"))
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO clients(name, created_at) VALUES ('Ann', 't'), ('Bo', 't')")
    db.execute(
        """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
           questionnaire_sha256, questionnaire_source, status, started_at, updated_at)
           VALUES (1, 'intake', '1', 'x', 'intake', 'complete', 't', 't')"""
    )
    db.execute("INSERT INTO answers VALUES (1, 'age', 0, '40', 't')")
    db.commit()
    db.close()
    with open_store(folder) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        ids = [c.uuid for c in store.clients()]
        assert len(set(ids)) == 2 and all(uuid.UUID(i) for i in ids)
        assert store.session(1).author == local_account()


def _two_stores_with_one_client(
    capsys: pytest.CaptureFixture[str], store_location: str | Path, tmp_path: Path
) -> tuple[list[str], list[str], Path]:
    """Sam on a laptop (exported as a bundle), and the store under test."""
    laptop = ["--data-dir", str(tmp_path / "laptop")]
    persona = str(EXAMPLES / "runner-knee.yaml")
    assert (
        _run(capsys, *laptop, "run", "--answers", persona, "--no-input", "--client", "Sam")[0] == 0
    )
    bundle = tmp_path / "sam.json"
    code, _, err = _run(
        capsys, *laptop, "sessions", "export", "--format", "bundle", "--out", str(bundle)
    )
    assert code == 0, err
    return laptop, _at(store_location, tmp_path / "data"), bundle


def test_a_bundle_carries_the_client_id_and_author_and_import_keeps_them(
    capsys: pytest.CaptureFixture[str], store_location: str | Path, tmp_path: Path
) -> None:
    laptop, here, bundle = _two_stores_with_one_client(capsys, store_location, tmp_path)
    data = json.loads(bundle.read_text())
    (session,) = data["sessions"]
    laptop_id = session["client_id"]
    assert uuid.UUID(laptop_id) and session["author"] == local_account()
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle))
    assert code == 0 and "New clients: Sam" in err, err
    code, out, _ = _run(capsys, *here, "clients", "list", "--json")
    assert [(c["name"], c["id"]) for c in json.loads(out)] == [("Sam", laptop_id)]

    # Renamed here, Sam is still found by id: a second session joins him, under his new name.
    assert _run(capsys, *here, "clients", "rename", "Sam", "Sam Rivera")[0] == 0
    persona = str(EXAMPLES / "no-pain.yaml")
    assert (
        _run(capsys, *laptop, "run", "--answers", persona, "--no-input", "--client", "Sam")[0] == 0
    )
    again = tmp_path / "again.json"
    _run(capsys, *laptop, "sessions", "export", "--format", "bundle", "--out", str(again))
    code, _, err = _run(capsys, *here, "sessions", "import", str(again))
    assert code == 0, err
    assert "Clients already here, matched by id: Sam Rivera" in err
    assert "'Sam' is 'Sam Rivera' here" in err and "New clients" not in err
    code, out, _ = _run(capsys, *here, "clients", "list", "--json")
    assert [(c["name"], c["sessions"]) for c in json.loads(out)] == [("Sam Rivera", 2)]


def test_a_client_known_only_by_name_is_never_merged_without_asking(
    capsys: pytest.CaptureFixture[str], store_location: str | Path, tmp_path: Path
) -> None:
    """Two people called Sam: the store's Sam has another id. --no-input (or no terminal)
    refuses and imports nothing; --match-names says they are one person."""
    _, here, bundle = _two_stores_with_one_client(capsys, store_location, tmp_path)
    persona = str(EXAMPLES / "no-pain.yaml")
    assert _run(capsys, *here, "run", "--answers", persona, "--no-input", "--client", "sam")[0] == 0
    for extra in (["--no-input"], []):
        code, _, err = _run(capsys, *here, "sessions", "import", str(bundle), *extra)
        assert code == 1 and "is not known here by id, but a client here is called 'sam'" in err
        assert "nothing was imported" in err and "--match-names" in err
    code, out, _ = _run(capsys, *here, "sessions", "list", "--json")
    assert len(json.loads(out)) == 1
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle), "--match-names")
    assert code == 0 and "matched by name: sam" in err, err
    code, out, _ = _run(capsys, *here, "clients", "list", "--json")
    assert [(c["name"], c["sessions"]) for c in json.loads(out)] == [("sam", 2)]


def test_a_bundle_of_an_older_imbalance_matches_clients_by_name(
    capsys: pytest.CaptureFixture[str], store_location: str | Path, tmp_path: Path
) -> None:
    _, here, bundle = _two_stores_with_one_client(capsys, store_location, tmp_path)
    data = json.loads(bundle.read_text())
    for session in data["sessions"]:
        del session["client_id"], session["author"]
    bundle.write_text(json.dumps(data))
    persona = str(EXAMPLES / "no-pain.yaml")
    assert _run(capsys, *here, "run", "--answers", persona, "--no-input", "--client", "Sam")[0] == 0
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle), "--no-input")
    assert code == 0 and "matched by name: Sam" in err, err


def test_names_match_whatever_their_case_here_and_made_earlier_in_the_same_import(
    capsys: pytest.CaptureFixture[str], store_location: str | Path, tmp_path: Path
) -> None:
    """An old bundle's 'ÉLODIE' is the store's 'élodie' (a case SQL's lower() does not fold);
    and a bundle whose second session names, under another id, the client its first made is
    asked about, not made a second client: the import reads the store's names once and then
    those it adds, where it walked every client for each."""
    _, here, bundle = _two_stores_with_one_client(capsys, store_location, tmp_path)
    data = json.loads(bundle.read_text())
    (session,) = data["sessions"]
    persona = str(EXAMPLES / "no-pain.yaml")
    assert (
        _run(capsys, *here, "run", "--answers", persona, "--no-input", "--client", "élodie")[0] == 0
    )
    old = {k: v for k, v in session.items() if k not in ("client_id", "author")}
    second = {**session, "ref": session["ref"] + 1, "client": "ZOË", "client_id": str(uuid.uuid4()),
              "started_at": "2026-01-02T09:00:00+00:00", "updated_at": "2026-01-02T09:00:00+00:00",
              "completed_at": "2026-01-02T09:00:00+00:00"}  # fmt: skip
    data["sessions"] = [
        {**old, "client": "ÉLODIE", "ref": 1}, {**session, "client": "Zoë", "ref": 2},
        {**second, "ref": 3},
    ]  # fmt: skip
    bundle.write_text(json.dumps(data))
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle), "--no-input")
    assert code == 1 and "the bundle's client 'ZOË'" in err and "called 'Zoë'" in err, err
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle), "--match-names")
    assert code == 0 and "matched by name: Zoë, élodie" in err, err
    code, out, _ = _run(capsys, *here, "clients", "list", "--json")
    assert sorted((c["name"], c["sessions"]) for c in json.loads(out)) == [
        ("Zoë", 2), ("élodie", 2)
    ]  # fmt: skip


def test_a_bundle_with_a_malformed_client_id_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, here, bundle = _two_stores_with_one_client(capsys, tmp_path / "store", tmp_path)
    data = json.loads(bundle.read_text())
    data["sessions"][0]["client_id"] = "not-a-uuid"
    bundle.write_text(json.dumps(data))
    code, _, err = _run(capsys, *here, "sessions", "import", str(bundle))
    assert code == 1 and "sessions[0].client_id: a client id (a UUID) expected" in err


def test_fhir_and_csv_carry_the_client_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    persona = str(EXAMPLES / "runner-knee.yaml")
    assert _run(capsys, "run", "--answers", persona, "--no-input", "--client", "Sam")[0] == 0
    code, out, _ = _run(capsys, "clients", "list", "--json")
    client_id = json.loads(out)[0]["id"]
    code, out, _ = _run(capsys, "sessions", "export", "1", "--format", "fhir")
    patients = [
        e["resource"]
        for e in json.loads(out)["entry"]
        if e["resource"]["resourceType"] == "Patient"
    ]
    assert patients[0]["identifier"] == [{"system": "urn:imbalance:client", "value": client_id}]
    code, out, _ = _run(capsys, "sessions", "export", "--format", "csv")
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["client"] == "Sam" and row["client_id"] == client_id
    # The id names the client on the command line too.
    code, out, _ = _run(capsys, "sessions", "list", "--client", client_id[:8], "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)] == [1]


def test_a_mistyped_client_id_is_refused_not_made_a_new_client(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = str(EXAMPLES / "runner-knee.yaml")
    assert main(["run", "--answers", answers, "--no-input", "--out", "/dev/null"]) == 0
    assert main(["sessions", "attach", "1", "deadbeef"]) == 2
    assert "no client has the id 'deadbeef' (see: imbalance clients list)" in (
        capsys.readouterr().err
    )
    assert main(["run", "--answers", answers, "--no-input", "--out", "/dev/null",
                 "--client", "0badc0de"]) == 2  # fmt: skip
    assert main(["sessions", "attach", "1", "Ann Lee"]) == 0
    assert main(["clients", "list", "--json"]) == 0
    capsys.readouterr()
    from imbalance_cli import resources

    with open_store(resources.store_location()) as store:
        clients = store.clients()
    assert [c.name for c in clients] == ["Ann Lee"]
    given = clients[0].uuid[:8]
    assert main(["sessions", "attach", "1", given]) == 0  # an id that exists is that client
    assert "Session 1 is now Ann Lee's." in capsys.readouterr().err
