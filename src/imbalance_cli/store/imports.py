"""Adding sessions from another store, exactly once, in batches inside one write transaction.

Each session comes with its fingerprint (``rows.fingerprint``: questionnaire, start, answers). It
is *already here* when the store holds a session brought in under the same key before, or one
with the same fingerprint now (made here, or brought in and unchanged since) that this import
has not matched yet: so a bundle holding two equal sessions adds two, and a store holding one
adds the other. Otherwise it is added under its import key (the fingerprint and which of equal
ones in the bundle it is), which a unique index keeps to one session.

Each session's client is found by its stable id where the record carries one, else by name
(``workflow.transfer`` decides which, and asks about a name-only match), else made, keeping the
record's id. The lookups and the inserts run in one write transaction (SQLite: ``BEGIN
IMMEDIATE``, so imports queue; PostgreSQL: an advisory lock, so they queue there too, and
row-level security shows each trainer only the sessions they may see to match), and the insert
says ``ON CONFLICT (import_key) DO NOTHING``: on a server where
two imports do run at once, the second to insert a key finds it taken and counts the session as
already here, never as added. Every import reports what it added and what it found.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from imbalance_cli.store.clients import new_uuid
from imbalance_cli.store.rows import Db, NewSession, now

if TYPE_CHECKING:
    from imbalance_cli.store import Store

#: Answers are written this many rows at a time.
BATCH = 5000
#: Fingerprints looked up in one query (within every SQLite's limit of 999 parameters).
LOOKUP = 400

#: Writes many rows into a table in one go (``Store._insert_rows``: a server takes them in one
#: statement, not a round trip each).
InsertRows = Callable[[Db, str, str, Sequence[Sequence[object]]], None]


#: Adds sessions brought in, in one statement, skipping any whose import key is taken: how many
#: it added (``PostgresStore._insert_imported``).
InsertSessions = Callable[[Db, Sequence[Sequence[object]]], int]
#: Takes the numbers of the next sessions (``Store._new_ids``).
NewIds = Callable[[Db, int], list[int]]


class ImportRace(Exception):
    """Sessions added in bulk found an import key taken that the look-up did not show: the
    import is rolled back and done again, a session at a time (``transfer.bring_in``)."""


class Importing:
    """One import in progress: ``add`` each session, in bundle order (``look_up`` the next few
    first, so that finding what is already here takes a query per few hundred sessions)."""

    def __init__(
        self,
        db: Db,
        author: str,
        insert_rows: InsertRows | None = None,
        insert_sessions: InsertSessions | None = None,
        new_ids: NewIds | None = None,
    ) -> None:
        self.db = db
        self.author = author
        self._insert_rows = insert_rows
        self._insert_sessions = insert_sessions
        self._new_ids = new_ids
        #: Numbers taken for new sessions (``reserve``), the sessions waiting to be added in
        #: bulk, and the import keys this import added.
        self._ids: collections.deque[int] = collections.deque()
        self._sessions: list[tuple[object, ...]] = []
        self._taken: set[str] = set()
        #: What ``look_up`` found: session id -> import key, and the ids by fingerprint and by
        #: import key; and the import keys it looked up.
        self._found: dict[int, str | None] = {}
        self._by_key: dict[str, list[int]] = {}
        self._looked_up: set[str] = set()
        self._clients: dict[tuple[str, str | None], int] = {}
        #: Clients this import created, in the spelling it created them.
        self.new_clients: list[str] = []
        #: How many sessions of each fingerprint the bundle has had so far.
        self._seen: dict[str, int] = {}
        #: Sessions already here that this import matched (each stands for one bundle session).
        self._matched: set[int] = set()
        self._answers: list[tuple[int, str, int, str, str, int, str]] = []

    def add(
        self,
        record: NewSession,
        key: str,
        prepare: Callable[[NewSession], NewSession] | None = None,
    ) -> tuple[int, bool]:
        """Add one session unless it is already here: (its id in this store, added?).
        ``prepare`` finishes a session that is to be added (finds its client)."""
        found, copy = self.find(key)
        if found is not None:
            return found, False
        return self.insert(record, key, copy, prepare)

    def find(self, key: str) -> tuple[int | None, int]:
        """The session already here that stands for the bundle's next one of this fingerprint
        (None: it is new), and which of the bundle's sessions of this fingerprint it is."""
        copy = self._seen.get(key, 0)
        self._seen[key] = copy + 1
        return self._here(key, f"{key}/{copy}"), copy

    def reserve(self, count: int) -> None:
        """Take the numbers of the next ``count`` new sessions at once, where the engine adds
        sessions in bulk (a server: one round trip for the numbers, one for the sessions)."""
        if self._insert_sessions is not None and self._new_ids is not None and count > 0:
            self._ids.extend(self._new_ids(self.db, count))

    def insert(
        self,
        record: NewSession,
        key: str,
        copy: int,
        prepare: Callable[[NewSession], NewSession] | None = None,
    ) -> tuple[int, bool]:
        """Add a session ``find`` did not find: (its id, True); or (the id of the one found
        here after all, False)."""
        if prepare is not None:
            record = prepare(record)
        client_id = self._client(record)
        author = record.author or self.author
        import_key = f"{key}/{copy}"
        if (
            self._ids
            and import_key in self._looked_up
            and import_key not in self._by_key
            and import_key not in self._taken
        ):
            # Nothing here has its import key (looked up, and not added since): added with the
            # next sessions in one statement, under a number taken for it.
            session_id = self._ids.popleft()
            self._sessions.append(
                (
                    session_id, client_id, record.questionnaire_id, record.version,
                    record.sha256, record.source, record.status, record.started_at,
                    record.updated_at, record.completed_at, record.worst_pain,
                    record.result_json, record.warning, record.previous_id, 1, key, import_key,
                    author,
                )
            )  # fmt: skip
        else:
            self._flush_sessions()  # (the store numbers this one: those before it go first)
            added = self._insert_one(record, client_id, author, key, copy)
            if not added[1]:
                return added[0], False
            session_id, import_key = added[0], f"{key}/{added[2]}"
        self._taken.add(import_key)
        self._matched.add(session_id)
        stamps = record.answered or ((record.updated_at, author),) * len(record.answers)
        self._answers.extend(
            (session_id, q, n, v, when, 1, who or author)
            for (q, n, v), (when, who) in zip(record.answers, stamps, strict=True)
        )
        if len(self._answers) >= BATCH:
            self.flush()
        return session_id, True

    def _insert_one(
        self, record: NewSession, client_id: int | None, author: str, key: str, copy: int
    ) -> tuple[int, bool, int]:
        """One session added as the store numbers it: (its id, True, the copy it was added
        as), or, when another import added it first, (that one's id, False, copy)."""
        while True:
            import_key = f"{key}/{copy}"
            row = self.db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   completed_at, worst_pain, result_json, warning, previous_id, revision,
                   fingerprint, import_key, author)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                   ON CONFLICT (import_key) DO NOTHING RETURNING id""",
                (
                    client_id, record.questionnaire_id, record.version, record.sha256,
                    record.source, record.status, record.started_at, record.updated_at,
                    record.completed_at, record.worst_pain, record.result_json, record.warning,
                    record.previous_id, key, import_key, author,
                ),
            ).fetchone()  # fmt: skip
            if row is not None:
                return int(row[0]), True, copy
            # Another import added it first (a server running both at once): already here.
            found = self._here(key, import_key, fresh=True)
            if found is not None:
                return found, False, copy
            copy += 1  # the key is taken by a session this import matched already (or, on a
            # server, by one this trainer cannot see: theirs is their own)

    def look_up(self, keys: Sequence[str]) -> None:
        """Find, in a few queries, what ``_here`` asks about the sessions of these fingerprints,
        about to be added in this order. Sessions this import adds meanwhile need not be seen:
        each is matched already, and the import holds the store's write lock (on a server, a
        lock all imports take), so nothing else adds any."""
        counts: dict[str, int] = {}
        import_keys: list[str] = []
        for key in keys:
            copy = self._seen.get(key, 0) + counts.get(key, 0)
            counts[key] = counts.get(key, 0) + 1
            import_keys.append(f"{key}/{copy}")
        self._found.clear()
        self._by_key.clear()
        self._looked_up = set(import_keys)
        for column, wanted in (("fingerprint", list(counts)), ("import_key", import_keys)):
            for start in range(0, len(wanted), LOOKUP):
                part = wanted[start : start + LOOKUP]
                marks = ", ".join("?" * len(part))
                for session_id, import_key, fingerprint in self.db.execute(
                    f"SELECT id, import_key, fingerprint FROM sessions WHERE {column} IN ({marks})",
                    part,
                ):
                    session_id = int(session_id)
                    if session_id in self._found:
                        continue
                    self._found[session_id] = import_key
                    for found_by in {fingerprint, import_key} - {None}:
                        self._by_key.setdefault(found_by, []).append(session_id)

    def _here(self, key: str, import_key: str, *, fresh: bool = False) -> int | None:
        """The session already here that stands for this one: the one brought in under this
        import key, else the first with this fingerprint that this import has not matched
        (``fresh``: asked of the store, not of what ``look_up`` found)."""
        rows: list[tuple[int, str | None]]
        if import_key in self._looked_up and not fresh:
            ids = {*self._by_key.get(import_key, ()), *self._by_key.get(key, ())}
            rows = [(session_id, self._found[session_id]) for session_id in ids]
        else:
            rows = self.db.execute(
                "SELECT id, import_key FROM sessions WHERE import_key = ? OR fingerprint = ?",
                (import_key, key),
            ).fetchall()
        rows.sort(key=lambda row: (row[1] != import_key, row[0]))
        for session_id, _ in rows:
            if session_id not in self._matched:
                self._matched.add(session_id)
                return int(session_id)
        return None

    def _client(self, record: NewSession) -> int | None:
        """The client a session brought in belongs to: the one with its id, else (a record
        without one) the one of its name, else a new client keeping the record's id."""
        if not record.client:
            return None
        cache = (record.client, record.client_uuid)
        if cache in self._clients:
            return self._clients[cache]
        if record.client_uuid:
            found = self.db.execute(
                "SELECT id FROM clients WHERE uuid = ?", (record.client_uuid,)
            ).fetchone()
        else:
            found = self.db.execute(
                "SELECT id FROM clients WHERE lower(name) = lower(?) ORDER BY id",
                (record.client,),
            ).fetchone()
        if found is None:
            client_id = int(
                self.db.execute(
                    "INSERT INTO clients(name, created_at, uuid) VALUES (?, ?, ?) RETURNING id",
                    (record.client, now(), record.client_uuid or new_uuid()),
                ).fetchone()[0]
            )
            self.new_clients.append(record.client)
        else:
            client_id = int(found[0])
        self._clients[cache] = client_id
        return client_id

    def _flush_sessions(self) -> None:
        if not self._sessions or self._insert_sessions is None:
            return
        added = self._insert_sessions(self.db, self._sessions)
        if added != len(self._sessions):
            # An import key found taken after all (a session this trainer cannot see, or an
            # import running beside this one): the import is done again, a session at a time.
            raise ImportRace
        self._sessions.clear()

    def flush(self) -> None:
        self._flush_sessions()  # (answers refer to their sessions)
        if self._insert_rows is not None:
            self._insert_rows(self.db, "answers", _ANSWER_COLUMNS, self._answers)
        else:
            marks = ", ".join("?" * len(_ANSWER_COLUMNS.split(",")))
            self.db.executemany(
                f"INSERT INTO answers({_ANSWER_COLUMNS}) VALUES ({marks})", self._answers
            )
        self._answers.clear()


_ANSWER_COLUMNS = "session_id, question_id, position, value_json, answered_at, revision, author"


@contextlib.contextmanager
def importing(store: Store, *, bulk: bool = True) -> Iterator[Importing]:
    """An import's transaction: everything added, or on any error (a problem found late in the
    bundle, a full disk), nothing. ``bulk``: sessions added many to a statement where the
    engine can (a server), else one at a time."""
    with store._write() as db:
        # Imports take turns (SQLite's write transactions already do; a server's wait on a
        # lock here), so the second finds what the first added, clients included.
        store._serialise(db, "imbalance import")
        store._bulk_begins(db, "import")
        in_bulk = bulk and store.imports_in_bulk
        batch = Importing(
            db, store.author, store._insert_rows,
            store._insert_imported if in_bulk else None, store._new_ids if in_bulk else None,
        )  # fmt: skip
        yield batch
        batch.flush()
