"""Change over time: ``compare`` (two sessions, or a client's last two of one questionnaire)
and ``progress`` (every session of a client)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _app as app,
)
from imbalance_cli.cli import (
    _client_name,
    _err_console,
    _open_store,
    _session_id,
    _stdout_console,
    command_prefix,
    complete,
    plain_mode,
    write_stdout,
)
from imbalance_cli.cli.records import _saved
from imbalance_cli.errors import ImbalanceError, UsageError
from imbalance_cli.text import markup

if TYPE_CHECKING:
    from imbalance_cli.render.progress import Progress
    from imbalance_cli.store import SessionRow, Store


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
    if first.row.client is not None and first.row.client == second.row.client:
        text += _home_between(first.row, second.row)
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


#: Sessions the progress table shows by default: the columns of a terminal run out long before
#: a client's history does, and laying out hundreds of columns took seconds.
PROGRESS_COLUMNS = 8


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
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help=f"Only the latest N sessions (default: {PROGRESS_COLUMNS} in the table, every "
            "one with --json or --html).",
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every session in the table, however many.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Show every completed session of a client: pain per region and side, goal ratings and the
    side-to-side symmetry index over time; changes of 2 points on a 0-10 rating are marked.
    The table shows the latest sessions and names the warning signs of earlier ones."""
    from imbalance_cli import files
    from imbalance_cli.render.progress import collect, svg_charts, warnings_html
    from imbalance_cli.workflow import client_history, snapshots

    to_stdout = html_out is not None and str(html_out) == files.STDOUT
    if to_stdout and json_out:
        raise UsageError("--json and --html - both write to stdout; give --html a file name")
    if show_all and limit is not None:
        raise UsageError("give --all or --limit, not both")
    if html_out is not None:
        files.check_writable(html_out, force=force)
    with _open_store(read_only=True) as store:
        name = store.known_client(_client_name(client) or client)
        rows = client_history(store, name)
        if not rows:
            raise ImbalanceError(
                f"client '{name}' has no completed sessions; see: imbalance clients list"
            )
        whole = json_out or html_out is not None or show_all
        shown = limit if limit is not None else None if whole else PROGRESS_COLUMNS
        chosen = rows if shown is None else rows[-shown:]
        data = collect(snapshots(store, chosen))  # one session at a time
        store.record("read", [r.id for r in chosen], detail="progress")
        home = _home_programme(store, name)
    if json_out:
        from imbalance_cli.text import dumps

        write_stdout(dumps({"client": name, **data.as_dict()}))
    else:
        in_table = len(chosen) if show_all or limit is not None else PROGRESS_COLUMNS
        _progress_table(data.latest(in_table), rows, to_stdout)
        if home is not None:
            write_stdout("\n".join(home[0]) + "\n")
    if html_out is not None:
        from html import escape

        from imbalance_cli.render.html import page

        lead = warnings_html(data)
        charts = svg_charts(data)
        if home is not None:
            stopped = [x for x in home[0] if x.startswith("STOPPED")]
            block = "<h2>Home programme</h2>" + "".join(
                f'<div class="alert urgent" role="alert"><h3>⚠ {escape(x)}</h3></div>'
                if x in stopped else f"<p>{escape(x)}</p>"
                for x in home[0]
            )  # fmt: skip
            if stopped:
                # A programme a warning sign stopped leads the page, as warning signs do, and
                # the assessments' own line says where the sign came from.
                lead = block + lead.replace(
                    "No warning signs were reported in any of these sessions.",
                    "No warning signs were reported in these assessments; the home programme's "
                    "log reported the one above.",
                )
            else:
                lead += block
            charts += home[1]
        text = page(f"Progress: {name}", charts, lead)
        files.write_private(html_out, text, force=force)
        if not to_stdout:
            _err_console().print(f"Wrote {markup(str(html_out))}")


def _home_between(first: "SessionRow", second: "SessionRow") -> str:
    """The home programme between two sessions of a client, for compare (empty when none)."""
    from imbalance_cli.render.programme_progress import between
    from imbalance_cli.workflow import load_library
    from imbalance_cli.workflow import programme as wp

    assert first.client is not None
    with _open_store(read_only=True) as store:
        # By the client's id: two clients of one name on a gym's store stay two.
        cp = wp.load(store, first.client_id or first.client)
    if not cp.versions and not cp.entries:
        return ""
    start = first.completed_at or first.started_at
    end = second.completed_at or second.started_at
    return between(cp.versions, cp.entries, load_library(), min(start, end), max(start, end))


def _home_programme(store: "Store", name: str) -> "tuple[list[str], list[str]] | None":
    """The home programme's lines and charts for progress, when the client has one."""
    from datetime import date

    from imbalance_cli.render import programme_progress
    from imbalance_cli.workflow import load_library
    from imbalance_cli.workflow import programme as wp

    cp = wp.load(store, name)
    if not cp.versions:
        return None
    library = load_library()
    today = date.today()
    return (
        programme_progress.lines(cp.versions, cp.entries, library, today),
        programme_progress.charts(cp.versions, cp.entries, library),
    )


def _progress_table(data: "Progress", rows: "list[SessionRow]", to_stderr: bool) -> None:
    """The table, then what it leaves out: how many earlier sessions, their warning signs (as
    recorded with each), and the option that shows them."""
    from imbalance_cli.render.progress import table

    console = _err_console() if to_stderr else _stdout_console()
    plain = plain_mode() or console.no_color or not console.is_terminal
    console.print(table(data, plain=plain))
    first = {s for s in data.sessions if s is not None}
    earlier = rows[: next((i for i, r in enumerate(rows) if r.id in first), len(rows))]
    if not earlier:
        return
    console.print(
        f"The latest {len(data.labels)} of {len(rows)} sessions; every one: --all (or --html "
        "FILE for charts of all of them)."
    )
    loud = [r for r in earlier if r.warning in ("emergency", "urgent", "advisory")]
    if loud:
        named = [
            f"S{r.id} {(r.completed_at or r.started_at)[5:10]} "
            f"{r.warning.upper() if r.warning in ('emergency', 'urgent') else r.warning}"
            for r in loud[-5:]
        ]
        more = f", and {len(loud) - 5} more" if len(loud) > 5 else ""
        console.print(f"Warning signs in earlier sessions: {', '.join(named)}{more}.")
