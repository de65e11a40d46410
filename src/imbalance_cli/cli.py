"""The ``imbalance`` command line: the only place that prints errors and sets exit codes."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from imbalance_cli import __version__
from imbalance_cli.errors import ExitCode, ImbalanceError, Interrupted, UsageError
from imbalance_cli.yamlsrc import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from rich.console import Console

    from imbalance_cli.model import AnswerValue, Library, Questionnaire

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
) -> None:
    """Muscle imbalance self-assessment in the terminal."""


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _load(name: str, max_size: int = DEFAULT_MAX_BYTES) -> tuple[Questionnaire, Library]:
    from imbalance_cli import loader, resources

    library = loader.load_library(resources.library_paths())
    path = resources.resolve(name)
    return loader.load_questionnaire(path, library, max_size), library


@app.command()
def run(
    questionnaire: Annotated[
        str, typer.Argument(help="A bundled questionnaire id, or a path to a YAML file.")
    ] = "intake",
    answers: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option(
            "--answers", help="Prefill answers from a YAML or JSON mapping {question_id: value}."
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="Never prompt: missing required answers are an error."),
    ] = False,
    client: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--client", help="Who the answers are about (trainer use)."),
    ] = None,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", help="Write the markdown summary to this file."),
    ] = None,
    json_out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--json", help="Write the result document (JSON) to this file."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing output files.")] = False,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Ask a questionnaire (default: the intake) and summarise the answers.

    Prompts go to the terminal. With stdout redirected and no --out, the markdown summary is
    written to stdout. Ctrl-C saves the answers so far and prints how to continue.
    """
    from imbalance_cli import files
    from imbalance_cli.answers import read_answers
    from imbalance_cli.engine import Flow
    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown
    from imbalance_cli.rules import assess

    started = _now()
    q, library = _load(questionnaire, max_size)
    for target in (out, json_out):
        if target is not None:
            files.check_writable(target, force=force)
    prefilled: dict[str, AnswerValue] = {}
    if answers is not None:
        prefilled = read_answers(answers, q)
    flow = Flow(q)
    ignored = sorted(set(prefilled) - set(flow.prune(prefilled)))
    if ignored:
        _err_console().print(
            f"[yellow]Not asked with these answers, so ignored:[/] {', '.join(ignored)}"
        )

    if no_input:
        missing = flow.missing_required(prefilled)
        if missing:
            listed = "\n".join(f"  {m.id}: {m.short}" for m in missing)
            raise ImbalanceError(
                f"--no-input, and {len(missing)} required answer(s) are missing:\n{listed}"
            )
        final = flow.prune(prefilled)
    elif flow.next_question(prefilled) is None:
        final = flow.prune(prefilled)
    else:
        if not sys.stdin.isatty():
            raise UsageError(
                "no terminal to ask questions on; give the answers with --answers FILE "
                "(add --no-input to never prompt)"
            )
        final = _ask(q, prefilled)

    result = assess(q, final, library, started_at=started, completed_at=_now(), client=client)
    written: list[str] = []
    if out is not None:
        files.write_private(out, markdown.render(result), force=force)
        written.append(str(out))
    if json_out is not None:
        files.write_private(json_out, json_render.render(result), force=force)
        written.append(str(json_out))
    if sys.stdout.isatty() or out is not None:
        from imbalance_cli.render.terminal import summary

        console = _err_console() if not sys.stdout.isatty() else _stdout_console()
        console.print(summary(result, written))
    else:
        sys.stdout.write(markdown.render(result))


def _stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _ask(q: Questionnaire, prefilled: dict[str, AnswerValue]) -> dict[str, AnswerValue]:
    from imbalance_cli.prompts import TerminalPrompter
    from imbalance_cli.session import run_session

    console = _err_console()
    console.print(f"[bold]{q.title}[/]  [dim]{q.id} {q.version}[/]")
    console.print(
        "[dim]Education, not a diagnosis. Esc or Ctrl-B goes back a question; "
        "Ctrl-C stops and saves your answers so far.[/]"
    )
    try:
        return run_session(q, TerminalPrompter(console), prefilled)
    except Interrupted as exc:
        path = _save_partial(q, exc.answers)
        raise Interrupted(
            exc.answers,
            f"{exc.message}; your {len(exc.answers)} answer(s) so far are saved in {path}\n"
            f"continue with: imbalance run {q.path if q.path else q.id} --answers {path}",
        ) from None


def _save_partial(q: Questionnaire, answers: dict[str, AnswerValue]) -> Path:
    import yaml

    from imbalance_cli import files, resources
    from imbalance_cli.answers import to_plain

    folder = files.private_dir(resources.data_dir() / "partial")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{q.id}-{stamp}.yaml"
    header = f"# partial answers to {q.id} {q.version}, saved {_now()}\n"
    body = yaml.safe_dump(
        {k: to_plain(v) for k, v in answers.items()}, sort_keys=False, allow_unicode=True
    )
    files.write_private(path, header + (body if answers else "{}\n"), force=True)
    return path


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
        from imbalance_cli.text import markup

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
        sys.stdout.write(outline.as_json(q))
    else:
        _stdout_console().print(outline.tree(q))


@app.command()
def validate(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
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
        print(problem)
    console = _err_console()
    if report.problems:
        n = len(report.problems)
        console.print(
            f"[red]{n} problem{'s' if n != 1 else ''}[/] in {report.bad_files} of {report.files} file(s)"
        )
        raise typer.Exit(ExitCode.PROBLEMS)
    console.print(f"[green]ok[/]: {report.files} file(s) checked, no problems")


@app.command()
def library(
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only items with this tag.")] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the articles and exercise strategies in the content library."""
    from imbalance_cli import loader, resources
    from imbalance_cli.render import outline

    lib = loader.load_library(resources.library_paths())
    if as_json:
        sys.stdout.write(outline.library_json(lib, tag))
    else:
        _stdout_console().print(outline.library_table(lib, tag))


@app.command()
def schema() -> None:
    """Print the JSON Schema of questionnaire files (for editors)."""
    from imbalance_cli.schema import render

    sys.stdout.write(render())


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn our errors into messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in args
    try:
        code: Any = app(args=args, prog_name="imbalance", standalone_mode=False)
        return int(code or 0)
    except Interrupted as exc:
        print(f"\nimbalance: {exc.message}", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except ImbalanceError as exc:
        print(f"imbalance: error: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("\nimbalance: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.PROBLEMS)
    except Exception as exc:
        # Usage errors come from the (vendored, in newer typer) click: show them click's way.
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            return int(ExitCode.USAGE)
        if show_traceback:
            raise
        print(
            f"imbalance: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in imbalance; run again with --traceback and report what it shows.",
            file=sys.stderr,
        )
        return int(ExitCode.PROBLEMS)
