"""Writing one session as it is answered: starting it, its lease, saving its answers with their
revisions, and its status. The rules (who may write, which saves are refused) are in
``writing.py``; this is the store's side of them, each step one write transaction (SQLite:
``BEGIN IMMEDIATE``, so writers take turns; PostgreSQL: the session's row locked first with
``SELECT ... FOR UPDATE``, so two writers of one session take turns there too), in SQL both
engines run.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from imbalance_cli.store.rows import Db, answer_json, fingerprint, now
from imbalance_cli.store.schema import STATUSES
from imbalance_cli.store.writing import (
    Lease,
    SessionGone,
    SessionHeld,
    Take,
    Writer,
    check_holder,
    plan_save,
    take,
)

if TYPE_CHECKING:
    from imbalance_cli.model import AnswerValue


def encoded(value: AnswerValue) -> str:
    """An answer as the store keeps it: JSON, tuples as lists, text as written."""
    # Imported here, not with the module: listing sessions reads no answers and need not
    # import the questionnaire model (45 ms of a 0.5 s `sessions list`).
    from imbalance_cli.model import to_plain

    return answer_json(to_plain(value))


_LEASE_COLUMNS = "session_id, token, account, host, pid, since, renewed_at, released_at"


class Answering:
    """The part of the store that answering a session uses (mixed into ``Store``)."""

    db: Db
    #: Who writes: the local account, or the trainer's database role.
    author: str

    if TYPE_CHECKING:  # the store's own (clients are not this module's business)

        def client_id(self, name: str, *, create: bool, uuid: str | None = None) -> int | None: ...

    def _write(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def _lock_session(self, db: Db, session_id: int) -> None:
        """Inside a write transaction: hold the session against other writers until it ends
        (SQLite's write transactions already take turns; a server's lock the row)."""

    def writer(self) -> Writer:
        """This process as a holder of leases, named as the store knows its author."""
        return Writer.here(self.author or None)

    def start(
        self,
        *,
        questionnaire_id: str,
        version: str,
        sha256: str,
        source: str,
        client: str | None,
        started_at: str | None = None,
        previous: int | None = None,
        writer: Writer | None = None,
    ) -> int:
        """A new session, in progress; with a writer, leased to it in the same transaction."""
        client_id = self.client_id(client, create=True) if client else None
        stamp = started_at or now()
        key = fingerprint(questionnaire_id, sha256, stamp, {})
        values = (client_id, questionnaire_id, version, sha256, source, stamp, stamp, previous)
        with self._write() as db:
            row = db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   previous_id, fingerprint, author)
                   VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?) RETURNING id""",
                (*values, key, self.author),
            ).fetchone()
            session_id = int(row[0])
            if writer is not None:
                _put_lease(db, session_id, writer, now())
            return session_id

    # -- the lease ---------------------------------------------------------------------------

    def lease(self, session_id: int) -> Lease | None:
        return _lease(self.db, session_id)

    def acquire(self, session_id: int, writer: Writer, *, take_over: bool = False) -> Take:
        """Take a session's lease for this writer: free, stale, or (with ``take_over``) held by
        another, who stops at its next save. Raises SessionHeld when another live writer holds
        it."""
        with self._write() as db:
            self._lock_session(db, session_id)
            taken = take(
                _lease(db, session_id), writer, datetime.now(timezone.utc), take_over=take_over
            )
            _put_lease(db, session_id, writer, now())
        return taken

    def release(self, session_id: int, writer: Writer) -> None:
        """Let go of a lease this writer holds (its token stays, so that a writer it took the
        session from still learns so)."""
        with self._write() as db:
            _release(db, session_id, writer)

    # -- answers -----------------------------------------------------------------------------

    def revisions(self, session_id: int) -> dict[str, int]:
        """The revision each stored answer was last written at."""
        rows = self.db.execute(
            "SELECT question_id, revision FROM answers WHERE session_id = ?", (session_id,)
        ).fetchall()
        return {str(q): int(r) for q, r in rows}

    def save_answers(
        self,
        session_id: int,
        answers: Mapping[str, AnswerValue],
        order: Mapping[str, int],
        warning: str | None = None,
        worst: float | None = None,
        *,
        writer: Writer | None = None,
        base: Mapping[str, int] | None = None,
    ) -> dict[str, int]:
        """Make the stored answers equal ``answers``, in one transaction: changed ones are
        rewritten at the session's next revision, removed ones (hidden by a changed answer, or
        undone by going back) deleted; returns the revisions now stored.

        With a ``writer``, the session's lease must be its own (LeaseLost otherwise), and is
        renewed. With a ``base`` (the revision the writer last saw of each answer), a change to
        an answer stored at another revision is refused (StaleAnswers) and nothing is written."""
        stamp = now()
        plain = {qid: encoded(value) for qid, value in answers.items()}
        with self._write() as db:
            self._lock_session(db, session_id)
            _may_write(db, session_id, writer, stamp)
            stored = {
                str(q): (str(v), int(r))
                for q, v, r in db.execute(
                    "SELECT question_id, value_json, revision FROM answers WHERE session_id = ?",
                    (session_id,),
                )
            }
            plan = plan_save(session_id, stored, plain, base)
            row = db.execute(
                "SELECT questionnaire_id, questionnaire_sha256, started_at, revision FROM sessions "
                "WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                raise SessionGone(session_id)
            revision = int(row[3]) + (1 if plan.write or plan.delete else 0)
            db.executemany(
                "DELETE FROM answers WHERE session_id = ? AND question_id = ?",
                [(session_id, qid) for qid in plan.delete],
            )
            db.executemany(
                """INSERT INTO answers(session_id, question_id, position, value_json, answered_at,
                   revision, author) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(session_id, question_id) DO UPDATE SET
                   value_json = excluded.value_json, answered_at = excluded.answered_at,
                   position = excluded.position, revision = excluded.revision,
                   author = excluded.author""",
                [
                    (session_id, q, order.get(q, 0), v, stamp, revision, self.author)
                    for q, v in plan.write
                ],
            )
            from imbalance_cli.model import to_plain

            key = fingerprint(row[0], row[1], row[2], {q: to_plain(v) for q, v in answers.items()})
            db.execute(
                "UPDATE sessions SET updated_at = ?, worst_pain = ?, warning = ?, revision = ?, "
                "fingerprint = ? WHERE id = ?",
                (stamp, worst, warning, revision, key, session_id),
            )
        revisions = {q: r for q, (_, r) in stored.items() if q in plain}
        revisions.update((q, revision) for q, _ in plan.write)
        return revisions

    def set_status(
        self,
        session_id: int,
        status: str,
        *,
        result_json: str | None = None,
        completed_at: str | None = None,
        writer: Writer | None = None,
        release: bool = False,
    ) -> None:
        """Mark a session in progress, interrupted or complete (with its result). With a
        writer, only while it holds the lease (LeaseLost otherwise); ``release`` lets the lease
        go in the same transaction."""
        assert status in STATUSES
        stamp = now()
        with self._write() as db:
            self._lock_session(db, session_id)
            _may_write(db, session_id, writer, stamp)
            db.execute(
                "UPDATE sessions SET status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at), result_json = COALESCE(?, result_json) WHERE id = ?",
                (status, stamp, completed_at, result_json, session_id),
            )
            if writer is not None and release:
                _release(db, session_id, writer)


def _lease(db: Db, session_id: int) -> Lease | None:
    row = db.execute(
        f"SELECT {_LEASE_COLUMNS} FROM leases WHERE session_id = ?", (session_id,)
    ).fetchone()
    return None if row is None else Lease(*row)


def _put_lease(db: Db, session_id: int, writer: Writer, stamp: str) -> None:
    db.execute(
        f"""INSERT INTO leases({_LEASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
            ON CONFLICT(session_id) DO UPDATE SET token = excluded.token,
            account = excluded.account, host = excluded.host, pid = excluded.pid,
            since = excluded.since, renewed_at = excluded.renewed_at, released_at = NULL""",
        (session_id, writer.token, writer.account, writer.host, writer.pid, stamp, stamp),
    )


def _may_write(db: Db, session_id: int, writer: Writer | None, stamp: str) -> None:
    """Inside a write: the lease must be this writer's, and is renewed (or taken, when the
    session has none: one begun before leases were kept). Without a writer (code that owns the
    store outright, such as a test), only a session nobody holds may be written."""
    lease = _lease(db, session_id)
    if writer is None:
        if lease is not None and lease.held:
            raise SessionHeld(lease)
        return
    check_holder(session_id, lease, writer)
    if lease is None:
        if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise SessionGone(session_id)
        _put_lease(db, session_id, writer, stamp)
    else:
        db.execute(
            "UPDATE leases SET renewed_at = ?, released_at = NULL WHERE session_id = ?",
            (stamp, session_id),
        )


def _release(db: Db, session_id: int, writer: Writer) -> None:
    db.execute(
        "UPDATE leases SET released_at = ? WHERE session_id = ? AND token = ?",
        (now(), session_id, writer.token),
    )
