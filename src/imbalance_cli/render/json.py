"""The result document (DESIGN.md, "Result document"): the contract every export derives from."""

from __future__ import annotations

from typing import Any

from imbalance_cli.model import Found, Result, to_plain
from imbalance_cli.rank import plan
from imbalance_cli.text import dumps

FORMAT_VERSION = 1


def result_document(result: Result) -> dict[str, Any]:
    q = result.questionnaire
    return {
        "format_version": FORMAT_VERSION,
        "questionnaire": {"id": q.id, "title": q.title, "version": q.version, "sha256": q.sha256},
        "client": result.client,
        "session": result.session,
        "started_at": result.started_at,
        "completed_at": result.completed_at,
        "answers": {k: to_plain(v) for k, v in result.answers.items()},
        "alerts": [
            {
                "id": f.alert.id,
                "level": f.alert.level.value,
                "timeframe": f.alert.when_to_act.value,
                "heading": f.alert.heading,
                "message": f.alert.message,
                "action": f.alert.action,
                "because": list(f.because),
                "merged": list(f.merged),
            }
            for f in result.alerts
        ],
        "plan": [
            {
                "kind": i.kind,
                "id": i.id,
                "title": i.title,
                "why": i.why,
                "because": list(i.facts),
                "first": i.first,
                "how_much": i.how_much,
                "goal": i.goal,
                "step": i.rung,
                "adapted": [{"for": label, "how": text} for label, text in i.adapted],
                "changed": list(i.swaps),
            }
            for i in plan(result)
        ],
        "recommendations": [
            {
                "kind": r.kind,
                "id": r.id,
                "title": r.title,
                "url": r.url,
                "because": list(r.because),
                "rules": list(r.rules),
                "after_clinician": r.after_clinician,
                "general": r.general,
                "score": r.score,
                "score_why": list(r.score_why),
                "adapted": [{"for": label, "how": text} for label, text in r.adapted],
                "exercises": list(r.exercises),
                "changed": list(r.swaps),
            }
            for r in result.recommendations
        ],
        "findings": {
            "patterns": [_found(f) for f in result.findings.patterns],
            "situations": [_found(f) for f in result.findings.situations],
            "words": [
                {"question": w.question, "list": w.list_id, "kind": w.kind, "words": list(w.words)}
                for w in result.findings.words
            ],
            "text_read": list(result.findings.text_read),
        },
        "withheld": [
            {
                "kind": r.kind,
                "id": r.id,
                "title": r.title,
                "rules": list(r.rules),
                "reason": r.withheld,
            }
            for r in result.withheld
        ],
        "not_asked": list(result.not_asked),
    }


def _found(f: Found) -> dict[str, Any]:
    return {"id": f.id, "label": f.label, "because": list(f.facts), "regions": list(f.regions)}


def render(result: Result) -> str:
    return dumps(result_document(result))
