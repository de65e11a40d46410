"""FHIR R4 exports: every export passes the official JSON Schema, the fhir.resources models and
the R4 FHIRPath constraints (tests/fhir_check.py); each persona's QuestionnaireResponse reads back
to the session's answers; and the exported conditions, evaluated the FHIR way (enableWhen, and
the FHIRPath expressions by fhirpathpy), enable exactly the questions the engine shows."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import fhir_check
from conftest import EXAMPLES, PERSONA_FILES
from imbalance_cli import bodymap, loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.engine import Flow
from imbalance_cli.model import (
    AnswerValue,
    Library,
    Question,
    Questionnaire,
    QuestionType,
    Reassess,
)
from imbalance_cli.render import fhir

pytest.importorskip("fhir.resources")
fhirpathpy = pytest.importorskip("fhirpathpy")

# Every kind of condition, ids that are words of other languages, quotes in the text.
EVERY_CONDITION = """
id: every-condition
title: 'Every "condition"'
version: "1"
sections:
  - id: start
    title: Start
    questions:
      - {id: regions, type: body_regions, text: Where?, none: No pain}
      - {id: end, type: single, text: "Pick 'one'", choices: [{id: a, label: "A \\"quoted\\""}, {id: b, label: B}, {id: c, label: C}]}
      - {id: many, type: multi, text: Many?, required: false, choices: [{id: x, label: X}, {id: y, label: Y}, {id: none, label: None, exclusive: true}]}
      - {id: ok, type: yes_no, text: OK?}
      - {id: n, type: number, text: How many?, min: 0, max: 20, integer: false, unit: seconds}
      - {id: grip, type: paired, text: "Grip, {side}?", unit: kilograms, noise: {amount: 2, source: test}, required: false}
  - id: detail
    title: "{region}"
    repeat: regions
    questions:
      - {id: worst, type: scale, text: "How bad is the {region}?"}
      - {id: wakes, type: yes_no, text: Wakes you?, when: {question: worst, gte: 6}, for_reader: true}
  - id: after
    title: After
    when: {any: [{question: end, equals: a}, {question: ok, equals: true}]}
    questions:
      - {id: q_in, type: yes_no, text: In?, when: {question: end, in: [a, b]}, for_reader: true}
      - {id: q_not, type: yes_no, text: Not?, when: {not: {question: many, includes: x}}, for_reader: true}
      - {id: q_nest, type: yes_no, text: Nest?, when: {all: [{question: n, lte: 9.5}, {any: [{question: ok, equals: false}, {question: many, answered: true}]}]}, for_reader: true}
      - {id: q_side, type: yes_no, text: Side?, when: {question: regions, side: left}, for_reader: true}
      - {id: q_both, type: yes_no, text: Both?, when: {question: regions, side: both}, for_reader: true}
      - {id: q_zones, type: yes_no, text: Zones?, when: {question: regions, zones: 2}, for_reader: true}
      - {id: q_knee, type: yes_no, text: Knee?, when: {question: regions, includes: knee}, for_reader: true}
      - {id: q_copy, type: yes_no, text: Copy?, when: {question: worst.*, gte: 7}, for_reader: true}
      - {id: q_lsi, type: yes_no, text: LSI?, when: {question: grip, lsi_below: 90}, for_reader: true}
      - {id: q_weak, type: yes_no, text: Weak?, when: {question: grip, weaker: left}, for_reader: true}
      - {id: q_unanswered, type: yes_no, text: Unanswered?, when: {question: many, answered: false}, for_reader: true}
      - {id: q_same, type: yes_no, text: Same?, when: {same_region: {all: [{question: worst, gte: 3}, {question: wakes, equals: true}]}}, for_reader: true}
alerts:
  - {id: end, level: emergency, when: {question: end, equals: c}, message: "A 'message'", action: Get help now.}
"""


@pytest.fixture(scope="module")
def every(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Questionnaire:
    import textwrap

    path = tmp_path_factory.mktemp("fhir") / "every-condition.yaml"
    path.write_text(textwrap.dedent(EVERY_CONDITION).lstrip())
    return loader.load_questionnaire(path, library)


def _bundled(name: str, library: Library) -> Questionnaire:
    return loader.load_questionnaire(resources.resolve(name), library)


# -- the Questionnaire ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["intake", "side-to-side", "checkin", "every"])
def test_each_questionnaire_export_passes_the_r4_checks(
    name: str, library: Library, every: Questionnaire
) -> None:
    q = every if name == "every" else _bundled(name, library)
    exported = fhir.questionnaire(q)
    assert fhir_check.problems(exported) == []
    link_ids = _link_ids(exported["item"])
    assert {question.id for question in q.questions} <= set(link_ids)
    assert len(link_ids) == len(set(link_ids))


def _link_ids(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.append(item["linkId"])
        out += _link_ids(item.get("item", []))
    return out


def _items(items: list[dict[str, Any]], parents: tuple[dict[str, Any], ...] = ()) -> Any:
    for item in items:
        yield item, parents
        yield from _items(item.get("item", []), (*parents, item))


def test_types_choices_ranges_units_and_codes(library: Library, every: Questionnaire) -> None:
    intake = fhir.questionnaire(_bundled("intake", library))
    by_id = {item["linkId"]: item for item, _ in _items(intake["item"])}
    assert intake["url"] == "urn:imbalance:questionnaire:intake" and intake["name"] == "Intake"
    flags = by_id["red_flags_now"]
    assert flags["type"] == "choice" and flags["repeats"] is True
    assert flags["answerOption"][0]["valueCoding"]["system"] == (
        "urn:imbalance:questionnaire:intake:red_flags_now"
    )
    worst = by_id["pain_worst.knee.left"]
    assert worst["type"] == "integer" and worst["code"] == [
        {"system": "urn:imbalance:role", "code": "pain_worst"}
    ]
    bounds = {e["url"].rsplit("/", 1)[1]: e.get("valueInteger") for e in worst["extension"]}
    assert bounds["minValue"] == 0 and bounds["maxValue"] == 10
    knee_group = by_id["section-pain_detail.knee.left"]
    assert knee_group["type"] == "group"
    assert knee_group["code"] == [
        {"system": "http://snomed.info/sct", "code": "72696002", "display": "Knee region structure"}
    ]
    regions = by_id["regions"]
    codes = [o["valueCoding"]["code"] for o in regions["answerOption"]]
    assert codes[:3] == ["head", "jaw.left", "jaw.right"] and codes[-1] == "none"
    since = by_id["since_last"]
    assert since["required"] is False  # asked only at a re-assessment

    mine = {item["linkId"]: item for item, _ in _items(fhir.questionnaire(every)["item"])}
    n = mine["n"]
    assert n["type"] == "decimal"
    unit = next(e for e in n["extension"] if e["url"].endswith("questionnaire-unit"))
    assert unit["valueCoding"] == {
        "system": "http://unitsofmeasure.org",
        "code": "s",
        "display": "seconds",
    }
    assert mine["q_in"]["enableWhen"] == [
        {
            "question": "end",
            "operator": "=",
            "answerCoding": {
                "system": "urn:imbalance:questionnaire:every-condition:end",
                "code": code,
            },
        }
        for code in ("a", "b")
    ]
    assert mine["q_in"]["enableBehavior"] == "any"
    assert mine["wakes.knee.left"]["enableWhen"] == [
        {"question": "worst.knee.left", "operator": ">=", "answerInteger": 6}
    ]
    for expressed in ("q_not", "q_nest", "q_side", "q_zones", "q_copy", "q_lsi", "q_same"):
        (ext,) = [
            e for e in mine[expressed]["extension"] if e["url"] == fhir.ENABLE_WHEN_EXPRESSION
        ]
        assert ext["valueExpression"]["language"] == "text/fhirpath"
        assert "enableWhen" not in mine[expressed]


# -- QuestionnaireResponse and Flags -------------------------------------------------------------


def _export(tmp_path: Path, persona: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a persona into a store as a person's session would be, export it as FHIR; return
    the Bundle and the session's own result document."""
    data = tmp_path / "data"
    base = [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data)]
    run = subprocess.run(
        [*base, "run", "--answers", str(persona), "--no-input", "--client", "Sam 'O' <Rivera>",
         "--json", str(tmp_path / "result.json")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = tmp_path / "bundle.json"
    export = subprocess.run(
        [*base, "sessions", "export", "1", "--format", "fhir", "--out", str(out)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    return json.loads(out.read_text()), json.loads((tmp_path / "result.json").read_text())


def _read_back(response: dict[str, Any], q: Questionnaire) -> dict[str, AnswerValue]:
    """The answers of a QuestionnaireResponse, read with fhir.resources' models."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    model = QuestionnaireResponse.model_validate(response)
    out: dict[str, AnswerValue] = {}

    def walk(items: list[Any] | None) -> None:
        for item in items or []:
            walk(item.item)
            if not item.answer:
                continue
            question = q.question(item.linkId)
            assert question is not None, item.linkId
            values = []
            for answer in item.answer:
                if answer.valueCoding is not None:
                    values.append(answer.valueCoding.code)
                elif answer.valueBoolean is not None:
                    values.append(answer.valueBoolean)
                elif answer.valueInteger is not None:
                    values.append(answer.valueInteger)
                elif answer.valueDecimal is not None:
                    assert isinstance(answer.valueDecimal, Decimal)
                    values.append(float(answer.valueDecimal))
                else:
                    values.append(answer.valueString)
            out[item.linkId] = tuple(values) if question.type.is_list else values[0]

    walk(model.item)
    return out


@pytest.mark.parametrize("persona", PERSONA_FILES, ids=lambda p: p.stem)
def test_each_persona_exports_a_valid_bundle_that_reads_back_to_its_answers(
    persona: Path, tmp_path: Path, library: Library, intake: Questionnaire
) -> None:
    bundle, result = _export(tmp_path, persona)
    assert fhir_check.problems(bundle) == []
    response = bundle["entry"][0]["resource"]
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["questionnaire"] == "urn:imbalance:questionnaire:intake|" + intake.version
    wanted = {k: v for k, v in result["answers"].items() if v is not None}
    got = {
        k: list(v) if isinstance(v, tuple) else v for k, v in _read_back(response, intake).items()
    }
    assert got == wanted
    # Every group holds the questions of its section, as in the Questionnaire.
    for group in response["item"]:
        section = group["linkId"].removeprefix("section-")
        assert all(intake.question(i["linkId"]).section == section for i in group["item"])  # type: ignore[union-attr]
    patients = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert [p["resource"]["name"] for p in patients] == [[{"text": "Sam 'O' <Rivera>"}]]
    assert response["subject"] == {
        "reference": patients[0]["fullUrl"],
        "display": "Sam 'O' <Rivera>",
    }
    flags = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert [f["code"]["coding"][0]["code"] for f in flags] == [a["id"] for a in result["alerts"]]
    for flag, alert in zip(flags, result["alerts"], strict=True):
        assert flag["resourceType"] == "Flag" and flag["status"] == "active"
        priority = flag["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
        assert priority == {"emergency": "PH", "urgent": "PM", "advisory": "PL"}[alert["level"]]
        assert flag["extension"][1]["valueReference"]["reference"] == bundle["entry"][0]["fullUrl"]
        assert alert["action"] in flag["code"]["text"]
        assert flag["subject"]["reference"] == patients[0]["fullUrl"]
    stopped = bool(result["not_asked"])
    assert response["status"] == ("stopped" if stopped else "completed")


def test_check_jsonschema_accepts_every_export_with_the_full_r4_schema(
    tmp_path: Path, library: Library, every: Questionnaire
) -> None:
    """check-jsonschema, with the whole R4 schema (it picks each file's resource type itself)."""
    fhir_check.available()
    files = []
    for name, q in (("intake", _bundled("intake", library)), ("every", every)):
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(fhir.dumps(fhir.questionnaire(q)))
    for persona in ("saddle-numbness-emergency", "two-knees-different"):
        (tmp_path / persona).mkdir()
        bundle, _ = _export(tmp_path / persona, EXAMPLES / f"{persona}.yaml")
        files.append(tmp_path / f"{persona}.json")
        files[-1].write_text(json.dumps(bundle))
    assert fhir_check.check_files(files) == ""
    broken = tmp_path / "broken.json"
    broken.write_text(
        files[0].read_text().replace('"type": "choice"', '"type": "multiple-choice"', 1)
    )
    assert "multiple-choice" in fhir_check.check_files([broken])


def test_an_unfinished_session_is_in_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    from imbalance_cli.store import open_store

    with open_store(data) as store:
        sid = store.start(
            questionnaire_id="intake", version="x", sha256="x", source="intake", client=None
        )
        store.save_answers(sid, {"red_flags_now": ("none",), "age": 40}, {})
    export = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), "sessions", "export",
         str(sid), "--format", "fhir"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    bundle = json.loads(export.stdout)
    assert bundle["entry"][0]["resource"]["status"] == "in-progress"
    assert fhir_check.problems(bundle) == []


# -- conditions: FHIR's reading against the engine's ---------------------------------------------


def _enable_when(test: dict[str, Any], answers: dict[str, list[Any]]) -> bool:
    """One enableWhen test, as R4 defines its operators (for exists, the presence of an answer;
    otherwise true when at least one answer compares as asked)."""
    given = answers.get(test["question"], [])
    if test["operator"] == "exists":
        return bool(given) == test["answerBoolean"]
    key = next(k for k in test if k.startswith("answer"))
    target = test[key]
    values = [v for v in given if v is not None]
    if key == "answerCoding":
        values = [(v["system"], v["code"]) for v in values]
        target = (target["system"], target["code"])
    compare = {"=": lambda a, b: a == b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}
    return any(compare[test["operator"]](v, target) for v in values)


def _enabled(item: dict[str, Any], response: dict[str, Any], answers: dict[str, list[Any]]) -> bool:
    from fhirpathpy import evaluate
    from fhirpathpy.models import models

    if "enableWhen" in item:
        results = [_enable_when(t, answers) for t in item["enableWhen"]]
        return all(results) if item.get("enableBehavior", "all") == "all" else any(results)
    for ext in item.get("extension", []):
        if ext["url"] == fhir.ENABLE_WHEN_EXPRESSION:
            expression = ext["valueExpression"]["expression"]
            got = evaluate(response, expression, {"resource": response}, models["r4"])
            assert got in ([True], [False]), (item["linkId"], expression, got)
            return bool(got[0])
    return True


def _compare(
    q: Questionnaire, exported: dict[str, Any], answers: dict[str, AnswerValue]
) -> dict[str, bool]:
    """Every question: enabled the FHIR way (itself and every group above it) exactly when the
    engine shows it. Returns whether each was shown."""
    from imbalance_cli.model import Result

    flow = Flow(q)
    kept = flow.prune(answers)
    result = Result(q, kept, (), (), "2026-11-27T10:00:00+00:00", "2026-11-27T10:30:00+00:00")
    response = fhir.response(result)
    given: dict[str, list[Any]] = {}
    for item, _ in _items(response.get("item", [])):
        if "answer" in item:
            given[item["linkId"]] = [next(iter(a.values())) for a in item["answer"]]
    shown: dict[str, bool] = {}
    for item, parents in _items(exported["item"]):
        question = q.question(item["linkId"])
        if question is None or question.reassess is Reassess.ONLY:
            continue
        fhir_says = all(_enabled(i, response, given) for i in (*parents, item))
        assert fhir_says == flow.is_visible(question, kept), (item["linkId"], kept)
        shown[question.id] = fhir_says
    return shown


def _random_answers(q: Questionnaire, rng: random.Random) -> dict[str, AnswerValue]:
    """A run with random answers, each question answered as it comes up."""
    flow = Flow(q)
    answers: dict[str, AnswerValue] = {}
    regions = bodymap.default()
    while (question := flow.next_question(answers)) is not None:
        answers[question.id] = _random_value(question, regions, rng)
        answers = flow.prune(answers)
    return answers


def _random_value(question: Question, regions: bodymap.BodyMap, rng: random.Random) -> AnswerValue:
    t = question.type
    if not question.required and rng.random() < 0.25:
        return None
    if t is QuestionType.SINGLE:
        return rng.choice(question.choices).id
    if t is QuestionType.MULTI:
        plain = [c.id for c in question.choices if not c.exclusive]
        return tuple(sorted(rng.sample(plain, rng.randint(1, len(plain)))))
    if t is QuestionType.BODY_REGIONS:
        tokens = list(regions.tokens(question.regions))
        if rng.random() < 0.1:
            return ("none",)
        return regions.normalise(tuple(rng.sample(tokens, rng.randint(1, 4))))
    if t is QuestionType.YES_NO:
        return rng.random() < 0.5
    low = question.minimum if question.minimum is not None else 0
    high = (
        question.maximum
        if question.maximum is not None
        else (10 if t is QuestionType.SCALE else 40)
    )
    if t is QuestionType.SCALE or question.integer:
        return rng.randint(int(low), int(high))
    return round(rng.uniform(low, high), 1)


def test_exported_conditions_enable_what_the_engine_shows_for_random_runs(
    every: Questionnaire,
) -> None:
    exported = fhir.questionnaire(every)
    rng = random.Random(13)
    seen: dict[str, set[bool]] = {}
    for _ in range(30):
        for qid, shown in _compare(every, exported, _random_answers(every, rng)).items():
            seen.setdefault(qid, set()).add(shown)
    # Each test of the after section was both true and false in some run.
    after = [question.id for question in every.questions if question.section == "after"]
    assert all(seen[qid] == {True, False} for qid in after), {q: seen[q] for q in after}


@pytest.mark.parametrize("persona", PERSONA_FILES[:6], ids=lambda p: p.stem)
def test_the_intake_conditions_enable_what_the_engine_shows_for_the_personas(
    persona: Path, intake: Questionnaire
) -> None:
    _compare(intake, _intake_export(intake), read_answers(persona, intake))


_CACHE: dict[str, dict[str, Any]] = {}


def _intake_export(intake: Questionnaire) -> dict[str, Any]:
    return _CACHE.setdefault("intake", fhir.questionnaire(intake))


def test_the_side_to_side_conditions_for_random_runs(library: Library) -> None:
    q = _bundled("side-to-side", library)
    exported = fhir.questionnaire(q)
    rng = random.Random(5)
    for _ in range(15):
        _compare(q, exported, _random_answers(q, rng))


# -- codes and run-time dependencies -------------------------------------------------------------


def test_every_snomed_code_of_the_body_map_is_in_dicom_ps3_16() -> None:
    """Each region's SNOMED CT code and display are those of DICOM PS3.16 (pydicom's code
    tables, which nobody here wrote): the display is the concept's name without its tag."""
    concepts = pytest.importorskip("pydicom.sr._concepts_dict").concepts["SCT"]
    names: dict[str, set[str]] = {}
    for entry in concepts.values():
        for code, (meaning, _) in entry.items():
            names.setdefault(code, set()).add(meaning.removesuffix(" (body structure)"))
    coded = [r for r in bodymap.default().regions if r.snomed is not None]
    assert len(coded) >= 12
    for region in coded:
        assert region.snomed is not None
        code, display = region.snomed
        assert display in names.get(code, set()), (region.id, code, display)


def test_no_fhir_library_is_loaded_to_export() -> None:
    code = (
        "import sys, imbalance_cli.render.fhir as f, imbalance_cli.render.fhirpath;"
        "print(sorted(m for m in sys.modules if m.startswith(('fhir', 'pydantic', 'jsonschema'))))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_show_format_fhir_writes_the_questionnaire(tmp_path: Path) -> None:
    out = tmp_path / "intake.fhir.json"
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "show", "intake", "--format", "fhir", "--out", str(out)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["resourceType"] == "Questionnaire"
    to_stdout = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "show", "side-to-side", "--format", "fhir", "--out", "-"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(to_stdout.stdout)["id"] == "side-to-side"
    bad = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "show", "intake", "--format", "xml"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "--format must be text, json or fhir" in bad.stderr
