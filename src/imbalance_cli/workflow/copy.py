"""``imbalance store copy``: every session of one store into another, either engine to either
(a laptop's file into the gym's server, or back).

All or nothing: the destination takes everything in one write transaction, added in batches
read from the source a few hundred sessions at a time, so memory does not grow with the store.
Clients are matched by their id; a client the destination knows only by name is asked about
(as ``sessions import`` does). Sessions already there (the same questionnaire, start and
answers) are skipped. Session numbers are kept when the destination never had a session,
else the destination numbers them and the report says how; each client keeps their id, each
session and answer its author where the destination allows it (a trainer's server records the
trainer who copied).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from imbalance_cli.store import NewSession, SessionRow, Store, fingerprint
from imbalance_cli.workflow.transfer import SamePerson, match_clients

#: Sessions read and written at a time.
BATCH = 1000


@dataclass(frozen=True)
class Copied:
    """What a copy did."""

    copied: int
    skipped: int
    clients: int
    new_clients: tuple[str, ...]
    by_id: tuple[str, ...]
    by_name: tuple[str, ...]
    renamed: tuple[str, ...]
    #: Session numbers kept as they were, or (when not) the first and last new number.
    kept_numbers: bool
    numbered: tuple[int, int] | None
    #: Home programme versions and log entries added.
    programmes: int = 0
    logs: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "copied": self.copied, "skipped": self.skipped, "clients": self.clients,
            "new_clients": list(self.new_clients), "matched_by_id": list(self.by_id),
            "matched_by_name": list(self.by_name), "renamed": list(self.renamed),
            "kept_numbers": self.kept_numbers,
            "numbered": list(self.numbered) if self.numbered else None,
            "programmes": self.programmes, "logs": self.logs,
        }  # fmt: skip


def _record(row: SessionRow, result: str | None, answers: Sequence[Any]) -> NewSession:
    return NewSession(
        client=row.client, questionnaire_id=row.questionnaire_id,
        version=row.questionnaire_version, sha256=row.questionnaire_sha256,
        source=row.questionnaire_source, status=row.status, started_at=row.started_at,
        updated_at=row.updated_at, completed_at=row.completed_at, worst_pain=row.worst_pain,
        warning=row.warning, result_json=result,
        answers=tuple((str(q), int(n), str(v)) for q, n, v, _, _ in answers),
        answered=tuple((str(when), who) for _, _, _, when, who in answers),
        client_uuid=row.client_id, author=row.author,
    )  # fmt: skip


def _person(name: str, uuid: str) -> NewSession:
    """A client alone, to be matched before any session is read."""
    return NewSession(
        client=name, questionnaire_id="", version="", sha256="", source="", status="",
        started_at="", updated_at="", completed_at=None, worst_pain=None, warning=None,
        result_json=None, answers=(), client_uuid=uuid,
    )  # fmt: skip


def _key(record: NewSession) -> str:
    answers: dict[str, object] = {}
    for qid, _, value in record.answers:
        try:
            answers[qid] = json.loads(value)
        except ValueError:
            answers[qid] = value
    return fingerprint(record.questionnaire_id, record.sha256, record.started_at, answers)


def copy(
    source: Store, destination: Store, same_person: SamePerson | None, batch: int = BATCH
) -> Copied:
    """Copy every session of ``source`` into ``destination`` (see the module's text)."""
    # Clients first, all of them, so that any question is asked before anything is written.
    people = [_person(c.name, c.uuid) for c in source.clients()]
    matched, how = match_clients(destination, people, same_person)
    target = {
        p.client_uuid: (m.client, m.client_uuid) for p, m in zip(people, matched, strict=True)
    }
    known = destination.fingerprints()
    keep = destination.is_empty()
    moved: dict[int, int] = {}  # source session number -> destination's
    skipped = 0
    new_ids: list[int] = []
    with destination.bulk("copy") as add:
        for rows in source.batches(batch):
            records: list[NewSession] = []
            numbers: list[int] = []
            for row, result, answers in rows:
                record = _record(row, result, answers)
                if known:  # (into an empty store, nothing can be there already)
                    key = _key(record)
                    if key in known:
                        moved[row.id] = known[key]
                        skipped += 1
                        continue
                if row.client_id is not None:
                    name, uuid = target[row.client_id]
                    record = replace(record, client=name, client_uuid=uuid)
                # The session it re-assesses: copied before (or there already), or earlier
                # in this batch (its place among the records; its number comes when added).
                previous, index = None, None
                if row.previous_id in moved:
                    previous = moved[row.previous_id]
                elif row.previous_id in numbers:
                    index = numbers.index(row.previous_id)
                record = replace(
                    record, previous_id=previous, previous_index=index, id=row.id if keep else None
                )
                records.append(record)
                numbers.append(row.id)
            ids = add(records)
            moved.update(zip(numbers, ids, strict=True))
            new_ids += ids
    programmes, logs = _programmes(source, destination, target, moved)
    return Copied(
        copied=len(new_ids), skipped=skipped, clients=len(people), programmes=programmes,
        logs=logs,
        new_clients=tuple(how["new"]), by_id=tuple(how["id"]), by_name=tuple(how["name"]),
        renamed=tuple(how["renamed"]), kept_numbers=keep,
        numbered=(new_ids[0], new_ids[-1]) if new_ids and not keep else None,
    )  # fmt: skip


def _programmes(
    source: Store,
    destination: Store,
    target: dict[str | None, tuple[str | None, str | None]],
    moved: dict[int, int],
) -> tuple[int, int]:
    """Each client's home programme versions and log, after their sessions (a second
    transaction; a copy run again adds only what is missing)."""
    programmes: list[tuple[Any, int, int | None]] = []
    logs: list[tuple[Any, int]] = []
    for client in source.clients():
        number = source.client_id(client.uuid, create=False)
        if number is None:
            continue
        versions = source.programmes(number)
        entries = source.logs(number)
        if not versions and not entries:
            continue
        name, uuid = target.get(client.uuid, (client.name, client.uuid))
        here = destination.client_id(uuid or name or client.name, create=False)
        if here is None:
            here = destination.client_id(name or client.name, create=True, uuid=uuid)
        assert here is not None
        for row in versions:
            session = moved.get(row.session_id) if row.session_id is not None else None
            document = _renumbered(row.document, session)
            programmes.append((row._replace(document=document), here, session))
        logs += [(log, here) for log in entries]
    if not programmes and not logs:
        return 0, 0
    return destination.copy_programmes_in(programmes, logs)


def _renumbered(document: str, session: int | None) -> str:
    """A programme document naming the session it came from by its number in the copy."""
    try:
        data = json.loads(document)
    except ValueError:
        return document
    if isinstance(data, dict) and "session" in data:
        data["session"] = session
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    return document
