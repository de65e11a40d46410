"""Change over time: ``compare`` (two sessions, or a client's last two of one questionnaire)
and ``progress`` (every session of a client)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _client_name,
    _err_console,
    _open_store,
    _session_id,
    _stdout_console,
    app,
    command_prefix,
    complete,
    plain_mode,
    write_stdout,
)
from imbalance_cli.cli.records import _saved
from imbalance_cli.errors import ImbalanceError, UsageError
from imbalance_cli.text import markup

if TYPE_CHECKING:
    from imbalance_cli.store import SessionRow


def _label(row: "SessionRow") -> str:
    return f"session {row.id} ({row.started_at[:10]})"


@app.command()
def compare(
    before: Annotated[
        str | None, typer.Argument(help="The earlier session id (say, the intake).")
    ] = None,
    after: Annotated[
        str | None, typer.Argument(help="The later session id (the re-assessment).")
    ] = None,
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            help="Instead of ids: this client's last two completed sessions of one "
            "questionnaire (the one re-assessed last).",
            shell_complete=complete.clients,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the comparison as markdown to this file."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Compare two sessions: pain per region (changes of 2+ points marked) and every other
    answer about a region that changed, regions, sensations, goal ratings, side-to-side tests,
    every other changed answer and warning signs. Give two session ids, or --client NAME for
    the client's last two sessions of one questionnaire."""
    from imbalance_cli import files
    from imbalance_cli.render import compare as compare_render
    from imbalance_cli.workflow import result_of

    name = _client_name(client)
    if name is not None and (before is not None or after is not None):
        raise UsageError("give two session ids or --client, not both")
    if name is None and (before is None or after is None):
        raise UsageError(
            "give two session ids (see: imbalance sessions list), or --client NAME to compare "
            "a client's last two sessions of one questionnaire"
        )
    if out is not None:
        files.check_writable(out, force=force)
    if name is not None:
        ids = _last_two(name)
    else:
        assert before is not None and after is not None
        ids = (_session_id(before), _session_id(after))
    first, second = _saved(*ids, detail="compare")
    if first.row.client != second.row.client:
        _err_console().print(
            f"[yellow]Sessions {ids[0]} and {ids[1]} belong to different clients "
            f"({markup(first.row.client or 'none')}, {markup(second.row.client or 'none')}).[/]"
        )
    text = compare_render.render(
        result_of(first), result_of(second), _label(first.row), _label(second.row)
    )
    if out is not None:
        files.write_private(out, text, force=force)
        if str(out) == files.STDOUT:
            return
        _err_console().print(f"Wrote {markup(str(out))}")
    if sys.stdout.isatty() and plain_mode():
        from imbalance_cli.render import plaintext

        write_stdout(plaintext.render(text))
    elif sys.stdout.isatty():
        from rich.markdown import Markdown

        _stdout_console().print(Markdown(text))
    elif out is None:
        write_stdout(text)


def _last_two(client: str) -> tuple[int, int]:
    """A client's last two completed sessions of one questionnaire: of the questionnaire whose
    latest session is the newest among those done at least twice, that session and the one it
    re-assesses (else the one before it). Says on stderr which, and what else could be
    compared."""
    with _open_store(read_only=True) as store:
        name = store.known_client(client)
        rows = [r for r in store.sessions(name) if r.finished]
    by_source: dict[str, list[SessionRow]] = {}
    for row in rows:  # newest first
        by_source.setdefault(row.questionnaire_source, []).append(row)
    pairs = []
    for source, done in by_source.items():
        if len(done) < 2:
            continue
        latest = done[0]
        earlier = next((r for r in done[1:] if r.id == latest.previous_id), done[1])
        pairs.append((latest.started_at, latest.id, source, earlier, latest))
    if not pairs:
        raise ImbalanceError(
            f"{name} has no questionnaire completed twice to compare; see: imbalance sessions "
            f"list --client '{name}'"
        )
    pairs.sort(reverse=True)
    _, _, source, earlier, latest = pairs[0]
    console = _err_console()
    console.print(
        f"Comparing {markup(name)}'s last two sessions of {markup(latest.questionnaire_id)}: "
        f"{_label(earlier)} and {_label(latest)}."
    )
    for *_, a, b in pairs[1:]:
        console.print(
            f"[dim]Also done twice: {markup(b.questionnaire_id)}; compare with: "
            f"{command_prefix()} compare {a.id} {b.id}[/]"
        )
    return earlier.id, latest.id


@app.command()
def progress(
    client: Annotated[
        str,
        typer.Argument(help="The client whose sessions to chart.", shell_complete=complete.clients),
    ],
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the charts as an HTML page (SVG) to this file."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the series as JSON instead of a table.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Show every completed session of a client: pain per region and side, goal ratings and the
    side-to-side symmetry index over time; changes of 2 points on a 0-10 rating are marked."""
    from imbalance_cli import files
    from imbalance_cli.render.progress import collect, svg_charts, table, warnings_html
    from imbalance_cli.workflow import client_results

    to_stdout = html_out is not None and str(html_out) == files.STDOUT
    if to_stdout and json_out:
        raise UsageError("--json and --html - both write to stdout; give --html a file name")
    if html_out is not None:
        files.check_writable(html_out, force=force)
    with _open_store(read_only=True) as store:
        name = store.known_client(_client_name(client) or client)
        results = client_results(store, name)
        if results:
            store.record("read", [r.session for r in results if r.session], detail="progress")
    if not results:
        raise ImbalanceError(
            f"client '{name}' has no completed sessions; see: imbalance clients list"
        )
    data = collect(results)
    if json_out:
        from imbalance_cli.text import dumps

        write_stdout(dumps({"client": name, **data.as_dict()}))
    else:
        console = _err_console() if to_stdout else _stdout_console()
        plain = plain_mode() or console.no_color or not console.is_terminal
        console.print(table(data, plain=plain))
    if html_out is not None:
        from imbalance_cli.render.html import page

        text = page(f"Progress: {name}", svg_charts(data), warnings_html(data))
        files.write_private(html_out, text, force=force)
        if not to_stdout:
            _err_console().print(f"Wrote {markup(str(html_out))}")
