"""FHIR R4 checks by tools nobody here wrote, for the tests of the FHIR exports.

Three layers, because each misses what another catches:

1. the official HL7 FHIR R4 (4.0.1) JSON Schema (tests/tools/fhir/fhir.schema.json), with the
   jsonschema library, against the definition of the resource's own type (precise messages);
   it checks codes of required bindings and JSON types;
2. the fhir.resources models (R4B, which match R4 for these resources): unknown elements,
   cardinality, choice types, formats;
3. the FHIRPath constraints of the R4 definitions (tests/tools/fhir/profiles-resources.json),
   evaluated by fhirpathpy on every element they apply to. Four R4 expressions are known to be
   wrong or beyond fhirpathpy; they are replaced as the HL7 Java validator does
   (FHIRPathExpressionFixer) or as fhirpathpy needs, and say so below.

``tests/tools/fhir/fetch.sh`` brings the two files (CI runs it); without them, and outside CI,
the tests that need them are skipped.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

TOOLS = ROOT / "tests" / "tools" / "fhir"
SCHEMA = TOOLS / "fhir.schema.json"
DEFINITIONS = TOOLS / "profiles-resources.json"

#: R4 constraint expressions replaced before evaluating them, and why.
FIXES = {
    # R4's own expression has no anchors; the HL7 validator tests the whole name.
    "que-0": "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')",
    # fhirpathpy reads 'Boolean' as System.Boolean, not FHIR's boolean type.
    "que-7": "operator = 'exists' implies (answer is boolean)",
    # R4 says '> 2' where its text says "more than one"; the HL7 validator fixes it alike.
    "que-12": "enableWhen.count() >= 2 implies enableBehavior.exists()",
    "ras-2": "(probability.exists() and (probability is decimal)) implies "
    "((probability as decimal) <= 100)",
    # fhirpathpy has no hasValue(); for a primitive, exists() asks the same.
    "bdl-10": "type = 'document' implies (timestamp.exists())",
}
#: Checked another way: ele-1 needs hasValue(), which fhirpathpy lacks (the models check that
#: no element is empty); ext-1 is evaluated over all descendants below; dom-6 is a warning
#: about narrative text, which an export without a human-readable part need not have.
SKIPPED = {"ele-1", "ext-1", "dom-6"}
SELECT = {
    "Questionnaire.item": "Questionnaire.repeat(item)",
    "Questionnaire.item.enableWhen": "Questionnaire.repeat(item).enableWhen",
    "Questionnaire.item.answerOption": "Questionnaire.repeat(item).answerOption",
    "Questionnaire.item.initial": "Questionnaire.repeat(item).initial",
    "QuestionnaireResponse.item": "QuestionnaireResponse.repeat(item | answer.item)",
    "QuestionnaireResponse.item.answer": "QuestionnaireResponse.repeat(item | answer.item).answer",
}


def available() -> None:
    """Skip (or, in CI, fail) when the R4 files have not been fetched."""
    if SCHEMA.is_file() and DEFINITIONS.is_file():
        return
    if os.environ.get("CI"):
        pytest.fail("the FHIR R4 files are missing: .ci/run runs tests/tools/fhir/fetch.sh")
    pytest.skip("the FHIR R4 files are not fetched (bash tests/tools/fhir/fetch.sh)")


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())  # type: ignore[no-any-return]


@functools.cache
def _validator(resource_type: str) -> Any:
    from jsonschema import Draft6Validator

    schema = _schema()
    return Draft6Validator(
        {"$ref": f"#/definitions/{resource_type}", "definitions": schema["definitions"]}
    )


@functools.cache
def _constraints() -> dict[str, list[tuple[str, str, str]]]:
    """Resource type -> [(key, element path, expression)] of its error-level constraints."""
    wanted = {"Questionnaire", "QuestionnaireResponse", "Flag", "Bundle", "Patient", "CarePlan"}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for entry in json.loads(DEFINITIONS.read_text())["entry"]:
        resource = entry["resource"]
        if resource.get("resourceType") != "StructureDefinition" or resource["id"] not in wanted:
            continue
        seen: set[tuple[str, str]] = set()
        found = out.setdefault(resource["id"], [])
        for element in resource["snapshot"]["element"]:
            for c in element.get("constraint", []):
                key, path = c["key"], element["path"]
                if key in SKIPPED or (key, path) in seen:
                    continue
                if c["severity"] != "error" and key not in FIXES:
                    continue
                seen.add((key, path))
                found.append((key, path, FIXES.get(key, c["expression"])))
    return out


def schema_errors(resource: dict[str, Any]) -> list[str]:
    validator = _validator(resource["resourceType"])
    return [
        f"schema at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
        for e in validator.iter_errors(resource)
    ]


def model_errors(resource: dict[str, Any]) -> list[str]:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except Exception as exc:  # pydantic's ValidationError, or KeyError for an unknown type
        return [f"fhir.resources: {str(exc)[:600]}"]
    return []


@functools.cache
def _parsed(expression: str) -> Any:
    from fhirpathpy.parser import parse

    return parse(expression)


def constraint_errors(resource: dict[str, Any]) -> list[str]:
    """Each constraint evaluated on each element it applies to, with that element as the
    context (its type given, so choice types such as answer[x] resolve)."""
    from fhirpathpy import apply_parsed_path, evaluate
    from fhirpathpy.engine.nodes import ResourceNode
    from fhirpathpy.models import models

    r4 = models["r4"]
    quiet = {"traceFn": lambda *args, **kwargs: None}
    env = {"resource": resource, "rootResource": resource}
    out: list[str] = []
    for key, path, expression in _constraints()[resource["resourceType"]]:
        select = SELECT.get(path, path.replace("[x]", ""))
        base = path.replace("[x]", "")
        nodes = evaluate(resource, select, env, r4, {"returnRawData": True, **quiet})
        for i, node in enumerate(nodes):
            context = ResourceNode.create_node(node, base)
            got = apply_parsed_path(context, _parsed(expression), env, r4, quiet)
            if got != [True]:
                out.append(f"constraint {key} fails on {select}[{i}]: {expression} -> {got}")
    ext = evaluate(
        resource,
        "descendants().extension.all(extension.exists() != value.exists())",
        env,
        r4,
        quiet,
    )
    if ext != [True]:
        out.append("constraint ext-1: an extension has both a value and extensions, or neither")
    return out


def problems(resource: dict[str, Any]) -> list[str]:
    """Everything the three layers find wrong with a resource (and, for a Bundle, with each
    resource in it)."""
    available()
    resource = copy.deepcopy(resource)
    found = schema_errors(resource) + model_errors(resource) + constraint_errors(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            inner = entry["resource"]
            found += [
                f"{inner['resourceType']} {entry['fullUrl']}: {p}" for p in constraint_errors(inner)
            ]
    return found


def check_files(paths: list[Path]) -> str:
    """check-jsonschema on files with the full R4 schema (its oneOf picks each file's type);
    returns its output when it refuses one, else an empty string."""
    import subprocess
    import sys

    available()
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip("check-jsonschema is not installed")
    run = subprocess.run(
        [str(tool), "--schemafile", str(SCHEMA), *map(str, paths)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return "" if run.returncode == 0 else run.stdout + run.stderr
