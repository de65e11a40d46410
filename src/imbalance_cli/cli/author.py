"""Author tools: ``list``, ``show``, ``validate``, ``library`` and ``schema``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _err_console,
    _load,
    _MaxSize,
    _stdout_console,
    app,
    write_stdout,
)
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ExitCode,
)
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    pass


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
