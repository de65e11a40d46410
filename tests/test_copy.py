"""`imbalance store copy`: a whole store into another, either engine to either: all or
nothing, clients matched by id, re-assessment links kept, session numbers kept into a store
that never had one, sessions already there skipped, and a report of what was done."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import pgcluster
from conftest import EXAMPLES
from imbalance_cli.cli import main
from imbalance_cli.errors import StoreError
from imbalance_cli.store import Store, open_store
from imbalance_cli.workflow.copy import copy

Location = Callable[[str], "str | Path"]


@pytest.fixture
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """A new, empty store of an engine: a folder, or a fresh database on the test server."""

    made: list[str] = []

    def make(engine: str) -> str | Path:
        made.append(engine)
        if engine == "sqlite":
            return tmp_path / f"store-{len(made)}"
        cluster: pgcluster.Cluster = request.getfixturevalue("pg_cluster")
        return cluster.url(database=cluster.new_store())

    return make


def _at(location: str | Path, tmp_path: Path) -> list[str]:
    if isinstance(location, Path):
        return ["--data-dir", str(location)]
    return ["--data-dir", str(tmp_path / "data"), "--store", location]


def _fill(location: str | Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sam (an intake, then a re-assessment linked to it), Kim, and a run without a client."""
    for persona, client in (
        ("runner-knee.yaml", "Sam"), ("no-pain.yaml", "Kim"), ("desk-worker-neck-shoulder.yaml", None),
    ):  # fmt: skip
        who = ["--client", client] if client else []
        args = ["run", "--answers", str(EXAMPLES / persona), "--no-input", *who]
        assert main([*_at(location, tmp_path), *args]) == 0
    with open_store(location) as store:
        first = store.session(1)
        again = store.start(
            questionnaire_id=first.questionnaire_id, version=first.questionnaire_version,
            sha256=first.questionnaire_sha256, source="intake", client="Sam",
            started_at="2026-12-10T09:00:00+00:00", previous=1,
        )  # fmt: skip
        store.save_answers(again, {"age": 35, "red_flags_now": ("none",)}, {})
    # Sam's home programme and a session of it logged: they travel with Sam.
    assert main([*_at(location, tmp_path), "plan", "Sam", "--session", "1", "--no-input"]) == 0
    log = tmp_path / "log.yaml"
    log.write_text("warnings: [none]\ndone_1: as_planned\npain_1: 2\nmorning: usual\n"
                   "sensations: [none]\n" + "".join(f"done_{n}: not_done\n" for n in (2,)))  # fmt: skip
    assert main([*_at(location, tmp_path), "log", "Sam", "--answers", str(log), "--no-input"]) == 0
    capsys.readouterr()


def _everything(store: Store) -> list[tuple[object, ...]]:
    """What a store holds, by session, as a person would compare it (with each client's home
    programme and log)."""
    homes: list[tuple[object, ...]] = []
    for c in store.clients():
        number = store.client_id(c.uuid, create=False)
        homes += [(c.uuid, p.status, p.created_at, p.session_id, p.document)
                  for p in store.programmes(number)]  # fmt: skip
        homes += [(c.uuid, g.day, g.logged_at, g.warning, g.document) for g in store.logs(number)]
    return sorted(homes, key=str) + sorted(
        (r.id, r.client, r.client_id, r.status, r.started_at, r.previous_id, r.warning,
         json.dumps(store.answers(r.id), sort_keys=True), store.result_json(r.id))
        for r in store.sessions()
    )  # fmt: skip


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        ("sqlite", "postgresql"),
        ("postgresql", "sqlite"),
        ("sqlite", "sqlite"),
        ("postgresql", "postgresql"),
    ],
)
def test_a_store_is_copied_whole_with_its_ids_and_links(
    source: str, destination: str, place: Location, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    here, there = place(source), place(destination)
    _fill(here, tmp_path, capsys)
    target = str(there)
    assert main([*_at(here, tmp_path), "store", "copy", "--to", target, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["copied"] == 4 and report["kept_numbers"] and report["skipped"] == 0
    assert (report["programmes"], report["logs"]) == (1, 1)
    assert sorted(report["new_clients"]) == ["Kim", "Sam"]
    with open_store(here) as a, open_store(there) as b:
        assert _everything(a) == _everything(b)
        assert b.session(4).previous_id == 1
        assert {c.uuid for c in a.clients()} == {c.uuid for c in b.clients()}
    # Copying again finds everything there already.
    assert main([*_at(here, tmp_path), "store", "copy", "--to", target, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (
        again["copied"] == 0
        and again["skipped"] == 4
        and sorted(again["matched_by_id"]) == ["Kim", "Sam"]
        and (again["programmes"], again["logs"]) == (0, 0)
    )


def test_into_a_store_with_sessions_they_are_numbered_there_and_links_follow(
    place: Location, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop, server = place("sqlite"), place("postgresql")
    _fill(laptop, tmp_path, capsys)
    assert main([*_at(server, tmp_path), "run", "--answers", str(EXAMPLES / "saddle-numbness-emergency.yaml"),
                 "--no-input", "--client", "Ann"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main([*_at(laptop, tmp_path), "store", "copy", "--to", str(server)]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "Copied 4 session(s) of 2 client(s)" in said
    assert "numbered 2-5 there, in the same order" in said
    with open_store(server) as store:
        assert store.session(5).previous_id == 2 and store.session(5).client == "Sam"
        # The server numbers its next session after the copied ones.
        assert store.start(questionnaire_id="intake", version="1", sha256="x",
                           source="intake", client=None) == 6  # fmt: skip


def test_a_copy_kept_numbers_and_the_server_numbers_on_after_them(
    place: Location, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop, server = place("sqlite"), place("postgresql")
    _fill(laptop, tmp_path, capsys)
    with open_store(laptop) as a, open_store(server) as b:
        copy(a, b, None)
        assert b.start(questionnaire_id="intake", version="1", sha256="x", source="intake",
                       client=None) == 5  # fmt: skip


def test_a_fault_part_way_leaves_the_destination_as_it_was(
    place: Location, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    laptop = place("sqlite")
    _fill(laptop, tmp_path, capsys)
    real = Store._insert
    calls: list[int] = []

    def failing(self: Store, *args: object) -> list[int]:
        calls.append(1)
        if len(calls) % 2 == 0:
            raise StoreError("the disk is full (simulated)")
        return real(self, *args)  # type: ignore[arg-type]

    for engine in ("sqlite", "postgresql"):
        server = place(engine)
        monkeypatch.setattr(Store, "_insert", failing)
        with open_store(laptop) as a, open_store(server) as b:
            with pytest.raises(StoreError, match="simulated"):
                copy(a, b, None, batch=2)
            assert b.sessions() == [] and b.clients() == []
        monkeypatch.undo()


def test_a_client_known_there_only_by_name_stops_the_copy_unless_matched(
    place: Location, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop, server = place("sqlite"), place("postgresql")
    _fill(laptop, tmp_path, capsys)
    # (another persona: the same answers in the same second would be the same session)
    assert main([*_at(server, tmp_path), "run", "--answers", str(EXAMPLES / "several-regions-no-flags.yaml"),
                 "--no-input", "--client", "Kim"]) == 0  # fmt: skip
    capsys.readouterr()
    code = main([*_at(laptop, tmp_path), "store", "copy", "--to", str(server), "--no-input"])
    said = " ".join(capsys.readouterr().err.split())
    assert code == 1 and "client here is called 'Kim'" in said and "nothing was imported" in said
    with open_store(server) as store:
        assert len(store.sessions()) == 1
    code = main([*_at(laptop, tmp_path), "store", "copy", "--to", str(server), "--match-names"])
    assert code == 0, capsys.readouterr().err
    with open_store(server) as store:
        assert [(c.name, c.sessions) for c in store.clients()] == [("Kim", 2), ("Sam", 2)]


def test_copying_a_store_into_itself_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(tmp_path / "a", tmp_path, capsys)
    assert (
        main(["--data-dir", str(tmp_path / "a"), "store", "copy", "--to", str(tmp_path / "a")]) == 2
    )
    assert "--to names the store being copied" in capsys.readouterr().err
