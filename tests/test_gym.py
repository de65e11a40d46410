"""A gym's shared PostgreSQL store: two trainers who each see only their own clients, an owner
who sees all, sharing and assigning, an audit of who did what; and the database, not only
imbalance, holding the line: trainer B reaches none of trainer A's clients through any command,
a crafted id, or raw SQL."""

from __future__ import annotations

import io
import itertools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

import pgcluster
from conftest import EXAMPLES
from imbalance_cli.cli import main

_names = itertools.count(1)


@dataclass(frozen=True)
class Gym:
    cluster: pgcluster.Cluster
    database: str
    admin: str

    def url(self, who: str) -> str:
        return self.cluster.url(user=who, password=f"{who}-pw", database=self.database)


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def gym(pg_cluster: pgcluster.Cluster, pg_url: str) -> Gym:
    return Gym(pg_cluster, pg_url.rsplit("/", 1)[1], pg_url)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """The command line in this process against a store URL, with this standard input."""

    def run(url: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(["--data-dir", str(tmp_path / "data"), "--store", url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def add(cli: Cli, gym: Gym, role: str, *, owner: bool = False) -> str:
    """A new trainer (or owner) with a login unique in the cluster; returns their URL."""
    name = f"{role}_{next(_names)}_{gym.database}"
    extra = ["--owner"] if owner else []
    code, _, err = cli(
        gym.admin, "admin", "add-trainer", name, "--password-stdin", *extra, stdin=f"{name}-pw\n"
    )
    assert code == 0 and "They use the store with" in err, err
    return gym.url(name)


def intake(cli: Cli, url: str, client: str, persona: str = "runner-knee.yaml") -> None:
    code, _, err = cli(
        url, "run", "--answers", str(EXAMPLES / persona), "--no-input", "--client", client
    )
    assert code == 0, err


def listed(cli: Cli, url: str, what: str = "sessions") -> list[dict[str, object]]:
    code, out, err = cli(url, what, "list", "--json")
    assert code == 0, err
    result: list[dict[str, object]] = json.loads(out)
    return result


def login(url: str) -> str:
    return url.split("//", 1)[1].split(":", 1)[0]


def test_two_trainers_see_only_their_own_clients_and_the_owner_sees_all(cli: Cli, gym: Gym) -> None:
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    olga = add(cli, gym, "olga", owner=True)
    intake(cli, anna, "Sam")
    intake(cli, anna, "Kim", "no-pain.yaml")
    intake(cli, ben, "Alex", "saddle-numbness-emergency.yaml")
    assert {c["name"] for c in listed(cli, anna, "clients")} == {"Sam", "Kim"}
    assert {c["name"] for c in listed(cli, ben, "clients")} == {"Alex"}
    assert {c["name"] for c in listed(cli, olga, "clients")} == {"Sam", "Kim", "Alex"}
    sessions = listed(cli, olga)
    assert {(s["client"], s["author"]) for s in sessions} == {
        ("Sam", login(anna)), ("Kim", login(anna)), ("Alex", login(ben)),
    }  # fmt: skip
    assert {c["trainer"] for c in listed(cli, olga, "clients")} == {login(anna), login(ben)}
    # Both trainers may have a client called Sam: two people, two ids.
    intake(cli, ben, "Sam", "no-pain.yaml")
    owners_sams = [c for c in listed(cli, olga, "clients") if c["name"] == "Sam"]
    assert len(owners_sams) == 2 and owners_sams[0]["id"] != owners_sams[1]["id"]
    code, _, err = cli(olga, "sessions", "list", "--client", "Sam")
    assert code == 2 and "could be 2 clients" in err and "give the id instead" in err

    # Each trainer's reads and exports, and every change, are in the owner's audit.
    sam = next(s for s in listed(cli, anna) if s["client"] == "Sam")
    assert cli(anna, "sessions", "export", str(sam["id"]), "--format", "fhir")[0] == 0
    assert cli(anna, "sessions", "delete", str(sam["id"]), "--yes")[0] == 0
    code, out, err = cli(olga, "admin", "audit", "--json")
    assert code == 0, err
    entries = json.loads(out)
    done = {(e["actor"], e["action"], e["client"]) for e in entries}
    assert (login(anna), "start session", "Sam") in done
    assert (login(anna), "complete session", "Sam") in done
    assert (login(anna), "export", "Sam") in done
    assert (login(anna), "delete session", "Sam") in done
    assert (login(ben), "add client", "Alex") in done
    # A trainer's audit is their own actions only.
    code, out, _ = cli(ben, "admin", "audit", "--json")
    assert {e["actor"] for e in json.loads(out)} == {login(ben)}
    code, out, _ = cli(olga, "admin", "audit", "--client", "Kim")
    assert "Kim" in out and "Alex" not in out


def test_trainer_b_cannot_reach_trainer_a_client_through_any_command(cli: Cli, gym: Gym) -> None:
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    intake(cli, anna, "Sam")
    intake(cli, anna, "Sam", "no-pain.yaml")
    intake(cli, ben, "Alex", "no-pain.yaml")
    first, second = sorted(int(str(s["id"])) for s in listed(cli, anna))
    sam_id = str(listed(cli, anna, "clients")[0]["id"])
    # An unfinished session of Sam's, for resume.
    from imbalance_cli.store import open_store

    with open_store(anna) as store:
        open_one = store.start(
            questionnaire_id="intake", version="1", sha256="x", source="intake", client="Sam"
        )
        store.save_answers(open_one, {"age": 40}, {})
    attempts = [
        ["sessions", "show", str(first)],
        ["sessions", "show", str(first), "--json"],
        *(
            ["sessions", "export", str(first), "--format", f]
            for f in ("md", "json", "fhir", "html")
        ),
        ["sessions", "export", "--format", "csv", "--client", "Sam"],
        ["sessions", "export", "--format", "bundle", "--client", sam_id],
        ["sessions", "export", str(first), "--format", "bundle"],
        ["compare", str(first), str(second)],
        ["progress", "Sam"],
        ["progress", sam_id[:8]],
        ["resume", str(open_one)],
        ["sessions", "delete", str(first), "--yes"],
        ["sessions", "attach", str(first), "Alex"],
        ["clients", "delete", "Sam", "--yes"],
        ["clients", "delete", sam_id, "--yes"],
        ["clients", "rename", "Sam", "Mine now"],
        ["clients", "merge", "Sam", "Alex"],
        ["clients", "share", "Sam", "--with", login(ben)],
        ["clients", "assign", sam_id, "--to", login(ben)],
    ]
    for args in attempts:
        code, out, err = cli(ben, *args)
        assert code in (1, 2), (args, out, err)
        assert "Sam" not in out and "internal error" not in err, (args, out, err)
        assert "no session" in err or "no client" in err or "no completed" in err, (args, err)
    assert [s["client"] for s in listed(cli, ben)] == ["Alex"]
    assert cli(ben, "sessions", "list", "--client", sam_id, "--json")[1].strip() == "[]"
    code, out, _ = cli(ben, "sessions", "export", "--format", "csv")
    assert "Sam" not in out and sam_id not in out
    # Nothing of Sam's was changed by any of it.
    assert len(listed(cli, anna)) == 3
    with open_store(anna) as store:
        assert store.answers(open_one) == {"age": 40}


def test_raw_sql_as_trainer_b_returns_no_row_of_trainer_a(cli: Cli, gym: Gym) -> None:
    """Row-level security holds outside imbalance too: B connects with psql's rights."""
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    intake(cli, anna, "Sam")
    intake(cli, ben, "Alex", "no-pain.yaml")
    with psycopg.connect(anna, autocommit=True) as conn:
        conn.execute("SET search_path TO imbalance")
        sam = conn.execute("SELECT id, uuid FROM clients").fetchone()
        sam_session = conn.execute("SELECT id FROM sessions").fetchone()
    assert sam is not None and sam_session is not None
    with psycopg.connect(ben, autocommit=True) as conn:
        conn.execute("SET search_path TO imbalance")
        names = [r[0] for r in conn.execute("SELECT name FROM clients")]
        assert names == ["Alex"]
        assert conn.execute(
            "SELECT COUNT(*) FROM sessions WHERE client_id = %s", (sam[0],)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT COUNT(*) FROM answers WHERE session_id = %s", (sam_session[0],)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT COUNT(*) FROM audit WHERE actor <> current_user"
        ).fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM client_shares").fetchone() == (0,)
        # Changes to rows B cannot see touch nothing.
        assert (
            conn.execute(
                "UPDATE sessions SET status = 'interrupted' WHERE id = %s", (sam_session[0],)
            ).rowcount
            == 0
        )
        assert (
            conn.execute("DELETE FROM answers WHERE session_id = %s", (sam_session[0],)).rowcount
            == 0
        )
        assert (
            conn.execute(
                "UPDATE clients SET trainer = current_user WHERE id = %s", (sam[0],)
            ).rowcount
            == 0
        )
        assert conn.execute("DELETE FROM clients WHERE id = %s", (sam[0],)).rowcount == 0
        # Writing into A's session, moving one's own session to A's client, sharing A's client
        # with oneself: refused by the database.
        for statement, params in [
            ("INSERT INTO answers(session_id, question_id, position, value_json, answered_at) VALUES (%s, 'x', 0, '1', 't')", (sam_session[0],)),
            ("UPDATE sessions SET client_id = %s WHERE client_id IS NOT NULL", (sam[0],)),
            ("INSERT INTO client_shares(client_id, trainer, shared_at) VALUES (%s, current_user, 't')", (sam[0],)),
            ("UPDATE audit SET actor = 'x'", ()),
            ("DELETE FROM audit", ()),
        ]:  # fmt: skip
            with pytest.raises(psycopg.Error):
                conn.execute(statement, params)
        # A trainer cannot write as another: the database sets the author.
        row = conn.execute(
            """INSERT INTO sessions(questionnaire_id, questionnaire_version, questionnaire_sha256,
               questionnaire_source, status, started_at, updated_at, author)
               VALUES ('intake', '1', 'x', 'intake', 'in_progress', 't', 't', %s) RETURNING author""",
            (login(anna),),
        ).fetchone()
        assert row == (login(ben),)
    with psycopg.connect(anna, autocommit=True) as conn:
        conn.execute("SET search_path TO imbalance")
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM answers WHERE session_id = %s", (sam_session[0],)
            ).fetchone()[0]
            > 0
        )  # type: ignore[index]
        assert conn.execute("SELECT name FROM clients").fetchall() == [("Sam",)]


def test_sharing_and_assigning_a_client(cli: Cli, gym: Gym) -> None:
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    intake(cli, anna, "Sam")
    code, _, err = cli(anna, "clients", "share", "Sam", "--with", login(ben))
    assert code == 0 and "now shared with" in err, err
    (shared,) = listed(cli, ben)
    assert shared["client"] == "Sam"
    code, out, _ = cli(ben, "sessions", "export", str(shared["id"]), "--format", "json")
    assert code == 0 and json.loads(out)["client"] == "Sam"
    # A shared client is not B's to delete, assign or share on.
    code, _, err = cli(ben, "clients", "delete", "Sam", "--yes")
    assert code == 2 and "can only be deleted by the trainer they are assigned to" in err
    assert cli(ben, "clients", "assign", "Sam", "--to", login(ben))[0] == 2
    assert len(listed(cli, anna)) == 1
    code, _, err = cli(anna, "clients", "share", "Sam", "--with", "nobody_here")
    assert code == 2 and "'nobody_here' is not a trainer" in err
    assert cli(anna, "clients", "share", "Sam", "--with", login(ben), "--stop")[0] == 0
    assert listed(cli, ben) == []
    code, _, err = cli(anna, "clients", "assign", "Sam", "--to", login(ben))
    assert code == 0 and f"now assigned to {login(ben)}" in err, err
    assert listed(cli, anna) == [] and [s["client"] for s in listed(cli, ben)] == ["Sam"]
    # On a laptop there is no one to share with.
    assert main(["clients", "share", "X", "--with", "y"]) == 2


def test_a_role_that_is_not_a_trainer_is_one_line_and_exit_2(
    cli: Cli, gym: Gym, pg_cluster: pgcluster.Cluster
) -> None:
    pg_cluster.sql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'visitor') THEN CREATE ROLE visitor LOGIN PASSWORD 'visitor-pw'; END IF; END $$"
    )
    code, _, err = cli(gym.url("visitor"), "sessions", "list")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "is not a trainer" in lines[0] and "admin add-trainer visitor" in lines[0]
    # A trainer cannot add trainers.
    anna = add(cli, gym, "anna")
    code, _, err = cli(anna, "admin", "add-trainer", "mallory", "--password-stdin", stdin="x\n")
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_the_readme_from_an_empty_server_to_two_trainers_and_a_laptop_moved_in(
    cli: Cli, pg_cluster: pgcluster.Cluster, tmp_path: Path
) -> None:
    """README, "A gym's shared store", step by step: an administrator login that owns the
    database (not a superuser), admin init, three logins, a laptop's store copied in with one
    command, each trainer seeing only their own clients, and the owner's audit."""
    n = next(_names)
    admin, database = f"gymadmin_{n}", f"gym_{n}"
    pg_cluster.sql(f"CREATE ROLE {admin} LOGIN CREATEROLE PASSWORD 'admin-pw'")
    pg_cluster.sql(f"CREATE DATABASE {database} OWNER {admin}")
    server = pg_cluster.url(admin, "admin-pw", database)
    code, _, err = cli(server, "admin", "init")
    assert code == 0 and "Created the store" in err, err
    gym = Gym(pg_cluster, database, server)
    people = {}
    for who, owner in (("anna", False), ("ben", False), ("olga", True)):
        name = f"{who}_{n}"
        extra = ["--owner"] if owner else []
        code, _, err = cli(server, "admin", "add-trainer", name, "--password-stdin", *extra,
                           stdin=f"{name}-pw\n")  # fmt: skip
        assert code == 0, err
        people[who] = gym.url(name)
    # Anna's laptop: two clients, then one command moves them in.
    laptop = ["--data-dir", str(tmp_path / "laptop")]
    for persona, client in (("runner-knee.yaml", "Sam Rivera"), ("no-pain.yaml", "Kim")):
        run = [
            *laptop,
            "run",
            "--answers",
            str(EXAMPLES / persona),
            "--no-input",
            "--client",
            client,
        ]
        assert main(run) == 0
    assert main([*laptop, "store", "copy", "--to", people["anna"]]) == 0
    intake(cli, people["ben"], "Alex", "no-pain.yaml")
    assert {c["name"] for c in listed(cli, people["anna"], "clients")} == {"Sam Rivera", "Kim"}
    assert {c["name"] for c in listed(cli, people["ben"], "clients")} == {"Alex"}
    assert {c["name"] for c in listed(cli, people["olga"], "clients")} == {
        "Sam Rivera",
        "Kim",
        "Alex",
    }
    assert (
        cli(people["anna"], "clients", "share", "Sam Rivera", "--with", login(people["ben"]))[0]
        == 0
    )
    assert {c["name"] for c in listed(cli, people["ben"], "clients")} == {"Alex", "Sam Rivera"}
    code, out, _ = cli(people["olga"], "admin", "audit", "--json")
    done = {(e["actor"], e["action"], e["client"]) for e in json.loads(out)}
    assert (login(people["anna"]), "copy session", "Sam Rivera") in done
    assert (login(people["anna"]), "share", "Sam Rivera") in done
    assert (login(people["ben"]), "start session", "Alex") in done


def test_resume_without_an_id_continues_your_own_latest_unfinished_session(
    cli: Cli, gym: Gym
) -> None:
    """On a shared store "the latest unfinished session" is the trainer's own, never a
    colleague's newer one (a shared client's included)."""
    from imbalance_cli.store import open_store
    from imbalance_cli.workflow import resume_target

    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    intake(cli, anna, "Sam")
    assert cli(anna, "clients", "share", "Sam", "--with", login(ben))[0] == 0
    started = {}
    for who, url in (("anna", anna), ("ben", ben)):
        with open_store(url) as store:
            started[who] = store.start(
                questionnaire_id="intake", version="1", sha256="x", source="intake", client="Sam"
            )
    with open_store(anna) as store:
        assert resume_target(store, None).id == started["anna"]
    with open_store(ben) as store:
        assert resume_target(store, None).id == started["ben"]


def test_the_audit_can_be_narrowed_by_date_and_trainer(cli: Cli, gym: Gym) -> None:
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    olga = add(cli, gym, "olga", owner=True)
    intake(cli, anna, "Sam")
    intake(cli, ben, "Alex", "no-pain.yaml")
    code, out, _ = cli(
        olga, "admin", "audit", "--since", "2000-01-01", "--trainer", login(ben), "--json"
    )
    assert code == 0 and {e["actor"] for e in json.loads(out)} == {login(ben)}
    code, out, _ = cli(olga, "admin", "audit", "--since", "2999-01-01", "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = cli(olga, "admin", "audit", "--since", "last tuesday")
    assert code == 2 and "--since takes a date" in err
    code, out, _ = cli(olga, "admin", "audit")
    assert "start session" in out and login(anna) in out


def test_the_audit_of_one_client_is_that_client_not_everyone_of_the_name(
    cli: Cli, gym: Gym
) -> None:
    _anna, ben, olga, annas, _bens, _ = _two_sams(cli, gym)
    code, _, err = cli(olga, "admin", "audit", "--client", "Sam")
    assert code == 2 and "'Sam' could be 2 clients" in err
    code, out, _ = cli(olga, "admin", "audit", "--client", annas, "--json")
    entries = json.loads(out)
    assert code == 0 and entries and {e["client_id"][:8] for e in entries} == {annas[:8]}
    assert login(ben) not in {e["actor"] for e in entries if e["action"] == "start session"}


# What a share allows, and what nothing that affects no row may claim: a trainer a client is
# shared with sees and continues their sessions, but cannot rename or merge the client or move
# their sessions to another client (the database refuses, not only imbalance); a refused
# delete is an error, not "Deleted"; an id given for --client selects exactly that client even
# where another client the trainer sees has the same name; the admin hints name the admin login.

ONLY = "only the trainer a client is assigned to, or an owner"


def _two_sams(cli: Cli, gym: Gym) -> tuple[str, str, str, str, str, int]:
    """Anna's Sam shared with Ben, who has a Sam of his own; returns anna, ben, olga, the ids
    of Anna's and Ben's Sam, and Anna's session."""
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    olga = add(cli, gym, "olga", owner=True)
    intake(cli, anna, "Sam")
    intake(cli, ben, "Sam", "no-pain.yaml")
    assert cli(anna, "clients", "share", "Sam", "--with", login(ben))[0] == 0
    (annas,) = [str(c["id"]) for c in listed(cli, anna, "clients")]
    (bens,) = [str(c["id"]) for c in listed(cli, ben, "clients") if c["id"] != annas]
    (session,) = [int(str(s["id"])) for s in listed(cli, anna)]
    return anna, ben, olga, annas, bens, session


def _clients_of(cli: Cli, url: str) -> dict[str, object]:
    return {str(s["id"]): s["client_id"] for s in listed(cli, url)}


def test_a_share_does_not_let_a_trainer_merge_rename_or_move_the_client(cli: Cli, gym: Gym) -> None:
    anna, ben, olga, annas, bens, session = _two_sams(cli, gym)
    code, out, err = cli(ben, "clients", "merge", annas[:8], bens[:8])
    assert code == 2 and ONLY in err and len(err.strip().splitlines()) == 1, err
    code, _, err = cli(ben, "clients", "merge", bens[:8], annas[:8])
    assert code == 2 and ONLY in err, err
    code, _, err = cli(ben, "clients", "rename", annas[:8], "Samuel")
    assert code == 2 and ONLY in err, err
    code, _, err = cli(ben, "sessions", "attach", str(session), bens[:8])
    assert code == 2 and ONLY in err, err
    # Nothing moved: Anna's session is still her Sam's, under that name.
    assert _clients_of(cli, anna) == {str(session): annas}
    assert [c["name"] for c in listed(cli, anna, "clients")] == ["Sam"]
    # He still sees and continues it.
    assert str(session) in _clients_of(cli, ben)

    # Her own trainer may merge, and so may an owner; the audit says from whom to whom.
    intake(cli, anna, "Samuel", "no-pain.yaml")
    code, _, err = cli(anna, "clients", "merge", "Samuel", annas[:8])
    assert code == 0 and "Moved 1 session(s)" in err, err
    code, _, err = cli(olga, "clients", "rename", annas[:8], "Sam R")
    assert code == 0, err
    code, out, err = cli(olga, "admin", "audit", "--json")
    entries = json.loads(out)
    merges = [e for e in entries if e["action"] == "merge client"]
    assert len(merges) == 1 and merges[0]["actor"] == login(anna), merges
    assert "Samuel" in merges[0]["detail"] and annas in merges[0]["detail"]
    moved = [e for e in entries if e["action"] == "attach session"]
    assert moved and all("from Samuel" in e["detail"] for e in moved), moved


def test_the_database_refuses_a_shared_trainer_moving_or_renaming_in_raw_sql(
    cli: Cli, gym: Gym
) -> None:
    anna, ben, _, annas, bens, session = _two_sams(cli, gym)
    with psycopg.connect(ben, autocommit=True) as conn:
        conn.execute("SET search_path = imbalance")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only the trainer"):
            conn.execute(
                "UPDATE sessions SET client_id = (SELECT id FROM clients WHERE uuid = %s) "
                "WHERE id = %s",
                (bens, session),
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only the trainer"):
            conn.execute("UPDATE clients SET name = 'Mine' WHERE uuid = %s", (annas,))
    assert _clients_of(cli, anna) == {str(session): annas}


def test_a_delete_that_removes_nothing_is_an_error_not_deleted(cli: Cli, gym: Gym) -> None:
    anna, ben, _, _, _, session = _two_sams(cli, gym)
    code, _, err = cli(ben, "sessions", "delete", str(session), "--yes")
    assert code == 2 and "Deleted" not in err, err
    assert f"session {session} is not yours to delete" in err, err
    assert str(session) in _clients_of(cli, anna)


def test_an_id_selects_that_client_where_two_seen_have_one_name(cli: Cli, gym: Gym) -> None:
    anna, ben, _, annas, bens, _ = _two_sams(cli, gym)
    for given in (annas[:8], annas):
        code, _, err = cli(
            ben, "run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input",
            "--client", given,
        )  # fmt: skip
        assert code == 0, err
    # Both runs went to Anna's Sam, none to Ben's.
    assert sorted(_clients_of(cli, anna).values()) == [annas] * 3
    assert list(_clients_of(cli, ben).values()).count(bens) == 1
    code, _, err = cli(ben, "progress", annas[:8])
    assert code == 0, err
    code, _, err = cli(ben, "compare", "--client", annas[:8])
    assert code == 0, err
    code, _, err = cli(ben, "sessions", "list", "--client", annas[:8])
    assert code == 0, err
    # The name alone still asks which.
    code, _, err = cli(ben, "progress", "Sam")
    assert code == 2 and "could be 2 clients" in err


def test_adding_a_trainer_never_takes_over_an_existing_role_unasked(
    cli: Cli, gym: Gym, pg_cluster: pgcluster.Cluster
) -> None:
    pg_cluster.sql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'carol') THEN "
        "CREATE ROLE carol LOGIN PASSWORD 'carol-pw'; END IF; END $$"
    )
    code, _, err = cli(gym.url("carol"), "sessions", "list")
    assert code == 2 and "the admin login" in err and "owner adds" not in err, err
    code, _, err = cli(
        gym.admin, "admin", "add-trainer", "carol", "--password-stdin", stdin="new-pw\n"
    )
    assert code == 2 and "already a role" in err and "--existing" in err, err
    assert len(err.strip().splitlines()) == 1, err
    # Her password still works and she is still no trainer.
    code, _, err = cli(gym.url("carol"), "sessions", "list")
    assert code == 2 and "is not a trainer" in err, err
    code, _, err = cli(
        gym.admin, "admin", "add-trainer", "carol", "--existing", "--password-stdin",
        stdin="carol-pw\n",
    )  # fmt: skip
    assert code == 0 and "carol" in err, err
    assert cli(gym.url("carol"), "sessions", "list")[0] == 0
    # A trainer already: a new password needs no --existing.
    anna = add(cli, gym, "anna")
    code, _, err = cli(
        gym.admin,
        "admin",
        "add-trainer",
        login(anna),
        "--password-stdin",
        stdin=f"{login(anna)}-pw\n",
    )
    assert code == 0 and "Updated" in err, err


def test_a_clients_programme_and_log_follow_the_client(cli: Cli, gym: Gym, tmp_path: Path) -> None:
    """A home programme and its log are seen, changed and audited as their client is: the
    trainer it is assigned to plans and logs; another trainer reaches nothing, by command or in
    raw SQL; the audit has a line for each."""
    anna, ben = add(cli, gym, "anna"), add(cli, gym, "ben")
    intake(cli, anna, "Sam")
    code, out, err = cli(anna, "plan", "Sam", "--no-input")
    assert code == 0 and "Home programme for Sam" in out, err
    log = tmp_path / "log.yaml"
    log.write_text("warnings: [none]\nmorning: usual\nsensations: [none]\n"
                   + "".join(f"done_{n}: not_done\n" for n in (1, 2)), encoding="utf-8")  # fmt: skip
    code, out, err = cli(anna, "log", "Sam", "--answers", str(log), "--no-input")
    assert code == 0, err
    code, _, err = cli(ben, "plan", "Sam", "--no-input")
    assert code == 2 and "no client" in err.lower()
    code, _, err = cli(ben, "log", "Sam", "--answers", str(log), "--no-input")
    assert code == 2
    with psycopg.connect(ben, autocommit=True) as conn:
        conn.execute("SET search_path TO imbalance")
        assert conn.execute("SELECT COUNT(*) FROM programmes").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM programme_logs").fetchone() == (0,)
        assert conn.execute("UPDATE programmes SET status = 'stopped'").rowcount == 0
    with psycopg.connect(anna, autocommit=True) as conn:
        conn.execute("SET search_path TO imbalance")
        assert conn.execute("SELECT COUNT(*), MIN(author) FROM programmes").fetchone() == (
            1, login(anna),
        )  # fmt: skip
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
        assert "plan" in actions and "log" in actions
