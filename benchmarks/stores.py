"""The two store engines side by side: a headless run, `sessions list` over many sessions, and
`store copy` of a whole store, each as the command a person runs.

    python benchmarks/stores.py [--sessions 10000] [--copy 2000 20000] [--rounds 3]

Starts a throwaway PostgreSQL cluster (tests/pgcluster.py: initdb and pg_ctl in a temporary
folder, as user nobody when run as root, with the tests' settings: no fsync, asynchronous
commit), adds two trainers, fills an SQLite store with N completed intake sessions (a persona's
40-odd answers each, for N/10 clients) and copies it into the server. Reports the median wall
time of interleaved rounds, and for `store copy` the peak memory of the process (so that
"memory flat" can be read off the sizes), each with its ratio to the headless run on SQLite.
Targets (issue 22 and issue 24 item 2): `store copy` of 20,000 sessions within 10x a headless
run, memory flat in the number of sessions; `sessions list` within the issue 6 bound of 0.5 s
for 10,000 sessions on SQLite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
PERSONA = ROOT / "questionnaires" / "examples" / "runner-knee.yaml"


def command() -> str:
    beside = Path(sys.executable).parent / "imbalance"
    return str(beside) if beside.exists() else "imbalance"


def fill(folder: Path, n: int) -> None:
    """An SQLite store of n completed sessions of the persona, for n/10 clients."""
    from dataclasses import replace

    from imbalance_cli import loader, resources
    from imbalance_cli.answers import read_answers
    from imbalance_cli.model import to_plain
    from imbalance_cli.render import json as json_render
    from imbalance_cli.rules import assess
    from imbalance_cli.store import NewSession, new_uuid, open_store
    from imbalance_cli.workflow import listed

    library = loader.load_library(resources.library_paths())
    q = loader.load_questionnaire(resources.resolve("intake"), library)
    answers = read_answers(PERSONA, q)
    stamp = "2026-01-01T10:00:00+00:00"
    document = json_render.render(assess(q, answers, library, started_at=stamp, completed_at=stamp))
    top, worst = listed(q, answers)
    import json

    stored = tuple(
        (qid, n, json.dumps(to_plain(v), ensure_ascii=False))
        for n, (qid, v) in enumerate(answers.items())
    )
    clients = [(f"Client {c}", new_uuid()) for c in range(max(1, n // 10))]
    base = NewSession(
        client=None, questionnaire_id=q.id, version=q.version, sha256=q.sha256, source="intake",
        status="complete", started_at="", updated_at="", completed_at=None, worst_pain=worst,
        warning=top, result_json=document, answers=stored,
    )  # fmt: skip
    with open_store(folder) as store, store.bulk() as add:
        for start in range(0, n, 1000):
            batch = []
            for s in range(start, min(n, start + 1000)):
                stamp = f"2026-{1 + s % 12:02d}-{1 + s % 28:02d}T{s % 24:02d}:{s % 60:02d}:{(s // 60) % 60:02d}+00:00"
                name, uuid = clients[s % len(clients)]
                dated = {"started_at": stamp, "updated_at": stamp, "completed_at": stamp}
                batch.append(replace(base, client=name, client_uuid=uuid, **dated))
            add(batch)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak memory (KiB) of one run of a command; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{err}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    # Measure what a person runs: pip compiles an installed package's bytecode when it installs
    # it, and an editable install writes it on its first run, unless PYTHONDONTWRITEBYTECODE is
    # set (as on some development machines); then every start compiles imbalance's modules
    # again (55 of them, ~130 ms, before the first question), while the typer app's bytecode,
    # installed by pip, is read as usual. The warm-up round writes it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--copy", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    import pgcluster
    from imbalance_cli.store import open_store
    from imbalance_cli.store.gym import add_trainer
    from imbalance_cli.store.postgres import PostgresStore

    exe = command()
    scratch = Path(tempfile.mkdtemp(prefix="imbalance-stores-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("IMBALANCE_STORE", "IMBALANCE_DATA_DIR")
    }
    try:
        with pgcluster.running() as cluster:
            print(f"PostgreSQL cluster on port {cluster.port}; filling stores...", flush=True)
            listing = scratch / "list"
            fill(listing, options.sessions)
            owner_url = cluster.url(database=cluster.new_store())
            database = owner_url.rsplit("/", 1)[1]
            with PostgresStore.connect(owner_url) as admin:
                add_trainer(admin, "bench_anna", "anna-pw", owner=False)
            anna = cluster.url("bench_anna", "anna-pw", database)
            # The trainer copies the laptop's store in: every session is then hers.
            timed([exe, "--data-dir", str(listing), "store", "copy", "--to", anna], env)
            with open_store(owner_url) as check:
                assert len(check.sessions()) == options.sessions
            sources = {}
            for n in options.copy:
                sources[n] = scratch / f"copy-{n}"
                fill(sources[n], n)
            data = scratch / "runs"
            cases: dict[str, list[str]] = {
                "headless run, SQLite": [exe, "--data-dir", str(data), "run", "--answers", str(PERSONA), "--no-input", "--out", "/dev/null"],
                "headless run, PostgreSQL (trainer)": [exe, "--data-dir", str(data), "--store", anna, "run", "--answers", str(PERSONA), "--no-input", "--out", "/dev/null"],
                f"sessions list of {options.sessions:,}, SQLite": [exe, "--data-dir", str(listing), "sessions", "list"],
                f"sessions list of {options.sessions:,}, PostgreSQL (trainer)": [exe, "--data-dir", str(data), "--store", anna, "sessions", "list"],
                f"sessions list of {options.sessions:,}, PostgreSQL (owner)": [exe, "--data-dir", str(data), "--store", owner_url, "sessions", "list"],
                f"sessions list --json of {options.sessions:,}, SQLite": [exe, "--data-dir", str(listing), "sessions", "list", "--json"],
                f"sessions list --json of {options.sessions:,}, PostgreSQL (trainer)": [exe, "--data-dir", str(data), "--store", anna, "sessions", "list", "--json"],
            }  # fmt: skip
            samples: dict[str, list[float]] = {name: [] for name in cases}
            memory: dict[str, list[int]] = {}
            for _ in range(options.rounds):
                for name, args in cases.items():
                    samples[name].append(timed(args, env)[0])
                for n, source in sources.items():
                    for engine in ("SQLite", "PostgreSQL (trainer)"):
                        if engine == "SQLite":
                            target = str(scratch / f"into-{n}-{len(memory)}")
                        else:
                            target = cluster.url("bench_anna", "anna-pw", cluster.new_store())
                        name = f"store copy of {n:,}, SQLite -> {engine}"
                        wall, peak = timed(
                            [exe, "--data-dir", str(source), "store", "copy", "--to", target], env
                        )
                        samples.setdefault(name, []).append(wall)
                        memory.setdefault(name, []).append(peak)
                        if engine == "SQLite":
                            shutil.rmtree(target, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    reference = statistics.median(samples["headless run, SQLite"])
    print(f"\n{'case':58} {'median ms':>10} {'x headless':>10} {'peak MiB':>9}")
    for name, values in samples.items():
        median = statistics.median(values)
        peak = f"{max(memory[name]) / 1024:9.0f}" if name in memory else " " * 9
        print(f"{name:58} {median * 1000:10.0f} {median / reference:9.2f}x {peak}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
