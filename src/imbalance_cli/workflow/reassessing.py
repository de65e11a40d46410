"""Re-assessing a client (``imbalance reassess``): start from their last completed session of a
questionnaire, carry over what does not change, ask the rest, and link the new session to the
last one. A warning sign is never carried over unasked (carry.py), and a ``from: programme``
question reads today's programme, not last time's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from imbalance_cli.errors import Interrupted, UsageError
from imbalance_cli.model import FROM_PROGRAMME
from imbalance_cli.workflow import Saver, reassessment
from imbalance_cli.workflow.intake import (
    Finished,
    Outputs,
    Ui,
    _ask,
    _finish,
    _open_store,
    now,
    programme_exercises,
)

if TYPE_CHECKING:
    from imbalance_cli.store import SessionRow, Store


@dataclass(frozen=True)
class Reassessed:
    finished: Finished
    client: str
    #: The client's other questionnaires with a completed session, to re-assess next.
    others: tuple[str, ...]


def reassess(
    client: str, questionnaire: str | None, outputs: Outputs, *, interactive: bool, ui: Ui
) -> Reassessed:
    """Start from the client's last completed session (of ``questionnaire``, if named): ask
    what changes, carry the rest over, and link the new session to the last."""
    outputs.check()

    started = now()
    with _open_store(ui) as store:
        name = store.known_client(client)
        if not interactive:
            raise UsageError("a re-assessment needs a terminal to ask on")
        if questionnaire is None:
            questionnaire = _which_questionnaire(store, name, ui)
        start = reassessment(store, name, questionnaire)
        previous = start.previous
        for warning in previous.warnings:
            ui.note(warning)
        q = previous.questionnaire
        for question in q.questions:
            if question.from_questionnaire == FROM_PROGRAMME:  # today's programme, not last time's
                start.carried[question.id] = programme_exercises(store, name, question, ui)
        writer = store.writer()
        session_id = store.start(
            questionnaire_id=q.id, version=q.version, sha256=q.sha256,
            source=previous.row.questionnaire_source, client=name, started_at=started,
            previous=previous.row.id, writer=writer,
        )  # fmt: skip
        saver = Saver(store, session_id, q, ui.prefix, writer=writer, base={}, reassessment=True)
        try:
            if outputs.given():
                store.set_outputs(session_id, outputs.remembered())
            day = (previous.row.completed_at or previous.row.started_at)[:10]
            ui.say(
                f"Re-assessing {name} with the {q.title} ({q.id} {q.version}), session "
                f"{session_id}, against session {previous.row.id} of {day}: "
                f"{len(start.carried)} answer(s) carried over; what changes is asked again."
            )
            final = _ask(
                q, {}, saver, ui, outputs=outputs, carried=start.carried, defaults=start.defaults
            )
            finished = _finish(
                q, previous.library, final, started, name, outputs, saver, previous.row.id, ui=ui
            )
        except Exception as exc:
            if not isinstance(exc, Interrupted):
                saver.discard_if_empty()
            saver.release()
            raise
        others = sorted(
            {r.questionnaire_source for r in store.sessions(name) if r.finished}
            - {previous.row.questionnaire_source}
        )
    return Reassessed(finished, name, tuple(others))


def _which_questionnaire(store: Store, client: str, ui: Ui) -> str | None:
    """The questionnaire a re-assessment of this client is of: the only one they completed,
    or, when they completed several (an intake and a side-to-side check), the one the trainer
    picks; the one the client started with (usually the intake) is offered first."""
    done = [r for r in store.sessions(client) if r.finished]
    first: dict[str, SessionRow] = {}  # source -> its oldest session
    latest: dict[str, SessionRow] = {}  # source -> its newest session
    for row in sorted(done, key=lambda r: (r.started_at, r.id)):
        first.setdefault(row.questionnaire_source, row)
        latest[row.questionnaire_source] = row
    if len(first) < 2:
        return None
    options = []
    for source, row in sorted(first.items(), key=lambda item: (item[1].started_at, item[1].id)):
        last = latest[source]
        day = (last.completed_at or last.started_at)[:10]
        options.append(
            (source, f"{row.questionnaire_id}: last completed on {day} (session {last.id})")
        )  # fmt: skip
    return ui.choose(f"{client} has completed more than one questionnaire; re-assess which?",
                     options, options[0][0])  # fmt: skip
