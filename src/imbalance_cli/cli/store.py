"""``imbalance store copy`` and ``store encrypt``: the store as a whole, copied into another (a
laptop's into the gym's server, or back), or encrypted in place. The ``store`` group itself is in
``cli/maintenance.py``."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import _err_console, _open_store, write_stdout
from imbalance_cli.cli.maintenance import store_app
from imbalance_cli.errors import UsageError
from imbalance_cli.text import clean, dumps, markup

if TYPE_CHECKING:
    from imbalance_cli.workflow.copy import Copied


@store_app.command("copy")
def store_copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL_OR_DIR",
            help="The store to copy into: a postgresql:// URL, or a data directory (its SQLite "
            "file is made if need be).",
        ),
    ],
    match_names: Annotated[
        bool,
        typer.Option(
            "--match-names",
            help="A client the other store knows only by name (not by id) is the same person.",
        ),
    ] = False,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="Never ask: a client known only by name stops the copy."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Copy every session of this store (--store, else the data directory's) into another:
    all or nothing, clients matched by their id, sessions already there skipped, session
    numbers kept when the other store never had a session. The sessions stay here too:
    delete them here yourself once you have checked the copy."""
    from imbalance_cli.cli.records import _same_person
    from imbalance_cli.store import is_url, open_store
    from imbalance_cli.workflow.copy import copy

    target: str | Path = to if is_url(to) else Path(to).expanduser()
    with _open_store() as source:
        if _same_store(source.where, target):
            raise UsageError("--to names the store being copied; give another store")
        with open_store(target) as destination:
            done = copy(source, destination, _same_person(match_names, no_input))
            where = destination.where
    if as_json:
        write_stdout(dumps({"to": where, **done.as_dict()}))
    else:
        _report(done, where)


def _report(done: "Copied", where: str) -> None:
    """What a copy did, for a person."""
    console = _err_console()
    console.print(
        f"Copied {done.copied} session(s) of {done.clients} client(s) into {markup(where)}."
    )
    if done.skipped:
        console.print(f"Already there, skipped: {done.skipped} session(s).")
    if done.programmes or done.logs:
        console.print(
            f"Home programmes: {done.programmes} version(s) and {done.logs} log entr"
            f"{'y' if done.logs == 1 else 'ies'} copied."
        )
    if done.copied and done.kept_numbers:
        console.print("Session numbers are kept.")
    elif done.numbered:
        first, last = done.numbered
        console.print(
            f"The other store already had sessions, so these are numbered {first}-{last} there, "
            "in the same order."
        )
    if done.new_clients:
        console.print(f"New clients there: {markup(', '.join(done.new_clients))}")
    if done.by_id:
        console.print(f"Clients already there, matched by id: {markup(', '.join(done.by_id))}")
    for note in done.renamed:
        console.print(f"  ({markup(clean(note))}; the name there is kept)")
    if done.by_name:
        console.print(f"Clients already there, matched by name: {markup(', '.join(done.by_name))}")


def _same_store(source: str, target: str | Path) -> bool:
    if isinstance(target, Path):
        from imbalance_cli.store import FILENAME

        return Path(source).resolve() == (target / FILENAME).resolve()
    from imbalance_cli.store import redacted

    return redacted(target) == source


@store_app.command("encrypt")
def store_encrypt(
    keyring: Annotated[
        bool,
        typer.Option(
            "--keyring", help="Keep the passphrase in the system keyring, so it is not asked."
        ),
    ] = False,
    passphrase_stdin: Annotated[
        bool,
        typer.Option(
            "--passphrase-stdin", help="Read the new passphrase from standard input (one line)."
        ),
    ] = False,
) -> None:
    """Encrypt the store on this computer in place (SQLCipher; needs the encrypt extra): from
    then on every command asks for its passphrase, or takes it from IMBALANCE_PASSPHRASE or the
    system keyring. The encrypted copy is checked against the store before the plain file is
    overwritten and removed; stopped part way, the store stays whole. Close any other imbalance
    using this store first. Without the passphrase the sessions cannot be read by anyone."""
    import os

    from imbalance_cli import resources
    from imbalance_cli.store import FILENAME, is_url
    from imbalance_cli.store import encrypted as encryption
    from imbalance_cli.store.sqlite import SqliteStore

    location = resources.store_location()
    if isinstance(location, str) and is_url(location):
        raise UsageError(
            "store encrypt is for a store on this computer; a server's data is protected by "
            "its own disk encryption and backups"
        )
    folder = Path(location)
    encryption.driver()  # say what to install before asking anything
    passphrase = os.environ.get(encryption.PASSPHRASE_VARIABLE) or _new_passphrase(passphrase_stdin)
    if not (folder / FILENAME).exists() and not (folder / encryption.FILENAME).exists():
        SqliteStore.open(folder).close()  # a new store: encrypted from the start
    done = encryption.encrypt(folder, FILENAME, passphrase)
    if keyring:
        encryption.to_keyring(done.path, passphrase)
    console = _err_console()
    if done.finished_earlier:
        console.print("Finished an encryption that was stopped part way: the plain store is gone.")
    counts = ", ".join(f"{n:,} {table}" for table, n in done.rows.items())
    console.print(f"Encrypted the store ({counts}); it is now {markup(str(done.path))}.")
    console.print(
        "Keep the passphrase safe: without it nobody can read these sessions, you included."
        + (" It is in the system keyring." if keyring else "")
    )


def _new_passphrase(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--passphrase-stdin: standard input held no passphrase")
        return line
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask a passphrase on; give it with --passphrase-stdin or "
            "IMBALANCE_PASSPHRASE; nothing was changed"
        )
    import getpass

    try:
        first = getpass.getpass("New passphrase for the store: ", stream=sys.stderr)
        again = getpass.getpass("The same again: ", stream=sys.stderr)
    except EOFError:
        raise UsageError("no passphrase was given; nothing was changed") from None
    if first != again:
        raise UsageError("the two passphrases differ; nothing was changed")
    return first
