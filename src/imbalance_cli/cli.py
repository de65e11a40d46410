"""The ``imbalance`` command line: the only place that prints errors and sets exit codes."""

from __future__ import annotations

import errno
import gc
import io
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imbalance_cli import __version__
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ExitCode,
    ImbalanceError,
    Interrupted,
    UsageError,
)
from imbalance_cli.text import clean, dumps, markup

if TYPE_CHECKING:
    from rich.console import Console

    from imbalance_cli.model import AnswerValue, Library, Questionnaire
    from imbalance_cli.session import SaveHook
    from imbalance_cli.store import SessionRow, Store
    from imbalance_cli.workflow import Loaded

app = typer.Typer(
    name="imbalance",
    help="Muscle imbalance self-assessment: a warning-sign screen, a pain profile, and sourced "
    "reading and exercise strategies, as a markdown summary. Education, not a diagnosis.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_MaxSize = Annotated[
    int, typer.Option("--max-size", help="Largest questionnaire file to read, in bytes.", min=1)
]


# Options shared by `run` and `resume`, which both end by writing a summary.
_Out = Annotated[
    Path | None, typer.Option("--out", help="Write the markdown summary to this file.")
]
_JsonOut = Annotated[
    Path | None, typer.Option("--json", help="Write the result document (JSON) to this file.")
]
_Audience = Annotated[
    str, typer.Option("--audience", help="Summary for the 'trainer' (default) or the 'client'.")
]
_Force = Annotated[bool, typer.Option("--force", help="Replace existing output files.")]


def _version(value: bool) -> None:
    if value:
        print(f"imbalance {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the full traceback of an internal error.")
    ] = False,
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            help="Where sessions and your questionnaires live (default: $IMBALANCE_DATA_DIR, "
            "else the platform's user data directory).",
        ),
    ] = None,
) -> None:
    """Muscle imbalance self-assessment in the terminal."""
    from imbalance_cli import resources

    if data_dir is not None and not data_dir.strip():
        # An empty path would mean the current folder: never put health data there unasked.
        raise UsageError("the data directory is empty; give a folder, or leave --data-dir out")
    resources.set_data_dir(Path(data_dir) if data_dir is not None else None)


def write_stdout(text: str) -> None:
    """Standard output, with a closed or full one reported clearly (files.py, imported only
    when something is written: --help does not pay for tempfile)."""
    from imbalance_cli import files

    files.write_stdout(text)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _load(name: str, max_size: int = DEFAULT_MAX_BYTES) -> tuple[Questionnaire, Library]:
    from imbalance_cli.workflow import load

    return load(name, max_size)


def _open_store() -> Store:
    from imbalance_cli import resources
    from imbalance_cli.store import Store

    return Store.open(resources.data_dir())


def _session_id(text: str) -> int:
    """A session id as typed: ASCII digits only (no fullwidth or other digits Python's int()
    would take), and within what the store can hold."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise UsageError(
            f"'{clean(text)[:40]}' is not a session id; ids are whole numbers like 12 "
            "(see: imbalance sessions list)"
        )
    return int(digits)


def _client_name(name: str | None, option: str = "--client") -> str | None:
    """A client's name as given: trimmed; empty or not valid text is refused, never ignored."""
    if name is None:
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} is not valid text (UTF-8); type the name again") from None
    trimmed = " ".join(name.split())
    if not clean(trimmed).strip():
        raise UsageError(f"{option} needs a name; it is empty")
    return trimmed


def _check_audience(audience: str) -> None:
    if audience not in ("trainer", "client"):
        raise UsageError(f"--audience must be 'trainer' or 'client', not '{audience}'")


@app.command()
def run(
    questionnaire: Annotated[
        str, typer.Argument(help="A bundled questionnaire id, or a path to a YAML file.")
    ] = "intake",
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers", help="Prefill answers from a YAML or JSON mapping {question_id: value}."
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="Never prompt: missing required answers are an error."),
    ] = False,
    client: Annotated[
        str | None,
        typer.Option("--client", help="Who the answers are about (trainer use)."),
    ] = None,
    out: _Out = None,
    json_out: _JsonOut = None,
    audience: _Audience = "trainer",
    force: _Force = False,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Do not keep this session in the session store.")
    ] = False,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Ask a questionnaire (default: the intake) and summarise the answers.

    Every answer is saved as it is given (unless --no-save), so an interrupted session can be
    continued with 'imbalance resume'. Prompts go to the terminal; with stdout redirected and no
    --out, the markdown summary is written to stdout.
    """
    from imbalance_cli import files
    from imbalance_cli.answers import read_answers
    from imbalance_cli.engine import Flow
    from imbalance_cli.workflow import saver, source_of

    _check_audience(audience)
    client = _client_name(client)
    started = _now()
    q, library = _load(questionnaire, max_size)
    files.check_outputs([out, json_out], force=force)
    prefilled: dict[str, AnswerValue] = {}
    notes: list[str] = []
    expanded: set[str] = set()
    if answers is not None:
        prefilled = read_answers(answers, q, notes=notes, expanded=expanded)
    for note in notes:
        _err_console().print(f"[yellow]{markup(note)}[/]")
    flow = Flow(q)
    ignored = sorted(set(prefilled) - set(flow.prune(prefilled)) - expanded)
    if ignored:
        _err_console().print(
            f"[yellow]Not asked with these answers, so ignored:[/] {markup(', '.join(ignored))}"
        )
    needs_prompt = flow.next_question(prefilled) is not None
    if no_input:
        missing = flow.missing_required(prefilled)
        if missing and _emergency(q, flow.prune(prefilled)):
            # As an interactive run would offer: an emergency ends the intake here, and the
            # summary holds the alerts, what to do and the answers given.
            missing = []
        if missing:
            listed = "\n".join(f"  {m.id}: {m.short}" for m in missing)
            raise ImbalanceError(
                f"--no-input, and {len(missing)} required answer(s) are missing:\n{listed}"
            )
        needs_prompt = False
    elif needs_prompt and not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask questions on; give the answers with --answers FILE "
            "(add --no-input to never prompt)"
        )

    store = None if no_save else _open_store()
    session_id: int | None = None
    try:
        save = None
        if store is not None and client is not None:
            client = store.client_name(client)  # the stored spelling of a known client
        if store is not None:
            session_id = store.start(
                questionnaire_id=q.id, version=q.version, sha256=q.sha256,
                source=source_of(questionnaire, q), client=client, started_at=started,
            )  # fmt: skip
            save = saver(store, session_id, q)
            save(flow.prune(prefilled))
        final = flow.prune(prefilled)
        if needs_prompt:
            final = _ask(
                q, prefilled, save, store, session_id,
                outputs=_output_options(out, json_out, audience, force),
            )  # fmt: skip
        _finish(
            q, library, final, started, client, out, json_out, audience, force, store, session_id
        )
    except Exception as exc:
        if store is not None and session_id is not None and not isinstance(exc, Interrupted):
            store.discard_if_empty(session_id)  # a failed run leaves no empty session behind
        raise
    finally:
        if store is not None:
            store.close()


def _emergency(q: Questionnaire, answers: dict[str, AnswerValue]) -> bool:
    from imbalance_cli.model import AlertLevel
    from imbalance_cli.rules import fired_alerts

    return any(f.alert.level is AlertLevel.EMERGENCY for f in fired_alerts(q, answers))


def _finish(
    q: Questionnaire,
    library: Library,
    answers: dict[str, AnswerValue],
    started: str,
    client: str | None,
    out: Path | None,
    json_out: Path | None,
    audience: str,
    force: bool,
    store: Store | None,
    session_id: int | None,
) -> None:
    from imbalance_cli import files
    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown
    from imbalance_cli.rules import assess

    result = assess(q, answers, library, started_at=started, completed_at=_now(), client=client)
    document = json_render.render(result)
    if store is not None and session_id is not None:
        store.set_status(
            session_id, "complete", result_json=document, completed_at=result.completed_at
        )
    written: list[str] = []
    if out is not None:
        files.write_private(out, markdown.render(result, audience), force=force)
        written.append(str(out))
    if json_out is not None:
        files.write_private(json_out, document, force=force)
        written.append(str(json_out))
    if session_id is not None:
        written.append(f"session {session_id} (imbalance sessions show {session_id})")
    if out is None and not sys.stdout.isatty():
        write_stdout(markdown.render(result, audience))
    elif sys.stdout.isatty() or sys.stderr.isatty():
        from imbalance_cli.render.terminal import summary

        console = _stdout_console() if sys.stdout.isatty() else _err_console()
        console.print(summary(result, written))
    else:
        # Nobody is watching (a script or a pipeline): say what was written, plainly and cheaply.
        for alert in result.alerts:
            print(
                f"imbalance: {alert.alert.level.value}: {clean(alert.alert.message)}",
                file=sys.stderr,
            )
        for item in written:
            print(f"imbalance: wrote {clean(item)}", file=sys.stderr)


def _stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _output_options(out: Path | None, json_out: Path | None, audience: str, force: bool) -> str:
    """The output options to give ``resume`` again, so the summary still reaches its file."""
    import shlex

    parts = [f"--out {shlex.quote(str(out))}"] if out else []
    parts += [f"--json {shlex.quote(str(json_out))}"] if json_out else []
    if (out or json_out) and audience != "trainer":
        parts.append(f"--audience {audience}")
    if (out or json_out) and force:
        parts.append("--force")
    return "".join(f" {p}" for p in parts)


def _ask(
    q: Questionnaire,
    prefilled: dict[str, AnswerValue],
    save: SaveHook | None,
    store: Store | None,
    session_id: int | None,
    *,
    resumable: bool = False,
    outputs: str = "",
) -> dict[str, AnswerValue]:
    from imbalance_cli.prompts import TerminalPrompter
    from imbalance_cli.session import run_session

    gc.enable()
    console = _err_console()
    console.print(f"[bold]{markup(q.title)}[/]  [dim]{markup(q.id)} {markup(q.version)}[/]")
    console.print(
        "[dim]Education, not a diagnosis. Esc or Ctrl-B goes back a question; "
        "Ctrl-C stops, and your answers so far are kept.[/]"
    )
    try:
        return run_session(q, TerminalPrompter(console), prefilled, save, resumable=resumable)
    except Interrupted as exc:
        if store is None or session_id is None:
            raise Interrupted(
                exc.answers, f"{exc.message}; --no-save was given, so the answers were not kept"
            ) from None
        store.set_status(session_id, "interrupted")
        raise Interrupted(
            exc.answers,
            f"{exc.message}; your {len(exc.answers)} answer(s) so far are saved in session "
            f"{session_id}\ncontinue with: imbalance resume {session_id}{outputs}",
        ) from None


@app.command()
def resume(
    session: Annotated[
        str | None,
        typer.Argument(help="The session to continue (default: the latest unfinished one)."),
    ] = None,
    out: _Out = None,
    json_out: _JsonOut = None,
    audience: _Audience = "trainer",
    force: _Force = False,
) -> None:
    """Continue an unfinished session at its first unanswered question.

    Earlier answers are kept; Esc goes back into them to change one.
    """
    from imbalance_cli import files
    from imbalance_cli.workflow import load_session, resume_target, saver

    _check_audience(audience)
    files.check_outputs([out, json_out], force=force)
    with _open_store() as store:
        row = resume_target(store, None if session is None else _session_id(session))
        loaded = load_session(store, row.id)
        for warning in loaded.warnings:
            _err_console().print(f"[yellow]{markup(warning)}[/]")
        if not sys.stdin.isatty():
            raise UsageError(f"resuming needs a terminal to ask on; session {row.id} is unchanged")
        save = saver(store, row.id, loaded.questionnaire)
        store.set_status(row.id, "in_progress")
        _err_console().print(
            f"Resuming session {row.id}"
            + (f" for {markup(row.client)}" if row.client else "")
            + f", started {row.started_at[:16].replace('T', ' ')}, "
            f"{len(loaded.answers)} answer(s) kept."
        )
        final = _ask(
            loaded.questionnaire, loaded.answers, save, store, row.id, resumable=True,
            outputs=_output_options(out, json_out, audience, force),
        )  # fmt: skip
        _finish(
            loaded.questionnaire, loaded.library, final, row.started_at, row.client,
            out, json_out, audience, force, store, row.id,
        )  # fmt: skip


@app.command("list")
def list_() -> None:
    """List the bundled and user questionnaires: id, title, version, number of questions."""
    from rich.table import Table

    from imbalance_cli import loader, resources
    from imbalance_cli.errors import QuestionnaireError

    library = loader.load_library(resources.library_paths())
    table = Table(box=None, header_style="bold")
    for column in ("id", "title", "version", "questions", "from"):
        table.add_column(column)
    broken = 0
    for origin, path in resources.questionnaire_files():
        try:
            q = loader.load_questionnaire(path, library)
        except QuestionnaireError as exc:
            broken += 1
            table.add_row(
                path.stem,
                f"[red]{len(exc.problems)} problem(s): imbalance validate {path}[/]",
                "",
                "",
                origin,
            )
            continue
        table.add_row(
            markup(q.id), markup(q.title), markup(q.version), str(len(q.questions)), origin
        )
    _stdout_console().print(table)
    if broken:
        raise typer.Exit(ExitCode.PROBLEMS)


@app.command()
def show(
    questionnaire: Annotated[str, typer.Argument(help="A bundled questionnaire id, or a path.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the normalised model as JSON.")
    ] = False,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Show a questionnaire's sections, questions and conditions, alerts and rules."""
    from imbalance_cli.render import outline

    q, _ = _load(questionnaire, max_size)
    if as_json:
        write_stdout(outline.as_json(q))
    else:
        _stdout_console().print(outline.tree(q))


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to check (default: everything bundled and yours)."),
    ] = None,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Check questionnaire and library files; print every problem as path:line:col: message."""
    from imbalance_cli import resources
    from imbalance_cli.validate import validate_paths

    targets = list(paths or [])
    if not targets:
        targets = [resources.bundled_dir(), *resources.library_paths()]
        if resources.user_dir().is_dir():
            targets.append(resources.user_dir())
    report = validate_paths(targets, resources.library_paths(), max_size)
    for problem in report.problems:
        print(clean(str(problem)))
    n = len(report.problems)
    verdict, colour = (f"{n} problem{'s' if n != 1 else ''}", "red") if n else ("ok", "green")
    detail = (
        f" in {report.bad_files} of {report.files} file(s)"
        if n
        else f": {report.files} file(s) checked, no problems"
    )
    if sys.stderr.isatty():
        _err_console().print(f"[{colour}]{verdict}[/]{detail}")
    else:  # a script or CI log: the same line without colour, and without importing rich
        print(verdict + detail, file=sys.stderr)
    if n:
        raise typer.Exit(ExitCode.PROBLEMS)


@app.command()
def library(
    tag: Annotated[str | None, typer.Option("--tag", help="Only items with this tag.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the articles and exercise strategies in the content library."""
    from imbalance_cli import loader, resources
    from imbalance_cli.render import outline

    lib = loader.load_library(resources.library_paths())
    if as_json:
        write_stdout(outline.library_json(lib, tag))
    else:
        _stdout_console().print(outline.library_table(lib, tag))


@app.command()
def schema(
    library_files: Annotated[
        bool, typer.Option("--library", help="The schema of library files instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of questionnaire files, or of library files (for editors)."""
    from imbalance_cli.schema import render

    write_stdout(render(library=library_files))


sessions_app = typer.Typer(
    help="Saved sessions: list, show, export and delete.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
clients_app = typer.Typer(
    help="Clients: list and delete.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(sessions_app, name="sessions")
app.add_typer(clients_app, name="clients")

_Json = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
_Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _saved(*session_ids: int) -> list[Loaded]:
    """Load saved sessions with their questionnaires, telling the user what could not come back."""
    from imbalance_cli.workflow import load_session

    with _open_store() as store:
        loaded = [load_session(store, sid) for sid in session_ids]
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


@sessions_app.command("list")
def sessions_list(
    client: Annotated[
        str | None, typer.Option("--client", help="Only this client's sessions.")
    ] = None,
    as_json: _Json = False,
) -> None:
    """List saved sessions, newest first: id, client, questionnaire, started, status, worst pain."""

    client = _client_name(client)
    with _open_store() as store:
        rows = store.sessions(client)
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
        ("id", "client", "questionnaire", "started", "status", "worst pain"),
        [
            (
                str(r.id),
                r.client or "–",
                f"{r.questionnaire_id} {r.questionnaire_version}",
                r.started_at[:16].replace("T", " "),
                r.status.replace("_", " "),
                "–" if r.worst_pain is None else f"{r.worst_pain:g}/10",
            )
            for r in rows
        ],
        right=(0, 5),
    )
    write_stdout(table)


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
    from rich.markdown import Markdown

    row = loaded.row
    console = _stdout_console()
    console.print(
        f"[bold]Session {row.id}[/] [dim]{row.status.replace('_', ' ')}, "
        f"started {row.started_at[:16].replace('T', ' ')}[/]"
    )
    console.print(Markdown(markdown.render(result, "trainer")))


@sessions_app.command("export")
def sessions_export(
    session: Annotated[str, typer.Argument(help="Session id (see: imbalance sessions list).")],
    fmt: Annotated[str, typer.Option("--format", help="'md' (markdown) or 'json'.")] = "md",
    audience: Annotated[
        str,
        typer.Option("--audience", help="Markdown for the 'trainer' (default) or the 'client'."),
    ] = "trainer",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file (default: stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Export a saved session as markdown (for the trainer or the client) or as the result JSON."""
    from imbalance_cli import files
    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown
    from imbalance_cli.workflow import result_of

    _check_audience(audience)
    if fmt not in ("md", "json"):
        raise UsageError(f"--format must be 'md' or 'json', not '{fmt}'")
    if out is not None:
        files.check_writable(out, force=force)
    (loaded,) = _saved(_session_id(session))
    result = result_of(loaded)
    text = json_render.render(result) if fmt == "json" else markdown.render(result, audience)
    if out is None:
        write_stdout(text)
    else:
        files.write_private(out, text, force=force)
        _err_console().print(f"Wrote {markup(str(out))}")


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

    with _open_store() as store:
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


@clients_app.command("delete")
def clients_delete(
    name: Annotated[str, typer.Argument(help="The client's name as in 'imbalance clients list'.")],
    yes: _Yes = False,
) -> None:
    """Delete a client and everything about them: every session and every answer."""
    given = _client_name(name, "NAME")
    assert given is not None
    with _open_store() as store:
        if store.client_id(given, create=False) is None:
            raise UsageError(f"no client called '{given}'; see: imbalance clients list")
        name = store.client_name(given)
        _confirm(f"Delete client '{name}' and all their sessions and answers?", yes)
        count = store.delete_client(name)
    _err_console().print(f"Deleted client '{markup(name)}' and {count} session(s).")


def _label(row: SessionRow) -> str:
    return f"session {row.id} ({row.started_at[:10]})"


@app.command()
def compare(
    before: Annotated[str, typer.Argument(help="The earlier session id (say, the intake).")],
    after: Annotated[str, typer.Argument(help="The later session id (the re-assessment).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the comparison as markdown to this file."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Compare two sessions: pain per region (changes of 2+ points marked), regions, sensations,
    goal ratings and warning signs."""
    from imbalance_cli import files
    from imbalance_cli.render import compare as compare_render
    from imbalance_cli.workflow import result_of

    if out is not None:
        files.check_writable(out, force=force)
    first, second = _saved(_session_id(before), _session_id(after))
    if first.row.client != second.row.client:
        _err_console().print(
            f"[yellow]Sessions {before} and {after} belong to different clients "
            f"({markup(first.row.client or 'none')}, {markup(second.row.client or 'none')}).[/]"
        )
    text = compare_render.render(
        result_of(first), result_of(second), _label(first.row), _label(second.row)
    )
    if out is not None:
        files.write_private(out, text, force=force)
        _err_console().print(f"Wrote {markup(str(out))}")
    if sys.stdout.isatty():
        from rich.markdown import Markdown

        _stdout_console().print(Markdown(text))
    elif out is None:
        write_stdout(text)


class _ClosedOutput(io.TextIOBase):
    """Stands in for a closed standard output: not a terminal, and writing to it is an error
    the command line reports (exit 1), instead of a crash."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn our errors into messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in args
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = _ClosedOutput()
    # imbalance is a short-lived process whose data (models, nodes, results) holds no reference
    # cycles; the cyclic collector's repeated passes over large questionnaires made loading and
    # rendering grow faster than linearly (benchmarks/scale.py). Interactive prompting turns it
    # back on, since prompt_toolkit's objects do form cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_app(args, show_traceback)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run_app(args: list[str], show_traceback: bool) -> int:
    try:
        code: Any = app(args=args, prog_name="imbalance", standalone_mode=False)
        return int(code or 0)
    except Interrupted as exc:
        print(f"\nimbalance: {clean(exc.message)}", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except ImbalanceError as exc:
        print(f"imbalance: error: {clean(exc.message)}", file=sys.stderr)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("\nimbalance: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.PROBLEMS)
    except OSError as exc:
        # The machine, not imbalance: a full disk, a file that cannot be read or written.
        where = f" ({clean(str(exc.filename))})" if exc.filename else ""
        print(f"imbalance: error: {clean(exc.strerror or str(exc))}{where}", file=sys.stderr)
        return int(ExitCode.PROBLEMS)
    except Exception as exc:
        if type(exc).__module__ == "sqlite3":  # the store, on a full disk or a damaged file
            from imbalance_cli import resources
            from imbalance_cli.store import FILENAME, store_error

            problem = store_error(resources.data_dir() / FILENAME, exc)  # type: ignore[arg-type]
            print(f"imbalance: error: {clean(problem.message)}", file=sys.stderr)
            return int(ExitCode.PROBLEMS)
        # Usage errors come from the (vendored, in newer typer) click: show them click's way.
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            return int(ExitCode.USAGE)
        if show_traceback:
            raise
        print(
            f"imbalance: internal error: {type(exc).__name__}: {clean(str(exc))}\n"
            "This is a bug in imbalance; run again with --traceback and report what it shows.",
            file=sys.stderr,
        )
        return int(ExitCode.PROBLEMS)
