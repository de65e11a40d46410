"""The authoring guide's examples load, lint clean, pass and print what the guide shows; the JSON
Schema matches the loader's fields."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT
from imbalance_cli import loader, resources, schema, schema_library, shapes
from imbalance_cli.answers import read_answers
from imbalance_cli.lint import lint
from imbalance_cli.model import Library, Questionnaire

GUIDE = (ROOT / "docs" / "authoring.md").read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", GUIDE, re.S)
QUESTIONNAIRES = [b for b in BLOCKS if b.startswith("id:")]
LIBRARIES = [b for b in BLOCKS if b.startswith(("articles:", "strategies:"))]
FIXTURES = [b for b in BLOCKS if "\nexpect:" in b]
#: Exercise pictures (tests/test_figure.py loads them).
PICTURES = [b for b in BLOCKS if b.startswith("picture:")]
ANSWERS = [b for b in BLOCKS if b not in QUESTIONNAIRES + LIBRARIES + FIXTURES + PICTURES]
#: The console examples: ```` ``` ```` blocks whose first line is a command.
CONSOLE = re.findall(r"```\n\$ (imbalance [^\n]*)\n(.*?)```", GUIDE, re.S)


def _cli(data: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cwd,
    )  # fmt: skip


@pytest.fixture
def guide_library(tmp_path: Path) -> Library:
    """The bundled library with the guide's own articles and strategies beside it, as an
    author's data directory holds them."""
    folder = tmp_path / "data" / "questionnaires" / "library"
    folder.mkdir(parents=True)
    for i, block in enumerate(LIBRARIES):
        (folder / f"guide{i}.yaml").write_text(block)
    return loader.load_library([*resources.library_paths()])


def test_guide_has_examples_of_every_kind() -> None:
    assert len(QUESTIONNAIRES) >= 3 and LIBRARIES and len(FIXTURES) >= 2 and ANSWERS
    assert len(CONSOLE) >= 3


@pytest.mark.parametrize("block", QUESTIONNAIRES)
def test_guide_questionnaires_load_and_lint_clean(
    block: str, write: Callable[..., Path], guide_library: Library
) -> None:
    """Each example questionnaire loads (with the guide's own library beside the bundled one)
    and has no dead logic and no unread question."""
    q = loader.load_questionnaire(write(block), guide_library)
    assert q.questions
    assert [str(p) for p in lint(q)] == []


@pytest.mark.parametrize("block", ANSWERS)
def test_guide_answers_fit_the_intake(
    block: str, write: Callable[..., Path], intake: Questionnaire
) -> None:
    assert read_answers(write(block, "a.yaml"), intake)


def _guide_project(tmp_path: Path) -> Path:
    """The worked example as an author keeps it: knee-check.yaml with its fixtures in examples/."""
    project = tmp_path / "project"
    (project / "examples").mkdir(parents=True)
    knee = next(b for b in QUESTIONNAIRES if b.startswith("id: knee-check"))
    (project / "knee-check.yaml").write_text(knee)
    for block in FIXTURES:
        name = block.split("\n", 1)[0].split()[1].rstrip(":")  # "# examples/x.test.yaml: ..."
        (project / name).write_text(block)
    return project


def test_guide_fixtures_pass(tmp_path: Path) -> None:
    project = _guide_project(tmp_path)
    run = _cli(tmp_path / "data", "test", "examples", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASS ") == len(FIXTURES)


def test_guide_console_examples_are_what_the_commands_print(tmp_path: Path) -> None:
    """The outputs shown in the guide are produced by the guide's own example, changed as the
    text around each one says."""
    project = _guide_project(tmp_path)
    data = tmp_path / "data"
    shown = dict(CONSOLE)
    # "Were swelling asked when: {question: worst, equals: 4.5}, and the rule without its test
    # on runs_per_week":
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "knee-check.yaml").write_text(
        (project / "knee-check.yaml")
        .read_text()
        .replace("when: {question: worst, gte: 4}", "when: {question: worst, equals: 4.5}")
        .replace("{question: runs_per_week, gte: 1}, ", "")
    )
    run = _cli(data, "validate", "knee-check.yaml", cwd=broken)
    assert run.returncode == 1
    assert run.stdout + run.stderr == shown["imbalance validate knee-check.yaml"]
    # "With worst: 3 in the runner's answers":
    runner = project / "examples" / "runner.test.yaml"
    runner.write_text(runner.read_text().replace("worst: 6", "worst: 3"))
    run = _cli(data, "test", "examples/", cwd=project)
    assert run.returncode == 1
    assert run.stdout + run.stderr == shown["imbalance test examples/"]
    # The schema modelines name the folder given.
    run = _cli(data, "schema", "--write", str(tmp_path / "schemas"), cwd=project)
    example = shown["imbalance schema --write ~/.config/imbalance-schemas"]
    assert run.stdout == example.replace(
        "/home/sam/.config/imbalance-schemas", str((tmp_path / "schemas").resolve())
    )


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = json.loads((ROOT / "schema" / "questionnaire.schema.json").read_text())
    assert shipped == schema.build(), "run: imbalance schema > schema/questionnaire.schema.json"


def test_shipped_library_schema_is_the_generated_one_and_matches_the_loader() -> None:
    shipped = json.loads((ROOT / "schema" / "library.schema.json").read_text())
    assert shipped == schema_library.build_library(), (
        "run: imbalance schema --library > schema/library.schema.json"
    )
    items = shipped["properties"]
    assert tuple(items["articles"]["items"]["properties"]) == shapes.ARTICLE_FIELDS
    assert tuple(items["strategies"]["items"]["properties"]) == shapes.STRATEGY_FIELDS
    for name in ("regions", "assumes_no_warning_signs"):
        assert f"`{name}`" in GUIDE


@pytest.mark.parametrize(
    ("schema_file", "files"),
    [
        ("library.schema.json", sorted((ROOT / "questionnaires" / "library").glob("*.yaml"))),
        ("questionnaire.schema.json", [ROOT / "questionnaires" / "intake.yaml"]),
    ],
)
def test_the_bundled_files_pass_their_schema_in_check_jsonschema(
    schema_file: str, files: list[Path]
) -> None:
    """check-jsonschema, a tool nobody here wrote, accepts the bundled files."""
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip("check-jsonschema is not installed")
    run = subprocess.run(
        [str(tool), "--schemafile", str(ROOT / "schema" / schema_file), *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_schema_fields_match_the_loader() -> None:
    s = schema.build()
    assert tuple(s["properties"]) == loader.QUESTIONNAIRE_FIELDS
    section = s["properties"]["sections"]["items"]
    assert tuple(section["properties"]) == loader.SECTION_FIELDS
    question = section["properties"]["questions"]["items"]
    assert tuple(question["properties"]) == loader.QUESTION_FIELDS
    assert tuple(question["properties"]["choices"]["items"]["properties"]) == loader.CHOICE_FIELDS
    assert tuple(s["properties"]["alerts"]["items"]["properties"]) == loader.ALERT_FIELDS
    assert tuple(s["properties"]["recommendations"]["items"]["properties"]) == loader.RULE_FIELDS
    leaf = next(o for o in s["$defs"]["condition"]["oneOf"] if "question" in o["required"])
    assert tuple(leaf["properties"]) == loader.LEAF_FIELDS


def test_every_field_is_documented_in_the_guide() -> None:
    for name in {
        *loader.QUESTIONNAIRE_FIELDS,
        *loader.SECTION_FIELDS,
        *loader.QUESTION_FIELDS,
        *loader.ALERT_FIELDS,
        *loader.RULE_FIELDS,
        *loader.LEAF_FIELDS,
    }:
        if name == "question":
            continue
        assert f"`{name}`" in GUIDE, name
