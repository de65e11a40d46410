"""Two installs of imbalance against each other, on a machine whose speed wanders.

    python benchmarks/ab.py OLD_VENV NEW_VENV [--rounds N] [--callgrind]

Runs the same commands with each install in turn (old, new, old, new, ...), so a slow spell
hits both alike, and reports each command's median time per install and the median of the
per-round ratios new/old. With --callgrind it also counts the instructions of one run of each
command under valgrind (the same count whatever else the machine is doing), which settles a
difference of a few percent that wall time cannot.

Commands: ``--help``, a headless intake run of a persona that writes the markdown summary and
saves the session (in a fresh data directory each time), and the launch of an interactive run
to its first question on screen (in a pseudo-terminal; under callgrind, the count is dumped
the moment the question shows).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERSONA = ROOT / "questionnaires" / "examples" / "desk-worker-neck-shoulder.yaml"


def commands(venv: Path, scratch: Path) -> dict[str, list[str]]:
    exe = str(venv / "bin" / "imbalance")
    return {
        "--help": [exe, "--help"],
        "headless intake run": [
            exe, "--data-dir", str(scratch / "data"), "run", "intake", "--answers", str(PERSONA),
            "--no-input", "--out", str(scratch / "summary.md"), "--force",
        ],
        FIRST: [exe, FIRST],  # (the marker says: spawn it in a pseudo-terminal)
    }  # fmt: skip


FIRST = "launch to first question"
QUESTION = "Right now or in the past few days"


def first_question(args: list[str], scratch: Path, count: bool = False) -> float:
    """Seconds from launch until the first question is on screen; with ``count``, the
    instructions executed until then (callgrind dumps its count at that moment)."""
    import os

    import pexpect

    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm",
           "IMBALANCE_DATA_DIR": str(scratch / "data")}  # fmt: skip
    out = scratch / "first.callgrind"
    for old in scratch.glob("first.callgrind*"):
        old.unlink()
    command = [*args, "run", "--no-save"]
    if count:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]
    start = time.perf_counter()
    child = pexpect.spawn(command[0], command[1:], env=env, timeout=300, dimensions=(40, 120))
    child.expect(QUESTION)
    elapsed = time.perf_counter() - start
    if count:
        subprocess.run(["callgrind_control", "--dump", str(child.pid)], capture_output=True)
        while not list(scratch.glob("first.callgrind.*")):
            time.sleep(0.1)
        time.sleep(0.5)  # the dump is written whole
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    if count:
        dumped = next(scratch.glob("first.callgrind.*")).read_text()
        found = re.search(r"^(?:summary|totals): (\d+)", dumped, re.MULTILINE)
        if found is None:
            sys.exit("callgrind dumped no count")
        return int(found.group(1))
    return elapsed


def timed(args: list[str], scratch: Path) -> float:
    if args[-1] == FIRST:
        return first_question(args[:-1], scratch)
    shutil.rmtree(scratch / "data", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def instructions(args: list[str], scratch: Path) -> int:
    if args[-1] == FIRST:
        return int(first_question(args[:-1], scratch, count=True))
    shutil.rmtree(scratch / "data", ignore_errors=True)
    out = scratch / "callgrind.out"
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        check=True,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        sys.exit(f"valgrind gave no count:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    # Measure what a person runs: pip compiles an installed package's bytecode when it installs
    # it, and an editable install writes it on its first run, unless PYTHONDONTWRITEBYTECODE is
    # set (as on some development machines); then every start compiles imbalance's modules
    # again (55 of them, ~130 ms, before the first question), while the typer app's bytecode,
    # installed by pip, is read as usual. The warm-up round writes it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the virtual environment of the old install")
    parser.add_argument("new", type=Path, help="the virtual environment of the new install")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        old, new = commands(args.old, scratch), commands(args.new, scratch)
        for name in old:  # warm the file cache
            timed(old[name], scratch), timed(new[name], scratch)
        print(f"{args.rounds} alternating rounds, Python {sys.version.split()[0]}")
        print(f"{'case':26} {'old ms':>8} {'new ms':>8} {'new/old':>8}")
        for name in old:
            pairs = [
                (timed(old[name], scratch), timed(new[name], scratch)) for _ in range(args.rounds)
            ]
            a = statistics.median(p[0] for p in pairs) * 1000
            b = statistics.median(p[1] for p in pairs) * 1000
            ratio = statistics.median(p[1] / p[0] for p in pairs)
            print(f"{name:26} {a:8.1f} {b:8.1f} {ratio:7.2f}x")
        if args.callgrind:
            print(f"{'instructions (callgrind)':26} {'old':>14} {'new':>14} {'new/old':>8}")
            for name in old:
                a, b = instructions(old[name], scratch), instructions(new[name], scratch)
                print(f"{name:26} {a:14,} {b:14,} {b / a:7.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
