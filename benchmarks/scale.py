"""How imbalance grows with the size of a questionnaire, of the session store and of a client's
history, each at 1x, 2x and 10x.

    python benchmarks/scale.py [--sizes 1000 2000 10000] [--sessions 1000 2000 10000]
                               [--history 50 100 500] [--rounds 3]

Questionnaires: synthetic ones of N questions (six types, a third of them conditional) with N
rules and an alert per 50 questions, and answers to every question (benchmarks/synthetic.py):
validating (load and lint in process, the lint alone, and `imbalance validate`) and a full
headless run (in process and as a command). Stores: N listed sessions: `sessions list` on a pipe
(every row), with --json, and as a terminal shows it (the latest 50, --limit 50), and the query
in process. Histories: one client's N real intake sessions, rebuilt from their answers:
`progress` (the table of the latest sessions), `progress --json` (every session), and the CSV
and bundle exports; with each command's peak memory.

Rounds are interleaved across cases and sizes, and in-process figures run with the cyclic
collector paused, as every command runs. Each case prints its time per size, the growth against
the smallest size, and the target it is held to: at most 11x the time for 10x the size (linear,
with room for the caches), 10,000 questions validated in under 2 s and 10,000 sessions listed
in under 0.5 s (issue 6), a paged list that does not grow, and (issue 24) `progress` of the
largest history within 2x a headless intake run measured in the same rounds, with memory that
does not grow with the history (at most 1.25x for 10x). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import synthetic  # beside this file: the script's folder is on the path

from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.lint import lint
from imbalance_cli.model import Questionnaire
from imbalance_cli.render import json as json_render
from imbalance_cli.render import markdown
from imbalance_cli.rules import assess
from imbalance_cli.store import open_store
from imbalance_cli.validate import validate_paths

Case = tuple[str, int, Callable[[], object]]


def interleaved_medians(cases: list[Case], rounds: int) -> list[tuple[str, int, float]]:
    """Median seconds of each case, rounds interleaved (round 1 of every case, then round 2...)
    so that a slow spell of the machine falls on every size alike instead of on one."""
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(rounds):
        for (_name, _n, fn), spent in zip(cases, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [
        (name, n, statistics.median(spent))
        for (name, n, _fn), spent in zip(cases, times, strict=True)
    ]


def command(*args: str, env: dict[str, str]) -> Callable[[], object]:
    exe = Path(sys.executable).parent / "imbalance"
    return lambda: subprocess.run(
        [str(exe), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


#: Peak resident memory of the last run of each measured command, in KiB, by (case, size).
PEAKS: dict[tuple[str, int], int] = {}


def measured(case: str, n: int, *args: str, env: dict[str, str]) -> Callable[[], object]:
    """A command whose peak memory is kept as well, as GNU time reports it (a child's own
    rusage would count the benchmark's memory too: Linux keeps the high-water mark of the image
    a process forked from, across exec). Without /usr/bin/time, no memory figures."""
    exe = Path(sys.executable).parent / "imbalance"
    gnu_time = Path("/usr/bin/time")
    if not gnu_time.exists():
        return command(*args, env=env)
    report = Path(tempfile.mkdtemp(prefix="imbalance-peak-")) / "peak"

    def run() -> None:
        subprocess.run(
            [str(gnu_time), "-f", "%M", "-o", str(report), str(exe), *args], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
        PEAKS[(case, n)] = int(report.read_text().split()[-1])

    return run


def questionnaire_cases(sizes: list[int], tmp: Path, env: dict[str, str]) -> list[Case]:
    library = loader.load_library(resources.library_paths())
    cases: list[Case] = []
    for n in sizes:
        text, answers_text = synthetic.questionnaire(n)
        q_path, a_path, out = tmp / f"q{n}.yaml", tmp / f"a{n}.yaml", tmp / f"out{n}.md"
        q_path.write_text(text)
        a_path.write_text(answers_text)

        def validate(q_path: Path = q_path) -> None:
            # What `imbalance validate FILE` does: load, then lint (issue 13).
            validate_paths([q_path], resources.library_paths(), 64 * 1024 * 1024)

        loaded = loader.load_questionnaire(q_path, library)

        def lint_only(loaded: Questionnaire = loaded) -> None:
            lint(loaded)

        def full_run(q_path: Path = q_path, a_path: Path = a_path) -> None:
            q = loader.load_questionnaire(q_path, library)
            answers = read_answers(a_path, q)
            result = assess(q, answers, library, started_at="a", completed_at="b")
            markdown.render(result)
            json_render.render(result)

        run_args = ("run", str(q_path), "--answers", str(a_path), "--no-input")
        cases += [
            ("validate, in process", n, validate),
            ("lint alone, in process", n, lint_only),
            ("validate, command", n, command("validate", str(q_path), env=env)),
            ("headless run, in process", n, full_run),
            ("headless run, command", n, command(*run_args, "--out", str(out), "--force", env=env)),
        ]
    return cases


def store_cases(sizes: list[int], tmp: Path, env: dict[str, str]) -> list[Case]:
    cases: list[Case] = []
    for n in sizes:
        folder = tmp / f"store{n}"
        synthetic.store_with(folder, n)
        store_env = {**env, "IMBALANCE_DATA_DIR": str(folder)}

        def listed(folder: Path = folder) -> None:
            with open_store(folder) as store:
                store.sessions()

        cases += [
            ("sessions list, pipe", n, command("sessions", "list", env=store_env)),
            ("sessions list --json", n, command("sessions", "list", "--json", env=store_env)),
            (
                "sessions list, terminal page",
                n,
                command("sessions", "list", "--limit", "50", env=store_env),
            ),
            ("sessions list, in process", n, listed),
        ]
    return cases


def history_cases(sizes: list[int], tmp: Path, env: dict[str, str]) -> list[Case]:
    cases: list[Case] = []
    for n in sizes:
        folder = tmp / f"history{n}"
        synthetic.history(folder, n)
        h_env = {**env, "IMBALANCE_DATA_DIR": str(folder)}
        for name, args in (
            ("progress", ("progress", "Sam")),
            ("progress --json", ("progress", "Sam", "--json")),
            ("export csv", ("sessions", "export", "--format", "csv")),
            ("export bundle", ("sessions", "export", "--format", "bundle")),
        ):
            cases.append((name, n, measured(name, n, *args, env=h_env)))
    return cases


def headless(env: dict[str, str], tmp: Path) -> Case:
    """The reference for progress: a headless intake run, as benchmarks/run.py times it."""
    args = ("run", "intake", "--answers", str(synthetic.EXAMPLES / f"{synthetic.PERSONAS[0]}.yaml"))
    return (REFERENCE, 0, command(*args, "--no-input", "--out", str(tmp / "ref.md"), "--force",
                                  "--no-save", env=env))  # fmt: skip


REFERENCE = "headless intake run, command"
#: Growth allowed for 10x the size (linear, with room for caches), and for a paged list.
LINEAR, FLAT = 11.0, 1.5
#: Absolute targets at the largest size: seconds (issue 6).
SECONDS = {"validate, command": 2.0, "sessions list, pipe": 0.5}
#: Cases that must not grow with the size (a page of 50; the table of the latest sessions).
FLAT_CASES = {"sessions list, terminal page", "progress"}
#: Issue 24: progress of the largest history within 2x the headless run, memory flat.
PROGRESS_RATIO, MEMORY_GROWTH = 2.0, 1.25


def report(rows: list[tuple[str, int, float]], rounds: int) -> bool:
    """Print every case's times, growth and targets; True when all are met."""
    print(
        f"medians of {rounds} interleaved rounds, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores"
    )
    reference = next(t for name, _, t in rows if name == REFERENCE)
    print(f"{REFERENCE}: {reference * 1000:.1f} ms (the reference for progress)")
    print(f"{'case':32} {'size':>7} {'ms':>9} {'growth':>18} {'peak MiB':>9}  target")
    ok = True
    first: dict[str, tuple[int, float]] = {}
    for name, n, seconds in rows:
        if name == REFERENCE:
            continue
        base = first.setdefault(name, (n, seconds))
        growth, verdicts = "", []
        size_x, time_x = n / base[0], seconds / base[1]
        if base[0] != n:
            growth = f"{time_x:.1f}x for {size_x:.0f}x"
            allowed = FLAT if name in FLAT_CASES else LINEAR * size_x / 10
            if size_x >= 10 or name in FLAT_CASES:
                verdicts.append(("growth", time_x <= allowed, f"<= {allowed:.1f}x"))
        largest = n == max(m for c, m, _ in rows if c == name)
        if largest and name in SECONDS:
            verdicts.append(("time", seconds <= SECONDS[name], f"<= {SECONDS[name]} s"))
        if largest and name == "progress":
            ratio = seconds / reference
            verdicts.append(("vs headless", ratio <= PROGRESS_RATIO,
                             f"{ratio:.2f}x <= {PROGRESS_RATIO}x"))  # fmt: skip
        peak = PEAKS.get((name, n))
        if peak is not None and largest and (name, base[0]) in PEAKS and name != "export csv":
            grown = peak / PEAKS[(name, base[0])]
            verdicts.append(("memory", grown <= MEMORY_GROWTH, f"{grown:.2f}x <= {MEMORY_GROWTH}x"))
        marks = "; ".join(
            f"{what} {rule} {'ok' if good else 'MISSED'}" for what, good, rule in verdicts
        )
        ok &= all(good for _, good, _ in verdicts)
        mib = f"{peak / 1024:.0f}" if peak is not None else ""
        print(f"{name:32} {n:7d} {seconds * 1000:9.1f} {growth:>18} {mib:>9}  {marks}")
    return ok


def main() -> int:
    # Measure what a person runs: pip compiles an installed package's bytecode when it installs
    # it, and an editable install writes it on its first run, unless PYTHONDONTWRITEBYTECODE is
    # set (as on some development machines); then every start compiles imbalance's modules
    # again (55 of them, ~130 ms, before the first question), while the typer app's bytecode,
    # installed by pip, is read as usual. The warm-up round writes it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 10000])
    parser.add_argument("--sessions", type=int, nargs="*", default=[1000, 2000, 10000])
    parser.add_argument("--history", type=int, nargs="*", default=[50, 100, 500])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    gc.disable()  # as cli.main() does for every command; the commands measured below do it too
    tmp = Path(tempfile.mkdtemp(prefix="imbalance-scale-"))
    env = {**os.environ, "IMBALANCE_DATA_DIR": str(tmp / "data")}
    try:
        cases = [headless(env, tmp)]
        cases += questionnaire_cases(args.sizes, tmp, env)
        cases += store_cases(args.sessions, tmp, env)
        cases += history_cases(args.history, tmp, env)
        for _, _, case in cases:  # warm the file cache and bytecode
            case()
        rows = interleaved_medians(cases, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    order = list(dict.fromkeys(case[0] for case in cases))
    rows.sort(key=lambda row: (order.index(row[0]), row[1]))
    return 0 if report(rows, args.rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
