"""The strict tools run as part of the suite, so the one test command checks everything."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; install the test extras: pip install '.[test]'")
    return found


@pytest.mark.parametrize(
    "args",
    [
        ["ruff", "check", "src", "tests", "benchmarks"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks"],
        ["mypy", "--strict", "src"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(args: list[str]) -> None:
    run = subprocess.run(
        [_tool(args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_readme_says_what_the_test_command_fetches_and_what_it_skips() -> None:
    """Next to its test command the README says the first run fetches the npm tools, that the
    tests needing system packages are skipped until they are installed, and the one command
    that installs them: the packages .ci/run installs, no more, no fewer."""
    import re

    import outside_tools

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("Run the tests") : readme.index("## Headless")]
    ci = (ROOT / ".ci" / "run").read_text()
    assert sorted(re.findall(r"missing\+=\((\w+)\)", ci)) == sorted(outside_tools.PACKAGES)
    assert outside_tools.INSTALL in section
    assert ".ci/run" in section and "IMBALANCE_TEST_OFFLINE=1" in section
    assert "npm" in section and "skipped" in section


def test_a_fresh_checkout_is_told_what_is_fetched_and_what_is_missing(tmp_path: Path) -> None:
    """Without the npm tools, both are listed with the command that fetches them; once they
    are there, nothing is."""
    import outside_tools

    assert [what for what, _ in outside_tools.to_fetch(tmp_path)] == [
        "the Mermaid parser",
        "HL7's FHIR R4 files",
    ]
    assert any("tests/tools/fhir/fetch.sh" in line for line in outside_tools.advice(tmp_path))
    (tmp_path / "tests/tools/mermaid/node_modules/mermaid").mkdir(parents=True)
    (tmp_path / "tests/tools/fhir").mkdir(parents=True)
    for name in ("fhir.schema.json", "profiles-resources.json"):
        (tmp_path / "tests/tools/fhir" / name).write_text("{}")
    assert outside_tools.to_fetch(tmp_path) == []
