"""Clients: ``clients list``, ``rename``, ``merge`` and ``delete``; on a gym's shared store,
``share`` and ``assign``."""

from typing import Annotated

import typer

from imbalance_cli.cli import (
    _app as app,
)
from imbalance_cli.cli import (
    _client_name,
    _err_console,
    _open_store,
    _stdout_console,
    complete,
    write_stdout,
)
from imbalance_cli.cli.records import _confirm, _Json, _Yes
from imbalance_cli.text import dumps, markup

clients_app = typer.Typer(
    help="Clients: list, rename, merge and delete; on a gym's shared store, share and assign.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(clients_app, name="clients")


@clients_app.command("list")
def clients_list(as_json: _Json = False) -> None:
    """List clients with their id (stable: it goes with their records into bundles, FHIR and
    CSV), their number of sessions and the latest one; on a shared store, their trainer and
    whom they are shared with."""

    with _open_store(read_only=True) as store:
        rows = store.clients()
    if as_json:
        write_stdout(dumps([row.as_dict() for row in rows]))
        return
    if not rows:
        _err_console().print("No clients yet; add one with: imbalance run --client NAME")
        return
    from rich.table import Table

    shared = any(row.trainer is not None for row in rows)
    table = Table(box=None, header_style="bold")
    columns = ["client", "id", "sessions", "last session"]
    for column in columns + (["trainer", "shared with"] if shared else []):
        table.add_column(column)
    for row in rows:
        cells = [markup(row.name), row.uuid[:8], str(row.sessions)]
        cells.append((row.last_session or "–")[:16].replace("T", " "))
        if shared:
            cells += [markup(row.trainer or "–"), markup(", ".join(row.shared_with) or "–")]
        table.add_row(*cells)
    _stdout_console().print(table)


@clients_app.command("rename")
def clients_rename(
    name: Annotated[
        str,
        typer.Argument(
            help="The client's name as in 'imbalance clients list'.",
            shell_complete=complete.clients,
        ),
    ],
    new: Annotated[str, typer.Argument(help="The new name.")],
) -> None:
    """Rename a client (or fix the spelling); their sessions stay theirs."""
    given, wanted = _client_name(name, "NAME"), _client_name(new, "NEW")
    assert given is not None and wanted is not None
    with _open_store() as store:
        old = store.rename_client(given, wanted)
    _err_console().print(f"Renamed client '{markup(old)}' to '{markup(wanted)}'.")


@clients_app.command("merge")
def clients_merge(
    source: Annotated[
        str, typer.Argument(help="The client whose sessions move.", shell_complete=complete.clients)
    ],
    target: Annotated[
        str, typer.Argument(help="The client who keeps them.", shell_complete=complete.clients)
    ],
) -> None:
    """Merge two clients (one person entered twice): every session of the first moves to the
    second, and the first is removed."""
    given, into = _client_name(source, "SOURCE"), _client_name(target, "TARGET")
    assert given is not None and into is not None
    with _open_store() as store:
        moved, from_name, into_name = store.merge_clients(given, into)
    _err_console().print(
        f"Moved {moved} session(s) from '{markup(from_name)}' to '{markup(into_name)}'."
    )


@clients_app.command("delete")
def clients_delete(
    name: Annotated[
        str,
        typer.Argument(
            help="The client's name as in 'imbalance clients list'.",
            shell_complete=complete.clients,
        ),
    ],
    yes: _Yes = False,
) -> None:
    """Delete a client and everything about them: every session and every answer."""
    given = _client_name(name, "NAME")
    assert given is not None
    with _open_store() as store:
        name = store.known_client(given)
        _confirm(f"Delete client '{name}' and all their sessions and answers?", yes)
        count = store.delete_client(name)
    _err_console().print(f"Deleted client '{markup(name)}' and {count} session(s).")


@clients_app.command("share")
def clients_share(
    name: Annotated[
        str, typer.Argument(help="The client (name or id).", shell_complete=complete.clients)
    ],
    with_: Annotated[
        str,
        typer.Option("--with", help="The trainer to share them with (their login)."),
    ],
    stop: Annotated[
        bool, typer.Option("--stop", help="Stop sharing them with that trainer.")
    ] = False,
) -> None:
    """Share a client with another trainer of a gym's shared store, who then sees and
    continues their sessions (--stop ends it). Only the trainer they are assigned to, or an
    owner, can share a client."""
    given = _client_name(name, "NAME")
    assert given is not None
    with _open_store() as store:
        stored = store.share(given, with_.strip(), stop=stop)
    if stop:
        _err_console().print(f"'{markup(stored)}' is no longer shared with {markup(with_)}.")
    else:
        _err_console().print(f"'{markup(stored)}' is now shared with {markup(with_)}.")


@clients_app.command("assign")
def clients_assign(
    name: Annotated[
        str, typer.Argument(help="The client (name or id).", shell_complete=complete.clients)
    ],
    to: Annotated[str, typer.Option("--to", help="The trainer who takes them on (their login).")],
) -> None:
    """Assign a client to another trainer of a gym's shared store: their sessions go with
    them. Only the trainer they are assigned to, or an owner, can assign a client."""
    given = _client_name(name, "NAME")
    assert given is not None
    with _open_store() as store:
        stored, before = store.assign(given, to.strip())
    _err_console().print(
        f"'{markup(stored)}' is now assigned to {markup(to)} (was {markup(before)})."
    )
