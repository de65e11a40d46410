"""A client's home programme in the store: each version a trainer saved (the newest active, the
ones before it replaced, or stopped by a warning sign in a log entry) and the client's log of
sessions at home. The documents are JSON (programme/codec.py reads and writes them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import NamedTuple

from imbalance_cli.store.rows import Db, now


class ProgrammeRow(NamedTuple):
    id: int
    client_id: int
    session_id: int | None
    previous_id: int | None
    status: str
    created_at: str
    author: str | None
    document: str


class LogRow(NamedTuple):
    id: int
    client_id: int
    programme_id: int | None
    day: str
    logged_at: str
    author: str | None
    warning: str | None
    document: str


_PROGRAMME = "id, client_id, session_id, previous_id, status, created_at, author, programme_json"
_LOG = "id, client_id, programme_id, day, logged_at, author, warning, entry_json"


class Programmes:
    """The programme half of the store (the engines give ``db``, ``_write`` and ``author``)."""

    db: Db
    author: str

    def _write(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def save_programme(
        self, client_id: int, session_id: int | None, document: str, created_at: str | None = None
    ) -> int:
        """Save a new version of the client's programme; the one before it is replaced."""
        with self._write() as db:
            before = db.execute(
                "SELECT id FROM programmes WHERE client_id = ? AND status = 'active' "
                "ORDER BY id DESC LIMIT 1",
                (client_id,),
            ).fetchone()
            db.execute(
                "UPDATE programmes SET status = 'replaced' WHERE client_id = ? AND status = 'active'",
                (client_id,),
            )
            row = db.execute(
                "INSERT INTO programmes (client_id, session_id, previous_id, status, created_at, "
                "author, programme_json) VALUES (?, ?, ?, 'active', ?, ?, ?) RETURNING id",
                (client_id, session_id, before[0] if before else None, created_at or now(),
                 self.author, document),
            ).fetchone()  # fmt: skip
        return int(row[0])

    def programmes(self, client_id: int) -> list[ProgrammeRow]:
        """Every version of the client's programme, oldest first."""
        rows = self.db.execute(
            f"SELECT {_PROGRAMME} FROM programmes WHERE client_id = ? ORDER BY id", (client_id,)
        ).fetchall()
        return [ProgrammeRow(*r) for r in rows]

    def current_programme(self, client_id: int) -> ProgrammeRow | None:
        """The newest version (active, or stopped by a warning sign)."""
        row = self.db.execute(
            f"SELECT {_PROGRAMME} FROM programmes WHERE client_id = ? AND status <> 'replaced' "
            "ORDER BY id DESC LIMIT 1",
            (client_id,),
        ).fetchone()
        return ProgrammeRow(*row) if row else None

    def add_log(
        self,
        client_id: int,
        programme_id: int | None,
        day: str,
        document: str,
        warning: str | None,
        stopped: Callable[[int], str] | None = None,
    ) -> int:
        """Save a log entry; with ``stopped`` (the programme's document with the warning sign,
        given the entry's id), the programme it belongs to is stopped in the same transaction:
        a log that raised a warning sign is never kept without the stop."""
        with self._write() as db:
            row = db.execute(
                "INSERT INTO programme_logs (client_id, programme_id, day, logged_at, author, "
                "warning, entry_json) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (client_id, programme_id, day, now(), self.author, warning, document),
            ).fetchone()
            if stopped is not None and programme_id is not None:
                db.execute(
                    "UPDATE programmes SET status = 'stopped', programme_json = ? WHERE id = ?",
                    (stopped(int(row[0])), programme_id),
                )
        return int(row[0])

    def logs(self, client_id: int) -> list[LogRow]:
        """The client's log entries, in the order they were logged."""
        rows = self.db.execute(
            f"SELECT {_LOG} FROM programme_logs WHERE client_id = ? ORDER BY id", (client_id,)
        ).fetchall()
        return [LogRow(*r) for r in rows]

    def all_programme_rows(self) -> Iterator[tuple[str, tuple[object, ...]]]:
        """Every programme and log row, for a copy of the store (table name, row)."""
        for table, columns in (("programmes", _PROGRAMME), ("programme_logs", _LOG)):
            for r in self.db.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall():
                yield table, tuple(r)

    def copy_programmes_in(
        self,
        programmes: list[tuple[ProgrammeRow, int, int | None]],
        logs: list[tuple[LogRow, int]],
    ) -> tuple[int, int]:
        """Add programme versions and log entries copied from another store, in one
        transaction: each programme row with its client and session here; each log with its
        client here. A row already here (same client, time and document) is not added again.
        Returns how many programmes and logs were added."""
        added = [0, 0]
        numbers: dict[int, int] = {}
        with self._write() as db:
            for row, client, session in programmes:
                there = db.execute(
                    "SELECT id FROM programmes WHERE client_id = ? AND created_at = ? "
                    "AND programme_json = ?",
                    (client, row.created_at, row.document),
                ).fetchone()
                if there:
                    numbers[row.id] = int(there[0])
                    continue
                new = db.execute(
                    "INSERT INTO programmes (client_id, session_id, previous_id, status, "
                    "created_at, author, programme_json) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (client, session, numbers.get(row.previous_id or -1), row.status,
                     row.created_at, row.author, row.document),
                ).fetchone()  # fmt: skip
                numbers[row.id] = int(new[0])
                added[0] += 1
            for log, client in logs:
                there = db.execute(
                    "SELECT 1 FROM programme_logs WHERE client_id = ? AND logged_at = ? "
                    "AND entry_json = ?",
                    (client, log.logged_at, log.document),
                ).fetchone()
                if there:
                    continue
                db.execute(
                    "INSERT INTO programme_logs (client_id, programme_id, day, logged_at, author, "
                    "warning, entry_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (client, numbers.get(log.programme_id or -1), log.day, log.logged_at,
                     log.author, log.warning, log.document),
                )  # fmt: skip
                added[1] += 1
        return added[0], added[1]
