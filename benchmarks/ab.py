"""Two installs of imbalance against each other, on a machine whose speed wanders.

    python benchmarks/ab.py OLD_VENV NEW_VENV [--rounds N] [--callgrind]

Runs the same commands with each install in turn (old, new, old, new, ...), so a slow spell
hits both alike, and reports each command's median time per install and the median of the
per-round ratios new/old. With --callgrind it also counts the instructions of one run of each
command under valgrind (the same count whatever else the machine is doing), which settles a
difference of a few percent that wall time cannot.

Commands: ``--help``, and a headless intake run of a persona that writes the markdown summary
and saves the session (in a fresh data directory each time).
"""

from __future__ import annotations

import argparse
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
    }  # fmt: skip


def timed(args: list[str], scratch: Path) -> float:
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
