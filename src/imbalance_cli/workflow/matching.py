"""Which client of this store a client brought in (by ``sessions import`` or ``store copy``) is:
the one with the same stable id; for a record without one (a bundle of an older imbalance), the
one of the same name; else a new client keeping the record's id. A client known here only by
name, while the record carries an id, may be the same person (whose id differs, say, from a
store made before ids were kept) or two people of one name: imbalance does not guess, it asks
(``--match-names`` answers yes for all), and refuses with nothing written when nobody can answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store import NewSession, Store


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


class Matcher:
    """Clients matched one record at a time (an import reads its bundle a session at a time),
    each (name, id) decided once; ``how`` says which matched how."""

    def __init__(self, store: Store, same_person: SamePerson | None) -> None:
        self.store = store
        self.same_person = same_person
        self.how: dict[str, list[str]] = {"id": [], "name": [], "new": [], "renamed": []}
        self._decided: dict[tuple[str, str | None], tuple[str, str | None]] = {}
        self._named = _Names(store)

    def match(self, record: NewSession) -> NewSession:
        """The record pointed at the client found (or to be made), see the module's text."""
        from dataclasses import replace

        if not record.client:
            return record
        key = (record.client, record.client_uuid)
        if key not in self._decided:
            self._decided[key] = _decide(
                self.store, self._named, record.client, record.client_uuid, self.same_person,
                self.how,
            )  # fmt: skip
        name, uuid = self._decided[key]
        return replace(record, client=name, client_uuid=uuid)

    def name_of(self, record: NewSession) -> str:
        """The name here of a record's client, once matched."""
        key = (record.client or "", record.client_uuid)
        return self._decided[key][0] if key in self._decided else record.client or ""


def match_clients(
    store: Store, records: Sequence[NewSession], same_person: SamePerson | None
) -> tuple[list[NewSession], dict[str, list[str]]]:
    """Each record's client found in the store (``Matcher``); with no one to ask about a
    client known only by name, or the answer no, nothing is imported. Returns the records,
    pointed at the clients found, and which clients matched how."""
    matcher = Matcher(store, same_person)
    return [matcher.match(r) for r in records], matcher.how


class _Names:
    """The store's clients by name without regard to case, read once and then only the clients
    added since (an import makes clients as it goes): a bundle of 2,000 new clients looked each
    up by walking every client (``Store.find_clients``), quadratic in the number of clients."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_name: dict[str, list[tuple[int, str, str]]] = {}
        self._last = 0

    def __call__(self, name: str) -> list[tuple[int, str, str]]:
        """(row id, name, id) of the clients called ``name``, whatever its case, oldest first."""
        rows = self.store.db.execute(
            "SELECT id, name, uuid FROM clients WHERE id > ? ORDER BY id", (self._last,)
        ).fetchall()
        for row_id, here, uuid in rows:
            self._by_name.setdefault(str(here).lower(), []).append(
                (int(row_id), str(here), str(uuid))
            )
            self._last = max(self._last, int(row_id))
        return self._by_name.get(name.lower(), [])


def _decide(
    store: Store,
    named: Callable[[str], list[tuple[int, str, str]]],
    name: str,
    uuid: str | None,
    same_person: SamePerson | None,
    how: dict[str, list[str]],
) -> tuple[str, str | None]:
    if uuid is not None:
        by_id = store.clients_with_uuid(uuid)
        if by_id:
            here = by_id[0][1]
            how["id"].append(here)
            if here.lower() != name.lower():
                how["renamed"].append(f"'{name}' is '{here}' here")
            return here, uuid
    by_name = named(name)
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
