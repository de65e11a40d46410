"""Author tools: ``list``, ``show``, ``validate``, ``library`` and ``schema``."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _app as app,
)
from imbalance_cli.cli import (
    _err_console,
    _load,
    _MaxSize,
    _Questionnaire,
    _stdout_console,
    write_stdout,
)
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ExitCode,
    ImbalanceError,
    UsageError,
)
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    pass


@app.command("list")
def list_() -> None:
    """List the bundled and user questionnaires: id, title, version, number of questions.

    Library, body map and fixture files in the folder are not questionnaires and are not
    listed; two files claiming one id are warned about, naming both."""
    from rich.table import Table

    from imbalance_cli import loader, resources
    from imbalance_cli.errors import QuestionnaireError

    library = loader.load_library(resources.library_paths())
    table = Table(box=None, header_style="bold")
    for column in ("id", "title", "version", "questions", "from"):
        table.add_column(column, overflow="fold")
    broken, repeats = 0, False
    catalogue = resources.catalogue()
    for entry in catalogue.entries:
        origin, path = entry.origin, entry.path
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
            markup(q.id), markup(q.title), markup(q.version), str(q.written_count), origin
        )
        repeats = repeats or any(s.repeated for s in q.sections)
    _stdout_console().print(table)
    if repeats:
        print(
            "Questions as written: a section repeated per body region or per exercise counts "
            "once ('imbalance show ID' gives every copy).",
            file=sys.stderr,
        )
    for warning in catalogue.warnings:
        print(clean(str(warning)), file=sys.stderr)
    print(
        f"Your own questionnaires go in {resources.user_dir()}, your articles and strategies "
        f"in {resources.user_library_dir()}.",
        file=sys.stderr,
    )
    if broken:
        raise typer.Exit(ExitCode.PROBLEMS)


@app.command()
def show(
    questionnaire: _Questionnaire,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the normalised model as JSON (--format json).")
    ] = False,
    output: Annotated[
        str,
        typer.Option(
            "--format",
            help="text (a tree, default), json (the normalised model) or fhir (a FHIR R4 "
            "Questionnaire).",
        ),
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file ('-' or none: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Show a questionnaire's sections, questions and conditions, alerts and rules; or write it
    as JSON, or as a FHIR R4 Questionnaire for a clinic's system."""
    from imbalance_cli import files
    from imbalance_cli.render import outline

    if output not in ("text", "json", "fhir"):
        raise UsageError(f"--format must be text, json or fhir, not '{output}'")
    output = "json" if as_json else output
    if out is not None:
        files.check_writable(out, force=force)
    q, _ = _load(questionnaire, max_size)
    if output == "text" and out is None:
        _stdout_console().print(outline.tree(q))
        return
    if output == "fhir":
        from imbalance_cli.render import fhir

        text = fhir.dumps(fhir.questionnaire(q))
    elif output == "json":
        text = outline.as_json(q)
    else:
        from rich.console import Console

        capture = Console(width=100, color_system=None, force_terminal=False)
        with capture.capture() as captured:
            capture.print(outline.tree(q))
        text = captured.get()
    if out is None:
        write_stdout(text)
    else:
        files.write_private(out, text, force=force)


@app.command()
def graph(
    questionnaire: _Questionnaire,
    output: Annotated[
        str, typer.Option("--format", help="mermaid (default) or dot (Graphviz).")
    ] = "mermaid",
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Print a questionnaire's flow as a graph: sections and questions in order, conditions as
    dashed arrows from the answers they read, alerts, and rules with what they recommend.

    Paste the Mermaid text into a markdown file or a Mermaid viewer; render DOT with
    'dot -Tsvg flow.dot > flow.svg'.
    """
    from imbalance_cli.render import graph as graphs

    if output not in ("mermaid", "dot"):
        raise UsageError(f"--format must be mermaid or dot, not '{output}'")
    q, _ = _load(questionnaire, max_size)
    text = graphs.mermaid(q) if output == "mermaid" else graphs.dot(q)
    write_stdout(text)
    arrows = sum(
        1 for line in text.splitlines() if "-->" in line or "-.->" in line or "==>" in line
    )
    if output == "mermaid" and arrows > graphs.MERMAID_MAX_EDGES:
        _err_console().print(
            f"imbalance: note: this flowchart has {arrows} arrows; Mermaid draws at most "
            f"{graphs.MERMAID_MAX_EDGES} unless the page raises maxEdges (mermaid.initialize), "
            "so for a questionnaire this long --format dot may serve better",
            markup=False,
        )


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to check (default: everything bundled and yours)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on warnings too, not only on errors.")
    ] = False,
    output: Annotated[
        str,
        typer.Option("--format", help="How to print the findings: text (default), json or sarif."),
    ] = "text",
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Check questionnaire and library files, and lint questionnaires for dead logic.

    Every problem prints as path:line:col: message; warnings say 'warning:'. Errors make the
    exit code 1; warnings do too with --strict.
    """
    from imbalance_cli import resources
    from imbalance_cli.validate import validate_paths

    if output not in ("text", "json", "sarif"):
        raise UsageError(f"--format must be text, json or sarif, not '{output}'")
    targets = list(paths or [])
    if not targets:
        targets = [resources.bundled_dir(), *resources.library_paths()]
        if resources.user_dir().is_dir():
            targets.append(resources.user_dir())
    report = validate_paths(targets, resources.library_paths(), max_size)
    if not paths:
        report.problems += resources.catalogue().warnings
    problems = sorted(report.problems, key=lambda p: (p.location, p.message))
    errors = sum(1 for p in problems if not p.is_warning)
    warnings = len(problems) - errors
    if output == "json":
        from imbalance_cli.render.problems import as_json

        write_stdout(as_json(problems, report.files))
    elif output == "sarif":
        from imbalance_cli.render.problems import as_sarif

        write_stdout(as_sarif(problems))
    else:
        for problem in problems:
            print(clean(str(problem)))
        for qid, r in sorted(report.reach.items()):
            print(
                clean(
                    f"{qid}: {r.changing} of {r.questions} answers can change the guidance; "
                    f"{r.for_reader} kept for the reader, with a reason; {r.text} free text, "
                    f"read for warning words; {r.tracked} only charted over time (their role); "
                    f"{r.routing} only choose the questions that follow"
                )
            )
        _verdict(errors, warnings, report.files, report.bad_files)
    if errors or (strict and warnings):
        raise typer.Exit(ExitCode.PROBLEMS)


def _verdict(errors: int, warnings: int, files: int, bad_files: int) -> None:
    def count(n: int, noun: str) -> str:
        return f"{n} {noun}{'s' if n != 1 else ''}"

    if errors:
        verdict, colour = count(errors, "error"), "red"
        if warnings:
            verdict += f" and {count(warnings, 'warning')}"
        detail = f" in {bad_files} of {files} file(s)"
    elif warnings:
        verdict, colour = count(warnings, "warning"), "yellow"
        detail = f" in {bad_files} of {files} file(s), no errors"
    else:
        verdict, colour = "ok", "green"
        detail = f": {files} file(s) checked, no problems"
    if sys.stderr.isatty():
        _err_console().print(f"[{colour}]{verdict}[/]{detail}")
    else:  # a script or CI log: the same line without colour, and without importing rich
        print(verdict + detail, file=sys.stderr)


@app.command("test")
def test_(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Fixture files, folders of fixtures, or questionnaires (an id or a file: the "
            "fixtures in the examples/ folder beside it). Default: the bundled fixtures and yours."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    max_size: _MaxSize = DEFAULT_MAX_BYTES,
) -> None:
    """Run answer fixtures through their questionnaires, without saving, and check what each
    expects: questions asked and not asked, alerts and their levels, recommendations made and
    not made. Exit 1 when a fixture fails."""
    import json

    from imbalance_cli import fixtures
    from imbalance_cli.workflow import load_library

    found = fixtures.discover(paths or [])
    if not found:
        raise UsageError(
            "no fixtures found"
            + (f" in {', '.join(paths)}" if paths else "")
            + "; a fixture is a YAML file with 'questionnaire:', 'answers:' and 'expect:'"
        )
    library = load_library()
    outcomes = [fixtures.run_fixture(path, library, max_size) for path in found]
    failed = [o for o in outcomes if not o.passed]
    if as_json:
        document = {
            "fixtures": len(outcomes),
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "results": [
                {
                    "path": o.path,
                    "questionnaire": o.questionnaire,
                    "passed": o.passed,
                    "asked": o.asked,
                    "alerts": o.alerts,
                    "recommended": o.recommended,
                    "withheld": o.withheld,
                    "failures": [
                        {
                            "path": f.location.path,
                            "line": f.location.line,
                            "column": f.location.column,
                            "message": f.message,
                        }
                        for f in o.failures
                    ],
                }
                for o in outcomes
            ],
        }
        write_stdout(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        for o in outcomes:
            if o.passed:
                print(
                    clean(
                        f"PASS {o.path} ({o.questionnaire}: {o.asked} asked, {o.alerts} "
                        f"alert(s), {o.recommended} recommended"
                        + (f", {o.withheld} held back" if o.withheld else "")
                        + ")"
                    )
                )
            else:
                print(clean(f"FAIL {o.path}"))
                for failure in o.failures:
                    print(clean(f"  {failure}"))
        summary = f"{len(outcomes)} fixture(s): {len(outcomes) - len(failed)} passed"
        summary += f", {len(failed)} failed" if failed else ""
        print(summary, file=sys.stderr)
    if failed:
        raise typer.Exit(ExitCode.PROBLEMS)


@app.command()
def library(
    tag: Annotated[
        str | None, typer.Option("--tag", help="Only articles and strategies with this tag.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="Only items whose regions name this one (knee, neck...)."),
    ] = None,
    exercises: Annotated[
        bool,
        typer.Option(
            "--exercises",
            help="List the exercises instead: name, regions, dose, easier and harder versions, "
            "the situations they do not suit, and whether each has a picture.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the articles and exercise strategies in the content library, or its exercises.

    Each item shows its id (what a rule or a programme names), where it comes from, its title,
    and what decides whether a rule naming it validates and when it is held back: regions (a
    rule must make sure of one of them), assumes_no_warning_signs (held back while an urgent or
    emergency alert stands) and not_for (the situations it does not suit)."""
    from imbalance_cli import loader, resources
    from imbalance_cli.render import outline

    if exercises and tag is not None:
        raise UsageError("exercises have no tags; use --region to choose exercises by body part")
    lib = loader.load_library(resources.library_paths())
    if as_json:
        text = (
            outline.exercises_json(lib, region)
            if exercises
            else outline.library_json(lib, tag, region)
        )
        write_stdout(text)
        return
    bundled = str(resources.bundled_dir())
    width = _stdout_console().width
    if exercises:
        text = outline.exercises_text(lib, bundled, width, region)
    else:
        text = outline.library_text(lib, tag, bundled, width, region)
    if not text:
        print("imbalance: nothing in the library matches", file=sys.stderr)
    write_stdout(text)


@app.command()
def schema(
    library_files: Annotated[
        bool, typer.Option("--library", help="The schema of library files instead.")
    ] = False,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            metavar="DIR",
            help="Write both schemas (questionnaire.schema.json, library.schema.json) into DIR "
            "and print the first lines that point your files at them.",
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of questionnaire files, or of library files (for editors)."""
    from imbalance_cli import files
    from imbalance_cli.schema import render

    if write is None:
        write_stdout(render(library=library_files))
        return
    folder = write.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImbalanceError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    for name, library in (("questionnaire", False), ("library", True)):
        target = folder / f"{name}.schema.json"
        files.write_private(target, render(library=library), force=True)
        print(f"wrote {target}", file=sys.stderr)
    absolute = folder.resolve()
    print(
        "Start each questionnaire with:\n"
        f"# yaml-language-server: $schema={absolute / 'questionnaire.schema.json'}\n"
        "and each library file with:\n"
        f"# yaml-language-server: $schema={absolute / 'library.schema.json'}"
    )
