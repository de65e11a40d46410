"""Synthetic inputs for the benchmarks: questionnaires of any size, and stores of any number of
sessions (listed only, or a client's history of real intake sessions to rebuild)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from imbalance_cli.store import open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "questionnaires" / "examples"
#: Real intake answers: a client's history is made of these, its pain ratings varied.
PERSONAS = (
    "desk-worker-neck-shoulder",
    "runner-knee",
    "several-regions-no-flags",
    "hip-pinch-squat",
)


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


def history(folder: Path, n: int, client: str = "Sam") -> None:
    """A store holding ``n`` completed intakes of one client, to rebuild (progress, exports):
    one real run of each persona, then copies a day apart with every pain rating varied, and a
    warning sign recorded on every 25th."""
    exe = Path(sys.executable).parent / "imbalance"
    env = {**os.environ, "IMBALANCE_DATA_DIR": str(folder)}
    for persona in PERSONAS:
        subprocess.run(
            [str(exe), "run", "intake", "--answers", str(EXAMPLES / f"{persona}.yaml"),
             "--no-input", "--client", client, "--out", os.devnull, "--force"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    db = sqlite3.connect(folder / "imbalance.db")
    with db:
        real = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY id")]
        for i in range(n - len(real)):
            source = real[i % len(real)]
            day = f"{2020 + i // 336}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}T09:00:00+00:00"
            new = db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   completed_at, worst_pain, result_json, warning)
                   SELECT client_id, questionnaire_id, questionnaire_version, questionnaire_sha256,
                   questionnaire_source, status, ?, ?, ?, worst_pain, result_json, ?
                   FROM sessions WHERE id = ?""",
                (day, day, day, "urgent" if i % 25 == 0 else "none", source),
            ).lastrowid
            db.execute(
                """INSERT INTO answers(session_id, question_id, position, value_json, answered_at)
                   SELECT ?, question_id, position,
                   CASE WHEN question_id LIKE 'pain_%' THEN ? ELSE value_json END, answered_at
                   FROM answers WHERE session_id = ?""",
                (new, str(i % 11), source),
            )
    db.close()
