"""``imbalance store``: looking after the session store itself (``salvage``; ``copy`` is in
``cli/store.py``)."""

import shlex
from pathlib import Path
from typing import Annotated

import typer

from imbalance_cli.cli import _app as app
from imbalance_cli.cli import _err_console, command_prefix
from imbalance_cli.errors import ExitCode, ImbalanceError
from imbalance_cli.text import markup

store_app = typer.Typer(
    help="The session store itself: copy it into another store, salvage the sessions a "
    "damaged one still holds.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(store_app, name="store")


@store_app.command("salvage")
def store_salvage(
    out: Annotated[
        Path, typer.Option("--out", help="Write the sessions that can be read to this bundle.")
    ],
    store_file: Annotated[
        Path | None,
        typer.Argument(
            help="The store file to read (default: the store in the data directory; give the "
            "file's new name if it was moved aside already)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Export every session a damaged store still holds to a bundle, reading it one session at
    a time and never writing to it; then move the store aside and 'imbalance sessions import'
    the bundle into the new one. Exit 1 when some sessions or answers could not be read."""
    from imbalance_cli import files, resources
    from imbalance_cli.store import FILENAME
    from imbalance_cli.workflow import transfer

    files.check_writable(out, force=force)
    path = store_file if store_file is not None else resources.data_dir() / FILENAME
    bundle, found = transfer.salvage(path)
    total = len(found.sessions) + len(found.lost)
    if not found.sessions and found.lost:
        raise ImbalanceError(
            f"none of the {total} session(s) in {path} can be read; nothing was written"
        )
    files.write_private(out, bundle, force=force)  # written a session at a time
    console = _err_console()
    console.print(
        f"Salvaged {len(found.sessions)} of {total} session(s) from {markup(str(path))} "
        f"into {markup(str(out))}."
    )
    for session_id, why in found.lost:
        console.print(f"[yellow]Left behind: session {session_id}: {markup(why)}[/]")
    for session_id in found.from_result:
        console.print(
            f"Session {session_id}: its answers were read from its stored result (their own "
            "records cannot be read)."
        )
    for session_id, question in found.damaged_answers:
        console.print(
            f"[yellow]Left out of session {session_id}: the answer to '{markup(question)}' "
            "(its stored value is damaged)[/]"
        )
    if store_file is None:
        aside = shlex.quote(f"{path}.damaged")
        console.print(
            f"Next: move the store aside (mv {shlex.quote(str(path))} {aside}, and its -wal "
            f"and -shm files if there are any), then: {command_prefix()} sessions import "
            f"{shlex.quote(str(out))}"
        )
    else:
        console.print(f"Next: {command_prefix()} sessions import {shlex.quote(str(out))}")
    if found.lost or found.damaged_answers:
        raise typer.Exit(int(ExitCode.PROBLEMS))
