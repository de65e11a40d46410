"""The outside tools some tests check our formats with, and how a fresh machine gets them.

Two come from npm and need no root: the Mermaid parser (``tests/tools/mermaid``, versions
locked) and HL7's FHIR R4 files (``tests/tools/fhir/fetch.sh``, checked by SHA-256). The test
command fetches them before the first test when npm is here (``IMBALANCE_TEST_OFFLINE=1``
skips that). The others are system packages (Chromium, Graphviz, zsh, fish, Node.js with npm,
PostgreSQL):
their tests are skipped until they are installed, and the end of the run says how.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Debian packages the tests use, and the commands that show each is there (as .ci/run checks).
PACKAGES = {
    "chromium": ("chromium", "chromium-browser"),
    "graphviz": ("dot",),
    "nodejs": ("node",),
    "npm": ("npm",),
    "zsh": ("zsh",),
    "fish": ("fish",),
    # a throwaway server for the store tests (tests/pgcluster.py finds initdb beside it)
    "postgresql": ("initdb", "pg_ctlcluster"),
}
INSTALL = "sudo apt-get install " + " ".join(PACKAGES)


def missing_packages() -> list[str]:
    return [name for name, commands in PACKAGES.items() if not any(map(shutil.which, commands))]


def to_fetch(root: Path = ROOT) -> list[tuple[str, list[str]]]:
    """What npm can still bring, as (what, command run in ``root``)."""
    out = []
    if not (root / "tests" / "tools" / "mermaid" / "node_modules" / "mermaid").is_dir():
        out.append(
            (
                "the Mermaid parser",
                ["npm", "ci", "--prefix", "tests/tools/mermaid", "--no-audit", "--no-fund",
                 "--loglevel=error"],
            )
        )  # fmt: skip
    fhir = root / "tests" / "tools" / "fhir"
    if not ((fhir / "fhir.schema.json").is_file() and (fhir / "profiles-resources.json").is_file()):
        out.append(("HL7's FHIR R4 files", ["bash", "tests/tools/fhir/fetch.sh"]))
    return out


def fetch(say: Callable[[str], None], root: Path = ROOT) -> None:
    """Fetch what npm can bring; say what is fetched and what failed (the tests that need it
    are then skipped, as before)."""
    if shutil.which("npm") is None:
        return
    for what, command in to_fetch(root):
        say(f"fetching {what} for the tests ({' '.join(command)}; IMBALANCE_TEST_OFFLINE=1 skips)")
        try:
            run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            say(f"could not fetch {what}: {exc}")
            continue
        if run.returncode != 0:
            say(f"could not fetch {what}: {(run.stderr or run.stdout).strip()[-300:]}")


def advice(root: Path = ROOT) -> list[str]:
    """What a run that skipped tests for want of a tool should say, or nothing."""
    lines = []
    missing = missing_packages()
    if missing:
        lines.append(
            f"Not installed here: {', '.join(missing)}; the tests that need them were skipped. "
            f"Install them with: {INSTALL} (or run .ci/run, which installs what is missing and "
            "runs the tests)."
        )
    left = to_fetch(root)
    if left:
        lines.append(
            "Not fetched: "
            + "; ".join(f"{what} ({' '.join(command)})" for what, command in left)
            + (" -- npm is needed" if shutil.which("npm") is None else "")
        )
    return lines
