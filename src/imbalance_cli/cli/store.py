"""``imbalance store copy``: the store as a whole, copied into another (a laptop's into the
gym's server, or back). The ``store`` group itself is in ``cli/maintenance.py``."""

from pathlib import Path
from typing import Annotated

import typer

from imbalance_cli.cli import _err_console, _open_store, write_stdout
from imbalance_cli.cli.maintenance import store_app
from imbalance_cli.errors import UsageError
from imbalance_cli.text import clean, dumps, markup


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
        return
    console = _err_console()
    console.print(
        f"Copied {done.copied} session(s) of {done.clients} client(s) into {markup(where)}."
    )
    if done.skipped:
        console.print(f"Already there, skipped: {done.skipped} session(s).")
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
