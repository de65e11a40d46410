"""Golden tests: every persona in questionnaires/examples runs headless through the real command
line, and its alerts and recommendations are exactly these."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES

# persona -> (alerts, articles, strategies, withheld), in the order the summary shows them.
GOLDEN: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "back-pain-mri-bulge": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "exercise-first-line",
            "pain-flare-ups",
            "mri-findings-by-age",
            "when-imaging-helps",
            "worry-and-movement",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "flare-up-plan",
            "desk-breaks",
            "lower-back-start",
            "confidence-steps",
        ],
        [],
    ),
    "cancer-history-urgent": (
        ["cancer_history", "weight_loss_night_pain", "heart_condition", "blood_thinners"],
        ["warning-signs-explained", "identify-muscle-imbalance"],
        ["pain-monitoring", "sensation-guide", "lower-back-start", "sleep-recovery"],
        [
            "fix-muscle-imbalance",
            "pain-flare-ups",
            "when-imaging-helps",
            "worry-and-movement",
            "flare-up-plan",
            "upper-back-mobility",
        ],
    ),
    "climber-wrist": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "left-right-differences",
            "soreness-vs-pain",
            "tracking-progress",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "elbow-wrist-start",
            "gradual-loading",
            "side-to-side",
        ],
        [],
    ),
    "desk-worker-neck-shoulder": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "exercise-first-line",
            "exercise-first-shoulder",
            "massage-neck-shoulder",
            "relief-that-fades",
            "left-right-differences",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "neck-shoulder-start",
            "desk-breaks",
            "side-to-side",
        ],
        [],
    ),
    "emergency-stop-nerve-route": (
        ["saddle_numbness"],
        [],
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "pain-flare-ups",
            "when-imaging-helps",
            "nerve-like-sensations",
            "pain-monitoring",
            "sensation-guide",
            "flare-up-plan",
            "lower-back-start",
        ],
    ),
    "flat-foot-ankle": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "pain-flare-ups",
            "relief-that-fades",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "flare-up-plan",
            "ankle-foot-start",
        ],
        [],
    ),
    "hip-pinch-squat": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "relief-that-fades",
            "left-right-differences",
            "soreness-vs-pain",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "desk-breaks",
            "hip-start",
            "side-to-side",
        ],
        [],
    ),
    "knee-mri-tear": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "exercise-first-knee-hip",
            "imaging-knee",
            "left-right-differences",
            "soreness-vs-pain",
            "worry-and-movement",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "knee-start",
            "side-to-side",
            "confidence-steps",
        ],
        [],
    ),
    "no-pain": (
        [],
        ["soreness-vs-pain", "tracking-progress"],
        ["desk-breaks", "sensation-guide"],
        [],
    ),
    "runner-knee": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "left-right-differences",
            "soreness-vs-pain",
            "tracking-progress",
        ],
        ["pain-monitoring", "sensation-guide", "knee-start", "gradual-loading", "side-to-side"],
        [],
    ),
    "saddle-numbness-emergency": (
        ["saddle_numbness", "bladder_bowel", "progressive_constant"],
        [],
        [],
        [
            "warning-signs-explained",
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "pain-flare-ups",
            "when-imaging-helps",
            "nerve-like-sensations",
            "worry-and-movement",
            "pain-monitoring",
            "sensation-guide",
            "flare-up-plan",
            "lower-back-start",
            "confidence-steps",
            "sleep-recovery",
        ],
    ),
    "several-regions-no-flags": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "exercise-first-line",
            "exercise-first-knee-hip",
            "pain-flare-ups",
            "relief-that-fades",
            "worry-and-movement",
        ],
        [
            "pain-monitoring",
            "sensation-guide",
            "gradual-loading",
            "flare-up-plan",
            "neck-shoulder-start",
            "upper-back-mobility",
            "lower-back-start",
            "hip-start",
            "knee-start",
            "confidence-steps",
            "sleep-recovery",
            "desk-breaks",
        ],
        [],
    ),
    "shoulder-xray-normal": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "exercise-first-shoulder",
            "imaging-shoulder",
            "left-right-differences",
            "tracking-progress",
        ],
        ["pain-monitoring", "sensation-guide", "neck-shoulder-start", "side-to-side"],
        [],
    ),
    "steroids-fall-box-missed": (
        ["fragility_fracture", "long_term_steroids"],
        ["identify-muscle-imbalance", "tracking-progress"],
        ["pain-monitoring", "sensation-guide", "lower-back-start"],
        [
            "fix-muscle-imbalance",
            "pain-flare-ups",
            "when-imaging-helps",
            "worry-and-movement",
            "flare-up-plan",
            "confidence-steps",
        ],
    ),
    "tingling-fingers-outside-screen": (
        ["limb_numbness"],
        ["identify-muscle-imbalance", "nerve-symptoms-lasting", "tracking-progress"],
        ["pain-monitoring", "sensation-guide", "neck-shoulder-start", "desk-breaks"],
        ["fix-muscle-imbalance", "left-right-differences", "nerve-like-sensations", "side-to-side"],
    ),
    "two-knees-different": (
        [],
        [
            "identify-muscle-imbalance",
            "fix-muscle-imbalance",
            "tracking-progress",
            "exercise-first-knee-hip",
            "pain-flare-ups",
        ],
        ["pain-monitoring", "sensation-guide", "gradual-loading", "flare-up-plan", "knee-start"],
        [],
    ),
}

SERIOUS = {
    "saddle-numbness-emergency",
    "cancer-history-urgent",
    "tingling-fingers-outside-screen",
    "steroids-fall-box-missed",
    "emergency-stop-nerve-route",
}


def test_every_example_file_has_a_golden_entry() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == sorted(GOLDEN)
    assert len(GOLDEN) >= 8


@pytest.mark.parametrize("persona", sorted(GOLDEN))
def test_persona(persona: str, tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "run", "intake", "--answers", str(EXAMPLES / f"{persona}.yaml"),
         "--no-input", "--json", str(out_json), "--out", str(out_md)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(out_json.read_text())
    alerts, articles, strategies, withheld = GOLDEN[persona]
    assert [a["id"] for a in doc["alerts"]] == alerts
    assert [r["id"] for r in doc["recommendations"] if r["kind"] == "article"] == articles
    assert [r["id"] for r in doc["recommendations"] if r["kind"] == "strategy"] == strategies
    assert [r["id"] for r in doc["withheld"]] == withheld
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
    else:
        assert markdown[first_section:].startswith(
            "\n## Warning signs\n\nNone of the warning signs"
        )
