"""Saved records: ``sessions`` (the clients commands are in ``cli/clients.py``)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _app as app,
)
from imbalance_cli.cli import (
    _ask_password,
    _check_audience,
    _client_name,
    _err_console,
    _open_store,
    _session_id,
    _stdout_console,
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
    from collections.abc import Callable, Iterator

    from imbalance_cli.store import SessionRow, Store
    from imbalance_cli.workflow import Loaded
    from imbalance_cli.workflow.transfer import NameOnly


sessions_app = typer.Typer(
    help="Saved sessions: list, show, export (sealed if asked), import, attach to a client, delete.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(sessions_app, name="sessions")

_Json = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
_Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _saved(*session_ids: int, audit: str = "read", detail: str | None = None) -> "list[Loaded]":
    """Load saved sessions with their questionnaires, telling the user what could not come
    back; a shared store's audit records the read (or export)."""
    from imbalance_cli.workflow import Sources, load_session

    sources = Sources()  # two sessions of one questionnaire read it once
    with _open_store(read_only=True) as store:
        loaded = [load_session(store, sid, sources) for sid in session_ids]
        store.record(audit, session_ids, detail=detail)
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
        shared = store.engine == "postgresql"
    if as_json:
        write_stdout(dumps([r.as_dict() for r in rows]))
        return
    if not rows:
        _err_console().print(
            "No saved sessions" + (f" for {markup(client)}" if client else "") + "."
        )
        return
    from imbalance_cli.render.table import plain_table

    headers = ("id", "client", "questionnaire", "started", "status", "warning signs", "worst pain")
    table = plain_table(
        headers + (("by",) if shared else ()),
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
            + ((r.author or "–",) if shared else ())
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

    (loaded,) = _saved(_session_id(session), detail="sessions show")
    result = result_of(loaded)
    if as_json:
        document = {"session": loaded.row.as_dict(), "result": json_render.result_document(result)}
        write_stdout(dumps(document))
        return
    row = loaded.row
    heading = (
        f"Session {row.id}, {row.status.replace('_', ' ')}, "
        f"started {row.started_at[:16].replace('T', ' ')}"
        + (f", by {row.author}" if row.author else "")
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
    encrypt_to: Annotated[
        list[str] | None,
        typer.Option(
            "--encrypt-to",
            metavar="KEY",
            help="bundle: seal it (age) for this recipient: an age public key (age1...), an "
            "SSH public key, or a file of them; may be given more than once.",
        ),
    ] = None,
    encrypt_passphrase: Annotated[
        bool,
        typer.Option(
            "--encrypt-passphrase",
            help="bundle: seal it (age) with a passphrase (asked twice, or "
            "IMBALANCE_BUNDLE_PASSPHRASE).",
        ),
    ] = False,
) -> None:
    """Export saved sessions: one as markdown, a printable HTML report (for the trainer or the
    client), the result JSON or a FHIR R4 Bundle; many as CSV for a spreadsheet, or as a
    bundle to import into another store, sealed for its recipient if asked (age format)."""
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
    seal = _sealer(fmt, encrypt_to or [], encrypt_passphrase)
    ids = None if session is None else [_session_id(session)]
    if fmt == "bundle" and seal is None:
        from imbalance_cli.workflow import transfer

        # Written as it is read: a whole store can be exported (a sealed one is sealed whole).
        with _open_store(read_only=True) as store:
            rows = _chosen(store, ids, name)
            _write(transfer.export(store, rows), out, force)
            store.record("export", [r.id for r in rows], detail="bundle")
        return
    text = _export_text(fmt, ids, name, audience)
    if seal is not None:
        text = seal(text)
    _write(text, out, force)


def _write(text: "str | Iterator[str]", out: Path | None, force: bool) -> None:
    from imbalance_cli import files

    if out is None:
        write_stdout(text)
    else:
        files.write_private(out, text, force=force)
        if str(out) != files.STDOUT:
            _err_console().print(f"Wrote {markup(str(out))}")


def _sealer(fmt: str, to: list[str], with_passphrase: bool) -> "Callable[[str], str] | None":
    """How to seal the bundle (None: it is not sealed), worked out (keys read, passphrase
    asked) before anything is read from the store."""
    import os

    from imbalance_cli.workflow import sealing

    if not to and not with_passphrase:
        return None
    if fmt != "bundle":
        raise UsageError("--encrypt-to and --encrypt-passphrase go with --format bundle")
    if to and with_passphrase:
        raise UsageError("seal a bundle for recipients' keys or with a passphrase, not both")

    if not with_passphrase:
        recipients = sealing.recipients(to)
        return lambda text: sealing.seal(text, recipients)
    passphrase = os.environ.get(sealing.PASSPHRASE_VARIABLE)
    if not passphrase:
        if not sys.stdin.isatty():
            raise UsageError(
                f"no terminal to ask the bundle's passphrase on; give it in "
                f"{sealing.PASSPHRASE_VARIABLE}"
            )
        import getpass

        passphrase = getpass.getpass("Passphrase for the bundle: ", stream=sys.stderr)
        if getpass.getpass("The same again: ", stream=sys.stderr) != passphrase:
            raise UsageError("the two passphrases differ; nothing was written")
    if not passphrase:
        raise UsageError("an empty passphrase would seal nothing; nothing was written")
    secret = passphrase
    return lambda text: sealing.seal(text, passphrase=secret)


def _export_text(fmt: str, ids: list[int] | None, client: str | None, audience: str) -> str:
    from imbalance_cli.workflow import result_of

    if fmt == "bundle":
        from imbalance_cli.workflow import transfer

        with _open_store(read_only=True) as store:
            rows = _chosen(store, ids, client)
            text = "".join(transfer.export(store, rows))
            store.record("export", [r.id for r in rows], detail="bundle")
            return text
    if fmt == "csv":
        return _csv(ids, client)
    assert ids is not None
    (loaded,) = _saved(*ids, audit="export", detail=fmt)
    result = result_of(loaded)
    if fmt == "html":
        from imbalance_cli.workflow import report

        with _open_store(read_only=True) as store:
            return report(result, audience, store)
    if fmt == "fhir":
        from imbalance_cli.render import fhir

        return fhir.dumps(fhir.bundle(result, loaded.row.client_id))
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

        exported: list[int] = []

        def results() -> "Iterator[spreadsheet.Row]":
            for row, loaded in zip(rows, saved(store, rows, sources), strict=True):
                if isinstance(loaded, Loaded):
                    exported.append(row.id)
                    yield spreadsheet.Row(row.status, result_of(loaded), row.client_id)
                else:
                    _err_console().print(
                        f"[yellow]Session {row.id} left out: {markup(loaded.message)}[/]"
                    )

        text = spreadsheet.render(results(), questionnaires)
        store.record("export", exported, detail="csv")
        return text


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
    match_names: Annotated[
        bool,
        typer.Option(
            "--match-names",
            help="A client the store knows only by name (not by id) is the same person.",
        ),
    ] = False,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", help="Never ask: a client known here only by name stops the import."
        ),
    ] = False,
    max_size: Annotated[
        int | None,
        typer.Option("--max-size", help="Largest bundle to read, in bytes (default 2 GiB).", min=1),
    ] = None,
    identity: Annotated[
        list[Path] | None,
        typer.Option(
            "--identity",
            help="An encrypted bundle: the age identity file (or SSH private key) it was "
            "sealed for (default: $IMBALANCE_AGE_IDENTITY).",
        ),
    ] = None,
) -> None:
    """Import sessions exported from another store: new session ids, clients matched by their
    id (a client known here only by name is asked about, or with --no-input stops the import),
    links between sessions kept; sessions already here are skipped, and on any problem
    nothing is imported. Several imports of one bundle at once add each session once. An
    encrypted bundle (age) is opened with its passphrase or --identity."""
    from imbalance_cli.workflow import sealing, transfer

    ask = _ask_password if sys.stdin.isatty() and not no_input else None
    with _open_store() as store:
        done = transfer.bring_in(
            store, bundle, max_size or transfer.DEFAULT_MAX_BYTES,
            _same_person(match_names, no_input),
            lambda raw: sealing.unseal(raw, bundle, identity or [], ask),
        )  # fmt: skip
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
    if done.new_clients:
        console.print(f"New clients: {markup(', '.join(done.new_clients))}")
    if done.by_id:
        console.print(f"Clients already here, matched by id: {markup(', '.join(done.by_id))}")
    for note in done.renamed:
        console.print(f"  ({markup(note)}; the name here is kept)")
    if done.by_name:
        console.print(f"Clients already here, matched by name: {markup(', '.join(done.by_name))}")
    _missing_questionnaires(done.unchecked)


#: Sessions already here named one by one by `sessions import`; the rest are counted.
_SHOWN = 20


def _same_person(match_names: bool, no_input: bool) -> "Callable[[NameOnly], bool] | None":
    """How to settle a client known here only by name: yes to all (--match-names), ask on a
    terminal, or, with no one to ask, stop the import (None)."""
    if match_names:
        return lambda conflict: True
    if no_input or not sys.stdin.isatty():
        return None

    def ask(conflict: "NameOnly") -> bool:
        said = str(conflict)
        question = clean(f"{said[0].upper()}{said[1:]}. The same person? [y/N] ")
        return input(question).strip().lower() in ("y", "yes")

    return ask


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


@sessions_app.command("keygen")
def sessions_keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the identity (made 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Make a key pair for receiving encrypted bundles (age): the identity (secret) goes to
    --out, readable only by you; the public key is printed, to give to whoever sends you
    sessions (sessions export --format bundle --encrypt-to KEY)."""
    from imbalance_cli import files
    from imbalance_cli.workflow import sealing

    if str(out) == files.STDOUT:
        raise UsageError("--out takes a file: the identity is a secret, not for the screen")
    files.check_writable(out, force=force)
    text, public = sealing.keygen()
    files.write_private(out, text, force=force)
    write_stdout(public + "\n")
    _err_console().print(
        f"Wrote the identity to {markup(str(out))}; keep it secret. Senders seal bundles for "
        "the public key above; open them with: imbalance sessions import FILE --identity "
        f"{markup(str(out))}"
    )
