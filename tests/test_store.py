"""The session store: private files, versioned schema, answers kept exactly, safe under concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgcluster
from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store import (
    SCHEMA_VERSION,
    LeaseLost,
    SessionHeld,
    StaleAnswers,
    Store,
    Writer,
    worst_pain,
)
from imbalance_cli.store import open_store as open_at


def open_store(tmp_path: Path) -> Store:
    return open_at(tmp_path / "store")


def new_session(store: Store, client: str | None = None) -> int:
    return store.start(
        questionnaire_id="intake", version="1", sha256="x" * 64, source="intake", client=client
    )


def test_new_store_is_private_and_current(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        new_session(store)
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    folder = tmp_path / "store"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "imbalance.db").stat().st_mode) == 0o600


def test_store_from_a_newer_imbalance_is_refused_untouched(store_location: str | Path) -> None:
    """On either engine: a schema version past this imbalance's is refused, and the store is
    left as it was."""
    with open_at(store_location) as store:
        new_session(store, "Ana")
        if store.engine == "sqlite":
            store.db.execute("PRAGMA user_version = 99")
        else:
            store.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = _snapshot(store_location)
    with pytest.raises(ImbalanceError, match=r"written by a newer imbalance \(schema 99"):
        open_at(store_location)
    assert _snapshot(store_location) == before


def _snapshot(location: str | Path) -> object:
    """The whole store: the SQLite file's bytes, or every row of a PostgreSQL store's tables."""
    if isinstance(location, Path):
        return hashlib.sha256((location / "imbalance.db").read_bytes()).hexdigest()
    from imbalance_cli.store.postgres import PostgresStore

    with PostgresStore.connect(location) as store:
        return [
            store.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("meta", "clients", "sessions", "answers")
        ]


def test_unreadable_store_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "imbalance.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ImbalanceError, match="cannot be read"):
        open_store(tmp_path)


def test_old_schema_is_migrated_forward(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    sqlite3.connect(folder / "imbalance.db").close()  # version 0: empty
    with open_store(tmp_path) as store:
        assert new_session(store) == 1


def test_an_older_server_store_is_refused_until_admin_init_upgrades_it(
    pg_cluster: pgcluster.Cluster,
) -> None:
    """A trainer's imbalance never changes a shared schema: an older store names the command
    that upgrades it, and that command runs the same migrations an SQLite file gets."""
    from imbalance_cli.store import MIGRATIONS
    from imbalance_cli.store.postgres import PostgresStore

    url = pg_cluster.url(database=pg_cluster.new_database())
    with PostgresStore.connect(url) as store:
        store.db.execute("CREATE SCHEMA imbalance")
        store.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for step in MIGRATIONS[:2]:
            store.db.execute(step.script("postgresql"))
        store.db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    with pytest.raises(ImbalanceError, match=r"is at schema 2 .* admin init") as refused:
        open_at(url)
    assert refused.value.exit_code == 2
    with PostgresStore.connect(url) as store:
        assert store.initialise() == (2, SCHEMA_VERSION)
    with open_at(url) as store:
        first = new_session(store, "Ana")
        again = store.start(
            questionnaire_id="intake", version="1", sha256="x", source="intake", client="Ana",
            previous=first,
        )  # fmt: skip
        assert store.session(again).previous_id == first


def test_answers_are_saved_exactly_and_removed_ones_deleted(store: Store) -> None:
    sid = new_session(store, "Ana")
    order = {"regions": 0, "pain_worst.knee": 1, "notes": 2}
    store.save_answers(
        sid, {"regions": ("knee.left",), "pain_worst.knee": 7.5, "notes": "ok ü ✓"}, order,
        worst=7.5,
    )  # fmt: skip
    assert store.session(sid).worst_pain == 7.5
    assert store.answers(sid) == {
        "regions": ["knee.left"],
        "pain_worst.knee": 7.5,
        "notes": "ok ü ✓",
    }
    store.save_answers(sid, {"regions": ("neck",)}, order)
    assert store.answers(sid) == {"regions": ["neck"]}
    assert store.session(sid).worst_pain is None
    assert store.session(sid).client == "Ana"


def test_clients_are_matched_without_regard_to_case(store: Store) -> None:
    first = new_session(store, "Ana Lima")
    second = new_session(store, "ana lima")
    assert [c[:2] for c in store.clients()] == [("Ana Lima", 2)]
    assert {r.id for r in store.sessions("ANA LIMA")} == {first, second}
    assert store.client_name("ANA lima") == "Ana Lima"


def test_deleting_a_client_removes_everything_about_them(store: Store) -> None:
    keep = new_session(store, "Bo")
    gone = new_session(store, "Ana")
    store.save_answers(gone, {"notes": "private detail"}, {})
    assert store.delete_client("Ana") == 1
    assert [r.id for r in store.sessions()] == [keep]
    assert store.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    assert [c[0] for c in store.clients()] == ["Bo"]
    if store.engine == "sqlite":
        store.close()
        raw = Path(store.where).read_bytes()
        assert b"private detail" not in raw


def test_worst_pain_is_the_highest_rating_of_the_questions_with_that_role() -> None:
    ids = ["pain_worst.knee.left", "pain_worst.neck"]
    assert (
        worst_pain({"pain_worst.knee.left": 4, "pain_worst.neck": 8, "pain_now.neck": 9}, ids) == 8
    )
    assert worst_pain({"age": 40}, ids) is None


WRITER = textwrap.dedent(
    """
    import sys
    from imbalance_cli.store import open_store
    location, tag = sys.argv[1], sys.argv[2]
    with open_store(location) as store:
        for n in range(40):
            sid = store.start(questionnaire_id="intake", version="1", sha256="x", source="intake", client=f"{tag}-{n % 3}")
            answers = {}
            for k in range(10):
                answers[f"q{k}"] = f"{tag}-{n}-{k}"
                store.save_answers(sid, answers, {})
            store.set_status(sid, "complete")
    """
)


def test_two_processes_writing_at_once_corrupt_nothing(store_location: str | Path) -> None:
    open_at(store_location).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store_location), tag],
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with open_at(store_location) as store:
        assert store.integrity() == "ok"
        rows = store.sessions()
        assert len(rows) == 80 and all(r.status == "complete" for r in rows)
        assert store.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 800
        assert sorted(c[0] for c in store.clients()) == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2"]
        for row in rows:
            answers = store.answers(row.id)
            tag = str(answers["q0"]).split("-")[0]
            n = str(answers["q0"]).split("-")[1]
            assert answers == {f"q{k}": f"{tag}-{n}-{k}" for k in range(10)}


def test_a_version_1_store_gains_warnings_read_from_its_results(tmp_path: Path) -> None:
    """Migration 2 adds the warning-sign column and fills it from completed sessions' results."""
    from imbalance_cli.store import MIGRATIONS

    folder = tmp_path / "store"
    folder.mkdir()
    db = sqlite3.connect(folder / "imbalance.db")
    db.executescript(MIGRATIONS[0].script("sqlite") + "; PRAGMA user_version = 1;")
    result = json.dumps({"alerts": [{"level": "advisory"}, {"level": "urgent"}]})
    db.execute(
        """INSERT INTO sessions(questionnaire_id, questionnaire_version, questionnaire_sha256,
           questionnaire_source, status, started_at, updated_at, result_json)
           VALUES ('intake', '1.0.0', 'x', 'intake', 'complete', 't', 't', ?)""",
        (result,),
    )
    db.execute(
        """INSERT INTO sessions(questionnaire_id, questionnaire_version, questionnaire_sha256,
           questionnaire_source, status, started_at, updated_at)
           VALUES ('intake', '1.0.0', 'x', 'intake', 'interrupted', 't', 't')"""
    )
    db.commit()
    db.close()
    with open_store(tmp_path) as store:
        assert [store.session(n).warning for n in (1, 2)] == ["urgent", None]
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# -- no answer lost to a second writer (issue 25) ------------------------------------------------


def _writer(name: str, pid: int | None = None, host: str | None = None) -> Writer:
    here = Writer.here()
    return Writer(name, host or here.host, os.getpid() if pid is None else pid, f"token-{name}")


def test_a_save_based_on_an_older_revision_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    """Each stored answer carries the revision it was written at; a writer that read older
    revisions cannot change or remove a newer answer, nor bring back one removed since."""
    with open_store(tmp_path) as store:
        sid = new_session(store)
        first = store.save_answers(sid, {"a": 1, "b": 2}, {}, base={})
        assert first == {"a": 1, "b": 1}
        second = store.save_answers(sid, {"a": 1, "b": 3}, {}, base=first)  # another writer
        assert second == {"a": 1, "b": 2}
        with pytest.raises(StaleAnswers) as info:
            store.save_answers(sid, {"a": 5, "b": 2}, {}, base=first)
        assert info.value.conflicts == ("b",)
        assert info.value.stored == {"a": "1", "b": "3"} and info.value.revisions == second
        assert store.answers(sid) == {"a": 1, "b": 3}  # not even "a" was written
        # The same value is no conflict; a newer answer removed under the writer is.
        assert store.save_answers(sid, {"a": 1, "b": 3}, {}, base=first) == second
        third = store.save_answers(sid, {"a": 1}, {}, base=second)
        with pytest.raises(StaleAnswers) as removed:
            store.save_answers(sid, {"a": 1, "b": 3}, {}, base=second)
        assert removed.value.conflicts == ("b",)
        assert store.save_answers(sid, {"a": 2}, {}, base=third) == {"a": 4}


def test_one_writer_per_session_until_it_is_taken_over(tmp_path: Path) -> None:
    """The lease: a second writer is told who holds it; taking it over stops the first at its
    next save or status change, even after the second has let it go."""
    first, second = _writer("ana"), _writer("bo")
    with open_store(tmp_path) as store:
        sid = store.start(
            questionnaire_id="intake", version="1", sha256="x", source="intake", client=None,
            writer=first,
        )  # fmt: skip
        base = store.save_answers(sid, {"age": 40}, {}, writer=first, base={})
        with pytest.raises(
            SessionHeld, match=rf"session {sid} is open in another imbalance: ana on"
        ):
            store.acquire(sid, second)
        with pytest.raises(SessionHeld):
            store.save_answers(sid, {"age": 41}, {})  # nor by code without a writer
        taken = store.acquire(sid, second, take_over=True)
        assert taken.how == "taken over" and taken.previous is not None
        assert taken.previous.account == "ana"
        with pytest.raises(LeaseLost, match=rf"session {sid} was taken over by bo on"):
            store.save_answers(sid, {"age": 41}, {}, writer=first, base=base)
        with pytest.raises(LeaseLost):
            store.set_status(sid, "interrupted", writer=first)
        store.save_answers(sid, {"age": 42}, {}, writer=second, base=base)
        store.set_status(sid, "interrupted", writer=second, release=True)
        with pytest.raises(LeaseLost):
            store.save_answers(sid, {"age": 41}, {}, writer=first, base=base)
        assert store.answers(sid) == {"age": 42}
        assert store.acquire(sid, first).how == "free"  # released: anyone may continue it


def test_a_lease_whose_process_is_gone_or_that_is_not_renewed_is_stale(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = _writer("ana", pid=int(gone.stdout))
    elsewhere = _writer("cy", host="another-laptop")
    me = _writer("bo")
    with open_store(tmp_path) as store:
        one = store.start(
            questionnaire_id="i", version="1", sha256="x", source="i", client=None, writer=dead
        )
        taken = store.acquire(one, me)
        assert taken.how == "stale: its process is no longer running"
        two = store.start(
            questionnaire_id="i", version="1", sha256="x", source="i", client=None,
            writer=elsewhere,
        )  # fmt: skip
        with pytest.raises(SessionHeld):  # a process on another host cannot be checked
            store.acquire(two, me)
        for minutes, held in ((29, True), (31, False)):
            stamp = datetime.now(timezone.utc) - timedelta(minutes=minutes)
            store.db.execute(
                "UPDATE leases SET renewed_at = ? WHERE session_id = ?",
                (stamp.isoformat(timespec="seconds"), two),
            )
            if held:
                with pytest.raises(SessionHeld):
                    store.acquire(two, me)
            else:
                assert (
                    store.acquire(two, me).how == "stale: it has not saved anything for 31 minutes"
                )


def test_a_version_3_store_migrates_to_fingerprints_revisions_and_leases(tmp_path: Path) -> None:
    """Migration 4: every session gets its fingerprint from the answers it holds (a damaged one
    as its stored text), every answer revision 0, and the store a lease table."""
    from imbalance_cli.store import MIGRATIONS, fingerprint

    folder = tmp_path / "store"
    folder.mkdir()
    db = sqlite3.connect(folder / "imbalance.db")
    db.executescript(
        ";".join(m.script("sqlite") for m in MIGRATIONS[:3]) + "; PRAGMA user_version = 3;"
    )
    for sid, started in ((1, "2026-01-01T10:00:00+00:00"), (2, "2026-01-02T10:00:00+00:00")):
        db.execute(
            """INSERT INTO sessions(id, questionnaire_id, questionnaire_version,
               questionnaire_sha256, questionnaire_source, status, started_at, updated_at)
               VALUES (?, 'intake', '1', 'x', 'intake', 'interrupted', ?, ?)""",
            (sid, started, started),
        )
    db.executemany(
        "INSERT INTO answers VALUES (1, ?, 0, ?, 't')", [("age", "40"), ("notes", "{broken")]
    )
    db.commit()
    db.close()
    with open_store(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        # Migration 7: the home programme's tables, empty.
        assert store.db.execute("SELECT COUNT(*) FROM programmes").fetchone()[0] == 0
        assert store.db.execute("SELECT COUNT(*) FROM programme_logs").fetchone()[0] == 0
        keys = dict(store.db.execute("SELECT id, fingerprint FROM sessions"))
        assert keys == {
            1: fingerprint(
                "intake", "x", "2026-01-01T10:00:00+00:00", {"age": 40, "notes": "{broken"}
            ),
            2: fingerprint("intake", "x", "2026-01-02T10:00:00+00:00", {}),
        }
        assert store.revisions(1) == {"age": 0, "notes": 0} and store.lease(1) is None
        # A writer that read revision 0 saves over it, and the session's revision moves on.
        assert store.save_answers(
            1, {"age": 41}, {}, writer=_writer("ana"), base={"age": 0, "notes": 0}
        ) == {"age": 1}


@settings(max_examples=300, deadline=None)
@given(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.lists(st.text(), max_size=5)
    | st.lists(st.integers(), max_size=3)
)
def test_answers_are_stored_as_json_dumps_writes_them(value: object) -> None:
    """Stored answers are compared as text to tell a change: the fast encoder must write what
    json.dumps wrote before it."""
    from imbalance_cli.store.rows import answer_json

    assert answer_json(value) == json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        assert answer_json(tuple(value)) == json.dumps(value, ensure_ascii=False)


def test_a_session_completed_while_resume_waits_for_its_lease_is_not_opened_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder finishes the session and lets the lease go just before a resume takes it:
    the resume says the session is complete and changes nothing."""
    from imbalance_cli.workflow import intake

    class Quiet:
        prefix = "imbalance"

        def prompter(self, questionnaire: object) -> object:
            raise AssertionError("nothing is asked")

        def note(self, text: str) -> None:
            pass

        def say(self, text: str) -> None:
            pass

    holder = _writer("ana")
    monkeypatch.setenv("IMBALANCE_DATA_DIR", str(tmp_path / "store"))
    with open_store(tmp_path) as store:
        sid = store.start(
            questionnaire_id="intake", version="1", sha256="x", source="intake", client=None,
            writer=holder,
        )  # fmt: skip
    real = Store.acquire

    def finished_first(self: Store, session_id: int, writer: Writer, **kw: bool) -> object:
        self.set_status(session_id, "complete", writer=holder, release=True)
        return real(self, session_id, writer, **kw)

    monkeypatch.setattr(Store, "acquire", finished_first)
    with pytest.raises(ImbalanceError, match=f"session {sid} is complete"):
        intake.resume(sid, None, interactive=True, ui=Quiet())  # type: ignore[arg-type]
    with open_store(tmp_path) as store:
        assert store.session(sid).status == "complete"
        lease = store.lease(sid)
        assert lease is not None and not lease.held
