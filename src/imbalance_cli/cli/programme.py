"""``imbalance plan`` and ``imbalance log``: a client's home programme, proposed from their latest
session and edited by the trainer, then logged by the client session by session, with the next
dose proposed from the log by the library's dose rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import _app as app
from imbalance_cli.cli import _client_name, _Force, _ui, complete, write_wrapped
from imbalance_cli.errors import ExitCode, ImbalanceError, UsageError

if TYPE_CHECKING:
    from imbalance_cli.model import Library, Result
    from imbalance_cli.programme.model import Decision, Entry, Programme
    from imbalance_cli.store import Store
    from imbalance_cli.workflow.intake import Ui
    from imbalance_cli.workflow.programme import ClientProgramme

_Client = Annotated[
    str, typer.Argument(help="The client (name or id).", shell_complete=complete.clients)
]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _today(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date '{text}' is not a date like 2026-12-03") from None


@app.command()
def plan(
    client: _Client,
    new: Annotated[
        bool, typer.Option("--new", help="Propose a new programme from the latest session.")
    ] = False,
    session: Annotated[
        int | None, typer.Option("--session", help="Propose from this session, not the latest.")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="A programme file (YAML): the exercises, doses and notes."),
    ] = None,
    accept: Annotated[
        str | None,
        typer.Option("--accept", help="Headless: accept the changes the log calls for ('all')."),
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the printable one-page sheet here.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the programme document (JSON) here.")
    ] = None,
    fhir_out: Annotated[
        Path | None,
        typer.Option("--fhir", help="Write the programme as a FHIR R4 CarePlan bundle here."),
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the log as CSV, a row per exercise.")
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Review the log as of this day (YYYY-MM-DD); a version saved then starts on it.",
        ),
    ] = None,
    edit_it: Annotated[
        bool, typer.Option("--edit", help="Edit the current programme on the terminal.")
    ] = False,
    force: _Force = False,
) -> None:
    """Propose, edit and save a client's home programme; after logs, the next doses.

    The first time (or with --new) it proposes up to 3 exercises from the client's latest session,
    respecting warning signs and their situations. After the client has logged sessions
    (imbalance log), it shows what the dose rules propose, each with the log entries behind it,
    for you to accept. On a terminal you tick, drop, swap and change doses; headless, give
    --from FILE and/or --accept all. --html writes a one-page sheet to print.
    """
    from imbalance_cli import files
    from imbalance_cli.workflow import intake, load_library
    from imbalance_cli.workflow import programme as wp

    if accept is not None and accept != "all":
        raise UsageError("--accept takes 'all' (accept every change the log calls for)")
    files.check_outputs([html_out, json_out, fhir_out, csv_out], force=force)
    name = _client_name(client, "CLIENT") or client
    library = load_library()
    day = _today(today)
    if day > date.today():
        raise UsageError(f"--date {day} is after today")
    # A review (and a version saved by it) on a day before today: a paper log typed in later.
    stamp = _now() if day == date.today() else f"{day.isoformat()}T00:00:00+00:00"
    ui = _ui()
    store = intake._open_store(ui)
    try:
        cp = wp.load(store, name)
        held = wp.on_hold(store, cp) if not (new or session is not None) else None
        if held is not None:
            raise ImbalanceError(held)
        draft, decisions, result = _draft(store, cp, library, new, session, day)
        fresh = draft is not cp.current
        if fresh and draft.session is not None:
            # Proposed from an older session (--session N), or the newest finished one while a
            # later, unfinished one holds a warning sign.
            held = wp.held_after(store, cp.name, draft.session)
            if held is not None:
                raise ImbalanceError(f"no programme from session {draft.session}: {held}")
        if from_file is not None:
            from imbalance_cli.programme.file import read_programme_file

            draft = read_programme_file(from_file, draft, library)
        pending = [d for d in decisions if d.changes or d.action == "change"]
        chosen = pending if accept == "all" else []
        interactive = intake.interactive() and not no_input
        if interactive and draft.stopped is None and (fresh or pending or edit_it):
            from imbalance_cli.cli.programme_edit import edit

            draft, chosen = edit(draft, decisions, library, result, ui, cp.name)
        saved = _save(store, cp, draft, chosen, fresh or from_file is not None, library, ui, stamp)
        if saved is draft and pending and not chosen and not interactive:
            ui.say("Nothing changed: accept the changes above with --accept all.")
        cp = wp.load(store, name)
    finally:
        store.close()
    from imbalance_cli.render.programme import text

    shown_decisions = [] if (chosen or saved.stopped) else decisions
    shown = text(saved, library, cp.name, shown_decisions, list(cp.entries))
    if any(str(p) == "-" for p in (html_out, json_out, fhir_out, csv_out) if p is not None):
        import sys

        sys.stderr.write(shown)  # stdout is the file asked for with '-'
    else:
        write_wrapped(shown)
    _outputs(saved, cp, library, html_out, json_out, fhir_out, csv_out, force, ui)
    if saved.stopped is not None:
        raise typer.Exit(int(ExitCode.PROBLEMS))


def _save(
    store: Store,
    cp: ClientProgramme,
    draft: Programme,
    chosen: list[Decision],
    fresh: bool,
    library: Library,
    ui: Ui,
    stamp: str,
) -> Programme:
    """Save a new version when anything changed (the accepted changes, and the trainer's own,
    recorded with it); else the draft as it is."""
    from imbalance_cli.programme.dose import edits
    from imbalance_cli.workflow import programme as wp

    if draft.stopped is not None or not (fresh or chosen or draft != cp.current):
        return draft
    own = [] if fresh or cp.current is None else edits(cp.current, draft, library)
    if chosen:
        draft = wp.next_version(draft, chosen, stamp)
    if own:
        draft = replace(draft, changes=(*draft.changes, *own))
    saved = wp.save(store, cp, draft, stamp)
    ui.say(f"Saved the programme for {cp.name} (version {saved.number}).")
    return saved


def _outputs(
    saved: Programme,
    cp: ClientProgramme,
    library: Library,
    html_out: Path | None,
    json_out: Path | None,
    fhir_out: Path | None,
    csv_out: Path | None,
    force: bool,
    ui: Ui,
) -> None:
    from imbalance_cli import files

    if json_out is not None:
        import json

        from imbalance_cli.programme.codec import programme_dict

        document = json.dumps(programme_dict(saved), indent=2, ensure_ascii=False) + "\n"
        files.write_private(json_out, document, force=force)
    if html_out is not None:
        from imbalance_cli.render.sheet import sheet

        files.write_private(
            html_out, sheet(saved, library, cp.name, library.programme), force=force
        )
        ui.say(f"Wrote the one-page sheet to {html_out}.")
    if fhir_out is not None:
        from imbalance_cli.render import careplan
        from imbalance_cli.render.fhir import dumps

        exported = careplan.bundle(saved, cp.entries, library, cp.name, cp.uuid)
        files.write_private(fhir_out, dumps(exported), force=force)
    if csv_out is not None:
        from imbalance_cli.render.careplan import csv_text

        files.write_private(csv_out, csv_text(cp.entries, library), force=force)


def _draft(
    store: Store, cp: ClientProgramme, library: Library, new: bool, session: int | None, day: date
) -> tuple[Programme, list[Decision], Result | None]:
    """The programme to start from: a new proposal, or the current one with the changes the
    log calls for (and the session result it came from, for the exercises a trainer may add)."""
    from imbalance_cli.programme.propose import NoProgramme
    from imbalance_cli.workflow import programme as wp

    result: Result | None = None
    if cp.current is None or new or session is not None:
        newest = wp.latest_result(store, cp.name, session)
        stop = cp.current.stopped if cp.current is not None else None
        if stop is not None and (newest.completed_at or "") <= stop.at:
            raise ImbalanceError(
                f"the programme of {cp.name} was stopped by a warning sign logged on "
                f"{stop.at[:10]}; a new programme starts from an assessment made after it "
                f"(imbalance reassess '{cp.name}', once a clinician has checked them)"
            )
        try:
            proposed, result = wp.proposal(store, cp.name, session)
        except NoProgramme as exc:
            raise ImbalanceError(f"no programme for {cp.name}: {exc}") from None
        when = (result.completed_at or result.started_at)[:10]
        _ui().say(
            f"Proposed from session {result.session} ({result.questionnaire.id}, {when}); "
            "another with --session N."
        )
        return proposed, [], result
    try:
        result = wp.latest_result(store, cp.name, cp.current.session)
    except UsageError:
        result = None
    return cp.current, wp.review(cp, library, day), result


@app.command()
def log(
    client: _Client,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="The answers from a YAML or JSON mapping (headless)."),
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    day: Annotated[
        str | None, typer.Option("--date", help="The day of the session (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Log a session of the home programme: what was done, the pain during it, the next
    morning and what was felt: two questions an exercise and a few more, a minute or two. A
    warning sign stops the programme."""
    from imbalance_cli.errors import Interrupted
    from imbalance_cli.rules import fired_alerts
    from imbalance_cli.workflow import intake, load_library
    from imbalance_cli.workflow import programme as wp

    name = _client_name(client, "CLIENT") or client
    library = load_library()
    given_day = _today(day) if day is not None else None
    ui = _ui()
    store = intake._open_store(ui)
    try:
        cp = wp.load(store, name)
        if cp.current is None:
            held = wp.held_latest(store, cp.name)
            if held is not None:  # `plan` would refuse: say why, not "make one"
                raise ImbalanceError(f"{cp.name} has no programme yet, and {held}")
            raise UsageError(
                f"{cp.name} has no programme yet; make one with: {ui.prefix} plan '{cp.name}'"
            )
        if cp.current.stopped is not None:
            from imbalance_cli.render.programme import stopped_lines

            raise ImbalanceError("\n".join(stopped_lines(cp.current)))
        held = wp.on_hold(store, cp)
        if held is not None:
            raise ImbalanceError(held)
        if given_day is not None:
            _check_day(given_day, cp.current.created_at)
        # A day given on the command line is not asked again; headless, the day is today
        # unless the answers say otherwise (a day before the programme is refused, below).
        # Asked, it offers no day before the programme started, and is not asked when that
        # leaves only today (a refusal after every answer would lose them all).
        asking = given_day is None and not no_input
        only_today = asking and len(wp.log_days(cp.current, date.today())) == 1
        offered = date.today() if asking and not only_today else None
        q = wp.log_questionnaire(cp.current, library, offered)
        known = {"day": "today"} if not asking or only_today else {}
        if only_today:
            ui.note("Logging today's session: the programme started today.")
        prepared = intake.prepare(
            q, answers, no_input=no_input, interactive=intake.interactive(), ui=ui, known=known
        )
        final = dict(prepared.answers)
        if prepared.needs_prompt:
            from imbalance_cli.session import run_session

            try:
                final = run_session(q, ui.prompter(q, whole=True), final)
            except Interrupted as exc:
                raise Interrupted(
                    exc.answers, f"{exc.message}; nothing was logged (a log is saved whole)"
                ) from None
        fired = tuple(fired_alerts(q, final))
        entry = wp.entry_from_answers(final, cp.current, library, date.today(), given_day)
        _check_day(date.fromisoformat(entry.day), cp.current.created_at)
        entry_id, stopped = wp.record(store, cp, entry, fired, _now())
    finally:
        store.close()
    same_day = sum(1 for e in cp.entries if e.day == entry.day)
    lines = _logged(entry, entry_id, stopped, cp.name, library, ui.prefix, same_day)
    write_wrapped("\n".join(lines) + "\n")
    if stopped is not None:
        raise typer.Exit(int(ExitCode.PROBLEMS))


def _check_day(day: date, since: str) -> None:
    """A session is logged for a day between the programme's start and today."""
    if day > date.today():
        raise UsageError(f"the session's day, {day}, is after today; log a session once it is done")
    start = since[:10]
    if start and day.isoformat() < start:
        raise UsageError(
            f"the session's day, {day}, is before this programme started ({start}); "
            "log sessions of this programme only"
        )


def _logged(
    entry: Entry, entry_id: int, stopped: Programme | None, client: str, library: Library,
    prefix: str, same_day: int = 0,
) -> list[str]:  # fmt: skip
    """What the client reads after logging: the warning sign first, else what each sensation
    met and each pain above 5 means now, not only at the trainer's next review. ``same_day``:
    how many entries were logged for this day before (the review reads them as one)."""
    from imbalance_cli.render.programme import name_of, stopped_lines

    done = sum(1 for _, d in entry.done if d != "not_done")
    less = sum(1 for _, d in entry.done if d == "less")
    lines = [f"Logged the session of {entry.day} for {client} (entry {entry_id}): "
             f"{done} of {len(entry.done)} exercises done"
             + (f" ({less} less than planned)." if less else ".")]  # fmt: skip
    if same_day:
        lines.append(
            f"{entry.day} was logged before ({same_day} {'entry' if same_day == 1 else 'entries'}):"
            " the dose review reads that day's logs as one session, cautiously (the higher pain;"
            " an exercise done in one and not in another counts as done less than planned)."
        )
    if stopped is not None:
        return lines + stopped_lines(stopped)
    rules = library.programme
    for exercise, pain in entry.pain:
        if pain > 5:
            lines.append(f"- {name_of(library, exercise)}: pain {pain} of 10 is more than this "
                         "exercise should bring; do less of it next time, or leave it out until "
                         "your trainer has looked.")  # fmt: skip
    for sid in entry.sensations:
        sensation = rules.sensation(sid) if rules is not None else None
        if sensation is not None:
            where = dict(entry.where).get(sid)
            during = ", ".join(name_of(library, e) for e in where) if where else "The session"
            lines.append(f"- {during}: {sensation.says}")
    lines.append(f"Your trainer sees the next doses with: {prefix} plan '{client}'")
    return lines
