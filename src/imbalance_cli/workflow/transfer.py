"""Moving sessions between stores: ``sessions export --format bundle`` and ``sessions import``.

A bundle is one JSON document::

    {"format": "imbalance-sessions", "format_version": 1, "exported_at": "...",
     "exported_by": "imbalance 0.1.0",
     "sessions": [{"ref": 12, "client": "Sam", "client_id": "<uuid>", "author": "sam",
                   "questionnaire": {"id", "version", "sha256",
                   "source"}, "status", "started_at", "updated_at", "completed_at",
                   "previous": 9, "warning", "worst_pain",
                   "answers": [{"question": "regions", "value": ["knee.left"]}, ...],
                   "result": {...the result document...}}, ...]}

Sessions come oldest first, so a re-assessment's ``previous`` names a session before it (or one
not exported: it is then dropped). Importing reads the file a session at a time (``bundle.py``)
inside one write transaction (``Store.importing``): each session is checked (every field, its
dates, its answers against its questionnaire where this machine has it), then added with a new
id, its client found by id (by name for a bundle without ids; a name-only match is asked about,
``matching.py``) or created, its link to the session it re-assesses kept, unless it is already
in the store (the same questionnaire, start and answers), which is reported. Every problem is
named by its place; on any, the transaction is rolled back and nothing is imported. A bundle of
a newer format is refused. A bundle may be sealed (age, ``sealing.py``): it is opened first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imbalance_cli import __version__
from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store import SessionRow, Store, now
from imbalance_cli.store.imports import ImportRace
from imbalance_cli.store.salvage import Salvaged
from imbalance_cli.workflow.bundle import (
    DEFAULT_MAX_BYTES,
    FORMAT,
    FORMAT_VERSION,
    Checks,
    Record,
    open_bundle,
)
from imbalance_cli.workflow.matching import (
    Matcher,
    NameOnly,
    SamePerson,
    match_clients,
    refused,
)

if TYPE_CHECKING:
    from imbalance_cli.workflow import Reading

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT",
    "FORMAT_VERSION",
    "Imported",
    "NameOnly",
    "SamePerson",
    "bring_in",
    "export",
    "match_clients",
    "refused",
    "salvage",
]


def export(store: Store, rows: Sequence[SessionRow]) -> Iterator[str]:
    """The bundle of these sessions (oldest first) as JSON text, in pieces: a session is read,
    turned into its text and handed on before the next is read, so a store of any size exports
    in the same memory. Joined, the pieces are what ``dumps`` gives for the whole document."""
    ordered = sorted(rows, key=lambda r: (r.started_at, r.id))
    exported = {r.id for r in ordered}
    answers_of = store.answers_of(r.id for r in ordered)
    return _write(
        _entry(row, answers, store.result_json(row.id), exported)
        for row, (_, answers) in zip(ordered, answers_of, strict=True)
    )


def _write(sessions: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The bundle document around these sessions, as ``dumps`` writes it, a session at a time
    (the one way a bundle is written: by ``export`` and by ``salvage``)."""
    from imbalance_cli.text import dumps

    head = dumps(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": now(),
            "exported_by": f"imbalance {__version__}",
            "sessions": [],
        }
    )
    assert head.endswith("[]\n}\n")
    opening = head[: -len("[]\n}\n")] + "[\n    "
    n = 0
    for n, session in enumerate(sessions, start=1):
        # one level deeper than its own: inside "sessions" inside the document
        text = dumps(session).rstrip("\n").replace("\n", "\n    ")
        yield (opening if n == 1 else ",\n    ") + text
    yield head if n == 0 else "\n  ]\n}\n"


def _entry(
    row: SessionRow, answers: dict[str, object], result: str | None, exported: set[int]
) -> dict[str, Any]:
    """One session as a bundle holds it (answers whose stored value is damaged left out)."""
    try:
        document = json.loads(result) if result else None
    except ValueError:
        document = None  # worked out again from the answers when imported
    return {
        "ref": row.id,
        "client": row.client,
        "client_id": row.client_id,
        "author": row.author,
        "questionnaire": {
            "id": row.questionnaire_id,
            "version": row.questionnaire_version,
            "sha256": row.questionnaire_sha256,
            "source": row.questionnaire_source,
        },
        "status": row.status,
        "started_at": row.started_at,
        "updated_at": row.updated_at,
        "completed_at": row.completed_at,
        "previous": row.previous_id if row.previous_id in exported else None,
        "warning": row.warning,
        "worst_pain": row.worst_pain,
        "answers": [
            {"question": qid, "value": value}
            for qid, value in answers.items()
            if isinstance(value, (str, bool, int, float, list)) or value is None
        ],
        "result": document if isinstance(document, dict) else None,
    }


def salvage(path: Path) -> tuple[Iterator[str], Salvaged]:
    """A bundle (as ``export`` writes it) of every session that can still be read from a
    damaged store (``imbalance store salvage``), and what could not be read."""
    from imbalance_cli.store.salvage import salvage as read_back

    found = read_back(path)
    ordered = sorted(found.sessions, key=lambda r: (r.row.started_at, r.row.id))
    exported = {r.row.id for r in ordered}
    return _write(_entry(r.row, r.answers, r.result_json, exported) for r in ordered), found


@dataclass(frozen=True)
class Imported:
    """What an import did: new ids (with the refs they had in the bundle), and sessions already
    here (the bundle's ref, the id here)."""

    added: tuple[tuple[int, int], ...]
    duplicates: tuple[tuple[int, int], ...]
    clients: tuple[str, ...]
    questionnaires: tuple[str, ...]
    #: Clients the store did not have before.
    new_clients: tuple[str, ...] = ()
    #: Questionnaires this machine cannot load: their sessions came in unchecked.
    unchecked: tuple[str, ...] = ()
    #: Clients found by their id, and by name (a bundle without ids, or confirmed).
    by_id: tuple[str, ...] = ()
    by_name: tuple[str, ...] = ()
    #: Clients found by id whose name differs here ("'Sam' is 'Sam Rivera' here").
    renamed: tuple[str, ...] = ()


class _Answers:
    """Each session read against its questionnaire where this machine has it: with the same
    questionnaire (by content), an answer that does not fit is a problem of the bundle; with
    another version, answers that no longer fit are left out when read, as for any stored
    session. Either way the warning sign and worst pain the store lists are worked out here from
    the answers, never taken from the file. Each questionnaire is loaded once."""

    def __init__(self) -> None:
        self._loaded: dict[str, Reading | None] = {}
        self.missing: set[str] = set()
        self.problems = Checks()

    def check(self, n: int, record: Record) -> Record:
        from imbalance_cli.workflow import Reading, load

        session = record.session
        if session.source not in self._loaded:
            try:
                self._loaded[session.source] = Reading(load(session.source)[0])
            except ImbalanceError:
                self._loaded[session.source] = None
        reading = self._loaded[session.source]
        if reading is None:
            self.missing.add(session.source)
            return record
        q = reading.questionnaire
        stored = record.values or [(qid, json.loads(value)) for qid, _, value in session.answers]
        answers, misfits = reading.fit(stored, reassessment=record.previous_ref is not None)
        if q.sha256 == session.sha256:
            for qid, why in misfits:
                self.problems.problem(
                    f"sessions[{n}].answers: '{qid}': {why}"
                    if why
                    else f"sessions[{n}].answers: '{qid}' is not a question of '{q.id}'"
                )
        top, worst = reading.listed(answers)
        return replace(record, session=replace(session, warning=top, worst_pain=worst))


#: Sessions read (and checked) ahead of adding them, so that what is already here is found for
#: them in one query instead of one each: a round trip per session to a server adds up.
LOOK_AHEAD = 200


class _Ask(Exception):
    """A client known here only by name, met inside the import's transaction: the transaction
    is rolled back, the person asked outside it (no store stays locked while they think), and
    the import run again with the answer known."""

    def __init__(self, conflict: NameOnly) -> None:
        self.conflict = conflict


def bring_in(
    store: Store,
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    same_person: SamePerson | None = None,
    unsealing: Callable[[bytes], bytes] | None = None,
) -> Imported:
    """Add the bundle's sessions that are not in the store yet, in one transaction, reading the
    file a session at a time, each with its client found by id (or asked about: ``same_person``
    is asked about each client known here only by name; without it, such a bundle is refused).
    ``unsealing`` opens a sealed bundle."""
    answered: dict[tuple[str, str], bool] = {}

    def known(conflict: NameOnly) -> bool:
        key = (conflict.name, conflict.bundle_id)
        if key in answered:
            return answered[key]
        if same_person is None:
            return False
        raise _Ask(conflict)

    bulk = True
    while True:
        try:
            return _bring_in(store, path, max_bytes, known, unsealing, bulk)
        except ImportRace:  # rolled back: import again, a session at a time
            bulk = False
        except _Ask as ask:  # rolled back: ask, then import again
            conflict = ask.conflict
            answered[(conflict.name, conflict.bundle_id)] = bool(
                same_person is not None and same_person(conflict)
            )
            if not answered[(conflict.name, conflict.bundle_id)]:
                raise refused(conflict) from None


def _bring_in(
    store: Store,
    path: Path,
    max_bytes: int,
    same_person: SamePerson,
    unsealing: Callable[[bytes], bytes] | None,
    bulk: bool = True,
) -> Imported:
    bundle, file = open_bundle(path, max_bytes, unsealing)
    checks, answers = Checks(), _Answers()
    matcher = Matcher(store, same_person)
    added: list[tuple[int, int]] = []
    duplicates: list[tuple[int, int]] = []
    id_of: dict[int, int] = {}  # bundle ref -> id in this store
    clients: set[str] = set()
    questionnaires: set[str] = set()
    try:
        with store.importing(bulk=bulk) as batch:
            pending: list[Record] = []

            def add_pending() -> None:
                """Add the sessions read so far, having looked them all up at once."""
                batch.look_up([record.key for record in pending])
                found = [batch.find(record.key) for record in pending]
                batch.reserve(sum(1 for here, _ in found if here is None))
                for record, (here, copy) in zip(pending, found, strict=True):
                    session = record.session
                    if record.previous_ref is not None:
                        session = replace(session, previous_id=id_of[record.previous_ref])
                    if here is None:
                        session_id, new = batch.insert(session, record.key, copy, matcher.match)
                    else:
                        session_id, new = here, False
                    id_of[record.ref] = session_id
                    if new:
                        added.append((session_id, record.ref))
                        questionnaires.add(session.source)
                        if session.client:
                            clients.add(matcher.name_of(session))
                    else:
                        duplicates.append((record.ref, session_id))
                pending.clear()

            for n, item in enumerate(bundle.sessions()):
                record = checks.record(item, n)
                if record is None:
                    continue
                record = answers.check(n, record)
                if checks.count or answers.problems.count:
                    pending.clear()
                    continue  # nothing will be imported: read on only to name every problem
                pending.append(record)
                if len(pending) >= LOOK_AHEAD:
                    add_pending()
            if not (checks.count or answers.problems.count):
                add_pending()
            checks.raise_if_any(path, "problem(s) in the bundle")
            answers.problems.raise_if_any(
                path, "answer(s) in the bundle do not fit their questionnaire"
            )
            new_clients = tuple(sorted(batch.new_clients))
    finally:
        file.close()
    how = matcher.how
    return Imported(
        tuple(added), tuple(duplicates), tuple(sorted(clients)), tuple(sorted(questionnaires)),
        new_clients, tuple(sorted(q for q in answers.missing if q in questionnaires)),
        by_id=tuple(sorted(set(how["id"]))), by_name=tuple(sorted(set(how["name"]))),
        renamed=tuple(how["renamed"]),
    )  # fmt: skip
