"""Two writers on the same data (issue 25): imports of one bundle at once add each session once
and each says truly what it added; a session is answered by one imbalance at a time.

Real processes of the installed command, started together. ``IMBALANCE_TRIALS`` (default 3)
sets how many times each trial runs; the note on issue 25 gives the counts of a longer run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PERSONA_FILES, installed_command
from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.store import open_store
from imbalance_cli.workflow import listed, transfer

TRIALS = int(os.environ.get("IMBALANCE_TRIALS", "3"))
PROCESSES = 8


def _bundle(tmp_path: Path) -> tuple[Path, int]:
    """A bundle of 17 sessions (sixteen personas and the first again, started later), made in
    process from a store of their own; and how many answers they hold."""
    library = loader.load_library(resources.library_paths())
    intake = loader.load_questionnaire(resources.resolve("intake"), library)
    order = {q.id: i for i, q in enumerate(intake.questions)}
    answers_total = 0
    with open_store(tmp_path / "source") as store:
        personas = PERSONA_FILES[:16]  # one a day in March
        for n, persona in enumerate([*personas, personas[0]]):
            answers = read_answers(persona, intake)
            sid = store.start(
                questionnaire_id=intake.id, version=intake.version, sha256=intake.sha256,
                source="intake", client=f"Client {n % 5}",
                started_at=f"2026-03-{1 + n:02d}T09:00:00+00:00",
            )  # fmt: skip
            store.save_answers(sid, answers, order, *listed(intake, answers))
            store.set_status(sid, "complete", completed_at=f"2026-03-{1 + n:02d}T09:40:00+00:00")
            answers_total += len(answers)
        text = "".join(transfer.export(store, store.sessions()))  # written a piece at a time
    path = tmp_path / "bundle.json"
    path.write_text(text)
    return path, answers_total


def _imports_at_once(data: Path, bundle: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k != "IMBALANCE_DATA_DIR"}
    command = [installed_command(), "--data-dir", str(data), "sessions", "import", str(bundle)]
    procs = [
        subprocess.Popen(
            command,
            env=env,
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(command, proc.returncode, stdout, stderr))
    return out


def _said(run: subprocess.CompletedProcess[str]) -> tuple[int, set[int]]:
    """What one import said it added, and the bundle refs it said were already here."""
    added = re.search(r"Imported (\d+) session\(s\)", run.stderr)
    here = {int(r) for r in re.findall(r"the bundle's session (\d+) is session", run.stderr)}
    return (int(added.group(1)) if added else 0), here


@pytest.mark.parametrize("before", [0, 1], ids=["empty store", "store with a session"])
def test_eight_imports_of_one_bundle_at_once_add_each_session_once(
    tmp_path: Path, before: int
) -> None:
    """However the eight interleave, the store ends with one copy of each session, the imports'
    "Imported N" add up to the bundle, and each import accounts for every session of the
    bundle: added by it, or named as already here."""
    bundle, answers_total = _bundle(tmp_path)
    refs = {s["ref"] for s in json.loads(bundle.read_text())["sessions"]}
    assert len(refs) == 17
    for trial in range(TRIALS):
        data = tmp_path / f"trial{trial}"
        with open_store(data) as store:
            if before:
                sid = store.start(
                    questionnaire_id="intake", version="1", sha256="x", source="intake",
                    client="Someone else",
                )  # fmt: skip
                store.save_answers(sid, {"age": 50}, {})
        runs = _imports_at_once(data, bundle)
        said = [_said(run) for run in runs]
        for run, (added, here) in zip(runs, said, strict=True):
            assert run.returncode == 0, run.stderr
            assert "error" not in run.stderr, run.stderr
            assert added + len(here) == 17, run.stderr
        assert sum(added for added, _ in said) == 17, [r.stderr for r in runs]
        with open_store(data) as store:
            assert store.integrity() == "ok"
            assert len(store.sessions()) == before + 17
            count = store.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            assert count == answers_total + before
            keys = [r[0] for r in store.db.execute("SELECT fingerprint FROM sessions")]
            assert len(set(keys)) == len(keys)
        again = _imports_at_once(data, bundle)[0]
        assert "Imported nothing new." in again.stderr


def test_a_bundle_holding_two_equal_sessions_adds_both_once(tmp_path: Path) -> None:
    """Two sessions alike in questionnaire, start and answers (two clients answered the same at
    the same second) are two sessions: both come in, and a second import finds both here."""
    bundle, _ = _bundle(tmp_path)
    data = json.loads(bundle.read_text())
    twin = dict(data["sessions"][0], ref=1000, client="Twin")
    data["sessions"].append(twin)
    bundle.write_text(json.dumps(data))
    target = tmp_path / "target"
    first = _imports_at_once(target, bundle)
    assert sum(_said(run)[0] for run in first) == 18
    with open_store(target) as store:
        assert len(store.sessions()) == 18
        (twice,) = store.db.execute(
            "SELECT fingerprint FROM sessions GROUP BY fingerprint HAVING COUNT(*) = 2"
        ).fetchall()
        assert twice[0] is not None
    added, here = _said(_imports_at_once(target, bundle)[0])
    assert added == 0 and here == {s["ref"] for s in data["sessions"]}


# -- one writer per session: two terminals on one session ------------------------------------

pexpect = pytest.importorskip("pexpect")

DOWN, END, SPACE, ENTER, CTRL_C = "\x1b[B", "\x1b[F", " ", "\r", "\x03"
MINI = """
id: mini
title: Mini intake
version: "1"
sections:
  - id: safety
    title: Safety check
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices: [{id: saddle, label: Saddle numbness}, {id: none, label: None of these, exclusive: true}]
  - id: pain
    title: Where it hurts
    questions:
      - {id: regions, type: body_regions, text: Where does it hurt?, regions: [neck, knee]}
      - {id: knee_worst, type: scale, text: Knee pain at worst?, when: {question: regions, includes: knee}}
      - {id: notes, type: text, text: Anything else?, required: false}
"""


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Spawn the installed command in a pseudo-terminal, on one store; every child is closed."""
    env = {
        **os.environ,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "IMBALANCE_DATA_DIR": str(tmp_path / "data"),
    }
    (tmp_path / "mini.yaml").write_text(MINI)
    children: list[Any] = []

    def spawn(*args: str) -> Any:
        child = pexpect.spawn(
            installed_command(), list(args), env=env, cwd=str(tmp_path), encoding="utf-8",
            timeout=30, dimensions=(40, 200),
        )  # fmt: skip
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


def _interrupted_session(spawn: Callable[..., Any]) -> None:
    """Session 1, with the warning-sign screen answered and the rest to do."""
    child = spawn("run", "mini.yaml", "--client", "Sam")
    child.expect("Any of these")
    child.send(END + SPACE + ENTER)  # none of these (Up on the first choice stays there)
    child.expect("Where does it hurt")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def _ended(child: Any) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return str(child.before or "")


def _answers(tmp_path: Path) -> dict[str, object]:
    with open_store(tmp_path / "data") as store:
        assert store.integrity() == "ok"
        return store.answers(1)


def test_a_second_resume_is_told_who_has_the_session_and_the_first_goes_on(
    tmp_path: Path, terminal: Callable[..., Any]
) -> None:
    _interrupted_session(terminal)
    first = terminal("resume", "1")
    first.expect("Where does it hurt")
    second = terminal("resume", "1")
    told = _ended(second)
    assert second.exitstatus == 1, told
    assert "session 1 is open in another imbalance:" in told
    assert f"(process {first.pid}), answering it since " in told
    assert "imbalance sessions show 1" in told and "imbalance resume 1 --take-over" in told
    assert "Traceback" not in told and "internal error" not in told
    first.send(SPACE + ENTER)  # neck
    first.expect("Anything else")
    first.send("from the first terminal" + ENTER)
    _ended(first)
    assert first.exitstatus == 0
    assert _answers(tmp_path) == {
        "flags": ["none"],
        "regions": ["neck"],
        "notes": "from the first terminal",
    }


def test_take_over_stops_the_first_at_its_next_answer_with_its_answers_kept(
    tmp_path: Path, terminal: Callable[..., Any]
) -> None:
    """The first terminal's next answer is refused and it says so, naming the answer; the one
    that took over finishes the session from the answers saved before."""
    _interrupted_session(terminal)
    first = terminal("resume", "1")
    first.expect("Where does it hurt")
    second = terminal("resume", "1", "--take-over")
    second.expect("Took session 1 over from")
    second.expect("Where does it hurt")
    first.send(SPACE + ENTER)  # neck: not saved
    stopped = _ended(first)
    assert first.exitstatus == 1, stopped
    assert "session 1 was taken over by" in stopped and f"(process {second.pid})" in stopped
    assert "your answer to 'Where does it hurt?' (Neck) was not saved" in stopped
    assert "The 1 answer(s) saved before are kept in session 1" in stopped
    assert "Traceback" not in stopped and "internal error" not in stopped
    second.send(DOWN + SPACE + ENTER)  # the left knee
    second.expect("Knee pain at worst")
    second.send("5" + ENTER)
    second.expect("Anything else")
    second.send(ENTER)
    _ended(second)
    assert second.exitstatus == 0
    assert _answers(tmp_path) == {
        "flags": ["none"],
        "regions": ["knee.left"],
        "knee_worst": 5,
        "notes": None,
    }
    with open_store(tmp_path / "data") as store:
        assert store.session(1).status == "complete"


def test_resume_takes_the_lease_of_a_killed_imbalance(
    tmp_path: Path, terminal: Callable[..., Any]
) -> None:
    """kill -9 leaves the lease behind; its process is gone, so resume takes it, says whose it
    was, and continues with every answer the killed one saved."""
    _interrupted_session(terminal)
    first = terminal("resume")
    first.expect("Where does it hurt")
    first.send(SPACE + ENTER)  # neck, saved
    first.expect("Anything else")
    killed = first.pid
    first.kill(9)
    first.close(force=True)
    with open_store(tmp_path / "data") as store:
        lease = store.lease(1)
        assert lease is not None and lease.held and lease.pid == killed
    again = terminal("resume")
    again.expect(f"process {killed}")
    again.expect("its process is no longer running")
    again.expect("Anything else")
    again.send("after the crash" + ENTER)
    _ended(again)
    assert again.exitstatus == 0
    assert _answers(tmp_path) == {
        "flags": ["none"],
        "regions": ["neck"],
        "notes": "after the crash",
    }


def test_ctrl_c_before_the_first_answer_keeps_no_session_and_no_lease(
    tmp_path: Path, terminal: Callable[..., Any]
) -> None:
    """A run stopped at its first question lets its lease go with the empty session: nothing
    is listed, and no lease is left for a later resume to find."""
    child = terminal("run", "mini.yaml", "--client", "Sam")
    child.expect("Any of these")
    child.send(CTRL_C)
    told = _ended(child)
    assert child.exitstatus == 130, told
    assert "before the first answer; no session was kept" in told
    with open_store(tmp_path / "data") as store:
        assert store.sessions() == [] and store.clients() == []
        assert store.db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0


def test_an_empty_session_another_writer_took_over_is_left_to_it(tmp_path: Path) -> None:
    """Discarding an empty session after a stop removes it with its lease, unless another
    writer holds it by then (resume --take-over): that one goes on with it."""
    from imbalance_cli.store import Writer

    me, other = Writer.here(), Writer.here()
    start = {"questionnaire_id": "mini", "version": "1", "sha256": "0" * 64, "source": "mini"}
    with open_store(tmp_path / "data") as store:
        taken = store.start(**start, client="Sam", writer=me)
        store.acquire(taken, other, take_over=True)
        assert not store.discard_if_empty(taken, me)
        gone = store.start(**start, client="Sam", writer=me)
        assert store.discard_if_empty(gone, me)
        assert store.lease(gone) is None
        assert [row.id for row in store.sessions()] == [taken]
        assert store.lease(taken) is not None
