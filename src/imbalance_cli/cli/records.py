"""Saved records: ``sessions`` and ``clients``."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _check_audience,
    _client_name,
    _err_console,
    _open_store,
    _session_id,
    _stdout_console,
    app,
    complete,
    plain_mode,
    write_stdout,
)
from imbalance_cli.errors import (
    ImbalanceError,
    UsageError,
)
from imbalance_cli.text import clean, dumps, markup

if TYPE_CHECKING:
    from collections.abc import Iterator

    from imbalance_cli.store import SessionRow, Store
    from imbalance_cli.workflow import Loaded


sessions_app = typer.Typer(
    help="Saved sessions: list, show, export, attach to a client, and delete.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
clients_app = typer.Typer(
    help="Clients: list, rename, merge and delete.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(sessions_app, name="sessions")
app.add_typer(clients_app, name="clients")

_Json = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
_Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _saved(*session_ids: int) -> "list[Loaded]":
    """Load saved sessions with their questionnaires, telling the user what could not come back."""
    from imbalance_cli.workflow import Sources, load_session

    sources = Sources()  # two sessions of one questionnaire read it once
    with _open_store(read_only=True) as store:
        loaded = [load_session(store, sid, sources) for sid in session_ids]
    for item in loaded:
        for warning in item.warnings:
            _err_console().print(f"[yellow]{markup(warning)}[/]")
    return loaded


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    question = clean(question)  # it names a stored client: no escape reaches the terminal
    if not sys.stdin.isatty():
        raise UsageError(f"{question} Nothing was deleted; add --yes to confirm without a terminal")
    answer = input(f"{question} Type 'yes' to confirm: ")
    if answer.strip().lower() != "yes":
        raise ImbalanceError("not confirmed; nothing was deleted")


#: Sessions ``sessions list`` shows on a terminal unless asked for more: a screen's worth to
#: scroll back through, not a clinic's years of them.
LIST_PAGE = 50


@sessions_app.command("list")
def sessions_list(
    client: Annotated[
        str | None,
        typer.Option(
            "--client", help="Only this client's sessions.", shell_complete=complete.clients
        ),
    ] = None,
    as_json: _Json = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help=f"Only the latest N (on a terminal the latest {LIST_PAGE} are listed unless "
            "--all is given; --json and a pipe get every one).",
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every session on a terminal too.")
    ] = False,
) -> None:
    """List saved sessions, newest first: id, client, questionnaire, started, status, the most
    urgent warning sign, worst pain. A terminal shows the latest 50 and how many more there
    are."""

    client = _client_name(client)
    if show_all and limit is not None:
        raise UsageError("give --all or --limit, not both")
    paged = limit is None and not show_all and not as_json and sys.stdout.isatty()
    with _open_store(read_only=True) as store:
        rows = store.sessions(client, limit=LIST_PAGE if paged else limit)
        total = store.session_count(client) if paged and len(rows) == LIST_PAGE else len(rows)
    if as_json:
        write_stdout(dumps([r.as_dict() for r in rows]))
        return
    if not rows:
        _err_console().print(
            "No saved sessions" + (f" for {markup(client)}" if client else "") + "."
        )
        return
    from imbalance_cli.render.table import plain_table

    table = plain_table(
        ("id", "client", "questionnaire", "started", "status", "warning signs", "worst pain"),
        [
            (
                str(r.id),
                r.client or "–",
                f"{r.questionnaire_id} {r.questionnaire_version}",
                r.started_at[:16].replace("T", " "),
                r.status.replace("_", " "),
                _warning(r.warning),
                "–" if r.worst_pain is None else f"{r.worst_pain:g}/10",
            )
            for r in rows
        ],
        right=(0, 6),
    )
    write_stdout(table)
    if total > len(rows):
        more = total - len(rows)
        _err_console().print(
            f"The latest {len(rows)} of {total:,} sessions; {more:,} more: add --all to list "
            "every one, or --limit N for the latest N."
        )


def _warning(level: str | None) -> str:
    """The most urgent warning sign of a session, loud when it needs a doctor; "–" when not
    known (a session saved before this was recorded)."""
    if level is None:
        return "–"
    return level.upper() if level in ("emergency", "urgent") else level


@sessions_app.command("show")
def sessions_show(
    session: Annotated[str, typer.Argument(help="Session id (see: imbalance sessions list).")],
    as_json: _Json = False,
) -> None:
    """Show a saved session: its details, warning signs, answers and recommendations."""

    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown
    from imbalance_cli.workflow import result_of

    (loaded,) = _saved(_session_id(session))
    result = result_of(loaded)
    if as_json:
        document = {"session": loaded.row.as_dict(), "result": json_render.result_document(result)}
        write_stdout(dumps(document))
        return
    row = loaded.row
    heading = (
        f"Session {row.id}, {row.status.replace('_', ' ')}, "
        f"started {row.started_at[:16].replace('T', ' ')}"
    )
    if plain_mode():
        from imbalance_cli.render import plaintext

        write_stdout(f"{heading}\n\n" + plaintext.render(markdown.render(result, "trainer")))
        return
    from rich.markdown import Markdown

    console = _stdout_console()
    console.print(f"[bold]{markup(heading)}[/]")
    console.print(Markdown(markdown.render(result, "trainer")))


_EXPORT_FORMATS = ("md", "json", "html", "fhir", "csv", "bundle")


@sessions_app.command("export")
def sessions_export(
    session: Annotated[
        str | None,
        typer.Argument(
            help="Session id (see: imbalance sessions list); csv and bundle take every session "
            "(or --client's) when none is given."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="md (markdown), json (the result), html (a printable report), fhir (a FHIR R4 "
            "Bundle: QuestionnaireResponse and a Flag per warning sign), csv (a row per "
            "session) or bundle (sessions to import into another store).",
        ),
    ] = "md",
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            help="csv and bundle: only this client's sessions.",
            shell_complete=complete.clients,
        ),
    ] = None,
    audience: Annotated[
        str,
        typer.Option("--audience", help="Markdown for the 'trainer' (default) or the 'client'."),
    ] = "trainer",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file ('-' or none: stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Export saved sessions: one as markdown, a printable HTML report (for the trainer or the
    client), the result JSON or a FHIR R4 Bundle; many as CSV for a spreadsheet, or as a
    bundle to import into another store."""
    from imbalance_cli import files

    _check_audience(audience)
    if fmt not in _EXPORT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(_EXPORT_FORMATS)}, not '{fmt}'")
    name = _client_name(client)
    if fmt in ("csv", "bundle"):
        if session is not None and name is not None:
            raise UsageError("give a session id or --client, not both")
    elif session is None:
        raise UsageError(
            f"--format {fmt} exports one session; give its id (imbalance sessions list)"
        )
    elif name is not None:
        raise UsageError(
            f"--client goes with --format csv or bundle; --format {fmt} takes a session id"
        )
    if out is not None:
        files.check_writable(out, force=force)
    ids = None if session is None else [_session_id(session)]
    if fmt == "bundle":
        from imbalance_cli.workflow import transfer

        # Written as it is read: a whole store can be exported.
        with _open_store(read_only=True) as store:
            _write(transfer.export(store, _chosen(store, ids, name)), out, force)
        return
    _write(_export_text(fmt, ids, name, audience), out, force)


def _write(text: "str | Iterator[str]", out: Path | None, force: bool) -> None:
    from imbalance_cli import files

    if out is None:
        write_stdout(text)
    else:
        files.write_private(out, text, force=force)
        if str(out) != files.STDOUT:
            _err_console().print(f"Wrote {markup(str(out))}")


def _export_text(fmt: str, ids: list[int] | None, client: str | None, audience: str) -> str:
    from imbalance_cli.workflow import result_of

    if fmt == "csv":
        return _csv(ids, client)
    assert ids is not None
    (loaded,) = _saved(*ids)
    result = result_of(loaded)
    if fmt == "html":
        from imbalance_cli.workflow import report

        with _open_store(read_only=True) as store:
            return report(result, audience, store)
    if fmt == "fhir":
        from imbalance_cli.render import fhir

        return fhir.dumps(fhir.bundle(result))
    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown

    return json_render.render(result) if fmt == "json" else markdown.render(result, audience)


def _csv(ids: list[int] | None, client: str | None) -> str:
    """A row per session, each rebuilt from its answers as the text is written (no session is
    held once its row is); a session whose questionnaire cannot load is left out, with a
    warning."""
    from imbalance_cli.render import spreadsheet
    from imbalance_cli.workflow import Loaded, Sources, result_of, saved

    sources = Sources()
    with _open_store(read_only=True) as store:
        rows = sorted(_chosen(store, ids, client), key=lambda r: (r.started_at, r.id))
        questionnaires = []
        for source in dict.fromkeys(r.questionnaire_source for r in rows):
            try:
                questionnaires.append(sources.load(source)[0])
            except ImbalanceError:
                continue  # its sessions are left out below, each with the reason

        def results() -> "Iterator[spreadsheet.Row]":
            for row, loaded in zip(rows, saved(store, rows, sources), strict=True):
                if isinstance(loaded, Loaded):
                    yield spreadsheet.Row(row.status, result_of(loaded))
                else:
                    _err_console().print(
                        f"[yellow]Session {row.id} left out: {markup(loaded.message)}[/]"
                    )

        return spreadsheet.render(results(), questionnaires)


def _chosen(store: "Store", ids: list[int] | None, client: str | None) -> "list[SessionRow]":
    if ids is not None:
        return [store.session(i) for i in ids]
    if client is not None:
        store.known_client(client)
    rows = store.sessions(client)
    if not rows:
        raise ImbalanceError("there are no saved sessions to export")
    return rows


@sessions_app.command("import")
def sessions_import(
    bundle: Annotated[
        Path, typer.Argument(help="A file written by 'imbalance sessions export --format bundle'.")
    ],
    max_size: Annotated[
        int | None,
        typer.Option("--max-size", help="Largest bundle to read, in bytes (default 2 GiB).", min=1),
    ] = None,
) -> None:
    """Import sessions exported from another store: new ids, clients matched by name, links
    between sessions kept; sessions already here are skipped, and on any problem nothing is
    imported. Several imports of one bundle at once add each session once."""
    from imbalance_cli.workflow import transfer

    with _open_store() as store:
        done = transfer.bring_in(store, bundle, max_size or transfer.DEFAULT_MAX_BYTES)
    console = _err_console()
    if done.added:
        first, last = done.added[0][0], done.added[-1][0]
        span = f"{first}" if first == last else f"{first}-{last}"
        if last - first + 1 == len(done.added):
            console.print(f"Imported {len(done.added)} session(s), now numbered {span}.")
        else:
            console.print(
                f"Imported {len(done.added)} session(s), numbered from {first} to {last}."
            )
    else:
        console.print("Imported nothing new.")
    for ref, existing in done.duplicates[:_SHOWN]:
        console.print(f"Already here: the bundle's session {ref} is session {existing}; skipped.")
    if len(done.duplicates) > _SHOWN:
        console.print(
            f"... and {len(done.duplicates) - _SHOWN} more already here "
            f"({len(done.duplicates)} in all); skipped."
        )
    matched = [c for c in done.clients if c not in done.new_clients]
    if done.new_clients:
        console.print(f"New clients: {markup(', '.join(done.new_clients))}")
    if matched:
        console.print(
            f"Added to clients already here (matched by name): {markup(', '.join(matched))}"
        )
    _missing_questionnaires(done.unchecked)


#: Sessions already here named one by one by `sessions import`; the rest are counted.
_SHOWN = 20


def _missing_questionnaires(sources: tuple[str, ...]) -> None:
    """Say which imported sessions use a questionnaire this machine cannot load."""
    from imbalance_cli import resources

    known = resources.catalogue().known
    for source in sources:
        if source not in known and not Path(source).is_file():
            _err_console().print(
                f"[yellow]The sessions of '{markup(source)}' were imported unchecked: this "
                "machine has no such questionnaire. Copy its file to "
                f"{markup(str(resources.user_dir()))} to show or export them; their answers "
                "are checked when they are read.[/]"
            )


@sessions_app.command("delete")
def sessions_delete(
    session: Annotated[str, typer.Argument(help="Session id (see: imbalance sessions list).")],
    yes: _Yes = False,
) -> None:
    """Delete a saved session and all its answers."""
    with _open_store() as store:
        row = store.session(_session_id(session))
        who = f" for {row.client}" if row.client else ""
        _confirm(f"Delete session {row.id}{who} ({row.started_at[:10]}) and all its answers?", yes)
        store.delete_session(row.id)
    _err_console().print(f"Deleted session {row.id}.")


@clients_app.command("list")
def clients_list(as_json: _Json = False) -> None:
    """List clients with their number of sessions and the latest one."""

    with _open_store(read_only=True) as store:
        rows = store.clients()
    if as_json:
        data = [{"name": n, "sessions": c, "last_session": last} for n, c, last in rows]
        write_stdout(dumps(data))
        return
    if not rows:
        _err_console().print("No clients yet; add one with: imbalance run --client NAME")
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("client", "sessions", "last session"):
        table.add_column(column)
    for name, count, last in rows:
        table.add_row(markup(name), str(count), (last or "–")[:16].replace("T", " "))
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
        names = store.client_name(given), store.client_name(into)
        moved = store.merge_clients(given, into)
    _err_console().print(
        f"Moved {moved} session(s) from '{markup(names[0])}' to '{markup(names[1])}'."
    )


@sessions_app.command("attach")
def sessions_attach(
    session: Annotated[str, typer.Argument(help="Session id (see: imbalance sessions list).")],
    client: Annotated[
        str,
        typer.Argument(
            help="The client it is about (new or existing).", shell_complete=complete.clients
        ),
    ],
) -> None:
    """Attach a session to a client: one run without --client, or one under the wrong name."""
    name = _client_name(client, "CLIENT")
    assert name is not None
    with _open_store() as store:
        row = store.session(_session_id(session))
        name = store.client_name(name)
        store.set_client(row.id, name)
    before = f" (it was {markup(row.client)}'s)" if row.client and row.client != name else ""
    _err_console().print(f"Session {row.id} is now {markup(name)}'s{before}.")


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
