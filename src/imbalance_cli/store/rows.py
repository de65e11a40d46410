"""What the store reads and writes: a session's row, a session brought in from another store,
and what makes two sessions the same."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from imbalance_cli.model import AnswerValue


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Rows(Protocol):
    """What a statement gives back: its rows (read at once) and how many rows it changed."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    """An engine's connection as the shared SQL uses it. Every driver error comes out as a
    ``StoreError``."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...


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
    #: Who wrote it: the local account, or the trainer's database role.
    author: str | None = None
    #: The client's stable id (a UUID), or None for a session without a client.
    client_id: str | None = None

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
            "author": self.author,
            "client_id": self.client_id,
        }


_SESSION_COLUMNS = """
    s.id, c.name, s.questionnaire_id, s.questionnaire_version, s.questionnaire_sha256,
    s.questionnaire_source, s.status, s.started_at, s.updated_at, s.completed_at, s.worst_pain,
    s.warning, s.outputs_json, s.previous_id, s.author, c.uuid
"""


class ClientRow(NamedTuple):
    """A client as ``clients list`` shows them."""

    name: str
    sessions: int
    last_session: str | None
    #: The stable id (a UUID).
    uuid: str
    #: The trainer they are assigned to (a shared store), or None.
    trainer: str | None = None
    #: The trainers they are shared with (a shared store).
    shared_with: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "id": self.uuid, "sessions": self.sessions,
            "last_session": self.last_session,
        }  # fmt: skip
        if self.trainer is not None:
            out["trainer"] = self.trainer
            out["shared_with"] = list(self.shared_with)
        return out


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
    #: The index of an earlier record it re-assesses (``store copy``'s batches).
    previous_index: int | None = None
    #: The client's stable id where the record carries one (its client is then found by it).
    client_uuid: str | None = None
    #: Who wrote it, where the record says (else whoever adds it).
    author: str | None = None
    #: Each answer's time and author, in the order of ``answers`` (else the session's).
    answered: tuple[tuple[str, str | None], ...] = ()
    #: The id to keep (a copy into a store that never had a session), else a new one.
    id: int | None = None


class _Damaged:
    """An answer whose stored value cannot be read (a damaged row)."""

    def __repr__(self) -> str:
        return "DAMAGED"


DAMAGED = _Damaged()
