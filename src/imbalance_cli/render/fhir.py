"""HL7 FHIR R4 exports, as plain dicts for the json module (no FHIR library at run time).

- ``questionnaire(q)``: a ``Questionnaire``. Each section is a ``group`` (linkId
  ``section-<id>``; questions have ids without ``-``, so the two never clash) and each question
  an item whose linkId is its id. Types: single -> ``choice``; multi and body_regions ->
  ``choice`` that ``repeats``; yes_no -> ``boolean``; scale and whole numbers -> ``integer``,
  other numbers -> ``decimal``, with ``minValue``/``maxValue`` and a ``questionnaire-unit``;
  text -> ``text``. Choices are ``answerOption`` codings in a code system of ours per question
  (``urn:imbalance:questionnaire:<id>:<question>``; body regions in
  ``urn:imbalance:body-region``). A section repeated per body region carries the region's
  SNOMED CT code where the body map gives a verified one. Roles are item codes in
  ``urn:imbalance:role``. A condition becomes ``enableWhen`` with ``enableBehavior`` when it is
  one test, or tests joined by one ``all`` or ``any``, each an ``=``, ``>=``, ``<=`` or
  ``exists`` on one question; anything else (``not``, nesting, sides, zones, left/right tests,
  a test on every region's copy) becomes the SDC ``enableWhenExpression`` in FHIRPath
  (render/fhirpath.py). ``not`` is never written as ``!=``: R4 does not say plainly what
  ``!=`` means for an unanswered question. A question asked only at a re-assessment cannot be
  told apart in R4, so it is an optional item.
- ``bundle(result)``: a ``collection`` Bundle with the ``QuestionnaireResponse`` (items nested
  in their section groups as in the Questionnaire, answers typed as the items), a ``Patient``
  for a named client that the response and the flags refer to, and a ``Flag`` per alert. A Flag, not a RiskAssessment: R4 defines Flag as "prospective warnings of
  potential issues when providing care", which an alert is; a RiskAssessment predicts outcomes
  with their likelihood, which imbalance never does. The level is a ``flag-priority`` (emergency
  PH, urgent PM, advisory PL) and a code of ours; the message and what to do are the code's text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from imbalance_cli import bodymap as body
from imbalance_cli.model import (
    FROM_PROGRAMME,
    NO_PAIN,
    AlertLevel,
    AllOf,
    AnswerValue,
    Condition,
    FiredAlert,
    Leaf,
    Not,
    Op,
    Question,
    Questionnaire,
    QuestionType,
    Reassess,
    Result,
    Section,
)
from imbalance_cli.render.fhirpath import expression
from imbalance_cli.text import clean

BASE = "urn:imbalance"
REGION_SYSTEM = f"{BASE}:body-region"
ROLE_SYSTEM = f"{BASE}:role"
LEVEL_SYSTEM = f"{BASE}:alert-level"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
EXT = "http://hl7.org/fhir/StructureDefinition"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
#: UCUM codes of units by the words questionnaires write them in (UCUM's own: a = year,
#: mo = month, wk = week, d = day, h = hour, min = minute, s = second); a unit not here (runs,
#: repetitions) is given by its words alone.
UCUM_UNITS = {
    "years": "a", "months": "mo", "weeks": "wk", "days": "d", "hours": "h", "minutes": "min",
    "seconds": "s", "kilograms": "kg", "degrees": "deg", "centimetres": "cm",
}  # fmt: skip
PRIORITY = {AlertLevel.EMERGENCY: "PH", AlertLevel.URGENT: "PM", AlertLevel.ADVISORY: "PL"}
PRIORITY_NAMES = {"PH": "High priority", "PM": "Medium priority", "PL": "Low priority"}
_NAMESPACE = uuid.UUID("7f3c2a9e-51d4-4c1b-9a57-0c8e5f6b2d41")


def canonical(q: Questionnaire) -> str:
    return f"{BASE}:questionnaire:{q.id}"


def choice_system(q: Questionnaire, question: Question) -> str:
    """The code system of a question's choices: one per question as its author wrote it (the
    copies of a repeated question share it)."""
    return f"{canonical(q)}:{question.written_id}"


def alert_system(q: Questionnaire) -> str:
    return f"{canonical(q)}:alert"


def _text(text: str) -> str:
    return " ".join(clean(text).split())


def _name(q: Questionnaire) -> str:
    """A computer-friendly name (que-0): the id in CamelCase."""
    words = [w for w in q.id.replace("_", "-").split("-") if w]
    name = "".join(w[:1].upper() + w[1:] for w in words if w.isascii() and w.isalnum())
    return name if name[:1].isalpha() else f"Q{name}"


# -- the Questionnaire -------------------------------------------------------------------------


def questionnaire(q: Questionnaire) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _resource_id(q.id),
        "url": canonical(q),
        "version": q.version,
        "name": _name(q),
        "title": _text(q.title),
        "status": "active",
    }
    if q.description:
        resource["description"] = _text(q.description)
    resource["item"] = [_section(q, section) for section in q.sections]
    return resource


def _resource_id(text: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) for any id of ours."""
    out = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in text)
    return out[:64] or "questionnaire"


def _section(q: Questionnaire, section: Section) -> dict[str, Any]:
    group: dict[str, Any] = {"linkId": f"section-{section.id}", "text": _text(section.title)}
    if section.region is not None:
        region = (q.bodymap or body.default()).get(section.region.split(".", 1)[0])
        if region is not None and region.snomed is not None:
            code, display = region.snomed
            group["code"] = [{"system": SNOMED, "code": code, "display": display}]
    group["type"] = "group"
    _enable(group, section.when, q)
    children: list[dict[str, Any]] = []
    if section.intro:
        children.append(
            {
                "linkId": f"section-{section.id}-intro",
                "text": _text(section.intro),
                "type": "display",
            }
        )
    children += [_item(q, question) for question in section.questions]
    group["item"] = children
    return group


def _item(q: Questionnaire, question: Question) -> dict[str, Any]:
    t = question.type
    item: dict[str, Any] = {"linkId": question.id}
    if question.role is not None:
        item["code"] = [{"system": ROLE_SYSTEM, "code": question.role.value}]
    item["text"] = _text(question.text)
    extensions: list[dict[str, Any]] = []
    if t in (QuestionType.SINGLE, QuestionType.MULTI, QuestionType.BODY_REGIONS):
        item["type"] = "choice"
    elif t is QuestionType.YES_NO:
        item["type"] = "boolean"
    elif t is QuestionType.TEXT:
        item["type"] = "text"
    else:
        whole = t is QuestionType.SCALE or question.integer
        item["type"] = "integer" if whole else "decimal"
        value = "valueInteger" if whole else "valueDecimal"
        low = 0.0 if t is QuestionType.SCALE and question.minimum is None else question.minimum
        high = 10.0 if t is QuestionType.SCALE and question.maximum is None else question.maximum
        for url, bound in ((f"{EXT}/minValue", low), (f"{EXT}/maxValue", high)):
            if bound is not None:
                extensions.append({"url": url, value: int(bound) if whole else bound})
        if question.unit:
            coding: dict[str, Any] = {"display": _text(question.unit)}
            if question.unit in UCUM_UNITS:
                coding = {"system": UCUM, "code": UCUM_UNITS[question.unit], **coding}
            extensions.append({"url": f"{EXT}/questionnaire-unit", "valueCoding": coding})
        if t is QuestionType.SCALE:
            extensions.append(_control("slider", "Slider"))
    if extensions:
        item["extension"] = extensions
    _enable(item, question.when, q)
    # Asked only at a re-assessment: R4 has no way to say so, so it is optional here.
    item["required"] = question.required and question.reassess is not Reassess.ONLY
    if t in (QuestionType.MULTI, QuestionType.BODY_REGIONS):
        item["repeats"] = True
    if question.from_questionnaire == FROM_PROGRAMME:
        item["readOnly"] = True  # the client's programme fills it; never asked
    options = list(_options(q, question))
    if options:
        item["answerOption"] = [{"valueCoding": coding} for coding in options]
    if question.help:
        item["item"] = [
            {
                "linkId": f"{question.id}-help",
                "text": _text(question.help),
                "type": "display",
                "extension": [_control("help", "Help-Button")],
            }
        ]
    return item


def _control(code: str, display: str) -> dict[str, Any]:
    return {
        "url": f"{EXT}/questionnaire-itemControl",
        "valueCodeableConcept": {
            "coding": [{"system": ITEM_CONTROL, "code": code, "display": display}]
        },
    }


def _options(q: Questionnaire, question: Question) -> Iterator[dict[str, Any]]:
    if question.type.has_choices:
        system = choice_system(q, question)
        for choice in question.choices:
            yield {"system": system, "code": choice.id, "display": _text(choice.label)}
    elif question.type is QuestionType.BODY_REGIONS:
        regions = q.bodymap or body.default()
        for token in regions.tokens(question.regions):
            yield {"system": REGION_SYSTEM, "code": token, "display": regions.describe(token)}
        if question.none_label:
            yield {"system": REGION_SYSTEM, "code": "none", "display": _text(question.none_label)}


def _enable(item: dict[str, Any], condition: Condition | None, q: Questionnaire) -> None:
    if condition is None:
        return
    simple = _enable_when(condition, q)
    if simple is not None:
        tests, behavior = simple
        item["enableWhen"] = tests
        if len(tests) > 1:
            item["enableBehavior"] = behavior
        return
    item.setdefault("extension", []).append(
        {
            "url": ENABLE_WHEN_EXPRESSION,
            "valueExpression": {
                "language": "text/fhirpath",
                "expression": expression(condition, q),
            },
        }
    )


def _enable_when(condition: Condition, q: Questionnaire) -> tuple[list[dict[str, Any]], str] | None:
    """enableWhen tests and their behaviour, or None when enableWhen cannot say it."""
    if isinstance(condition, Leaf):
        tests = _tests(condition, q)
        return (tests, "any") if tests else None
    if isinstance(condition, Not):
        return None
    behavior = "all" if isinstance(condition, AllOf) else "any"
    out: list[dict[str, Any]] = []
    for part in condition.items:
        if not isinstance(part, Leaf):
            return None
        tests = _tests(part, q)
        if tests is None or (len(tests) > 1 and behavior == "all"):
            return None  # an 'any' of several tests cannot sit inside an 'all'
        out += tests
    return out, behavior


def _tests(leaf: Leaf, q: Questionnaire) -> list[dict[str, Any]] | None:
    """One leaf as enableWhen tests (joined by 'any'), or None."""
    ids = leaf.questions or (leaf.question,)
    if len(ids) != 1:
        return None  # every region's copy: a FHIRPath expression says "any copy"
    question = q.question(ids[0])
    if question is None:
        return None
    value = leaf.value
    if leaf.op is Op.ANSWERED:
        return [{"question": ids[0], "operator": "exists", "answerBoolean": bool(value)}]
    if leaf.op in (Op.GTE, Op.LTE) and question.type.is_numeric and not isinstance(value, bool):
        sign = ">=" if leaf.op is Op.GTE else "<="
        return [{"question": ids[0], "operator": sign, **_number(question, value)}]
    if leaf.op is Op.EQUALS and question.type is QuestionType.YES_NO:
        return [{"question": ids[0], "operator": "=", "answerBoolean": bool(value)}]
    if leaf.op is Op.EQUALS and question.type.is_numeric and not isinstance(value, bool):
        return [{"question": ids[0], "operator": "=", **_number(question, value)}]
    codes: list[str] = []
    if question.type.has_choices and leaf.op in (Op.EQUALS, Op.INCLUDES, Op.IN):
        codes = [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
        system = choice_system(q, question)
    elif question.type is QuestionType.BODY_REGIONS and leaf.op is Op.INCLUDES:
        regions = q.bodymap or body.default()
        offered = regions.tokens(question.regions) + ((NO_PAIN,) if question.none_label else ())
        codes = [t for t in offered if body.matches((t,), str(value))]
        system = REGION_SYSTEM
    if not codes:
        return None
    return [
        {"question": ids[0], "operator": "=", "answerCoding": {"system": system, "code": code}}
        for code in codes
    ]


def _number(question: Question, value: object) -> dict[str, Any]:
    assert isinstance(value, (int, float))
    whole = question.type is QuestionType.SCALE or question.integer
    if whole and float(value).is_integer():
        return {"answerInteger": int(value)}
    return {"answerDecimal": float(value)}


# -- the QuestionnaireResponse and the Bundle -------------------------------------------------


def _uuid(result: Result, what: str) -> str:
    """A stable urn:uuid for one resource of one result, so an export made twice is the same."""
    key = f"{result.questionnaire.sha256}:{result.session}:{result.started_at}:{what}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def status(result: Result) -> str:
    """completed; stopped when an emergency ended the intake early; in-progress otherwise."""
    if result.completed_at is None:
        return "in-progress"
    return "stopped" if result.not_asked else "completed"


def _subject(result: Result, patient_url: str | None) -> dict[str, Any]:
    if patient_url is not None and result.client:
        return {"reference": patient_url, "display": _text(result.client)}
    return {"display": _text(result.client) if result.client else "Client not named"}


def response(result: Result, patient_url: str | None = None) -> dict[str, Any]:
    q = result.questionnaire
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if result.session is not None:
        resource["identifier"] = {"system": f"{BASE}:session", "value": str(result.session)}
    resource["questionnaire"] = f"{canonical(q)}|{q.version}"
    resource["status"] = status(result)
    if result.client:
        resource["subject"] = _subject(result, patient_url)
    resource["authored"] = result.completed_at or result.started_at
    groups = []
    for section in q.sections:
        items = [
            _answered(q, question, result.answers[question.id])
            for question in section.questions
            if result.answers.get(question.id) is not None
        ]
        if items:
            groups.append(
                {"linkId": f"section-{section.id}", "text": _text(section.title), "item": items}
            )
    if groups:
        resource["item"] = groups
    return resource


def _answered(q: Questionnaire, question: Question, value: AnswerValue) -> dict[str, Any]:
    return {
        "linkId": question.id,
        "text": _text(question.text),
        "answer": [_answer(q, question, v) for v in _values(value)],
    }


def _values(value: AnswerValue) -> tuple[str | bool | int | float, ...]:
    if isinstance(value, tuple):
        return value
    assert value is not None
    return (value,)


def _answer(
    q: Questionnaire, question: Question, value: str | bool | int | float
) -> dict[str, Any]:
    t = question.type
    if t.has_choices:
        choice = question.choice(str(value))
        label = choice.label if choice is not None else str(value)
        coding = {"system": choice_system(q, question), "code": str(value), "display": _text(label)}
        return {"valueCoding": coding}
    if t is QuestionType.BODY_REGIONS:
        regions = q.bodymap or body.default()
        if value == "none":
            label = question.none_label or "No pain"
        else:
            label = regions.describe(str(value))
        return {
            "valueCoding": {"system": REGION_SYSTEM, "code": str(value), "display": _text(label)}
        }
    if t is QuestionType.YES_NO:
        return {"valueBoolean": bool(value)}
    if t is QuestionType.TEXT:
        return {"valueString": str(value)}
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is QuestionType.SCALE or question.integer:
        return {"valueInteger": int(value)}
    return {"valueDecimal": float(value)}


def flag(
    result: Result, fired: FiredAlert, response_url: str, patient_url: str | None = None
) -> dict[str, Any]:
    a = fired.alert
    priority = PRIORITY[a.level]
    text = f"{a.heading}. {_text(a.message)} What to do: {_text(a.action)}"
    resource: dict[str, Any] = {
        "resourceType": "Flag",
        "extension": [
            {
                "url": f"{EXT}/flag-priority",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/flag-priority-code",
                            "code": priority,
                            "display": PRIORITY_NAMES[priority],
                        }
                    ],
                    "text": a.level.value,
                },
            },
            {"url": f"{EXT}/flag-detail", "valueReference": {"reference": response_url}},
        ],
        "status": "active",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                        "code": "clinical",
                        "display": "Clinical",
                    },
                    {"system": LEVEL_SYSTEM, "code": a.level.value, "display": a.level.heading},
                ]
            }
        ],
        "code": {
            "coding": [{"system": alert_system(result.questionnaire), "code": a.id}],
            "text": text,
        },
        "subject": _subject(result, patient_url),
    }
    if result.completed_at or result.started_at:
        resource["period"] = {"start": result.completed_at or result.started_at}
    return resource


#: The system of a client's stable id, the Patient's identifier.
CLIENT_SYSTEM = f"{BASE}:client"


def bundle(result: Result, client_id: str | None = None) -> dict[str, Any]:
    """A collection Bundle: the response, a Patient for a named client (whom the response and
    the flags are about; identified by the client's stable id where the store has one), then a
    Flag per alert, most urgent first."""
    response_url = _uuid(result, "response")
    patient_url = _uuid(result, "patient") if result.client else None
    entries = [{"fullUrl": response_url, "resource": response(result, patient_url)}]
    if patient_url is not None and result.client:
        patient: dict[str, Any] = {"resourceType": "Patient"}
        if client_id:
            patient["identifier"] = [{"system": CLIENT_SYSTEM, "value": client_id}]
        patient["name"] = [{"text": _text(result.client)}]
        entries.append({"fullUrl": patient_url, "resource": patient})
    for n, fired in enumerate(result.alerts):
        entries.append(
            {
                "fullUrl": _uuid(result, f"flag:{n}:{fired.alert.id}"),
                "resource": flag(result, fired, response_url, patient_url),
            }
        )
    return {
        "resourceType": "Bundle",
        "identifier": {"system": f"{BASE}:export", "value": _uuid(result, "bundle")[9:]},
        "type": "collection",
        "timestamp": result.completed_at or result.started_at,
        "entry": entries,
    }


def dumps(resource: dict[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
