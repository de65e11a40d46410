"""Fuzz the loader and the answers reader with many random mutations of the bundled files.

    python benchmarks/fuzz.py [--cases N] [--seed S] [--save]

Prints how many cases ran, how each ended (accepted / located problems / crash), and the
slowest. With --save, the slowest and any crashing inputs go to tests/fixtures/fuzz/ as
regression cases. Exits 1 if any case crashed (an exception other than a located error).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import mutate  # noqa: E402
from imbalance_cli import loader, resources  # noqa: E402
from imbalance_cli.answers import read_answers  # noqa: E402
from imbalance_cli.errors import ProblemsError  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()

    library = loader.load_library(resources.library_paths())
    intake = loader.load_questionnaire(resources.bundled_dir() / "intake.yaml", library)
    targets = [("questionnaire", resources.bundled_dir() / "intake.yaml")]
    targets += [("library", p) for p in resources.library_paths()]
    targets += [
        ("answers", p)
        for p in sorted((ROOT / "questionnaires" / "examples").glob("*.yaml"))
        if not p.name.endswith(".test.yaml")
    ]
    rng = random.Random(args.seed)
    counts = {"accepted": 0, "problems": 0, "crash": 0, "unlocated": 0}
    timings: list[tuple[float, str, str]] = []
    crashes: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        for n in range(args.cases):
            kind, source = targets[n % len(targets)]
            text = mutate(source.read_text(encoding="utf-8"), rng)
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            start = time.perf_counter()
            try:
                if kind == "answers":
                    read_answers(path, intake)
                elif kind == "library":
                    loader.load_library([path])
                else:
                    loader.load_questionnaire(path, library)
                counts["accepted"] += 1
            except ProblemsError as exc:
                counts["problems"] += 1
                unlocated = [
                    p for p in exc.problems if p.location.line == 0 and "YAML" in p.message
                ]
                if unlocated:
                    counts["unlocated"] += 1
                    crashes.append((kind, text, f"unlocated: {unlocated[0]}"))
            except Exception:
                counts["crash"] += 1
                crashes.append((kind, text, traceback.format_exc()))
            timings.append((time.perf_counter() - start, kind, text))
    timings.sort(reverse=True)
    total = counts["accepted"] + counts["problems"] + counts["crash"]
    print(
        f"{total} cases (seed {args.seed}): {counts['accepted']} accepted, {counts['problems']} located problems, {counts['crash']} crashes, {counts['unlocated']} unlocated YAML errors"
    )
    print(
        f"slowest: {timings[0][0] * 1000:.1f} ms ({timings[0][1]}); median {timings[len(timings) // 2][0] * 1000:.1f} ms"
    )
    for kind, _, trace in crashes[:5]:
        print(f"--- crash in {kind}:\n{trace}")
    if args.save:
        out = ROOT / "tests" / "fixtures" / "fuzz"
        out.mkdir(parents=True, exist_ok=True)
        keep = [(kind, text) for kind, text, _ in crashes[:10]] + [
            (kind, text) for _, kind, text in timings[:3]
        ]
        for i, (kind, text) in enumerate(keep):
            (out / f"{kind}-seed{args.seed}-{i}.yaml").write_text(
                text, encoding="utf-8", errors="surrogatepass"
            )
        print(f"saved {len(keep)} cases to {out}")
    return 1 if counts["crash"] or counts["unlocated"] else 0


if __name__ == "__main__":
    sys.exit(main())
