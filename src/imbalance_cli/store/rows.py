"""What the store reads and writes: a session's row, a session brought in from another store,
and what makes two sessions the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from imbalance_cli.model import AnswerValue


@dataclass(frozen=True)
class SessionRow:
    id: int
    client: str | None
    questionnaire_id: str
    questionnaire_version: str
    questionnaire_sha256: str
    questionnaire_source: str
    status: str
    started_at: str
    updated_at: str
    completed_at: str | None
    worst_pain: float | None
    warning: str | None = None
    outputs_json: str | None = None
    #: The session this one re-assesses, or None for a first assessment.
    previous_id: int | None = None

    @property
    def outputs(self) -> dict[str, str]:
        """The outputs the run was asked to write: out, json, audience (as given)."""
        try:
            data = json.loads(self.outputs_json or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    @property
    def finished(self) -> bool:
        return self.status == "complete"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client": self.client,
            "questionnaire": {"id": self.questionnaire_id, "version": self.questionnaire_version},
            "status": self.status,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "completed_at": self.completed_at,
            "worst_pain": self.worst_pain,
            "warning": self.warning,
            "previous": self.previous_id,
        }


_SESSION_COLUMNS = """
    s.id, c.name, s.questionnaire_id, s.questionnaire_version, s.questionnaire_sha256,
    s.questionnaire_source, s.status, s.started_at, s.updated_at, s.completed_at, s.worst_pain,
    s.warning, s.outputs_json, s.previous_id
"""


def worst_pain(answers: Mapping[str, AnswerValue], ids: Iterable[str]) -> float | None:
    """The highest rating among these questions (those with the role ``pain_worst``)."""
    values = [
        float(v)
        for v in (answers.get(i) for i in ids)
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    return max(values) if values else None


_encode = json.JSONEncoder(ensure_ascii=False).encode


def answer_json(value: object) -> str:
    """An answer as the store keeps it: exactly ``json.dumps(value, ensure_ascii=False)``, made
    without building an encoder for each of the thousands of answers an import writes."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(map(encode_basestring, value)) + "]"
    return _encode(value)  # floats (NaN, Infinity) and anything else, as json writes them


def fingerprint(
    questionnaire_id: str, sha256: str, started_at: str, answers: Mapping[str, object]
) -> str:
    """What makes two sessions the same session, wherever they are stored: the questionnaire
    (by id and content), when it started, and every answer. Not the client's name, which one
    store may spell differently from another."""
    data = json.dumps(
        [questionnaire_id, sha256, started_at, sorted(answers.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewSession:
    """A session brought in from another store (``sessions import``)."""

    client: str | None
    questionnaire_id: str
    version: str
    sha256: str
    source: str
    status: str
    started_at: str
    updated_at: str
    completed_at: str | None
    worst_pain: float | None
    warning: str | None
    result_json: str | None
    #: (question id, position, value as JSON), in order.
    answers: tuple[tuple[str, int, str], ...]
    #: The session it re-assesses, by its id in this store.
    previous_id: int | None = None


class _Damaged:
    """An answer whose stored value cannot be read (a damaged row)."""

    def __repr__(self) -> str:
        return "DAMAGED"


DAMAGED = _Damaged()
