"""``validate``'s findings for tools: JSON, and SARIF 2.1.0 for code hosts' annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from imbalance_cli import __version__
from imbalance_cli.errors import Problem

#: What each kind of finding means, for SARIF's rule list (and the docs).
RULES = {
    "load": "The file cannot be used: syntax, a field, a type, a reference or a range is wrong.",
    "catalogue": "Two files claim one id, or a file's id and name differ, or a file is misplaced.",
    "impossible-value": "A condition asks for a value its question can never take.",
    "never-shown": "A question or section whose condition can never hold.",
    "never-fires": "An alert or recommendation whose condition can never hold.",
    "dead-branch": "One part of an 'any' condition can never hold.",
    "unread": "No condition, role or summary table reads the question's answer.",
    "curly-quotes": "A text is wrapped in curly quotes, which YAML keeps as part of the text.",
}


def as_json(problems: Sequence[Problem], files: int) -> str:
    errors = sum(1 for p in problems if not p.is_warning)
    document = {
        "files": files,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [
            {
                "path": p.location.path,
                "line": p.location.line,
                "column": p.location.column,
                "severity": p.severity,
                "rule": p.rule,
                "message": p.message,
            }
            for p in problems
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_sarif(problems: Sequence[Problem]) -> str:
    """A SARIF 2.1.0 log with one run: a result per problem, located by file, line and column
    (file paths as relative URIs where they are under the current folder)."""
    used = sorted({p.rule for p in problems} | {"load"})
    results = []
    for p in problems:
        location: dict[str, object] = {"artifactLocation": {"uri": _uri(p.location.path)}}
        if p.location.line > 0:
            location["region"] = {
                "startLine": p.location.line,
                "startColumn": max(p.location.column, 1),
            }
        results.append(
            {
                "ruleId": p.rule,
                "ruleIndex": used.index(p.rule),
                "level": "warning" if p.is_warning else "error",
                "message": {"text": p.message},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "imbalance",
                        "version": __version__,
                        "rules": [
                            {"id": rule, "shortDescription": {"text": RULES.get(rule, rule)}}
                            for rule in used
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return candidate.resolve().as_uri() if candidate.is_absolute() else candidate.as_posix()
