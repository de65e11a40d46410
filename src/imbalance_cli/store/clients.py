"""Clients in the store: found by name (without regard to case) or by their stable id, added,
renamed, merged and deleted. Every client has a UUID, made when they are first saved and kept
wherever their records go (bundles, FHIR, CSV, another store), so two people of one name stay
two people."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager

from imbalance_cli.errors import UsageError
from imbalance_cli.store.rows import ClientRow, Db, now

#: What a client's id looks like as typed: its first 8 or more hex digits, with or without
#: the dashes of the full UUID.
_ID_PREFIX = re.compile(r"^[0-9a-f]{8}(?:-?[0-9a-f]){0,24}$")


def new_uuid() -> str:
    import uuid

    return str(uuid.uuid4())


class ClientRecords:
    """The client half of the store (the engines give ``db``, ``_write`` and ``author``)."""

    db: Db
    author: str

    def _write(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def _serialise(self, db: Db, key: str) -> None:
        """Inside a write transaction: wait for any other writer holding ``key`` (SQLite's
        write transactions already take turns; a server's need a lock)."""

    def _checkpoint(self) -> None:
        """After a delete: make sure the removed rows do not linger."""

    def find_clients(self, text: str) -> list[tuple[int, str, str]]:
        """(row id, name, uuid) of the clients ``text`` names: an id (or its first 8+ hex
        digits) when it looks like one and matches, else a name, without regard to case."""
        lowered = text.strip().lower()
        if _ID_PREFIX.match(lowered):
            rows = self.db.execute(
                "SELECT id, name, uuid FROM clients WHERE substr(uuid, 1, ?) = ? ORDER BY id",
                (len(lowered), lowered),
            ).fetchall()
            if rows:
                return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]
        rows = self.db.execute(
            "SELECT id, name, uuid FROM clients WHERE lower(name) = lower(?) ORDER BY id", (text,)
        ).fetchall()
        if not rows:
            # A name stored before names were cleaned where they enter (one with escape
            # sequences, say) is found by its cleaned form, which is all anyone can type now.
            from imbalance_cli.text import person_name

            wanted = person_name(text).casefold()
            rows = [
                r
                for r in self.db.execute("SELECT id, name, uuid FROM clients ORDER BY id")
                if person_name(str(r[1])).casefold() == wanted
            ]
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def clients_with_uuid(self, uuid: str) -> list[tuple[int, str, str]]:
        """The clients ``find_clients(uuid)`` finds whose id is exactly ``uuid``. For an id as
        the store writes them (lower case) that is one look-up in the unique index, where
        ``find_clients`` walks every client (a prefix, then a name, then every cleaned name):
        an import asks this of each new client, and 2,000 clients made it quadratic."""
        if uuid != uuid.strip().lower() or not _ID_PREFIX.match(uuid):
            return [c for c in self.find_clients(uuid) if c[2] == uuid]
        rows = self.db.execute(
            "SELECT id, name, uuid FROM clients WHERE uuid = ? ORDER BY id", (uuid,)
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def _one_client(self, text: str) -> tuple[int, str, str] | None:
        found = self.find_clients(text)
        if len(found) > 1:
            # The client this store was asked for by id, named again by their name (a command
            # turns the id it was given into the name it prints and passes on).
            chosen = self._chosen().get(text.strip().casefold())
            if chosen is not None and chosen in found:
                return chosen
            ids = ", ".join(f"{name} ({uuid[:8]})" for _, name, uuid in found)
            raise UsageError(
                f"'{text}' could be {len(found)} clients: {ids}; give the id instead "
                "(see: imbalance clients list)"
            )
        return found[0] if found else None

    def client_id(self, name: str, *, create: bool, uuid: str | None = None) -> int | None:
        """A client by name or id; with ``create``, a new client of that name (with ``uuid``
        as their id, or a new one) when there is none."""
        found = self._one_client(name)
        if found is not None:
            return found[0]
        if not create:
            return None
        with self._write() as db:
            # Two writers adding the same new client make one: the second waits, then finds it.
            self._serialise(db, f"client:{name.lower()}")
            row = db.execute(
                "SELECT id FROM clients WHERE lower(name) = lower(?) ORDER BY id", (name,)
            ).fetchone()
            if row is None:
                row = db.execute(
                    "INSERT INTO clients(name, created_at, uuid) VALUES (?, ?, ?) RETURNING id",
                    (name, now(), uuid or new_uuid()),
                ).fetchone()
        return int(row[0])

    def _chosen(self) -> dict[str, tuple[int, str, str]]:
        """The clients named by id so far, by their name: that name then means them, for this
        store object (one command), even where another client the trainer sees has it too."""
        chosen: dict[str, tuple[int, str, str]] = self.__dict__.setdefault("_chosen_clients", {})
        return chosen

    def _choose(self, text: str, found: tuple[int, str, str] | None) -> None:
        if found is not None and found[1].casefold() != text.strip().casefold():
            self._chosen()[found[1].casefold()] = found

    def client_name(self, name: str) -> str:
        """The stored spelling of a client's name (named by name or id), or the name given when
        there is none yet. A client named by id stays that client when this store is later
        asked for the name."""
        found = self._one_client(name)
        self._choose(name, found)
        if found is None and _ID_PREFIX.match(name.strip().lower()):
            # A mistyped id would otherwise become a new client of that "name".
            raise UsageError(
                f"no client has the id '{name.strip()}' (see: imbalance clients list); a new "
                "client is named by their name, not an id"
            )
        return found[1] if found is not None else name

    def known_client(self, name: str) -> str:
        """The stored spelling of a client's name (named by name or id); a usage error naming
        the nearest names when there is no such client (a typo, or a first name alone). A
        client named by id stays that client when this store is later asked for the name."""
        found = self._needed(name)
        self._choose(name, found)
        return found[1]

    def client_uuid(self, name: str) -> str | None:
        found = self._one_client(name)
        return found[2] if found is not None else None

    def clients(self) -> list[ClientRow]:
        """Every client, by name: their number of sessions, the latest, and their id."""
        rows = self.db.execute(
            """SELECT c.name, COUNT(s.id), MAX(s.started_at), c.uuid FROM clients c
               LEFT JOIN sessions s ON s.client_id = c.id GROUP BY c.id, c.name, c.uuid
               ORDER BY c.name, c.id"""
        ).fetchall()
        return [ClientRow(str(r[0]), int(r[1]), r[2], str(r[3])) for r in rows]

    def _needed(self, name: str) -> tuple[int, str, str]:
        from imbalance_cli.store import no_such_client

        found = self._one_client(name)
        if found is None:
            raise UsageError(no_such_client(name, [c.name for c in self.clients()]))
        return found

    def rename_client(self, name: str, new: str) -> str:
        """Give a client a new name (or spelling); returns the old stored spelling."""
        client, old, _ = self._needed(name)
        other = self._one_client(new)
        if other is not None and other[0] != client:
            raise UsageError(
                f"there is already a client called '{other[1]}'; to put both "
                f"together use: imbalance clients merge '{name}' '{new}'"
            )
        with self._write() as db:
            if not db.execute("UPDATE clients SET name = ? WHERE id = ?", (new, client)).rowcount:
                raise UsageError(
                    f"only the trainer a client is assigned to, or an owner, can rename them "
                    f"('{old}'); nothing was changed"
                )
        return old

    def merge_clients(self, source: str, target: str) -> tuple[int, str, str]:
        """Move every session of ``source`` to ``target`` and remove ``source``; returns the
        number of sessions moved and the stored names of both."""
        from_id, from_name, _ = self._needed(source)
        into_id, into_name, _ = self._needed(target)
        if from_id == into_id:
            raise UsageError(f"'{source}' and '{target}' are the same client")
        with self._write() as db:
            self._note_merge(db, from_id, into_id)
            moved = db.execute(
                "UPDATE sessions SET client_id = ? WHERE client_id = ?", (into_id, from_id)
            ).rowcount
            for table in ("programmes", "programme_logs"):
                db.execute(
                    f"UPDATE {table} SET client_id = ? WHERE client_id = ?", (into_id, from_id)
                )
            if not db.execute("DELETE FROM clients WHERE id = ?", (from_id,)).rowcount:
                raise UsageError(
                    f"only the trainer a client is assigned to, or an owner, can merge them "
                    f"('{from_name}'); nothing was changed"
                )
        return int(moved), from_name, into_name

    def _note_merge(self, db: Db, from_id: int, into_id: int) -> None:
        """Inside the merge's transaction: record it where there is an audit."""

    def delete_client(self, name: str) -> int:
        """Delete a client and every session and answer about them; return the sessions removed."""
        client = self._needed(name)[0]
        with self._write() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM sessions WHERE client_id = ?", (client,)
            ).fetchone()[0]
            db.execute("DELETE FROM programme_logs WHERE client_id = ?", (client,))
            db.execute("DELETE FROM programmes WHERE client_id = ?", (client,))
            db.execute("DELETE FROM sessions WHERE client_id = ?", (client,))
            gone = db.execute("DELETE FROM clients WHERE id = ?", (client,)).rowcount
            if not gone:
                raise UsageError(
                    f"client '{name}' can only be deleted by the trainer they are assigned to "
                    "or an owner; nothing was deleted"
                )
        self._checkpoint()
        return int(count)
