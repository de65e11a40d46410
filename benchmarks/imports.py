"""How `imbalance sessions import` grows with the size of the bundle (issue 24, item 2).

    python benchmarks/imports.py [--sizes 2000 4000 20000] [--rounds 3]

Builds a bundle of N sessions from the sixteen persona answers files (each session a persona
with its own start time and one of N/10 clients, with its result document, as `sessions export
--format bundle` writes them: about 13 kB a session), then imports it into an empty store with
the installed command, rounds interleaved across sizes, beside a headless intake run (the
reference of benchmarks/run.py). It prints the median time of each, the import's ratio to the
headless run, its growth against the smallest size, and the import's peak resident memory (from
wait4, per process). The target: 20,000 sessions within 10x a headless run, time growing at most
linearly, memory flat in the number of sessions. ``--per-client 1`` gives every session a client
of its own (a store of many clients: each new client is looked up by name).

With --floor it also times, in the same rounds, what no import of the largest bundle can go
below as the store is laid out (a row per answer): inserting as many rows as the bundle has
answers into an empty store's answers table with sqlite3's executemany, in one transaction,
nothing else done (the rows built beforehand, the bundle not read or checked).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "questionnaires" / "examples"
PERSONA = EXAMPLES / "desk-worker-neck-shoulder.yaml"


def command() -> str:
    beside = Path(sys.executable).parent / "imbalance"
    found = str(beside) if beside.exists() else shutil.which("imbalance")
    if not found:
        sys.exit("imbalance is not installed in this environment: pip install .")
    return found


def templates(exe: str, folder: Path) -> list[dict[str, object]]:
    """The sixteen personas as bundle sessions, run headless into a store of their own."""
    env = {**os.environ, "IMBALANCE_DATA_DIR": str(folder / "personas")}
    personas = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".test.yaml"))
    for persona in personas:
        subprocess.run(
            [exe, "run", "--answers", str(persona), "--no-input", "--client", persona.stem],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip
    out = folder / "personas.json"
    subprocess.run(
        [exe, "sessions", "export", "--format", "bundle", "--out", str(out)], env=env, check=True,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    sessions: list[dict[str, object]] = json.loads(out.read_text())["sessions"]
    return sessions


def write_bundle(
    path: Path, sessions: list[dict[str, object]], n: int, per_client: int = 10
) -> None:
    """A bundle of n sessions, written a session at a time, ``per_client`` sessions a client."""
    start = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"format": "imbalance-sessions", "format_version": 1, "sessions": [\n')
        for i in range(n):
            stamp = (start + timedelta(minutes=i)).isoformat()
            client = i % max(1, n // per_client)
            # each client their own id (the personas' ids would make one id many names)
            session = {
                **sessions[i % len(sessions)], "ref": i + 1, "client": f"Client {client}",
                "client_id": str(uuid.UUID(int=client + 1)), "started_at": stamp,
                "updated_at": stamp, "completed_at": stamp, "previous": None,
            }  # fmt: skip
            out.write(("," if i else "") + json.dumps(session, ensure_ascii=False) + "\n")
        out.write("]}\n")


def floor(exe: str, tmp: Path, bundle: Path, env: dict[str, str]) -> tuple[float, int]:
    """Seconds to insert the bundle's answers as rows into an empty store's answers table (one
    transaction), and how many rows: in a process of its own, so that this one stays small (a
    child's peak memory, as wait4 reports it, counts what it inherits when forked)."""
    store = tmp / "floor"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([exe, "--data-dir", str(store), "sessions", "list"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    (path,) = store.glob("*.db")
    out = subprocess.run(
        [sys.executable, __file__, "--floor-of", str(bundle), str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    seconds, rows = json.loads(out)
    return float(seconds), int(rows)


def insert_rows(bundle: Path, path: Path) -> None:
    """Print [seconds, rows]: the bundle's answers inserted as rows into the store at path, with
    sqlite3's executemany in one transaction, nothing else done (the rows built beforehand)."""
    import sqlite3

    rows = []
    with bundle.open(encoding="utf-8") as lines:
        for line in lines:  # a session a line, as write_bundle writes them
            text = line.strip().lstrip(",")
            if not text.startswith('{"ref"'):
                continue
            session = json.loads(text)
            n = len(rows)
            rows += [
                (n + 1, a["question"], i, json.dumps(a["value"], ensure_ascii=False),
                 session["started_at"], 1, "x")
                for i, a in enumerate(session["answers"])
            ]  # fmt: skip
    db = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for k in range(0, len(rows), 5000):
        db.executemany(
            "INSERT INTO answers (session_id, question_id, position, value_json, answered_at,"
            " revision, author) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows[k : k + 5000],
        )
    db.execute("COMMIT")
    print(json.dumps([time.perf_counter() - start, len(rows)]))


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one run of the command."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed with exit code {proc.returncode}")
    return elapsed, int(usage.ru_maxrss)


def main() -> int:
    # Measure what a person runs: pip compiles an installed package's bytecode when it installs
    # it, and an editable install writes it on its first run, unless PYTHONDONTWRITEBYTECODE is
    # set (as on some development machines); then every start compiles imbalance's modules
    # again (55 of them, ~130 ms, before the first question), while the typer app's bytecode,
    # installed by pip, is read as usual. The warm-up round writes it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if sys.argv[1:2] == ["--floor-of"]:
        insert_rows(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 20000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--floor", action="store_true", help="time the floor (see above) too")
    parser.add_argument(
        "--per-client", type=int, default=10,
        help="sessions a client (1: every session a new client, as a clinic moving its store)",
    )  # fmt: skip
    args = parser.parse_args()
    exe = command()
    tmp = Path(tempfile.mkdtemp(prefix="imbalance-imports-"))
    try:
        sessions = templates(exe, tmp)
        bundles = {}
        for n in args.sizes:
            bundles[n] = tmp / f"bundle{n}.json"
            write_bundle(bundles[n], sessions, n, args.per_client)
        env = {**os.environ, "IMBALANCE_DATA_DIR": str(tmp / "headless")}
        headless = [exe, "run", "intake", "--answers", str(PERSONA), "--no-input", "--out",
                    str(tmp / "summary.md"), "--force"]  # fmt: skip
        timed(headless, env)  # warm the disk cache and bytecode
        times: dict[object, list[float]] = {"headless": [], **{n: [] for n in args.sizes}}
        memory: dict[int, list[int]] = {n: [] for n in args.sizes}
        floors: list[tuple[float, int]] = []
        for _ in range(args.rounds):
            times["headless"].append(timed(headless, env)[0])
            if args.floor:
                floors.append(floor(exe, tmp, bundles[max(args.sizes)], env))
            for n in args.sizes:
                store = tmp / f"store{n}"
                shutil.rmtree(store, ignore_errors=True)
                seconds, peak = timed(
                    [exe, "--data-dir", str(store), "sessions", "import", str(bundles[n])], env
                )
                times[n].append(seconds)
                memory[n].append(peak)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    reference = statistics.median(times["headless"])
    smallest = args.sizes[0]
    base = statistics.median(times[smallest])
    print(
        f"medians of {args.rounds} interleaved rounds, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores; headless intake run {reference * 1000:.0f} ms"
    )
    print(
        f"{'sessions':>8} {'import ms':>10} {'x headless':>11} {'growth':>22} {'peak RSS':>10}"
        f" {'per session':>12}"
    )
    for n in args.sizes:
        median = statistics.median(times[n])
        growth = "" if n == smallest else f"{median / base:.1f}x for {n / smallest:.0f}x size"
        print(
            f"{n:8d} {median * 1000:10.0f} {median / reference:10.1f}x {growth:>22} "
            f"{statistics.median(memory[n]) / 1024:8.0f} MiB {median / n * 1e6:9.0f} us"
        )
    if floors:
        inserted = statistics.median(f[0] for f in floors)
        print(
            f"floor at {max(args.sizes)} sessions: inserting its {floors[0][1]:,} answers as rows "
            f"alone (executemany, one transaction) {inserted * 1000:.0f} ms, "
            f"{inserted / reference:.1f}x a headless run"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
