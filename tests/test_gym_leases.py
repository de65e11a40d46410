"""Issue 25's rules on a gym's shared PostgreSQL store (issue 22): one writer per session (the
lease), no silent overwrite (revisions), and an import that adds each session once, with the
database's row-level security deciding whose sessions, and leases, a trainer can reach."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

import pgcluster
from conftest import EXAMPLES
from imbalance_cli.cli import main
from imbalance_cli.errors import StoreError
from imbalance_cli.store import (
    LeaseLost,
    SessionHeld,
    StaleAnswers,
    Store,
    Writer,
    open_store,
)
from imbalance_cli.store.gym import add_trainer
from imbalance_cli.store.postgres import PostgresStore


def _trainers(pg_cluster: pgcluster.Cluster, pg_url: str, *roles: str) -> list[str]:
    """New trainer logins on the store at ``pg_url``; their URLs."""
    database = pg_url.rsplit("/", 1)[1]
    names = [f"{role}_{database}" for role in roles]
    with PostgresStore.connect(pg_url) as admin:
        for name in names:
            add_trainer(admin, name, f"{name}-pw", owner=False)
    return [pg_cluster.url(name, f"{name}-pw", database) for name in names]


def _start(store: Store, writer: Writer, client: str = "Sam") -> int:
    return store.start(
        questionnaire_id="intake", version="1", sha256="x" * 64, source="intake",
        client=client, writer=writer,
    )  # fmt: skip


def test_a_lease_on_the_server_holds_for_trainers_who_share_a_client_and_is_hidden_from_others(
    pg_cluster: pgcluster.Cluster, pg_url: str
) -> None:
    """Anna answers Sam's session; Ben, with whom Sam is shared, is told who holds it, takes it
    over, and Anna stops at her next save with her answers kept. Cleo, who cannot see Sam, learns
    nothing of the lease and cannot take it."""
    anna_url, ben_url, cleo_url = _trainers(pg_cluster, pg_url, "anna", "ben", "cleo")
    with open_store(anna_url) as anna, open_store(ben_url) as ben, open_store(cleo_url) as cleo:
        mine = anna.writer()
        assert mine.account == anna.author  # the lease names the database role
        sid = _start(anna, mine)
        assert anna.save_answers(sid, {"age": 40}, {}, writer=mine, base={}) == {"age": 1}
        anna.share("Sam", ben.author)

        theirs = ben.writer()
        with pytest.raises(SessionHeld, match=anna.author):
            ben.acquire(sid, theirs)
        taken = ben.acquire(sid, theirs, take_over=True)
        assert taken.how == "taken over" and taken.previous is not None
        with pytest.raises(LeaseLost, match=ben.author):
            anna.save_answers(sid, {"age": 41}, {}, writer=mine, base={"age": 1})
        assert ben.answers(sid) == {"age": 40}
        # A save based on an older revision than the server holds is refused, nothing written.
        with pytest.raises(StaleAnswers):
            ben.save_answers(sid, {"age": 42}, {}, writer=theirs, base={"age": 0})
        assert ben.save_answers(sid, {"age": 42}, {}, writer=theirs, base={"age": 1}) == {"age": 2}

        assert cleo.lease(sid) is None
        assert cleo.db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
        with pytest.raises(StoreError):
            cleo.acquire(sid, cleo.writer(), take_over=True)
        assert ben.lease(sid) is not None and ben.lease(sid).token == theirs.token  # type: ignore[union-attr]


def test_imports_of_one_bundle_running_at_once_on_the_server_add_each_session_once(
    pg_cluster: pgcluster.Cluster,
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two imports of one bundle by one trainer at the same moment: each session is added once,
    whichever import gets there first; a third finds everything already here."""
    (anna_url,) = _trainers(pg_cluster, pg_url, "anna")
    laptop = ["--data-dir", str(tmp_path / "laptop")]
    for persona, client in (("runner-knee.yaml", "Sam"), ("desk-worker-neck-shoulder.yaml", "Ann")):
        code = main(
            [*laptop, "run", "--answers", str(EXAMPLES / persona), "--no-input", "--client", client]
        )
        assert code == 0
    bundle = tmp_path / "two.json"
    assert main([*laptop, "sessions", "export", "--format", "bundle", "--out", str(bundle)]) == 0
    capsys.readouterr()

    from imbalance_cli.workflow import transfer

    done: list[transfer.Imported] = []

    def one() -> None:
        with open_store(anna_url) as store:
            done.append(transfer.bring_in(store, bundle))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(d.added) for d in done) == [0, 2]
    assert sorted(len(d.duplicates) for d in done) == [0, 2]
    with open_store(anna_url) as store:
        assert len(store.sessions()) == 2
        again = transfer.bring_in(store, bundle)
        assert again.added == () and len(again.duplicates) == 2
        assert {c.name for c in store.clients()} == {"Sam", "Ann"}


def test_a_bundle_another_trainer_imported_comes_in_whole_for_a_trainer_who_cannot_see_it(
    pg_cluster: pgcluster.Cluster,
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sessions go into a server many to a statement; when one of them finds its import key
    taken by a session the trainer cannot see (another trainer imported the same bundle), the
    import is done again a session at a time: every session comes in, once, as the trainer's
    own, and a second import finds them all here."""
    anna_url, ben_url = _trainers(pg_cluster, pg_url, "anna", "ben")
    laptop = ["--data-dir", str(tmp_path / "laptop")]
    for persona, client in (("runner-knee.yaml", "Sam"), ("desk-worker-neck-shoulder.yaml", "Ann")):
        code = main(
            [*laptop, "run", "--answers", str(EXAMPLES / persona), "--no-input", "--client", client]
        )
        assert code == 0
    bundle = tmp_path / "two.json"
    assert main([*laptop, "sessions", "export", "--format", "bundle", "--out", str(bundle)]) == 0
    capsys.readouterr()

    # Ben's copy names the clients without their ids: a client's id is one client, Anna's.
    data = json.loads(bundle.read_text())
    for session in data["sessions"]:
        del session["client_id"]
    without_ids = tmp_path / "two-without-ids.json"
    without_ids.write_text(json.dumps(data))

    from imbalance_cli.workflow import transfer

    tries: list[bool] = []
    real = transfer._bring_in

    def spied(*args: Any) -> transfer.Imported:
        tries.append(args[-1])
        return real(*args)

    monkeypatch.setattr(transfer, "_bring_in", spied)
    for url, path in ((anna_url, bundle), (ben_url, without_ids)):
        with open_store(url) as store:
            done = transfer.bring_in(store, path)
            assert len(done.added) == 2 and done.duplicates == ()
            assert len(store.sessions()) == 2
            again = transfer.bring_in(store, path)
            assert again.added == () and len(again.duplicates) == 2
    # Anna's imports and Ben's second went in bulk; Ben's first was done again one at a time.
    assert tries == [True, True, True, False, True]
    with open_store(pg_url) as owner:
        assert len(owner.sessions()) == 4
        count = owner.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        with open_store(anna_url) as anna:
            assert count == 2 * anna.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
