"""A shared server under load and under faults: eight trainers running at once lose nothing;
a server that dies mid-intake costs at most the answer on screen, says so, and the session
is resumed once it is back; a server that restarts between two answers costs nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pgcluster
from conftest import EXAMPLES
from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.errors import StoreUnavailable
from imbalance_cli.model import Questionnaire
from imbalance_cli.prompts import ScriptedPrompter
from imbalance_cli.store import SessionHeld, open_store
from imbalance_cli.store.gym import add_trainer
from imbalance_cli.store.postgres import PostgresStore

RUNS = textwrap.dedent(
    """
    import sys
    from imbalance_cli.cli import main
    url, trainer, persona, data = sys.argv[1:]
    failed = 0
    for n in range(50):
        code = main(["--data-dir", data, "--store", url, "run", "--answers", persona,
                     "--no-input", "--client", f"{trainer}-client-{n % 5}", "--out", "/dev/null"])
        failed += code != 0
    sys.exit(failed)
    """
)


def test_eight_trainers_fifty_runs_each_on_one_server_lose_nothing(
    pg_cluster: pgcluster.Cluster, pg_url: str, tmp_path: Path
) -> None:
    database = pg_url.rsplit("/", 1)[1]
    trainers = [f"t{n}_{database}" for n in range(8)]
    with PostgresStore.connect(pg_url) as admin:
        for name in trainers:
            add_trainer(admin, name, f"{name}-pw", owner=False)
    persona = str(EXAMPLES / "runner-knee.yaml")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RUNS,
                pg_cluster.url(name, f"{name}-pw", database),
                name,
                persona,
                str(tmp_path / name),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in trainers
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
    with open_store(pg_url) as owner:
        rows = owner.sessions()
        assert len(rows) == 400 and all(r.status == "complete" for r in rows)
        assert {r.author for r in rows} == set(trainers)
        for name in trainers:
            mine = [r for r in rows if r.author == name]
            assert len(mine) == 50 and {r.client for r in mine} == {
                f"{name}-client-{k}" for k in range(5)
            }
        assert len(owner.clients()) == 40
        # Every run answered alike, and every answer of every run is there.
        expected = owner.answers(rows[0].id)
        assert len(expected) > 30
        assert all(owner.answers(row.id) == expected for row in rows)
    with open_store(pg_cluster.url(trainers[3], f"{trainers[3]}-pw", database)) as one:
        assert len(one.sessions()) == 50 and len(one.clients()) == 5


def _intake() -> Questionnaire:
    return loader.load_questionnaire(
        resources.resolve("intake"), loader.load_library(resources.library_paths())
    )


@pytest.fixture
def own_cluster() -> Iterator[pgcluster.Cluster]:
    """A cluster of this test's own: it is killed and restarted."""
    if not pgcluster.available():
        pytest.skip("PostgreSQL is not installed")
    with pgcluster.running(durable=True) as cluster:
        yield cluster


class _Ui:
    """The person's side of a run: a scripted prompter, messages kept."""

    prefix = "imbalance"

    def __init__(self, prompter: ScriptedPrompter) -> None:
        self._prompter = prompter
        self.said: list[str] = []

    def prompter(self, questionnaire: Questionnaire) -> Any:
        return self._prompter

    def note(self, text: str) -> None:
        self.said.append(text)

    def say(self, text: str) -> None:
        self.said.append(text)


class _Persona(ScriptedPrompter):
    """Answers as the persona did; an optional question it left out is skipped."""

    def __init__(self) -> None:
        super().__init__(_script(), stop_on_emergency=False)

    def ask(self, question: Any, **kwargs: Any) -> Any:
        if question.id not in self.script and not question.required:
            self.asked.append(question.id)
            return None
        return super().ask(question, **kwargs)


class _Faulty(_Persona):
    """The persona; on the n-th question, something happens to the server first."""

    def __init__(self, at: int, fault: Any) -> None:
        super().__init__()
        self.at, self.fault = at, fault

    def ask(self, question: Any, **kwargs: Any) -> Any:
        if len(self.asked) == self.at:
            self.fault()
        return super().ask(question, **kwargs)


def _script() -> dict[str, Any]:
    return dict(read_answers(EXAMPLES / "runner-knee.yaml", _intake()))


def test_a_server_killed_mid_intake_loses_only_the_answer_on_screen_then_resume(
    own_cluster: pgcluster.Cluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from imbalance_cli.workflow import intake

    url = own_cluster.url(database=own_cluster.new_store())
    monkeypatch.setenv("IMBALANCE_STORE", url)
    q = _intake()
    prompter = _Faulty(at=4, fault=own_cluster.kill)
    ui = _Ui(prompter)
    prepared = intake.Prepared({}, needs_prompt=True)
    with pytest.raises(StoreUnavailable) as lost:
        intake.run(q, loader.load_library(resources.library_paths()), "intake", prepared,
                   client="Sam", outputs=intake.Outputs(), save=True, ui=ui)  # fmt: skip
    said = lost.value.message
    assert "lost the connection to the store" in said
    assert (
        "the answer on screen was not saved; your 4 earlier answer(s) are kept in session 1" in said
    )
    assert "continue with: imbalance resume 1" in said
    assert "imbalance resume 1 --take-over" in said
    assert "internal error" not in said and "password" not in said.split("resume")[0].lower()

    own_cluster.start()
    with open_store(url) as store:
        kept = store.answers(1)
        assert list(kept) == prompter.asked[:4] and store.session(1).status == "in_progress"
    # Resume, as on any machine that reaches the server: asks from the fifth question on. The
    # failed run could not let its lease go (the server was down); its process is this one,
    # still alive, as a run on another computer would be for half an hour: take it over, as
    # the message says.
    again = _Persona()
    with pytest.raises(SessionHeld):
        intake.resume(1, intake.Outputs(), interactive=True, ui=_Ui(_Persona()))
    done = intake.resume(1, intake.Outputs(), interactive=True, ui=_Ui(again), take_over=True)
    assert again.asked[0] == prompter.asked[4]
    given = {k: v for k, v in done.result.answers.items() if v is not None}
    script = _script()
    assert given == {k: script[k] for k in prompter.asked[:4] + again.asked if k in script}
    with open_store(url) as store:
        assert store.session(1).status == "complete"


def test_a_server_restarted_between_two_answers_costs_nothing(
    own_cluster: pgcluster.Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imbalance_cli.workflow import intake

    url = own_cluster.url(database=own_cluster.new_store())
    monkeypatch.setenv("IMBALANCE_STORE", url)

    def restart() -> None:
        own_cluster.stop("fast")
        own_cluster.start()

    prompter = _Faulty(at=3, fault=restart)
    prepared = intake.Prepared({}, needs_prompt=True)
    done = intake.run(
        _intake(), loader.load_library(resources.library_paths()), "intake", prepared,
        client="Sam", outputs=intake.Outputs(), save=True, ui=_Ui(prompter),
    )  # fmt: skip
    with open_store(url) as store:
        assert store.session(1).status == "complete"
        assert store.answers(1) == json.loads(json.dumps(dict(done.result.answers)))
