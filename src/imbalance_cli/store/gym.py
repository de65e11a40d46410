"""What only a gym's shared store has: trainers (database roles in the group role
``imbalance_trainer``, owners also in ``imbalance_owner``), clients assigned to a trainer and
shared with others, and the audit.

Who may see and change what is enforced by the database (row-level security and triggers,
migration 5 in ``schema.py``); what is here only asks the database and says clearly what it
refused. Role names are SQL identifiers: they are checked, then quoted by psycopg, never
pasted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import UsageError
from imbalance_cli.store.rows import ClientRow, now
from imbalance_cli.store.schema import OWNER_ROLE, TRAINER_ROLE

if TYPE_CHECKING:
    from imbalance_cli.store.postgres import PostgresStore

#: A trainer's login: lower-case letters, digits and _, starting with a letter or _ (as an
#: unquoted PostgreSQL name, so it can be typed in a URL and in psql alike).
TRAINER_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    client_id: str | None
    client: str | None
    session: int | None
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at, "actor": self.actor, "action": self.action,
            "client": self.client, "client_id": self.client_id, "session": self.session,
            "detail": self.detail,
        }  # fmt: skip


def check_trainer_name(name: str) -> str:
    if not TRAINER_NAME.match(name):
        raise UsageError(
            f"'{name[:40]}' cannot be a trainer's login: use lower-case letters, digits and _, "
            "starting with a letter (anna, b_kowalski)"
        )
    return name


def ensure_roles(store: PostgresStore) -> None:
    """The two group roles, made once per server (they are shared by its databases)."""
    for role in (TRAINER_ROLE, OWNER_ROLE):
        if not store.db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone():
            store.sql("CREATE ROLE {} NOLOGIN", role)
    store.sql("GRANT {} TO {}", TRAINER_ROLE, OWNER_ROLE)


def grant(store: PostgresStore, database: str, schema: str) -> None:
    """What a trainer may touch at all; which rows, row-level security decides."""
    store.sql("GRANT CONNECT ON DATABASE {} TO {}", database, TRAINER_ROLE)
    store.sql("GRANT USAGE ON SCHEMA {} TO {}", schema, TRAINER_ROLE)
    store.sql("GRANT SELECT ON meta TO {}", TRAINER_ROLE)
    store.sql(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON clients, sessions, answers, client_shares, leases, "
        "programmes, programme_logs TO {}",
        TRAINER_ROLE,
    )
    store.sql("GRANT SELECT, INSERT ON audit TO {}", TRAINER_ROLE)
    store.sql("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}", schema, TRAINER_ROLE)


def is_trainer(store: PostgresStore, name: str) -> bool:
    row = store.db.execute(
        "SELECT pg_has_role(oid, ?, 'MEMBER') FROM pg_roles WHERE rolname = ?",
        (TRAINER_ROLE, name),
    ).fetchone()
    return bool(row and row[0])


def add_trainer(
    store: PostgresStore, name: str, password: str, *, owner: bool, existing: bool = False
) -> bool:
    """A login for a trainer (or an owner), or a new password for a trainer. A role of the
    server that is not a trainer (someone's own login, another application's) is made one,
    with this password, only when ``existing`` says so. The password goes to the server
    already hashed (SCRAM-SHA-256), so it never appears in its logs. True when the role is
    new."""
    check_trainer_name(name)
    if not password:
        raise UsageError("a trainer needs a password; an empty one is refused")
    exists = store.db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone()
    if exists and not existing and not is_trainer(store, name):
        raise UsageError(
            f"'{name}' is already a role on this server and not a trainer; adding it would "
            "make it one and replace its password. If that is meant, add --existing; "
            "nothing was changed"
        )
    hashed = store.hashed_password(name, password)
    with store._write():
        if exists:
            store.sql("ALTER ROLE {} LOGIN PASSWORD {}", name, literal=hashed)
        else:
            store.sql("CREATE ROLE {} LOGIN PASSWORD {}", name, literal=hashed)
        store.sql("GRANT {} TO {}", TRAINER_ROLE, name)
        if owner:
            store.sql("GRANT {} TO {}", OWNER_ROLE, name)
    return not exists


def clients(store: PostgresStore) -> list[ClientRow]:
    rows = store.db.execute(
        """SELECT c.name, COUNT(s.id), MAX(s.started_at), c.uuid, c.trainer,
               (SELECT string_agg(x.trainer, ',' ORDER BY x.trainer) FROM client_shares x
                WHERE x.client_id = c.id)
           FROM clients c LEFT JOIN sessions s ON s.client_id = c.id
           GROUP BY c.id, c.name, c.uuid, c.trainer ORDER BY c.name, c.id"""
    ).fetchall()
    return [
        ClientRow(
            str(r[0]),
            int(r[1]),
            r[2],
            str(r[3]),
            str(r[4]),
            tuple((r[5] or "").split(",")) if r[5] else (),
        )
        for r in rows
    ]


def share(store: PostgresStore, client: str, trainer: str, *, stop: bool = False) -> str:
    """Share a client with a trainer (or stop sharing); returns the client's stored name."""
    client_row, name, _ = store._needed(client)
    check_trainer_name(trainer)
    if not stop and not is_trainer(store, trainer):
        raise UsageError(
            f"'{trainer}' is not a trainer of this store; the admin login (the one that ran "
            f"admin init) adds one with: imbalance admin add-trainer {trainer}"
        )
    with store._write() as db:
        if stop:
            gone = db.execute(
                "DELETE FROM client_shares WHERE client_id = ? AND trainer = ?",
                (client_row, trainer),
            ).rowcount
            if not gone:
                raise UsageError(f"'{name}' is not shared with {trainer}")
        else:
            db.execute(
                "INSERT INTO client_shares(client_id, trainer, shared_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (client_row, trainer, now()),
            )
    return name


def assign(store: PostgresStore, client: str, trainer: str) -> tuple[str, str]:
    """Assign a client to another trainer; returns their name and the trainer they had."""
    client_row, name, _ = store._needed(client)
    check_trainer_name(trainer)
    if not is_trainer(store, trainer):
        raise UsageError(
            f"'{trainer}' is not a trainer of this store; the admin login (the one that ran "
            f"admin init) adds one with: imbalance admin add-trainer {trainer}"
        )
    with store._write() as db:
        before = db.execute("SELECT assign_client(?, ?)", (client_row, trainer)).fetchone()
    return name, str(before[0])


def record(
    store: PostgresStore,
    action: str,
    sessions: Sequence[int] = (),
    client: str | None = None,
    detail: str | None = None,
) -> None:
    """Audit what the database cannot see: a read or an export, of sessions or a client."""
    found = store._one_client(client) if client else None
    client_row = found[0] if found is not None else None
    with store._write() as db:
        if sessions:
            db.executemany(
                "SELECT audit_note(?, ?, NULL, ?)", [(action, sid, detail) for sid in sessions]
            )
        else:
            db.execute("SELECT audit_note(?, NULL, ?, ?)", (action, client_row, detail))


def audit(
    store: PostgresStore,
    *,
    client: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit, newest first: an owner's all of it, a trainer's their own actions."""
    query = (
        "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'), actor, "
        "action, client_uuid, client_name, session_id, detail FROM audit"
    )
    where: list[str] = []
    params: list[object] = []
    if client is not None:
        # One client, by id: two clients of one name are two people (a name both have is
        # refused, naming their ids). A client deleted since is found by name or id as typed.
        found = store._one_client(client)
        if found is not None:
            where.append(
                "(client_uuid = ? OR (client_uuid IS NULL AND lower(client_name) = lower(?)))"
            )
            params += [found[2], found[1]]
        else:
            where.append("(lower(client_name) = lower(?) OR client_uuid LIKE ?)")
            params += [client, client.strip().lower() + "%"]
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if since is not None:
        where.append("at >= CAST(? AS timestamptz)")
        params.append(since)
    if where:
        query += " WHERE " + " AND ".join(where)
    query += " ORDER BY id DESC"
    if limit is not None:
        query += " LIMIT ?"
        params.append(limit)
    return [
        AuditEntry(str(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5], r[6])
        for r in store.db.execute(query, params).fetchall()
    ]
