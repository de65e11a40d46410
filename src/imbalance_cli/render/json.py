"""The result document (DESIGN.md, "Result document"): the contract every export derives from."""

from __future__ import annotations

from typing import Any

from imbalance_cli.model import Result, to_plain
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
                "message": f.alert.message,
                "action": f.alert.action,
                "because": list(f.because),
            }
            for f in result.alerts
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
            }
            for r in result.recommendations
        ],
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


def render(result: Result) -> str:
    return dumps(result_document(result))
