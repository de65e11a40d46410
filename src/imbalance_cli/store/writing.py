"""Who may write a session, and which saves the store refuses: the rules both store engines follow.

**One writer per session.** Opening a session to answer it takes a *lease* recorded in the store:
who (the local account, or the database role on a shared server), on which host, in which process,
since when, and when it was last renewed (every save renews it). A second writer is told who holds
it; ``resume --take-over`` takes it anyway, and the first writer, at its next save, finds the lease
is no longer its own and stops, its answers so far kept. A lease is *stale*, and anyone may take
it, when its process is gone (on this host) or it has not been renewed for ``STALE_AFTER``. A
released lease keeps the token of its last holder, so a writer that was taken over notices it
even after the one who took over has finished.

**No silent overwrite.** Every save bumps the session's revision and stamps each answer it writes
with it. A writer saves the whole set of its answers together with the revision it last saw of
each (its *base*); a save that would change or remove an answer stored at another revision than
the base is refused, nothing written, and the stored answers come back so that the person is
shown the newer answer and asked again.

Nothing here touches a database: the engines read rows, call these functions inside the write
transaction that holds the rows (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR
UPDATE``), and write what they return.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from imbalance_cli.errors import ImbalanceError

#: A lease not renewed for this long is stale: its writer left the prompt, or crashed on another
#: host. Long enough for a person to think over one question; a live writer whose lease was taken
#: for this reason stops at its next save, with its answers kept.
STALE_AFTER = timedelta(minutes=30)


class Writer(NamedTuple):
    """This process, as a holder of leases: who, where, which process, and a token of its own.
    (Named tuples here and below: every command that saves a session builds these classes, and
    a named tuple costs a fraction of a frozen dataclass to define.)"""

    account: str
    host: str
    pid: int
    token: str

    @classmethod
    def here(cls, account: str | None = None) -> Writer:
        """This process; ``account`` names it as the store does (a server's role), else the
        login name."""
        return cls(account or _account(), _host(), os.getpid(), os.urandom(12).hex())


def _account() -> str:
    """The login name, found as getpass.getuser finds it (without importing getpass and the
    terminal modules it brings)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    if not hasattr(os, "getuid"):
        return "this account"
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, ImportError):  # no name for this uid (a container): the number will do
        return f"uid {os.getuid()}"


def _host() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename or "this computer"
    return os.environ.get("COMPUTERNAME", "this computer")


class Lease(NamedTuple):
    """A session's lease as stored."""

    session_id: int
    token: str
    account: str
    host: str
    pid: int
    since: str
    renewed_at: str
    released_at: str | None = None

    @property
    def held(self) -> bool:
        return self.released_at is None

    def holder(self) -> str:
        """``sam on gym-laptop (process 4242)``"""
        return f"{self.account} on {self.host} (process {self.pid})"

    def describe(self) -> str:
        """Who holds it and since when, for a message."""
        renewed = "" if self.renewed_at == self.since else f", last saved {_when(self.renewed_at)}"
        return f"{self.holder()}, answering it since {_when(self.since)}{renewed}"


def _when(stamp: str) -> str:
    """A stored time as a message shows it: ``2026-12-03 10:02 UTC``."""
    return stamp[:16].replace("T", " ") + (" UTC" if stamp.endswith("+00:00") else "")


def process_alive(pid: int) -> bool:
    """Is a process of this host still running? (A zombie, killed but not yet reaped, is not.)
    Where that cannot be asked safely (Windows, where os.kill ends the process), it is taken
    to be running, and the lease goes stale by time alone."""
    if os.name == "nt":
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def stale_because(
    lease: Lease,
    here: Writer,
    now: datetime,
    alive: Callable[[int], bool] = process_alive,
) -> str | None:
    """Why a held lease no longer protects a writer (its process is gone, or it has not been
    renewed for ``STALE_AFTER``), or None while it does."""
    if lease.host == here.host and not alive(lease.pid):
        return "its process is no longer running"
    renewed = _parse(lease.renewed_at)
    if renewed is not None and now - renewed > STALE_AFTER:
        minutes = int((now - renewed).total_seconds() // 60)
        return f"it has not saved anything for {minutes} minutes"
    return None


def _parse(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class SessionHeld(ImbalanceError):
    """Another live writer holds the session's lease."""

    def __init__(self, lease: Lease, prefix: str = "imbalance") -> None:
        sid = lease.session_id
        super().__init__(
            f"session {sid} is open in another imbalance: {lease.describe()}. To look at it "
            f"without changing it: {prefix} sessions show {sid}; to take it over: {prefix} "
            f"resume {sid} --take-over (the other one then stops at its next answer, keeping "
            "the answers it saved)"
        )
        self.lease = lease


class LeaseLost(ImbalanceError):
    """The writer's lease was taken by another: it must stop writing this session."""

    def __init__(self, session_id: int, lease: Lease | None) -> None:
        if lease is None:
            text = f"session {session_id} is no longer open for this imbalance"
        else:
            text = (
                f"session {session_id} was taken over by {lease.holder()} at {_when(lease.since)}"
            )
        super().__init__(text)
        self.session_id = session_id
        self.lease = lease


class SessionGone(ImbalanceError):
    """The session was deleted while a writer had it open."""

    def __init__(self, session_id: int) -> None:
        super().__init__(f"session {session_id} is no longer in the store (was it deleted?)")
        self.session_id = session_id


class StaleAnswers(ImbalanceError):
    """A save based on older revisions than the store holds: refused, nothing written."""

    def __init__(
        self,
        session_id: int,
        conflicts: tuple[str, ...],
        stored: dict[str, str],
        revisions: dict[str, int],
    ) -> None:
        super().__init__(
            f"session {session_id}: the answer(s) to {', '.join(conflicts)} were changed by "
            "another writer since this one read them; nothing was saved"
        )
        self.session_id = session_id
        #: The questions whose stored answers are newer than the save's base.
        self.conflicts = conflicts
        #: Every stored answer (question id -> value as JSON) and its revision, as they are now.
        self.stored = stored
        self.revisions = revisions


class Take(NamedTuple):
    """What taking a lease found: the lease it replaced (None when there was none, or when it
    was this writer's own), and why it could be taken."""

    previous: Lease | None
    #: "free", "stale: <why>", or "taken over"
    how: str


def take(
    lease: Lease | None,
    me: Writer,
    now: datetime,
    *,
    take_over: bool,
    alive: Callable[[int], bool] = process_alive,
) -> Take:
    """May ``me`` take a session whose lease is ``lease``? Raises SessionHeld when another live
    writer holds it and ``take_over`` is off."""
    if lease is None or lease.token == me.token:
        return Take(None, "free")
    if not lease.held:
        return Take(lease, "free")
    why = stale_because(lease, me, now, alive)
    if why is not None:
        return Take(lease, f"stale: {why}")
    if take_over:
        return Take(lease, "taken over")
    raise SessionHeld(lease)


def check_holder(session_id: int, lease: Lease | None, me: Writer) -> None:
    """Before a save: the lease must be this writer's (an absent one is taken on the way, as by
    a session from before leases). Raises LeaseLost otherwise."""
    if lease is not None and lease.token != me.token:
        raise LeaseLost(session_id, lease)


class Plan(NamedTuple):
    """The writes one save makes: answers to write (question id, value as JSON), to delete."""

    write: tuple[tuple[str, str], ...]
    delete: tuple[str, ...]


def plan_save(
    session_id: int,
    stored: Mapping[str, tuple[str, int]],
    answers: Mapping[str, str],
    base: Mapping[str, int] | None,
) -> Plan:
    """Compare a writer's answers (question id -> value as JSON) with the stored ones (question id
    -> (value as JSON, revision)). With a ``base`` (question id -> the revision the writer last
    saw; absent: it saw no answer), any answer to be changed or removed that is stored at another
    revision raises StaleAnswers; without one (a writer that owns the session outright, such as
    a test), nothing is checked."""
    write = tuple((q, v) for q, v in answers.items() if stored.get(q, (None,))[0] != v)
    delete = tuple(q for q in stored if q not in answers)
    if base is not None:
        conflicts: list[str] = []
        for q in (*(q for q, _ in write), *delete):
            if q in stored:
                if stored[q][1] != base.get(q):  # changed (or added) since the writer read it
                    conflicts.append(q)
            elif q in base:  # the writer read it, and another writer removed it since
                conflicts.append(q)
        if conflicts:
            raise StaleAnswers(
                session_id,
                tuple(conflicts),
                {q: v for q, (v, _) in stored.items()},
                {q: r for q, (_, r) in stored.items()},
            )
    return Plan(write, delete)
