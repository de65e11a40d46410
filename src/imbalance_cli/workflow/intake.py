"""The intake use cases: run a questionnaire and resume a session (re-assessing a client is in
reassessing.py, built on these).

Each saves as it goes, asks through a prompter only when something must be asked, and ends by
assessing the answers and writing the outputs asked for. Nothing here prints or reads the
terminal: the ``Ui`` the command line gives does (its prompter asks, ``note`` and ``say`` show
messages), so the same flows serve the full-screen prompts, the plain mode and the tests.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from imbalance_cli import files
from imbalance_cli.engine import Flow
from imbalance_cli.errors import ImbalanceError, Interrupted, UsageError
from imbalance_cli.model import (
    FROM_PROGRAMME,
    AlertLevel,
    AnswerValue,
    Question,
    Questionnaire,
)
from imbalance_cli.workflow import (
    Saver,
    carried_answers,
    confirm_defaults,
    load_session,
    release,
    resume_target,
    source_of,
)

if TYPE_CHECKING:
    from imbalance_cli.content import Library
    from imbalance_cli.prompts import Prompter
    from imbalance_cli.results import Result
    from imbalance_cli.store import Store, Writer


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Ui(Protocol):
    """The person's side of a flow, given by the command line."""

    #: How to call imbalance again as it was called (``imbalance --data-dir D --plain``), for
    #: the commands a message suggests.
    prefix: str

    def prompter(self, questionnaire: Questionnaire, whole: bool = False) -> Prompter:
        """A prompter ready to ask (the questionnaire's header shown); only called when
        something must be asked."""
        ...

    def note(self, text: str) -> None:
        """A message worth a look: a warning, a note about the answers given."""
        ...

    def say(self, text: str) -> None:
        """Plain information about what is happening."""
        ...

    def choose(self, question: str, options: list[tuple[str, str]], default: str) -> str:
        """One of ``options`` (value, label), asked before a flow starts (which questionnaire
        to re-assess); ``default`` is chosen when the person just presses Enter."""
        ...


@dataclass(frozen=True)
class Outputs:
    """What a run writes when it ends: the markdown summary, the result document, the HTML
    report (each a path, ``-`` for standard output, or None), for whom, and whether existing
    files may be replaced."""

    markdown: Path | None = None
    json: Path | None = None
    html: Path | None = None
    audience: str = "trainer"
    force: bool = False

    @property
    def paths(self) -> list[Path | None]:
        return [self.markdown, self.json, self.html]

    def given(self) -> bool:
        return any(p is not None for p in self.paths)

    def check(self) -> None:
        """Before any question is asked: every output writable, no two the same file."""
        files.check_outputs(self.paths, force=self.force)

    def to_stdout(self) -> bool:
        return any(p is not None and str(p) == files.STDOUT for p in self.paths)

    def remembered(self) -> dict[str, str]:
        """What a session keeps of its outputs, so that ``resume`` writes them."""
        kept = {"audience": self.audience, "force": "yes" if self.force else "no"}
        for key, path in (("out", self.markdown), ("json", self.json), ("html", self.html)):
            if path is not None:
                kept[key] = str(path.resolve()) if str(path) != files.STDOUT else files.STDOUT
        return kept

    @classmethod
    def recalled(cls, kept: Mapping[str, str]) -> Outputs:
        def path(key: str) -> Path | None:
            return Path(kept[key]) if key in kept else None

        return cls(
            path("out"),
            path("json"),
            path("html"),
            kept.get("audience", "trainer"),
            kept.get("force") == "yes",
        )

    def hint(self) -> str:
        """What the resume hint says of the outputs: resume writes them with no options."""
        names = [str(p) for p in self.paths if p is not None]
        return f" (it writes {' and '.join(names)} as asked)" if names else ""


@dataclass(frozen=True)
class Finished:
    """A completed run: its result and what was written (files, and the saved session)."""

    result: Result
    written: tuple[str, ...]
    #: The result document, as stored and as written with --json.
    document: str
    #: The outputs written (a resumed run writes the ones its session remembered).
    outputs: Outputs
    #: Outputs that could not be written (a full disk, /dev/full), each with how to write it
    #: again; the session is saved all the same. The command line shows the summary, then these.
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """The answers a run starts from, and whether anything is left to ask."""

    answers: dict[str, AnswerValue]
    needs_prompt: bool


def prepare(
    q: Questionnaire,
    answers_file: Path | None,
    *,
    no_input: bool,
    interactive: bool,
    ui: Ui,
    known: Mapping[str, AnswerValue] | None = None,
) -> Prepared:
    """Read prefilled answers (on top of ``known``, the facts the store already has about the
    client); with ``no_input``, refuse missing required answers (unless an emergency ends the
    intake, as an interactive run would offer); without a terminal and with questions left,
    refuse at once instead of waiting."""
    from imbalance_cli.answers import read_answers

    prefilled: dict[str, AnswerValue] = dict(known or {})
    notes: list[str] = []
    expanded: set[str] = set()
    if answers_file is not None:
        prefilled.update(read_answers(answers_file, q, notes=notes, expanded=expanded))
    for question in q.questions:
        if question.from_questionnaire == FROM_PROGRAMME and question.id not in prefilled:
            # Never asked: without a client's programme, no exercise's questions are.
            prefilled[question.id] = None
            notes.append("No home programme to read (none is saved yet, or no client was named "
                         "with --client), so the questions asked per exercise are left out.")  # fmt: skip
    for note in notes:
        ui.note(note)
    flow = Flow(q)
    kept = flow.prune(prefilled)
    ignored = sorted(set(prefilled) - set(kept) - expanded)
    if ignored:
        ui.note(f"Not asked with these answers, so ignored: {', '.join(ignored)}")
    needs_prompt = flow.next_question(prefilled) is not None
    if no_input:
        missing = flow.missing_required(prefilled)
        if missing and not _emergency(q, kept):
            listed = "\n".join(f"  {m.id}: {_missing_text(m, kept, q)}" for m in missing)
            raise ImbalanceError(
                f"--no-input, and {len(missing)} required answer(s) are missing:\n{listed}"
            )
        needs_prompt = False
    elif needs_prompt and not interactive:
        raise UsageError(
            "no terminal to ask questions on; give the answers with --answers FILE "
            "(add --no-input to never prompt)"
        )
    return Prepared(prefilled, needs_prompt)


def programme_exercises(store: Store, client: str, question: Question, ui: Ui) -> AnswerValue:
    """The exercises of the client's current programme (workflow/known.py)."""
    from imbalance_cli.workflow.known import programme_exercises as exercises

    return exercises(store, client, question, ui)


def known_facts(q: Questionnaire, client: str, ui: Ui) -> dict[str, AnswerValue]:
    """What the store knows of the client already (workflow/known.py)."""
    from imbalance_cli.workflow.known import known_facts as known

    return known(q, client, ui)


def _missing_text(question: Question, answers: Mapping[str, AnswerValue], q: Questionnaire) -> str:
    """A missing answer as the list names it: a question that free text brought up quotes the
    words, so the trainer sees why it is asked."""
    from imbalance_cli.engine import personalise

    if "{mentioned}" in question.text:
        return personalise(question, answers, q).text
    if question.from_questionnaire:
        return (
            f"{question.short} (taken from the client's {question.from_questionnaire} when the "
            "run names a client with --client)"
        )
    return question.short


def _emergency(q: Questionnaire, answers: Mapping[str, AnswerValue]) -> bool:
    from imbalance_cli.rules import fired_alerts

    return any(f.alert.level is AlertLevel.EMERGENCY for f in fired_alerts(q, answers))


def _open_store(ui: Ui) -> Store:
    """The store the command line chose; a server's password, if it wants one nobody gave,
    is asked through the Ui when it can ask (a terminal)."""
    from imbalance_cli.store import open_store

    return open_store(ask_password=getattr(ui, "password", None))


def run(
    q: Questionnaire,
    library: Library,
    name: str,
    prepared: Prepared,
    *,
    client: str | None,
    outputs: Outputs,
    save: bool,
    ui: Ui,
) -> Finished:
    """Ask what is left of a questionnaire (saving each answer unless ``save`` is off), then
    assess and write the outputs. The new session is leased to this run while it is answered.
    A failed run leaves no empty session behind."""

    started = now()
    flow = Flow(q)
    store = _open_store(ui) if save else None
    saver: Saver | None = None
    try:
        if store is not None:
            if client is not None:
                client = store.client_name(client)  # the stored spelling of a known client
            writer = store.writer()
            session_id = store.start(
                questionnaire_id=q.id, version=q.version, sha256=q.sha256,
                source=source_of(name, q), client=client, started_at=started, writer=writer,
            )  # fmt: skip
            saver = Saver(store, session_id, q, ui.prefix, writer=writer, base={})
            if outputs.given():
                store.set_outputs(session_id, outputs.remembered())
            saver(flow.prune(prepared.answers))
        final = flow.prune(prepared.answers)
        if prepared.needs_prompt:
            final = _ask(q, prepared.answers, saver, ui, outputs=outputs)
        return _finish(q, library, final, started, client, outputs, saver, ui=ui)
    except Exception as exc:
        if saver is not None:
            if not isinstance(exc, Interrupted):
                saver.discard_if_empty()
            saver.release()
        raise
    finally:
        if store is not None:
            store.close()


def resume(
    session: int | None,
    outputs: Outputs | None,
    *,
    interactive: bool,
    ui: Ui,
    take_over: bool = False,
) -> Finished:
    """Continue an unfinished session (the latest, when none is named) at its first unanswered
    question; with no outputs given, the ones the run was asked for are written. The session's
    lease is taken first: a session another imbalance is answering is refused (SessionHeld),
    unless ``take_over``; a stale one is taken, and the person told."""

    if outputs is not None:
        outputs.check()
    with _open_store(ui) as store:
        row = resume_target(store, session)
        if outputs is None:
            outputs = Outputs.recalled(row.outputs) if row.outputs else Outputs()
            outputs.check()
        if not interactive:
            for warning in load_session(store, row.id).warnings:
                ui.note(warning)
            raise UsageError(f"resuming needs a terminal to ask on; session {row.id} is unchanged")
        writer = store.writer()
        _take(store, row.id, writer, take_over, ui)
        try:
            # Read after the lease is ours, so the answers and their revisions are the latest
            # (and a session its last holder completed meanwhile is not opened again).
            row = resume_target(store, row.id)
            loaded = load_session(store, row.id)
            for warning in loaded.warnings:
                ui.note(warning)
            saver = Saver(
                store, row.id, loaded.questionnaire, ui.prefix, writer=writer,
                base=loaded.revisions, saved=loaded.answers,
                reassessment=row.previous_id is not None,
            )  # fmt: skip
            carried = defaults = None
            if row.previous_id is not None:
                # A re-assessment goes on carrying the last session's answers over.
                before = load_session(store, row.previous_id)
                carried, defaults = carried_answers(before), confirm_defaults(before)
            store.set_status(row.id, "in_progress", writer=writer)
            ui.say(
                f"Resuming session {row.id}"
                + (f" for {row.client}" if row.client else "")
                + f", started {row.started_at[:16].replace('T', ' ')}, "
                f"{len(loaded.answers)} answer(s) kept."
            )
            final = _ask(
                loaded.questionnaire, loaded.answers, saver, ui, outputs=outputs,
                resumable=True, carried=carried, defaults=defaults,
            )  # fmt: skip
            return _finish(
                loaded.questionnaire, loaded.library, final, row.started_at, row.client,
                outputs, saver, row.previous_id, ui=ui,
            )  # fmt: skip
        except BaseException:
            release(store, row.id, writer)
            raise


def _take(store: Store, session_id: int, writer: Writer, take_over: bool, ui: Ui) -> None:
    """Take the session's lease, and tell the person whose it was, if anyone's."""
    from imbalance_cli.store import SessionHeld

    try:
        taken = store.acquire(session_id, writer, take_over=take_over)
    except SessionHeld as exc:
        raise SessionHeld(exc.lease, ui.prefix) from None
    before = taken.previous
    if before is None or not before.held:
        return
    if taken.how == "taken over":
        ui.note(
            f"Took session {session_id} over from {before.describe()}; that imbalance stops at "
            "its next answer, keeping the answers it saved."
        )
    else:
        why = taken.how.removeprefix("stale: ")
        ui.note(
            f"Session {session_id} was left open by {before.describe()}, but {why}; "
            "continuing it here."
        )


def _ask(
    q: Questionnaire,
    prefilled: dict[str, AnswerValue],
    saver: Saver | None,
    ui: Ui,
    *,
    outputs: Outputs,
    resumable: bool = False,
    carried: dict[str, AnswerValue] | None = None,
    defaults: dict[str, AnswerValue] | None = None,
) -> dict[str, AnswerValue]:
    """Ask through the Ui's prompter. Ctrl-C (or the end of input) marks the session
    interrupted and says how to continue; the answers so far are already saved."""
    from imbalance_cli.session import run_session
    from imbalance_cli.store import LeaseLost

    try:
        return run_session(
            q, ui.prompter(q), prefilled, saver, resumable=resumable,
            reassessment=carried is not None, carried=carried, defaults=defaults,
        )  # fmt: skip
    except Interrupted as exc:
        if saver is None:
            raise Interrupted(
                exc.answers, f"{exc.message}; --no-save was given, so the answers were not kept"
            ) from None
        session_id = saver.session_id
        if saver.discard_if_empty():
            # Stopped before the first answer (a re-assessment started by mistake, say): an
            # empty "interrupted" session would only clutter the list. Its lease goes with it.
            raise Interrupted(
                exc.answers, f"{exc.message} before the first answer; no session was kept"
            ) from None
        try:
            saver.finish("interrupted")
        except LeaseLost as lost:
            raise Interrupted(
                exc.answers,
                f"{exc.message}; {lost.message} meanwhile, and the other imbalance goes on with "
                f"the {len(saver.saved)} answer(s) this one saved",
            ) from None
        raise Interrupted(
            exc.answers,
            f"{exc.message}; your {len(exc.answers)} answer(s) so far are saved in session "
            f"{session_id}\ncontinue with: {ui.prefix} resume {session_id}{outputs.hint()}",
        ) from None


def _finish(
    q: Questionnaire,
    library: Library,
    answers: dict[str, AnswerValue],
    started: str,
    client: str | None,
    outputs: Outputs,
    saver: Saver | None,
    previous: int | None = None,
    *,
    ui: Ui,
) -> Finished:
    from imbalance_cli.render import json as json_render
    from imbalance_cli.rules import assess
    from imbalance_cli.store import LeaseLost

    session_id = saver.session_id if saver is not None else None

    result = assess(
        q, answers, library, started_at=started, completed_at=now(), client=client,
        session=session_id, previous=previous,
    )  # fmt: skip
    document = json_render.render(result)
    if saver is not None:
        try:
            saver.finish("complete", result_json=document, completed_at=result.completed_at)
        except LeaseLost as exc:
            raise saver.taken_over(exc, answers) from None
    written: list[str] = []
    failed: list[str] = []
    for path, kind in ((outputs.markdown, "md"), (outputs.json, "json"), (outputs.html, "html")):
        if path is None:
            continue
        try:
            files.write_private(
                path,
                _output(kind, result, document, outputs, saver.store if saver else None),
                force=outputs.force,
            )
        except ImbalanceError as exc:
            failed.append(exc.message)
            continue
        written.append(_where(path))
    if session_id is not None:
        written.append(f"session {session_id} ({ui.prefix} sessions show {session_id})")
    problems = (
        (*failed, _write_again(outputs, failed, written, session_id, ui.prefix)) if failed else ()
    )
    return Finished(result, tuple(written), document, outputs, problems)


def _output(kind: str, result: Result, document: str, outputs: Outputs, store: Store | None) -> str:
    if kind == "json":
        return document
    if kind == "html":
        from imbalance_cli.workflow import report

        return report(result, outputs.audience, store)
    from imbalance_cli.render import markdown

    return markdown.render(result, outputs.audience)


def _write_again(
    outputs: Outputs, failed: list[str], written: list[str], session_id: int | None, prefix: str
) -> str:
    """What a run whose outputs failed after its answers were saved says: the session is safe,
    which outputs were written, and the commands that write the others again."""
    import shlex

    done = [w for w in written if not w.startswith("session ")]
    lines = [f"written all the same: {', '.join(done)}"] if done else []
    if session_id is None:
        lines.append("the answers were not saved (--no-save); run again to write the outputs")
        return "\n".join(lines)
    lines.append(f"the session is saved as session {session_id}; write what failed again with:")
    audience = f" --audience {outputs.audience}" if outputs.audience != "trainer" else ""
    force = " --force" if outputs.force else ""
    for path, kind in ((outputs.markdown, "md"), (outputs.json, "json"), (outputs.html, "html")):
        if path is None or _where(path) in done:
            continue
        target = shlex.quote(str(path)) if str(path) != files.STDOUT else "-"
        extra = audience if kind != "json" else ""
        lines.append(
            f"  {prefix} sessions export {session_id} --format {kind}{extra} --out {target}{force}"
        )
    return "\n".join(lines)


def _where(path: Path) -> str:
    return "standard output" if str(path) == files.STDOUT else str(path)


def interactive() -> bool:
    """Is there a person at a terminal to ask?"""
    return sys.stdin is not None and sys.stdin.isatty()
