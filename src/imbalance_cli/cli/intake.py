"""``imbalance run``, ``resume`` and ``reassess``: the arguments, then the flows of
``workflow.intake`` (which ask, save as they go and write the outputs), then the summary."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _app as app,
)
from imbalance_cli.cli import (
    _Audience,
    _check_audience,
    _client_name,
    _ClientOption,
    _err_console,
    _Force,
    _HtmlOut,
    _JsonOut,
    _load,
    _MaxSize,
    _Out,
    _Questionnaire,
    _session_id,
    _stdout_console,
    _ui,
    complete,
    plain_mode,
    write_stdout,
)
from imbalance_cli.errors import DEFAULT_MAX_BYTES
from imbalance_cli.text import clean

if TYPE_CHECKING:
    from imbalance_cli.workflow.intake import Finished, Outputs


@app.command()
def run(
    questionnaire: _Questionnaire = "intake",
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
    client: _ClientOption = None,
    out: _Out = None,
    json_out: _JsonOut = None,
    html_out: _HtmlOut = None,
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
    --out, the markdown summary is written to stdout. '-' as a file name means stdout.
    """
    from imbalance_cli.workflow import intake

    outputs = _outputs(out, json_out, html_out, audience, force)
    name = _client_name(client)
    q, library = _load(questionnaire, max_size)
    outputs.check()
    ui = _ui()
    known = intake.known_facts(q, name, ui) if name else {}
    prepared = intake.prepare(
        q, answers, no_input=no_input, interactive=intake.interactive(), ui=ui, known=known
    )
    finished = intake.run(
        q, library, questionnaire, prepared, client=name, outputs=outputs, save=not no_save,
        ui=ui,
    )  # fmt: skip
    _show(finished)
    _failed(finished)


@app.command()
def resume(
    session: Annotated[
        str | None,
        typer.Argument(help="The session to continue (default: the latest unfinished one)."),
    ] = None,
    out: _Out = None,
    json_out: _JsonOut = None,
    html_out: _HtmlOut = None,
    audience: _Audience = "trainer",
    force: _Force = False,
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Continue a session another imbalance has open; that one stops at its next "
            "answer, keeping the answers it saved.",
        ),
    ] = False,
) -> None:
    """Continue an unfinished session at its first unanswered question.

    Earlier answers are kept; Esc goes back into them to change one. Without output options,
    the outputs the run was asked for are written. A session another imbalance is answering is
    not opened twice: you are told who has it open and since when ('sessions show' reads it,
    --take-over continues it here). One left open by a process that is gone, or idle for 30
    minutes, is continued.
    """
    from imbalance_cli.workflow import intake

    given = _outputs(out, json_out, html_out, audience, force)
    finished = intake.resume(
        None if session is None else _session_id(session),
        given if given.given() else None,
        interactive=intake.interactive(),
        ui=_ui(),
        take_over=take_over,
    )
    _show(finished)
    _failed(finished)


@app.command()
def reassess(
    client: Annotated[
        str, typer.Argument(help="The client to re-assess.", shell_complete=complete.clients)
    ],
    questionnaire: Annotated[
        str | None,
        typer.Argument(
            help="Re-assess the client's last session of this questionnaire (default: the "
            "one questionnaire they completed; asked when they completed several).",
            shell_complete=complete.questionnaires,
        ),
    ] = None,
    out: _Out = None,
    json_out: _JsonOut = None,
    html_out: _HtmlOut = None,
    audience: _Audience = "trainer",
    force: _Force = False,
) -> None:
    """Re-assess a client: ask only what changes since their last completed session.

    Pain ratings per region and side, goal ratings (naming each goal), the warning-sign screen,
    sensations, sleep, stress, worry about movement, side-to-side tests and what was done since
    are asked again; the rest is carried over. The new session is linked to the last one, so
    'imbalance compare' and 'imbalance progress' show the change.
    """
    from imbalance_cli.workflow import intake
    from imbalance_cli.workflow.reassessing import reassess

    outputs = _outputs(out, json_out, html_out, audience, force)
    name = _client_name(client) or client
    done = reassess(name, questionnaire, outputs, interactive=intake.interactive(), ui=_ui())
    _show(done.finished)
    ui = _ui()
    for other in done.others:
        ui.say(
            f"{done.client} also has a completed '{other}'; re-assess it with: "
            f"{ui.prefix} reassess '{done.client}' {other}"
        )
    _failed(done.finished)


def _failed(finished: "Finished") -> None:
    """After the summary: the outputs that could not be written, and how to write them again
    from the saved session (exit 1)."""
    if finished.failed:
        from imbalance_cli.errors import ImbalanceError

        raise ImbalanceError("\n".join(finished.failed))


def _outputs(
    out: Path | None, json_out: Path | None, html_out: Path | None, audience: str, force: bool
) -> "Outputs":
    from imbalance_cli.workflow.intake import Outputs

    _check_audience(audience)
    return Outputs(out, json_out, html_out, audience, force)


def _show(finished: "Finished") -> None:
    """The summary, where the person will see it: the markdown on a redirected stdout (unless
    an output already went there), the terminal summary otherwise (on stderr when stdout is
    taken), or in plain mode the markdown as text; then what was written."""
    from imbalance_cli.render import markdown

    result, outputs = finished.result, finished.outputs
    stdout_taken = outputs.to_stdout()
    if outputs.markdown is None and not stdout_taken and (plain_mode() or not sys.stdout.isatty()):
        text = markdown.render(result, outputs.audience)
        if plain_mode() and sys.stdout.isatty():
            from imbalance_cli.render import plaintext

            text = plaintext.render(text)  # read aloud: words, without markdown's marks
        write_stdout(text)
        if plain_mode():
            for item in finished.written:
                print(f"imbalance: wrote {clean(item)}", file=sys.stderr)
        return
    if plain_mode():
        for item in finished.written:
            print(f"imbalance: wrote {clean(item)}", file=sys.stderr)
        return
    if (sys.stdout.isatty() and not stdout_taken) or sys.stderr.isatty():
        from imbalance_cli.render.terminal import summary

        console = _stdout_console() if sys.stdout.isatty() and not stdout_taken else _err_console()
        console.print(summary(result, list(finished.written)))
        return
    _wrote(finished)


def _wrote(finished: "Finished") -> None:
    """Nobody is watching (a script or a pipeline): the alerts and what was written, plainly."""
    for alert in finished.result.alerts:
        print(
            f"imbalance: {alert.alert.level.value}: {clean(alert.alert.message)}",
            file=sys.stderr,
        )
    for item in finished.written:
        print(f"imbalance: wrote {clean(item)}", file=sys.stderr)
