"""Reading a sessions bundle: its header, then its sessions one at a time, each checked field by
field and named by its place (``sessions[3].answers[2].value``) when something is wrong.

The file is streamed (``jsonstream``): memory holds one session, however many the bundle has.
A bundle whose ``sessions`` come before its ``format`` (not one imbalance wrote) is read whole
first, since what the sessions mean depends on the format. A sealed bundle (age, ``sealing.py``)
is opened into memory first: age decrypts a whole file at once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from imbalance_cli.errors import ImbalanceError
from imbalance_cli.jsonstream import JSONStreamError, NotUTF8, ObjectStream
from imbalance_cli.store import STATUSES, NewSession, fingerprint
from imbalance_cli.store.rows import answer_json
from imbalance_cli.text import MAX_NAME, clean, person_name

FORMAT = "imbalance-sessions"
FORMAT_VERSION = 1
#: The largest bundle read (a store of 10,000 sessions exports to about 130 MB; reading streams,
#: so the limit guards the disk and the time, not memory).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
#: How far past this computer's clock a date in a bundle may be (time zones, a clock a little off).
FUTURE_SLACK = timedelta(days=1)
#: Problems named in a message (the count says how many there were in all).
SHOWN = 50


@dataclass(frozen=True)
class Record:
    """One session of a bundle, checked: its ref, the session to add (``previous_id`` still the
    bundle's ref of the session it re-assesses), its fingerprint."""

    ref: int
    session: NewSession
    key: str
    previous_ref: int | None
    #: The answers as the bundle gives them, decoded: (question id, value), in order.
    values: tuple[tuple[str, object], ...] = ()


class Bundle:
    """An open bundle file: ``header`` once read, then ``sessions()`` once."""

    def __init__(self, path: Path, file: IO[bytes]) -> None:
        self.path = path
        self._stream = ObjectStream(file)
        self.header: dict[str, Any] = {}
        self._members: Iterator[tuple[str, Any]] | None = None
        self._early: Any = None
        self._sessions: Iterator[Any] | None = None

    def read_header(self) -> None:
        """Read up to the sessions (or the end) and check the format; errors say what and where."""
        try:
            if self._stream.first() != "{":
                self._stream.whole()
                self._not_a_bundle()
            self._members = self._stream.members(frozenset({"sessions"}))
            for key, value in self._members:
                if key != "sessions":
                    self.header[key] = value
                    continue
                if self._sessions is not None or self._early is not None:
                    raise ImbalanceError(f"'{self.path}': \"sessions\" is given twice")
                if not isinstance(value, Iterator):  # not a list: kept, to say so
                    self._early = value
                elif not self._format_known():  # before the format: held until it is known
                    self._early = list(value)
                else:
                    self._sessions = value
                    break
            else:
                self._members = None
        except JSONStreamError as exc:
            raise self._not_json(exc) from None
        except NotUTF8 as exc:
            raise ImbalanceError(f"'{self.path}' is not UTF-8 text (byte {exc.start})") from None
        self._check_format()

    def _format_known(self) -> bool:
        return "format" in self.header and "format_version" in self.header

    def _not_json(self, exc: JSONStreamError) -> ImbalanceError:
        """A syntax error, nesting deeper than the parser goes or an integer longer than Python
        converts, at its line and column (as ``jsonsrc`` locates them)."""
        return ImbalanceError(
            f"{self.path}:{exc.line}:{exc.column}: {exc.message}; nothing was imported"
        )

    def _not_a_bundle(self) -> None:
        raise ImbalanceError(
            f"'{self.path}' is not a sessions bundle (made by 'imbalance sessions export "
            '--format bundle\'): it has no "format": "imbalance-sessions"'
        )

    def _check_format(self) -> None:
        if self.header.get("format") != FORMAT:
            self._not_a_bundle()
        version = self.header.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ImbalanceError(
                f"'{self.path}': \"format_version\" is missing or not a whole number"
            )
        if version > FORMAT_VERSION:
            raise ImbalanceError(
                f"'{self.path}' was written by a newer imbalance (bundle format {version}; this "
                f"one reads up to {FORMAT_VERSION}); upgrade imbalance to import it. Nothing was "
                "imported."
            )
        if self._sessions is None and self._early is None:
            raise ImbalanceError(f"'{self.path}': \"sessions\" is missing or not a list")
        if self._early is not None and not isinstance(self._early, list):
            raise ImbalanceError(f"'{self.path}': \"sessions\" is missing or not a list")

    def sessions(self) -> Iterator[Any]:
        """Every session of the bundle as decoded JSON, in order; then the rest of the file is
        read, so that a syntax error after the sessions is reported too."""
        try:
            yield from self._early if self._early is not None else self._sessions or ()
            if self._members is not None:
                for key, _ in self._members:
                    if key == "sessions":
                        raise ImbalanceError(f"'{self.path}': \"sessions\" is given twice")
        except JSONStreamError as exc:
            raise self._not_json(exc) from None
        except NotUTF8 as exc:
            raise ImbalanceError(f"'{self.path}' is not UTF-8 text (byte {exc.start})") from None


def open_bundle(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    unsealing: Callable[[bytes], bytes] | None = None,
) -> tuple[Bundle, IO[bytes]]:
    """Open a bundle file (through ``unsealing`` when it is sealed) and read its header; the
    caller closes the file."""
    if not path.is_file():
        raise ImbalanceError(f"cannot read '{path}': it is not a file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImbalanceError(
                f"'{path}' is {size:,} bytes, over the limit of {max_bytes:,} for a bundle; "
                "raise it with --max-size, or export fewer sessions at a time (--client) and "
                "import each file"
            )
        file: IO[bytes] = path.open("rb")
    except OSError as exc:
        raise ImbalanceError(f"cannot read '{path}': {exc.strerror or exc}") from None
    try:
        file = _unsealed(path, file, unsealing)
        bundle = Bundle(path, file)
        bundle.read_header()
    except BaseException:
        file.close()
        raise
    return bundle, file


def _unsealed(path: Path, file: IO[bytes], unsealing: Callable[[bytes], bytes] | None) -> IO[bytes]:
    """The file itself, or, when it is sealed, what is inside it (in memory)."""
    from imbalance_cli.workflow.sealing import is_sealed, opened

    head = file.read(4096)
    file.seek(0)
    if not is_sealed(head):
        return file
    try:
        raw = file.read()
    except OSError as exc:
        raise ImbalanceError(f"cannot read '{path}': {exc.strerror or exc}") from None
    finally:
        file.close()
    return io.BytesIO(opened(raw, path, unsealing))


class Checks:
    """The checks of one bundle's sessions, in order: every problem, by its place."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.count = 0
        #: The refs of sessions read so far (a re-assessment names one of them).
        self.refs: set[int] = set()
        self._now = datetime.now(timezone.utc)

    def problem(self, text: str) -> None:
        self.count += 1
        if len(self.problems) < SHOWN:
            self.problems.append(text)

    def record(self, item: object, n: int) -> Record | None:
        """Session ``n`` checked, or None (its problems noted)."""
        before = self.count
        got = self._record(item, f"sessions[{n}]")
        if got is not None and got.ref in self.refs:
            self.problem(f"sessions[{n}].ref: {got.ref} is given twice")
            return None
        if got is not None:
            self.refs.add(got.ref)
        return got if self.count == before else None

    def _record(self, item: object, where: str) -> Record | None:
        if not isinstance(item, dict):
            self.problem(f"{where}: a session is an object")
            return None
        before = self.count

        def text(key: str, optional: bool = False) -> str | None:
            value = item.get(key)
            if value is None and optional:
                return None
            if not isinstance(value, str) or not value.strip():
                self.problem(f"{where}.{key}: {'text' if optional else 'required text'} expected")
                return None
            return value

        ref = item.get("ref")
        if not isinstance(ref, int) or isinstance(ref, bool) or not 0 < ref < 2**63:
            self.problem(f"{where}.ref: a session id (a whole number from 1) expected")
            ref = None
        client = text("client", optional=True)
        if client is not None:
            client = person_name(client) or None
            if client is not None and len(client) > MAX_NAME:
                self.problem(f"{where}.client: a name of at most {MAX_NAME} characters expected")
        client_uuid, author = self._identity(item, where, client)
        q = item.get("questionnaire")
        if not isinstance(q, dict) or not all(
            isinstance(q.get(k), str) and q.get(k) for k in ("id", "version", "sha256", "source")
        ):
            self.problem(f"{where}.questionnaire: id, version, sha256 and source expected")
            q = {}
        else:
            for problem in _questionnaire_problems(q):
                self.problem(f"{where}.questionnaire.{problem}")
        status = item.get("status")
        if status not in STATUSES:
            self.problem(f"{where}.status: one of {', '.join(STATUSES)} expected")
        started, updated = text("started_at"), text("updated_at")
        completed = text("completed_at", optional=True)
        self._dates(where, started, updated, completed)
        previous = item.get("previous")
        ref_like = isinstance(previous, int) and not isinstance(previous, bool)
        if previous is not None and (not ref_like or previous not in self.refs):
            self.problem(f"{where}.previous: {previous!r} is not a session earlier in the bundle")
        warning = item.get("warning")
        if warning not in (None, "none", "emergency", "urgent", "advisory"):
            self.problem(f"{where}.warning: none, emergency, urgent or advisory expected")
        worst = item.get("worst_pain")
        if worst is not None and (
            isinstance(worst, bool) or not isinstance(worst, (int, float)) or not 0 <= worst <= 10
        ):
            self.problem(f"{where}.worst_pain: a number from 0 to 10 expected")
        answers = self._answers(item.get("answers"), where)
        result = item.get("result")
        if result is not None and not isinstance(result, dict):
            self.problem(f"{where}.result: an object expected")
        if self.count > before or not isinstance(ref, int) or started is None or updated is None:
            return None
        plain = {qid: value for qid, value, _ in answers}
        session = NewSession(
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
            result_json=_encode(result) if result is not None else None,
            answers=tuple((qid, n, value) for n, (qid, _, value) in enumerate(answers)),
            client_uuid=client_uuid.lower() if client_uuid else None,
            author=author,
        )
        key = fingerprint(session.questionnaire_id, session.sha256, started, plain)
        return Record(ref, session, key, previous, tuple((qid, v) for qid, v, _ in answers))

    def _identity(
        self, item: dict[str, Any], where: str, client: str | None
    ) -> tuple[str | None, str | None]:
        """A session's client id and author, where the bundle gives them (bundles made before
        ids were kept give neither)."""
        client_uuid, author = item.get("client_id"), item.get("author")
        if client_uuid is not None and not (isinstance(client_uuid, str) and _is_uuid(client_uuid)):
            self.problem(f"{where}.client_id: a client id (a UUID) expected")
            client_uuid = None
        elif client_uuid is not None and client is None:
            self.problem(f"{where}.client_id: given without a client name")
        if author is not None and not (isinstance(author, str) and author.strip()):
            self.problem(f"{where}.author: text expected")
            author = None
        return client_uuid, author

    def _dates(
        self, where: str, started: str | None, updated: str | None, completed: str | None
    ) -> None:
        """Each date readable, none more than a day past this computer's clock, and none before
        the session started."""
        moments: dict[str, datetime] = {}
        for key, stamp in (
            ("started_at", started),
            ("updated_at", updated),
            ("completed_at", completed),
        ):
            if stamp is None:
                continue
            moment = _moment(stamp)
            if moment is None:
                self.problem(
                    f"{where}.{key}: a date and time such as 2026-11-27T10:00:00+00:00 expected"
                )
                continue
            moments[key] = moment
            if moment > self._now + FUTURE_SLACK:
                self.problem(
                    f"{where}.{key}: {stamp} is in the future (this computer's clock says "
                    f"{self._now.isoformat(timespec='seconds')})"
                )
        start = moments.get("started_at")
        for key in ("updated_at", "completed_at"):
            moment = moments.get(key)
            if start is not None and moment is not None and moment < start:
                self.problem(
                    f"{where}.{key}: {updated if key == 'updated_at' else completed} is before "
                    f"the session started ({started})"
                )

    def _answers(self, node: object, where: str) -> list[tuple[str, object, str]]:
        """(question id, value, value as JSON) of each answer."""
        if not isinstance(node, list):
            self.problem(f"{where}.answers: a list expected")
            return []
        out: list[tuple[str, object, str]] = []
        seen: set[str] = set()
        for n, answer in enumerate(node):
            here = f"{where}.answers[{n}]"
            if not isinstance(answer, dict) or not isinstance(answer.get("question"), str):
                self.problem(f"{here}: {{question, value}} expected")
                continue
            qid, value = answer["question"], answer.get("value")
            if qid in seen:
                self.problem(f"{here}.question: '{qid}' is answered twice")
                continue
            seen.add(qid)
            if not _plain_answer(value):
                self.problem(
                    f"{here}.value: an answer is text, true/false, a number, a list of ids or null"
                )
                continue
            out.append((qid, value, answer_json(value)))
        return out

    def raise_if_any(self, path: Path, what: str) -> None:
        if not self.count:
            return
        shown = "\n".join(f"{path}: {p}" for p in self.problems)
        more = f"\n... and {self.count - len(self.problems)} more" if self.count > SHOWN else ""
        raise ImbalanceError(f"{self.count} {what}; nothing was imported:\n{shown}{more}")


_encode = json.JSONEncoder(ensure_ascii=False).encode


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


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _moment(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _plain_answer(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
