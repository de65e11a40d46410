"""Start-up and end-to-end timings of imbalance against references measured in the same run.

    python benchmarks/run.py [--rounds N]

Runs each command N times, interleaved (A B C D, A B C D, ...) so that machine noise hits all of
them alike, and prints medians and ratios against a minimal two-command typer app's --help in the
same environment. Targets (issue 6): --help <= 0.6x, a headless intake <= 1.5x; launch to the
first question on screen <= 1.5x (issue 24; it was 2x). Run it with the Python of the
environment imbalance is installed in.
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERSONA = ROOT / "questionnaires" / "examples" / "desk-worker-neck-shoulder.yaml"
#: Issue 12: writing the HTML report too costs at most 1.5x a headless markdown run.
HTML_TARGET = 1.5
TARGETS = {"imbalance --help": 0.6, "headless intake run": 1.5, "launch to first question": 1.5}


def command() -> str:
    beside = Path(sys.executable).parent / "imbalance"
    found = str(beside) if beside.exists() else shutil.which("imbalance")
    if not found:
        sys.exit("imbalance is not installed in this environment: pip install .")
    return found


def timed_run(args: list[str], env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        subprocess.run(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.perf_counter() - start

    return run


def first_question(exe: str, env: dict[str, str]) -> Callable[[], float]:
    import pexpect

    def run() -> float:
        start = time.perf_counter()
        child = pexpect.spawn(
            exe,
            ["run", "--no-save"],
            env={**env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
            timeout=30,
            dimensions=(40, 120),
        )
        child.expect("Right now or in the past few days")
        elapsed = time.perf_counter() - start
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
        return elapsed

    return run


def main() -> int:
    # Measure what a person runs: pip compiles an installed package's bytecode when it installs
    # it, and an editable install writes it on its first run, unless PYTHONDONTWRITEBYTECODE is
    # set (as on some development machines); then every start compiles imbalance's modules
    # again (55 of them, ~130 ms, before the first question), while the typer app's bytecode,
    # installed by pip, is read as usual. The warm-up round writes it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    exe = command()
    data = tempfile.mkdtemp(prefix="imbalance-bench-")
    env = {**os.environ, "IMBALANCE_DATA_DIR": data}
    out = Path(data) / "summary.md"
    cases: dict[str, Callable[[], float]] = {
        "python -c pass": timed_run([sys.executable, "-c", "pass"], env),
        "minimal typer app --help": timed_run(
            [sys.executable, str(ROOT / "benchmarks" / "minimal_typer_app.py"), "--help"], env
        ),
        "imbalance --help": timed_run([exe, "--help"], env),
        "headless intake run": timed_run(
            [
                exe,
                "run",
                "intake",
                "--answers",
                str(PERSONA),
                "--no-input",
                "--out",
                str(out),
                "--force",
            ],
            env,
        ),
        "headless run, HTML report": timed_run(
            [
                exe,
                "run",
                "intake",
                "--answers",
                str(PERSONA),
                "--no-input",
                "--out",
                str(out),
                "--html",
                str(Path(data) / "report.html"),
                "--force",
            ],
            env,
        ),
        "launch to first question": first_question(exe, env),
    }
    for case in cases.values():  # warm the disk cache and bytecode
        case()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, case in cases.items():
            samples[name].append(case())
    reference = statistics.median(samples["minimal typer app --help"])
    markdown_run = statistics.median(samples["headless intake run"])
    print(
        f"{args.rounds} interleaved rounds, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    print(f"{'case':28} {'median ms':>10} {'ratio':>7} {'target':>8}")
    failed = False
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / reference
        target = TARGETS.get(name)
        mark = ""
        if target is not None:
            ok = ratio <= target
            failed |= not ok
            mark = f"<= {target}x {'ok' if ok else 'MISSED'}"
        print(f"{name:28} {median * 1000:10.1f} {ratio:6.2f}x {mark:>8}")
    html_ratio = statistics.median(samples["headless run, HTML report"]) / markdown_run
    html_ok = html_ratio <= HTML_TARGET
    failed |= not html_ok
    print(
        f"HTML report run / markdown run: {html_ratio:.2f}x "
        f"(<= {HTML_TARGET}x {'ok' if html_ok else 'MISSED'})"
    )
    shutil.rmtree(data, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
