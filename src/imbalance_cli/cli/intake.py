"""``imbalance run`` and ``imbalance resume``: ask a questionnaire, save as it goes, summarise."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import (
    _Audience,
    _check_audience,
    _client_name,
    _err_console,
    _Force,
    _HtmlOut,
    _JsonOut,
    _load,
    _MaxSize,
    _now,
    _open_store,
    _Out,
    _session_id,
    _stdout_console,
    app,
    write_stdout,
)
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ImbalanceError,
    Interrupted,
    UsageError,
)
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    from imbalance_cli.model import AnswerValue, Library, Questionnaire
    from imbalance_cli.session import SaveHook
    from imbalance_cli.store import Store


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
    files.check_outputs([out, json_out, html_out], force=force)
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
            if out is not None or json_out is not None or html_out is not None:
                store.set_outputs(session_id, _outputs(out, json_out, html_out, audience, force))
            save = saver(store, session_id, q)
            save(flow.prune(prefilled))
        final = flow.prune(prefilled)
        if needs_prompt:
            final = _ask(
                q, prefilled, save, store, session_id,
                outputs=_output_options(out, json_out, html_out),
            )  # fmt: skip
        _finish(
            q, library, final, started, client, (out, json_out, html_out), audience, force,
            store, session_id,
        )  # fmt: skip
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
    outputs: tuple[Path | None, Path | None, Path | None],
    audience: str,
    force: bool,
    store: Store | None,
    session_id: int | None,
    previous: int | None = None,
) -> None:
    from imbalance_cli import files
    from imbalance_cli.render import json as json_render
    from imbalance_cli.render import markdown
    from imbalance_cli.rules import assess

    out, json_out, html_out = outputs
    result = assess(
        q, answers, library, started_at=started, completed_at=_now(), client=client,
        session=session_id, previous=previous,
    )  # fmt: skip
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
    if html_out is not None:
        from imbalance_cli.workflow import report

        files.write_private(html_out, report(result, audience, store), force=force)
        written.append(str(html_out))
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


def _outputs(
    out: Path | None, json_out: Path | None, html_out: Path | None, audience: str, force: bool
) -> dict[str, str]:
    """What a session remembers of its outputs, for resume."""
    kept = {"audience": audience, "force": "yes" if force else "no"}
    for key, path in (("out", out), ("json", json_out), ("html", html_out)):
        if path is not None:
            kept[key] = str(path.resolve()) if str(path) != "-" else "-"
    return kept


def _output_options(out: Path | None, json_out: Path | None, html_out: Path | None) -> str:
    """What the resume hint says of the outputs: the session remembers them, so resume writes
    them with no options; this names where they will go."""
    names = [str(p) for p in (out, json_out, html_out) if p is not None]
    return f" (it writes {' and '.join(names)} as asked)" if names else ""


def _ask(
    q: Questionnaire,
    prefilled: dict[str, AnswerValue],
    save: SaveHook | None,
    store: Store | None,
    session_id: int | None,
    *,
    resumable: bool = False,
    outputs: str = "",
    carried: dict[str, AnswerValue] | None = None,
    defaults: dict[str, AnswerValue] | None = None,
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
        return run_session(
            q, TerminalPrompter(console), prefilled, save, resumable=resumable,
            reassessment=carried is not None, carried=carried, defaults=defaults,
        )  # fmt: skip
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
    html_out: _HtmlOut = None,
    audience: _Audience = "trainer",
    force: _Force = False,
) -> None:
    """Continue an unfinished session at its first unanswered question.

    Earlier answers are kept; Esc goes back into them to change one.
    """
    from imbalance_cli import files
    from imbalance_cli.workflow import (
        carried_answers,
        confirm_defaults,
        load_session,
        resume_target,
        saver,
    )

    _check_audience(audience)
    files.check_outputs([out, json_out, html_out], force=force)
    with _open_store() as store:
        row = resume_target(store, None if session is None else _session_id(session))
        if out is None and json_out is None and html_out is None and row.outputs:
            # The outputs the run was asked for: an interrupted run still writes them.
            remembered = row.outputs
            out = Path(remembered["out"]) if "out" in remembered else None
            json_out = Path(remembered["json"]) if "json" in remembered else None
            html_out = Path(remembered["html"]) if "html" in remembered else None
            audience = remembered.get("audience", audience)
            force = remembered.get("force") == "yes"
            _check_audience(audience)
            files.check_outputs([out, json_out, html_out], force=force)
        loaded = load_session(store, row.id)
        for warning in loaded.warnings:
            _err_console().print(f"[yellow]{markup(warning)}[/]")
        if not sys.stdin.isatty():
            raise UsageError(f"resuming needs a terminal to ask on; session {row.id} is unchanged")
        save = saver(store, row.id, loaded.questionnaire)
        carried = defaults = None
        if row.previous_id is not None:
            # A re-assessment goes on carrying the last session's answers over.
            before = load_session(store, row.previous_id)
            carried, defaults = carried_answers(before), confirm_defaults(before)
        store.set_status(row.id, "in_progress")
        _err_console().print(
            f"Resuming session {row.id}"
            + (f" for {markup(row.client)}" if row.client else "")
            + f", started {row.started_at[:16].replace('T', ' ')}, "
            f"{len(loaded.answers)} answer(s) kept."
        )
        final = _ask(
            loaded.questionnaire, loaded.answers, save, store, row.id, resumable=True,
            outputs=_output_options(out, json_out, html_out), carried=carried,
            defaults=defaults,
        )  # fmt: skip
        _finish(
            loaded.questionnaire, loaded.library, final, row.started_at, row.client,
            (out, json_out, html_out), audience, force, store, row.id, row.previous_id,
        )  # fmt: skip


@app.command()
def reassess(
    client: Annotated[str, typer.Argument(help="The client to re-assess.")],
    questionnaire: Annotated[
        str | None,
        typer.Argument(
            help="Re-assess the client's last session of this questionnaire (default: their "
            "last completed session, whatever it was)."
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
    from imbalance_cli import files
    from imbalance_cli.workflow import reassessment, saver

    _check_audience(audience)
    files.check_outputs([out, json_out, html_out], force=force)
    if not sys.stdin.isatty():
        raise UsageError("a re-assessment needs a terminal to ask on")
    started = _now()
    with _open_store() as store:
        name = store.client_name(_client_name(client) or client)
        start = reassessment(store, name, questionnaire)
        previous = start.previous
        for warning in previous.warnings:
            _err_console().print(f"[yellow]{markup(warning)}[/]")
        q = previous.questionnaire
        session_id = store.start(
            questionnaire_id=q.id, version=q.version, sha256=q.sha256,
            source=previous.row.questionnaire_source, client=name, started_at=started,
            previous=previous.row.id,
        )  # fmt: skip
        try:
            if out is not None or json_out is not None or html_out is not None:
                store.set_outputs(session_id, _outputs(out, json_out, html_out, audience, force))
            day = (previous.row.completed_at or previous.row.started_at)[:10]
            _err_console().print(
                f"Re-assessing {markup(name)} (session {session_id}) against session "
                f"{previous.row.id} of {day}: {len(start.carried)} answer(s) carried over; "
                "what changes is asked again."
            )
            final = _ask(
                q, {}, saver(store, session_id, q), store, session_id,
                outputs=_output_options(out, json_out, html_out), carried=start.carried,
                defaults=start.defaults,
            )  # fmt: skip
            _finish(
                q, previous.library, final, started, name, (out, json_out, html_out), audience,
                force, store, session_id, previous.row.id,
            )  # fmt: skip
        except Exception as exc:
            if not isinstance(exc, Interrupted):
                store.discard_if_empty(session_id)
            raise
        # The client's other questionnaires, to re-assess next.
        others = sorted(
            {r.questionnaire_source for r in store.sessions(name) if r.finished}
            - {previous.row.questionnaire_source}
        )
    for other in others:
        _err_console().print(
            f"[dim]{markup(name)} also has a completed '{markup(other)}'; re-assess it with: "
            f"imbalance reassess '{markup(name)}' {markup(other)}[/]"
        )
