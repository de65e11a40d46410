"""Golden tests: every persona in questionnaires/examples runs headless through the real command
line, and its alerts and recommendations are exactly, and in the order, its fixture
(``NAME.test.yaml`` beside it, run by ``imbalance test``) lists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES

SERIOUS = {
    "saddle-numbness-emergency",
    "cancer-history-urgent",
    "tingling-fingers-outside-screen",
    "steroids-fall-box-missed",
    "emergency-stop-nerve-route",
    "dizzy-turning-head",
    "fall-cannot-lift-arm",
    "hot-swollen-knee-fever",
    "jaw-scalp-74",
    "numb-hands-night",
    "hiker-after-injection",
}
PERSONAS = sorted(p.stem for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".test.yaml"))


def test_every_persona_has_a_fixture_and_they_all_pass() -> None:
    """The personas are `imbalance test` fixtures: run through the real command line."""
    fixtures = sorted(p.name for p in EXAMPLES.glob("*.test.yaml"))
    assert all(f"{persona}.test.yaml" in fixtures for persona in PERSONAS)
    assert len(PERSONAS) >= 8
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "test", "--json"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["failed"] == 0 and report["passed"] == len(fixtures)
    assert {Path(r["path"]).name for r in report["results"]} == set(fixtures)


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona(persona: str, tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "run", "intake", "--answers", str(EXAMPLES / f"{persona}.yaml"),
         "--no-input", "--json", str(out_json), "--out", str(out_md)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(out_json.read_text())
    # The fixture beside the persona holds what it must produce; here its order is checked too.
    expect = yaml.safe_load((EXAMPLES / f"{persona}.test.yaml").read_text())["expect"]
    alerts = list(expect["alerts"])
    assert [a["id"] for a in doc["alerts"]] == alerts
    assert {a["id"]: a["level"] for a in doc["alerts"]} == expect["alerts"]
    assert [r["id"] for r in doc["recommendations"]] == expect["recommended"]
    assert [r["id"] for r in doc["withheld"]] == expect.get("withheld", [])
    assert all(r["because"] for r in doc["recommendations"])
    serious = any(a["level"] in ("emergency", "urgent") for a in doc["alerts"])
    assert serious == (persona in SERIOUS)
    held = [r["after_clinician"] for r in doc["recommendations"] if r["kind"] == "strategy"]
    assert all(held) if serious else not any(held)

    markdown = out_md.read_text()
    assert markdown.startswith("# Muscle imbalance self-assessment\n")
    assert markdown.rstrip().endswith(
        "not a diagnosis or medical advice. It does not rule any cause in or out. If something in it worries you, or your symptoms change, see a clinician.*"
    )
    first_section = markdown.index("\n## ")
    emergency = any(a["level"] == "emergency" for a in doc["alerts"])
    if alerts:
        assert markdown[first_section:].startswith("\n## ⚠ Warning signs: act on these first")
    if emergency:
        assert "## Suggested reading" not in markdown and "## Exercise strategies" not in markdown
        assert "get medical help now" in markdown.split("## Next steps")[1]
    elif serious:
        assert "Start these only after you have been checked by a clinician" in markdown
    elif not alerts:
        assert markdown[first_section:].startswith(
            "\n## Warning signs\n\nNone of the warning signs"
        )
