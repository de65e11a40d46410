"""The authoring guide's examples load, and the JSON Schema matches the loader's fields."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT
from imbalance_cli import loader, schema, shapes
from imbalance_cli.answers import read_answers
from imbalance_cli.model import Library, Questionnaire

GUIDE = (ROOT / "docs" / "authoring.md").read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", GUIDE, re.S)


def test_guide_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.startswith("id:")])
def test_guide_questionnaires_load(
    block: str, write: Callable[..., Path], library: Library
) -> None:
    q = loader.load_questionnaire(write(block), library)
    assert q.questions


@pytest.mark.parametrize("block", [b for b in BLOCKS if not b.startswith("id:")])
def test_guide_answers_fit_the_intake(
    block: str, write: Callable[..., Path], intake: Questionnaire
) -> None:
    assert read_answers(write(block, "a.yaml"), intake)


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = json.loads((ROOT / "schema" / "questionnaire.schema.json").read_text())
    assert shipped == schema.build(), "run: imbalance schema > schema/questionnaire.schema.json"


def test_shipped_library_schema_is_the_generated_one_and_matches_the_loader() -> None:
    shipped = json.loads((ROOT / "schema" / "library.schema.json").read_text())
    assert shipped == schema.build_library(), (
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
