"""Moving sessions between stores: ``sessions export --format bundle`` and ``sessions import``.

A bundle is one JSON document::

    {"format": "imbalance-sessions", "format_version": 1, "exported_at": "...",
     "exported_by": "imbalance 0.1.0",
     "sessions": [{"ref": 12, "client": "Sam", "questionnaire": {"id", "version", "sha256",
                   "source"}, "status", "started_at", "updated_at", "completed_at",
                   "previous": 9, "warning", "worst_pain",
                   "answers": [{"question": "regions", "value": ["knee.left"]}, ...],
                   "result": {...the result document...}}, ...]}

Sessions come oldest first, so a re-assessment's ``previous`` names a session before it (or one
not exported: it is then dropped). Importing checks the whole file first and reports every
problem with its place; then it adds every new session in one transaction, with new ids, its
client found by name or created, its link to the session it re-assesses kept. A session that is
already in the store (the same questionnaire, start and answers) is skipped and reported. A
bundle of a newer format is refused, and nothing is imported on any error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imbalance_cli import __version__
from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store import STATUSES, NewSession, SessionRow, Store, fingerprint, now
from imbalance_cli.store.salvage import Salvaged
from imbalance_cli.text import MAX_NAME, clean, person_name

FORMAT = "imbalance-sessions"
FORMAT_VERSION = 1
#: The largest bundle read (a store of 10,000 sessions exports to about 60 MB).
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


def export(store: Store, rows: Sequence[SessionRow]) -> dict[str, Any]:
    """The bundle of these sessions (oldest first)."""
    ordered = sorted(rows, key=lambda r: (r.started_at, r.id))
    exported = {r.id for r in ordered}
    sessions = [
        _entry(row, store.answers(row.id), store.result_json(row.id), exported) for row in ordered
    ]
    return _bundle(sessions)


def _bundle(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now(),
        "exported_by": f"imbalance {__version__}",
        "sessions": sessions,
    }


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


def salvage(path: Path) -> tuple[dict[str, Any], Salvaged]:
    """A bundle of every session that can still be read from a damaged store (``imbalance
    store salvage``), and what could not be read."""
    from imbalance_cli.store.salvage import salvage as read_back

    found = read_back(path)
    ordered = sorted(found.sessions, key=lambda r: (r.row.started_at, r.row.id))
    exported = {r.row.id for r in ordered}
    entries = [_entry(r.row, r.answers, r.result_json, exported) for r in ordered]
    return _bundle(entries), found


@dataclass(frozen=True)
class Imported:
    """What an import did: new ids (with the ids they had), and sessions already here."""

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


def read(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    unsealing: Callable[[bytes], bytes] | None = None,
) -> dict[str, Any]:
    """The bundle in a file (opened with ``unsealing`` when it is encrypted, see
    ``sealing``), or an error saying what is wrong and where."""
    from imbalance_cli.workflow.sealing import opened

    if not path.is_file():
        raise ImbalanceError(f"cannot read '{path}': it is not a file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImbalanceError(
                f"'{path}' is {size:,} bytes, over the limit of {max_bytes:,} for a bundle; "
                "export fewer sessions at a time (--client) and import each file"
            )
        text = opened(path.read_bytes(), path, unsealing).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImbalanceError(f"'{path}' is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ImbalanceError(f"cannot read '{path}': {exc.strerror or exc}") from None
    from imbalance_cli.jsonsrc import JsonProblem, loads

    try:
        data = loads(text)
    except JsonProblem as exc:
        raise ImbalanceError(
            f"{path}:{exc.line}:{exc.column}: {exc.message}; nothing was imported"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImbalanceError(
            f"'{path}' is not a sessions bundle (made by 'imbalance sessions export --format "
            'bundle\'): it has no "format": "imbalance-sessions"'
        )
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ImbalanceError(f"'{path}': \"format_version\" is missing or not a whole number")
    if version > FORMAT_VERSION:
        raise ImbalanceError(
            f"'{path}' was written by a newer imbalance (bundle format {version}; this one "
            f"reads up to {FORMAT_VERSION}); upgrade imbalance to import it. Nothing was imported."
        )
    return data


def records(data: dict[str, Any], path: Path) -> list[tuple[int, NewSession, str]]:
    """Every session of a bundle as (its ref, the session to add, its fingerprint); every
    problem in the file at once, by its place (``sessions[3].answers[2].value``)."""
    problems: list[str] = []
    sessions = data.get("sessions")
    if not isinstance(sessions, list):
        raise ImbalanceError(f"'{path}': \"sessions\" is missing or not a list")
    out: list[tuple[int, NewSession, str]] = []
    index_of: dict[int, int] = {}
    for n, item in enumerate(sessions):
        where = f"sessions[{n}]"
        got = _record(item, where, problems, index_of)
        if got is not None:
            ref, record, key = got
            if ref in index_of:
                problems.append(f"{where}.ref: {ref} is given twice")
                continue
            index_of[ref] = len(out)
            out.append((ref, record, key))
    if problems:
        shown = "\n".join(f"{path}: {p}" for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise ImbalanceError(
            f"{len(problems)} problem(s) in the bundle; nothing was imported:\n{shown}{more}"
        )
    return out


def _record(
    item: object, where: str, problems: list[str], index_of: dict[int, int]
) -> tuple[int, NewSession, str] | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: a session is an object")
        return None
    before = len(problems)

    def text(key: str, optional: bool = False) -> str | None:
        value = item.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}.{key}: {'text' if optional else 'required text'} expected")
            return None
        return value

    ref = item.get("ref")
    if not isinstance(ref, int) or isinstance(ref, bool) or not 0 < ref < 2**63:
        problems.append(f"{where}.ref: a session id (a whole number from 1) expected")
        ref = None
    client = text("client", optional=True)
    if client is not None:
        client = person_name(client) or None
        if client is not None and len(client) > MAX_NAME:
            problems.append(f"{where}.client: a name of at most {MAX_NAME} characters expected")
    client_uuid, author = _identity(item, where, problems, client)
    q = item.get("questionnaire")
    if not isinstance(q, dict) or not all(
        isinstance(q.get(k), str) and q.get(k) for k in ("id", "version", "sha256", "source")
    ):
        problems.append(f"{where}.questionnaire: id, version, sha256 and source expected")
        q = {}
    else:
        problems += [f"{where}.questionnaire.{p}" for p in _questionnaire_problems(q)]
    status = item.get("status")
    if status not in STATUSES:
        problems.append(f"{where}.status: one of {', '.join(STATUSES)} expected")
    started, updated = text("started_at"), text("updated_at")
    completed = text("completed_at", optional=True)
    for key, stamp in (
        ("started_at", started),
        ("updated_at", updated),
        ("completed_at", completed),
    ):
        if stamp is not None and not _is_time(stamp):
            problems.append(
                f"{where}.{key}: a date and time such as 2026-11-27T10:00:00+00:00 expected"
            )
    previous = item.get("previous")
    if previous is not None and previous not in index_of:
        problems.append(f"{where}.previous: {previous!r} is not a session earlier in the bundle")
    warning = item.get("warning")
    if warning not in (None, "none", "emergency", "urgent", "advisory"):
        problems.append(f"{where}.warning: none, emergency, urgent or advisory expected")
    worst = item.get("worst_pain")
    if worst is not None and (
        isinstance(worst, bool) or not isinstance(worst, (int, float)) or not 0 <= worst <= 10
    ):
        problems.append(f"{where}.worst_pain: a number from 0 to 10 expected")
    answers = _answers(item.get("answers"), where, problems)
    result = item.get("result")
    if result is not None and not isinstance(result, dict):
        problems.append(f"{where}.result: an object expected")
    if len(problems) > before or not isinstance(ref, int) or started is None or updated is None:
        return None
    plain = {qid: json.loads(value) for qid, _, value in answers}
    record = NewSession(
        client=client,
        questionnaire_id=str(q["id"]),
        version=str(q["version"]),
        sha256=str(q["sha256"]),
        source=str(q["source"]),
        status=str(status),
        started_at=started,
        updated_at=updated,
        completed_at=completed,
        worst_pain=None if worst is None else float(worst),
        warning=warning,
        result_json=json.dumps(result, ensure_ascii=False) if result is not None else None,
        answers=tuple(answers),
        previous_index=index_of[previous] if previous is not None else None,
        client_uuid=client_uuid.lower() if client_uuid else None,
        author=author,
    )
    return ref, record, fingerprint(record.questionnaire_id, record.sha256, started, plain)


def _questionnaire_problems(q: dict[str, Any]) -> list[str]:
    """What is wrong with a session's questionnaire as a bundle names it: an id the loader would
    refuse (``../../etc/passwd``) would be listed, and a source that is neither such an id nor
    the absolute path of a YAML file would be read as a path on this machine."""
    import re

    from imbalance_cli.shapes import CONTENT_ID

    out = []
    qid, version, sha, source = (str(q[k]) for k in ("id", "version", "sha256", "source"))
    if not CONTENT_ID.match(qid):
        out.append(f"id: '{_short(qid)}' is not a questionnaire id (lowercase words joined by '-')")
    if len(version) > 40 or clean(version) != version or "\n" in version:
        out.append(f"version: '{_short(version)}' is not a version (one line, 40 characters)")
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        out.append("sha256: 64 hexadecimal digits expected")
    path = Path(source)
    if not CONTENT_ID.match(source) and not (
        path.is_absolute() and path.suffix in (".yaml", ".yml") and clean(source) == source
    ):
        out.append(
            f"source: '{_short(source)}' is neither a questionnaire id nor the full path of a "
            "YAML file"
        )
    return out


def _short(text: str) -> str:
    shown = " ".join(clean(text).split())
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _identity(
    item: dict[str, Any], where: str, problems: list[str], client: str | None
) -> tuple[str | None, str | None]:
    """A session's client id and author, where the bundle gives them (bundles made before ids
    were kept give neither)."""
    client_uuid, author = item.get("client_id"), item.get("author")
    if client_uuid is not None and not (isinstance(client_uuid, str) and _is_uuid(client_uuid)):
        problems.append(f"{where}.client_id: a client id (a UUID) expected")
        client_uuid = None
    elif client_uuid is not None and client is None:
        problems.append(f"{where}.client_id: given without a client name")
    if author is not None and not (isinstance(author, str) and author.strip()):
        problems.append(f"{where}.author: text expected")
        author = None
    return client_uuid, author


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _is_time(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _answers(node: object, where: str, problems: list[str]) -> list[tuple[str, int, str]]:
    if not isinstance(node, list):
        problems.append(f"{where}.answers: a list expected")
        return []
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    for n, answer in enumerate(node):
        here = f"{where}.answers[{n}]"
        if not isinstance(answer, dict) or not isinstance(answer.get("question"), str):
            problems.append(f"{here}: {{question, value}} expected")
            continue
        qid, value = answer["question"], answer.get("value")
        if qid in seen:
            problems.append(f"{here}.question: '{qid}' is answered twice")
            continue
        seen.add(qid)
        if not _plain_answer(value):
            problems.append(
                f"{here}.value: an answer is text, true/false, a number, a list of ids or null"
            )
            continue
        out.append((qid, n, json.dumps(value, ensure_ascii=False)))
    return out


def _plain_answer(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _checked(
    found: list[tuple[int, NewSession, str]], path: Path
) -> tuple[list[tuple[int, NewSession, str]], tuple[str, ...]]:
    """Each session read against its questionnaire where this machine has it: with the same
    questionnaire (by content), an answer that does not fit is a problem of the bundle; with
    another version, answers that no longer fit are left out when read, as for any stored
    session. Either way the warning sign and worst pain the store lists are worked out here from
    the answers, never taken from the file. Returns the sessions and the questionnaires that
    could not be read (their values are kept as the bundle gives them)."""
    from dataclasses import replace

    from imbalance_cli.workflow import fit, listed, load

    problems: list[str] = []
    missing: set[str] = set()
    cache: dict[str, Any] = {}
    out: list[tuple[int, NewSession, str]] = []
    for n, (ref, record, key) in enumerate(found):
        if record.source not in cache:
            try:
                cache[record.source] = load(record.source)[0]
            except ImbalanceError:
                cache[record.source] = None
        q = cache[record.source]
        if q is None:
            missing.add(record.source)
            out.append((ref, record, key))
            continue
        same = q.sha256 == record.sha256
        stored = [(qid, json.loads(value)) for qid, _, value in record.answers]
        answers, misfits = fit(q, stored, reassessment=record.previous_index is not None)
        if same:
            problems += [
                f"sessions[{n}].answers: '{qid}': {why}"
                if why
                else f"sessions[{n}].answers: '{qid}' is not a question of '{q.id}'"
                for qid, why in misfits
            ]
        top, worst = listed(q, answers)
        out.append((ref, replace(record, warning=top, worst_pain=worst), key))
    if problems:
        shown = "\n".join(f"{path}: {p}" for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise ImbalanceError(
            f"{len(problems)} answer(s) in the bundle do not fit their questionnaire; nothing "
            f"was imported:\n{shown}{more}"
        )
    return out, tuple(sorted(missing))


@dataclass(frozen=True)
class NameOnly:
    """A client of a bundle whose id the store does not know, though it has a client of that
    name: the same person (whose id differs, say, from a store made before ids were kept),
    or two people of one name. imbalance does not guess."""

    name: str
    bundle_id: str
    here: str
    here_id: str

    def __str__(self) -> str:
        return (
            f"the bundle's client '{self.name}' (id {self.bundle_id[:8]}) is not known here by "
            f"id, but a client here is called '{self.here}' (id {self.here_id[:8]})"
        )


#: Asked about each client that matches only by name: True for the same person.
SamePerson = Callable[[NameOnly], bool]


def refused(conflict: NameOnly, prefix: str = "imbalance") -> ImbalanceError:
    return ImbalanceError(
        f"{conflict}; nothing was imported. If they are the same person, import again with "
        f"--match-names (or answer yes on a terminal); if not, rename the one here first: "
        f"{prefix} clients rename '{conflict.here}' 'NEW NAME'"
    )


def match_clients(
    store: Store, records: Sequence[NewSession], same_person: SamePerson | None
) -> tuple[list[NewSession], dict[str, list[str]]]:
    """Each record's client found in the store: by id where the record carries one (a name
    then differing is reported, not changed), by name where it carries none (a bundle of an
    older imbalance), else new, keeping the record's id. A client known only by name is
    asked about (``same_person``); with no one to ask, or the answer no, nothing is imported.
    Returns the records, pointed at the clients found, and which clients matched how."""
    from dataclasses import replace

    how: dict[str, list[str]] = {"id": [], "name": [], "new": [], "renamed": []}
    decided: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    out: list[NewSession] = []
    for record in records:
        if not record.client:
            out.append(record)
            continue
        key = (record.client, record.client_uuid)
        if key not in decided:
            decided[key] = _decide(store, record.client, record.client_uuid, same_person, how)
        name, uuid = decided[key]
        out.append(replace(record, client=name, client_uuid=uuid))
    return out, how


def _decide(
    store: Store,
    name: str,
    uuid: str | None,
    same_person: SamePerson | None,
    how: dict[str, list[str]],
) -> tuple[str, str | None]:
    if uuid is not None:
        by_id = [c for c in store.find_clients(uuid) if c[2] == uuid]
        if by_id:
            here = by_id[0][1]
            how["id"].append(here)
            if here.lower() != name.lower():
                how["renamed"].append(f"'{name}' is '{here}' here")
            return here, uuid
    by_name = [c for c in store.find_clients(name) if c[1].lower() == name.lower()]
    if not by_name:
        how["new"].append(name)
        return name, uuid
    _, here, here_id = by_name[0]
    if uuid is not None:
        conflict = NameOnly(name, uuid, here, here_id)
        if same_person is None or not same_person(conflict):
            raise refused(conflict)
    how["name"].append(here)
    return here, here_id


def bring_in(
    store: Store,
    data: dict[str, Any],
    path: Path,
    same_person: SamePerson | None = None,
) -> Imported:
    """Add the bundle's sessions that are not in the store yet, all in one transaction, each
    with its client found by id (or asked about, see ``match_clients``)."""
    found, unchecked = _checked(records(data, path), path)
    known = store.fingerprints()
    new: list[NewSession] = []
    refs: list[int] = []
    duplicates: list[tuple[int, int]] = []
    position: dict[int, int] = {}  # bundle index -> index among the new ones
    existing: dict[int, int] = {}  # bundle index -> id of the same session already here
    for index, (ref, record, key) in enumerate(found):
        if key in known:
            duplicates.append((ref, known[key]))
            existing[index] = known[key]
            continue
        link = record.previous_index
        if link is not None:
            if link in existing:
                record = _linked(record, previous_id=existing[link], previous_index=None)
            else:
                record = _linked(record, previous_id=None, previous_index=position[link])
        position[index] = len(new)
        new.append(record)
        refs.append(ref)
    new, how = match_clients(store, new, same_person)
    ids = store.add_sessions(new) if new else []
    questionnaires = sorted({r.source for r in new})
    return Imported(
        tuple(zip(ids, refs, strict=True)), tuple(duplicates),
        tuple(sorted({r.client for r in new if r.client})), tuple(questionnaires),
        tuple(sorted(set(how["new"]))), tuple(q for q in unchecked if q in questionnaires),
        by_id=tuple(sorted(set(how["id"]))), by_name=tuple(sorted(set(how["name"]))),
        renamed=tuple(how["renamed"]),
    )  # fmt: skip


def _linked(record: NewSession, previous_id: int | None, previous_index: int | None) -> NewSession:
    from dataclasses import replace

    return replace(record, previous_id=previous_id, previous_index=previous_index)
