"""What the store already knows about a client, used without asking again: facts a
questionnaire marks ``known_for_days`` (age, writing hand) and answers it takes ``from:``
another questionnaire (the intake's regions)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from imbalance_cli.errors import ImbalanceError
from imbalance_cli.model import (
    FROM_PROGRAMME,
    PROGRAMME_STOPPED,
    PROGRAMME_STOPPED_NOW,
    AnswerValue,
    Question,
    Questionnaire,
)

if TYPE_CHECKING:
    from imbalance_cli.store import Store
    from imbalance_cli.workflow.intake import Ui


def known_facts(q: Questionnaire, client: str, ui: Ui) -> dict[str, AnswerValue]:
    """Facts about a known client (their age, their writing hand) that a questionnaire marks
    ``known_for_days``: the newest answer to a question of the same id, in any of the client's
    completed sessions, given within that many days, so it is not asked again. Says what was
    carried over and from when. Nothing when the store or the client does not exist yet."""
    from datetime import timedelta

    from imbalance_cli import resources
    from imbalance_cli.answers import check
    from imbalance_cli.facts import describe_answer
    from imbalance_cli.store import FILENAME, open_store

    wanted = {x.id: x for x in q.questions if x.known_for_days}
    programme = [x for x in q.questions if x.from_questionnaire == FROM_PROGRAMME]
    carried = {x.id: x for x in q.questions if x.from_questionnaire}
    for x in programme:
        del carried[x.id]
    location = resources.store_location()  # a laptop's folder, or a gym's server
    if not (wanted or carried or programme) or (
        isinstance(location, Path) and not (location / FILENAME).is_file()
    ):
        return {}
    found: dict[str, AnswerValue] = {}
    said: list[str] = []
    today = datetime.now(timezone.utc)
    with open_store(location, read_only=True) as store:
        if carried:
            found.update(_carried(store, client, carried, said))
        for question in programme:
            found[question.id] = programme_exercises(store, client, question, ui)
        for row in store.sessions(client):
            if not row.finished or not wanted.keys() - found.keys():
                continue
            when = _moment(row.completed_at or row.started_at)
            stored = store.answers(row.id)
            for qid, question in wanted.items():
                days = question.known_for_days or 0
                if qid in found or qid not in stored or when is None:
                    continue
                if today - when > timedelta(days=days):
                    continue
                try:
                    found[qid] = check(question, stored[qid])
                except ImbalanceError:
                    continue  # a value the question no longer accepts is asked again
                value = describe_answer(question, found[qid])
                said.append(f"{question.short}: {value} (session {row.id} of {when.date()})")
        name = store.client_name(client)
    if said:
        ui.note(f"Already known about {name}, so not asked again: {'; '.join(said)}")
    return found


def _carried(
    store: Store, client: str, wanted: dict[str, Question], said: list[str]
) -> dict[str, AnswerValue]:
    """Answers a questionnaire takes ``from:`` another (the intake's regions): each from the
    client's latest completed session of that questionnaire that answered it."""
    from imbalance_cli.answers import check
    from imbalance_cli.facts import describe_answer

    found: dict[str, AnswerValue] = {}
    rows = sorted(
        (r for r in store.sessions(client) if r.finished),
        key=lambda r: (r.completed_at or r.started_at, r.id),
        reverse=True,
    )
    for row in rows:
        needed = {k: v for k, v in wanted.items() if k not in found
                  and v.from_questionnaire == row.questionnaire_id}  # fmt: skip
        if not needed:
            continue
        stored = store.answers(row.id)
        for qid, question in needed.items():
            if qid not in stored:
                continue
            try:
                found[qid] = check(question, stored[qid])
            except ImbalanceError:
                continue  # not an answer this question accepts: asked instead
            when = (row.completed_at or row.started_at)[:10]
            said.append(f"{question.short}: {describe_answer(question, found[qid])} "
                        f"(from {row.questionnaire_id}, session {row.id} of {when})")  # fmt: skip
    return found


def programme_exercises(store: Store, client: str, question: Question, ui: Ui) -> AnswerValue:
    """A ``from: programme`` question's answer: the exercises of the client's current home
    programme that the library still has; ``stopped`` while a warning sign has stopped it (an
    alert of the questionnaire reads that); None when they have none. The person is told which."""
    from imbalance_cli.answers import check

    found = store._one_client(client)
    row = store.current_programme(found[0]) if found is not None else None
    if row is None:
        ui.note("No home programme saved for this client (imbalance plan makes one), so the "
                "questions asked per exercise are left out.")  # fmt: skip
        return None
    from imbalance_cli.programme import codec

    current = codec.programme_of(row.document, id=row.id, previous=row.previous_id)
    if current.stopped is not None:
        from imbalance_cli.render.programme import stopped_lines

        # The stop and what to do come first and whole, as in 'imbalance plan'.
        ui.note(" ".join(" ".join(stopped_lines(current)).split())
                + " The questions asked per exercise are left out.")  # fmt: skip
        now = any(a.get("level") == "emergency" for a in current.stopped.alerts)
        return check(question, [PROGRAMME_STOPPED_NOW if now else PROGRAMME_STOPPED])
    names = {c.id: c.label for c in question.choices}
    ids = tuple(item.exercise for item in current.items if item.exercise in names)
    gone = [item.exercise for item in current.items if item.exercise not in names]
    listed = ", ".join(names[i] for i in ids) or "none the library still has"
    ui.note(f"From the home programme of {row.created_at[:10]}: {listed}"
            + (f" (not in the library any more, so not asked: {', '.join(gone)})" if gone else ""))  # fmt: skip
    return (
        check(question, list(ids)) if ids else None
    )  # in the choices' order, as a typed answer is kept


def _moment(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
