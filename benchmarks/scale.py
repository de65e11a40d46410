"""How imbalance grows with the size of a questionnaire and of the session store.

    python benchmarks/scale.py [--sizes 1000 5000 10000] [--sessions 1000 10000] [--rounds 5]

Generates synthetic questionnaires of N questions (six types, a third of them conditional) with
N recommendation rules (half with one test, half with two) and an alert per 50 questions, an
answers file that answers every question, and stores of N saved sessions. It reports medians of
interleaved rounds of: validating (load and lint, in process; the lint alone; and `imbalance
validate` as a command), a full headless run (load, check answers, rules, markdown and JSON, in
process and as a command), and `imbalance sessions list`. In-process figures run with the cyclic garbage collector paused, as
every `imbalance` command runs (cli.main). Linear growth means 10x the size costs at most about
10x the time; issue 6 allows 11x, and asks for 10,000 questions to validate in under 2 s and
`sessions list` over 10,000 sessions to return in under 0.5 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.lint import lint
from imbalance_cli.model import Questionnaire
from imbalance_cli.render import json as json_render
from imbalance_cli.render import markdown
from imbalance_cli.rules import assess
from imbalance_cli.store import open_store
from imbalance_cli.validate import validate_paths


def questionnaire(n: int) -> tuple[str, str]:
    """YAML of n questions in sections of 50, n rules, n/50 alerts; and answers to all of them."""
    lines = ["id: synthetic", "title: Synthetic", "version: '1'", "sections:"]
    answers: list[str] = []
    kinds = ("yes_no", "scale", "single", "multi", "number", "text")
    for i in range(n):
        if i % 50 == 0:
            lines += [f"  - id: s{i // 50}", f"    title: Section {i // 50}", "    questions:"]
        kind = kinds[i % len(kinds)]
        line = f"      - {{id: q{i}, type: {kind}, text: Question {i}?"
        if kind in ("single", "multi"):
            line += ", choices: [{id: a, label: A}, {id: b, label: B}, {id: c, label: C}]"
        if kind == "number":
            line += ", min: 0, max: 100"
        if i >= 6 and i % 3 == 0:
            line += f", when: {{question: q{i - 6}, answered: true}}"
        lines.append(line + "}")
        answers.append(
            f"q{i}: "
            + {
                "yes_no": "true",
                "scale": "5",
                "single": "a",
                "multi": "[a, b]",
                "number": "42",
                "text": "some words",
            }[kind]
        )
    lines.append("alerts:")
    for i in range(0, n, 50):
        lines.append(
            f"  - {{id: a{i}, level: advisory, when: {{question: q{i - i % 6}, equals: true}}, message: M{i}, action: A{i}}}"
        )
    lines.append("recommendations:")
    for i in range(n):
        scale = i - i % 6 + 1  # a scale question
        if i % 2:
            when = f"{{question: q{scale}, gte: {i % 10}}}"
        else:  # every other rule combines two tests
            when = f"{{all: [{{question: q{scale}, gte: {i % 10}}}, {{question: q{i - i % 6}, equals: true}}]}}"
        lines.append(
            f"  - {{id: r{i}, when: {when}, because: Rule {i}, strategies: [pain-monitoring]}}"
        )
    return "\n".join(lines) + "\n", "\n".join(answers) + "\n"


def store_with(folder: Path, n: int) -> None:
    """A store holding n complete sessions for n/10 clients, each with 30 answers."""
    open_store(folder).close()
    db = sqlite3.connect(folder / "imbalance.db")
    with db:
        db.executemany(
            "INSERT INTO clients(id, name, uuid, created_at) VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00')",
            [
                (c, f"Client {c}", f"00000000-0000-4000-8000-{c:012d}")
                for c in range(1, n // 10 + 2)
            ],
        )
        db.executemany(
            "INSERT INTO sessions(id, client_id, questionnaire_id, questionnaire_version, questionnaire_sha256,"
            " questionnaire_source, status, started_at, updated_at, completed_at, worst_pain) VALUES"
            " (?, ?, 'intake', '1.0.0', 'x', 'intake', 'complete', ?, ?, ?, ?)",
            [
                (
                    s,
                    s % (n // 10 + 1) + 1,
                    f"2026-{1 + s % 12:02d}-{1 + s % 28:02d}T10:{s % 60:02d}:00+00:00",
                    "2026-01-01",
                    "2026-01-01",
                    s % 11,
                )
                for s in range(1, n + 1)
            ],
        )
        db.executemany(
            "INSERT INTO answers(session_id, question_id, position, value_json, answered_at) VALUES (?, ?, ?, ?, '2026-01-01')",
            [
                (
                    s,
                    f"q{k}",
                    k,
                    json.dumps(k),
                )
                for s in range(1, n + 1)
                for k in range(30)
            ],
        )
    db.close()


def interleaved_medians(
    cases: list[tuple[str, int, Callable[[], object]]], rounds: int
) -> list[tuple[str, int, float]]:
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    gc.disable()  # as cli.main() does for every command; the commands measured below do it too
    tmp = Path(tempfile.mkdtemp(prefix="imbalance-scale-"))
    env = {**os.environ, "IMBALANCE_DATA_DIR": str(tmp / "data")}
    library = loader.load_library(resources.library_paths())
    cases: list[tuple[str, int, Callable[[], object]]] = []
    try:
        for n in args.sizes:
            text, answers_text = questionnaire(n)
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
                (
                    "headless run, command",
                    n,
                    command(*run_args, "--out", str(out), "--force", env=env),
                ),
            ]
        for n in args.sessions:
            folder = tmp / f"store{n}"
            store_with(folder, n)
            store_env = {**env, "IMBALANCE_DATA_DIR": str(folder)}

            def listed(folder: Path = folder) -> None:
                with open_store(folder) as store:
                    store.sessions()

            cases += [
                ("sessions list, command", n, command("sessions", "list", env=store_env)),
                (
                    "sessions list --json, command",
                    n,
                    command("sessions", "list", "--json", env=store_env),
                ),
                ("sessions list, in process", n, listed),
            ]
        rows = interleaved_medians(cases, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows.sort(key=lambda row: [case[0] for case in cases].index(row[0]))
    print(
        f"medians of {args.rounds} interleaved rounds, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    print(f"{'case':32} {'size':>7} {'ms':>9} {'x time / x size vs smallest':>30}")
    first: dict[str, tuple[int, float]] = {}
    for name, n, seconds in rows:
        base = first.setdefault(name, (n, seconds))
        growth = ""
        if base[0] != n:
            growth = f"{seconds / base[1]:.1f}x time for {n / base[0]:.0f}x size"
        print(f"{name:32} {n:7d} {seconds * 1000:9.1f} {growth:>30}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
