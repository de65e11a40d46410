"""`imbalance test`: answer fixtures run through their questionnaire without saving; each
expectation that fails is reported at its line in the fixture, and the command exits 1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

KNEE = """\
id: knee-check
title: Quick knee check
version: 1.0.0
sections:
  - id: safety
    title: Safety check
    questions:
      - id: knee_flags
        type: multi
        text: Have you had any of these?
        choices:
          - {id: hot_joint, label: "A hot, red, swollen knee"}
          - {id: none, label: None of these, exclusive: true}
  - id: pain
    title: Pain
    questions:
      - {id: regions, type: body_regions, text: Which knee?, regions: [knee]}
      - {id: worst, type: scale, text: How bad is it at its worst?}
      - {id: swelling, type: yes_no, text: Does it swell?, when: {question: worst, gte: 4}}
      - {id: runs, type: number, text: Runs a week?, min: 0, max: 14}
alerts:
  - id: hot_knee
    level: emergency
    when: {question: knee_flags, includes: hot_joint}
    message: A hot, red, swollen joint needs checking the same day.
    action: Get medical help today.
  - id: swells
    level: advisory
    when: {question: swelling, equals: true}
    message: Swelling after activity is worth mentioning.
    action: Mention it at your next visit.
recommendations:
  - id: runner
    when: {all: [{question: regions, includes: knee}, {question: runs, gte: 1}, {question: worst, gte: 3}]}
    because: You run and your knee hurts
    articles: [soreness-vs-pain]
    strategies: [knee-start]
"""

PASSING = """\
# A runner with a swelling knee.
questionnaire: ../knee-check.yaml
answers:
  knee_flags: [none]
  regions: [knee.left]
  worst: 6
  swelling: true
  runs: 3
expect:
  asked: [swelling]
  not_asked: []
  alerts: {swells: advisory}
  recommended: [soreness-vs-pain, knee-start]
  not_recommended: [gradual-loading]
"""


def imbalance(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "IMBALANCE_DATA_DIR"},
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An author's folder: the questionnaire, and an examples/ folder for its fixtures."""
    (tmp_path / "examples").mkdir()
    (tmp_path / "knee-check.yaml").write_text(KNEE)
    return tmp_path


def test_a_passing_fixture_runs_without_saving(project: Path) -> None:
    (project / "examples" / "runner.test.yaml").write_text(PASSING)
    data = project / "data"
    run = imbalance(data, "test", "examples/runner.test.yaml", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == (
        "PASS examples/runner.test.yaml (knee-check 1.0.0: 5 asked, 1 alert(s), 2 recommended)\n"
    )
    assert run.stderr == "1 fixture(s): 1 passed\n"
    assert not data.exists()  # nothing saved, no store made


def test_every_failed_expectation_is_located_in_the_fixture(project: Path) -> None:
    wrong = PASSING.replace("asked: [swelling]", "asked: [swelling, runz]")
    wrong = wrong.replace("not_asked: []", "not_asked: [worst]")
    wrong = wrong.replace(
        "alerts: {swells: advisory}", "alerts: {swells: urgent, hot_knee: emergency}"
    )
    wrong = wrong.replace("not_recommended: [gradual-loading]", "not_recommended: [knee-start]")
    wrong = wrong.replace(
        "recommended: [soreness-vs-pain, knee-start]",
        "recommended: [soreness-vs-pain, flare-up-plan, knee-strat]",
    )
    (project / "examples" / "wrong.test.yaml").write_text(wrong)
    run = imbalance(project / "data", "test", "examples/wrong.test.yaml", cwd=project)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0] == "FAIL examples/wrong.test.yaml"
    where = "  examples/wrong.test.yaml:"
    assert lines[1:] == [
        f"{where}10:21: 'runz' is not a question of 'knee-check'; did you mean 'runs'?",
        f"{where}11:15: expected 'worst' not to be asked; it was shown (worst)",
        f"{where}12:20: alert 'swells' was raised as advisory, not urgent",
        f"{where}12:28: expected alert 'hot_knee' (emergency); it was not raised",
        f"{where}13:35: expected 'flare-up-plan' to be recommended; it was not (recommended: soreness-vs-pain, knee-start)",
        f"{where}13:50: 'knee-strat' is not an article or strategy of the library; did you mean 'knee-start'?",
        f"{where}14:21: expected 'knee-start' not to be recommended; it was",
    ]
    assert run.stderr == "1 fixture(s): 0 passed, 1 failed\n"


def test_an_answer_that_does_not_fit_hides_no_expectation(project: Path) -> None:
    """A wrong answer is reported, and the expectations are still checked with the answers
    that fit: each failure is seen in one run."""
    wrong = PASSING.replace("  runs: 3\n", "  runs: many\n").replace(
        "alerts: {swells: advisory}", "alerts: {swells: urgent}"
    )
    (project / "examples" / "wrong.test.yaml").write_text(wrong)
    run = imbalance(project / "data", "test", "examples/wrong.test.yaml", cwd=project)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[1] == "  examples/wrong.test.yaml:8:9: 'runs': answer with a number"
    assert (
        "  examples/wrong.test.yaml:12:20: alert 'swells' was raised as advisory, not urgent"
        in lines
    )


def test_an_alert_raised_but_not_expected_fails(project: Path) -> None:
    (project / "examples" / "quiet.test.yaml").write_text(
        PASSING.replace("alerts: {swells: advisory}", "alerts: {}")
    )
    run = imbalance(project / "data", "test", "examples", cwd=project)
    assert run.returncode == 1
    assert (
        "examples/quiet.test.yaml:12:11: alert 'swells' (advisory) was raised but is not "
        "expected; add it to 'alerts'" in run.stdout
    )


def test_missing_required_answers_fail_unless_an_emergency_ends_the_run(project: Path) -> None:
    (project / "examples" / "short.test.yaml").write_text(
        "questionnaire: ../knee-check.yaml\nanswers: {knee_flags: [none]}\nexpect: {alerts: {}}\n"
    )
    (project / "examples" / "hot.test.yaml").write_text(
        "questionnaire: ../knee-check.yaml\nanswers: {knee_flags: [hot_joint]}\n"
        "expect:\n  alerts: {hot_knee: emergency}\n  recommended: []\n  not_asked: [worst]\n"
    )
    run = imbalance(project / "data", "test", "--json", "examples", cwd=project)
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert (report["fixtures"], report["passed"], report["failed"]) == (2, 1, 1)
    by_name = {Path(r["path"]).name: r for r in report["results"]}
    assert by_name["hot.test.yaml"]["passed"] is True
    (failure,) = by_name["short.test.yaml"]["failures"]
    assert (failure["line"], failure["column"]) == (2, 10)
    assert failure["message"].startswith("3 required answer(s) missing, so the run would stop")
    assert "regions, worst, runs" in failure["message"]


def test_answers_may_be_a_file_beside_the_fixture_and_are_checked(project: Path) -> None:
    (project / "examples" / "runner.yaml").write_text(
        "knee_flags: [none]\nregions: [knee.left]\nworst: 6\nswelling: maybe\nruns: 3\n"
    )
    (project / "examples" / "runner.test.yaml").write_text(
        "questionnaire: ../knee-check.yaml\nanswers: runner.yaml\nexpect: {alerts: {}}\n"
    )
    run = imbalance(project / "data", "test", "examples/runner.test.yaml", cwd=project)
    assert run.returncode == 1
    assert (
        "examples/runner.test.yaml:2:10: the answers file 'runner.yaml' does not fit 'knee-check':"
        in run.stdout
    )
    assert "runner.yaml:4:11:" in run.stdout


def test_a_questionnaire_argument_runs_the_fixtures_beside_it(project: Path) -> None:
    """`imbalance test knee-check.yaml` finds the fixtures in examples/ that name it, and the
    user's own questionnaires' fixtures are found by id."""
    (project / "examples" / "runner.test.yaml").write_text(PASSING)
    (project / "examples" / "other.test.yaml").write_text(
        "questionnaire: intake\nanswers: {}\nexpect: {alerts: {}}\n"
    )
    run = imbalance(project / "data", "test", "knee-check.yaml", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASS ") == 1 and "runner.test.yaml" in run.stdout

    data = project / "data"
    own = data / "questionnaires"
    (own / "examples").mkdir(parents=True)
    (own / "knee-check.yaml").write_text(KNEE)
    (own / "examples" / "runner.test.yaml").write_text(
        PASSING.replace("../knee-check.yaml", "knee-check")
    )
    by_id = imbalance(data, "test", "knee-check", cwd=project)
    assert by_id.returncode == 0, by_id.stdout + by_id.stderr
    assert by_id.stdout.count("PASS ") == 1
    everything = imbalance(data, "test", cwd=project)  # bundled fixtures and the user's
    assert everything.returncode == 0, everything.stdout
    assert everything.stdout.count("PASS ") >= 18


def test_no_fixtures_is_a_usage_error(project: Path) -> None:
    run = imbalance(project / "data", "test", "examples", cwd=project)
    assert run.returncode == 2
    assert "no fixtures found in examples" in run.stderr


def test_a_fixture_naming_a_broken_questionnaire_fails_with_its_problems(project: Path) -> None:
    (project / "knee-check.yaml").write_text(KNEE.replace("type: scale", "type: scael"))
    (project / "examples" / "runner.test.yaml").write_text(PASSING)
    run = imbalance(project / "data", "test", "examples", cwd=project)
    assert run.returncode == 1
    assert (
        "examples/runner.test.yaml:2:16: questionnaire '../knee-check.yaml' does not load:"
        in run.stdout
    )
    assert "unknown question type 'scael'; did you mean 'scale'?" in run.stdout


def test_what_a_warning_sign_held_back_is_counted_apart_from_what_was_recommended(
    project: Path,
) -> None:
    """The PASS line and --json of a bundled fixture whose alert holds advice back: held-back
    articles and strategies are not counted as recommended."""
    fixture = ROOT / "questionnaires" / "examples" / "hot-swollen-knee-fever.test.yaml"
    run = imbalance(project / "data", "test", str(fixture), cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"1 alert\(s\), 0 recommended, \d+ held back\)\n$", run.stdout)
    listed = imbalance(project / "data", "test", str(fixture), "--json", cwd=project)
    (result,) = json.loads(listed.stdout)["results"]
    assert result["recommended"] == 0 and result["withheld"] > 0
