"""The trainer workflow between the command line and the core: saving a run as it goes,
resuming one, and rebuilding results of saved sessions for export and comparison.

Nothing here prints; warnings are returned for the command line to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from imbalance_cli import loader, resources
from imbalance_cli.answers import InvalidAnswer, check, legacy_ids
from imbalance_cli.engine import Flow
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ImbalanceError,
    QuestionnaireError,
    StoreConflict,
    StoreError,
    StoreUnavailable,
)
from imbalance_cli.model import AnswerValue, Library, Questionnaire, Reassess, Result, Role
from imbalance_cli.rules import assess, fired_alerts
from imbalance_cli.session import SaveHook
from imbalance_cli.store import DAMAGED, SessionRow, Store, worst_pain


def load_library() -> Library:
    return loader.load_library(resources.library_paths())


def load(name: str, max_size: int = DEFAULT_MAX_BYTES) -> tuple[Questionnaire, Library]:
    library = load_library()
    return loader.load_questionnaire(resources.resolve(name), library, max_size), library


def source_of(name: str, questionnaire: Questionnaire) -> str:
    """How to find this questionnaire again: its id when bundled or the user's, else its path."""
    path = Path(questionnaire.path).resolve()
    for _, known in resources.questionnaire_files():
        if known.resolve() == path:
            return known.stem
    return str(path)


def listed(
    questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]
) -> tuple[str, float | None]:
    """What the store lists a session by: its most urgent warning sign (or "none") and its
    worst pain."""
    levels = [f.alert.level for f in fired_alerts(questionnaire, answers)]
    top = min(levels, key=lambda lv: lv.rank).value if levels else "none"
    worst_ids = [q.id for q in questionnaire.with_role(Role.PAIN_WORST)]
    return top, worst_pain(answers, worst_ids)


def fit(
    questionnaire: Questionnaire, stored: Iterable[tuple[str, object]], *, reassessment: bool
) -> tuple[dict[str, AnswerValue], list[tuple[str, str | None]]]:
    """Stored answers read into a questionnaire (old ids to the ones they stand for, each
    checked), and what did not fit, as (question id, why; None: the questionnaire does not ask
    it); answers to questions the others hide are dropped, as a run drops them."""
    answers: dict[str, AnswerValue] = {}
    misfits: list[tuple[str, str | None]] = []
    for qid, raw in stored:
        targets = legacy_ids(questionnaire, qid)
        if not targets:
            misfits.append((qid, None))
            continue
        for target in targets:
            question = questionnaire.question(target)
            assert question is not None
            try:
                answers.setdefault(target, check(question, raw))
            except InvalidAnswer as exc:
                misfits.append((qid, str(exc)))
                break
    return Flow(questionnaire, reassessment=reassessment).prune(answers), misfits


def saver(
    store: Store,
    session_id: int,
    questionnaire: Questionnaire,
    prefix: str = "imbalance",
    saved: int = 0,
) -> SaveHook:
    """Save every change; a fault of the store (a full disk, a lost connection, the session
    deleted meanwhile) becomes a clear error that says what is kept and how to go on. A lost
    connection is tried again once on a new one first (a server restarting, a network
    hiccup): the save is idempotent, so nothing is written twice."""
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}

    def save(answers: Mapping[str, AnswerValue]) -> None:
        nonlocal saved
        top, worst = listed(questionnaire, answers)
        try:
            try:
                store.save_answers(session_id, answers, order, top, worst)
            except StoreUnavailable:
                if not store.reconnect():
                    raise
                store.save_answers(session_id, answers, order, top, worst)
        except StoreConflict:
            raise ImbalanceError(
                f"session {session_id} was deleted while this run was saving it (or is no "
                "longer yours to change); the answers given since were not kept"
            ) from None
        except StoreUnavailable as problem:
            held = f"your {saved} earlier answer(s) are" if saved else "what was saved before is"
            raise StoreUnavailable(
                f"{problem.message}\nthe answer on screen was not saved; {held} kept in session "
                f"{session_id}. When the store is back, continue with: {prefix} resume "
                f"{session_id}"
            ) from None
        except StoreError as problem:
            try:
                count = len(store.answers(session_id))
            except StoreError:
                count = 0
            if not count:
                raise
            raise ImbalanceError(
                f"{problem.message}\nyour {count} earlier answer(s) are saved in session "
                f"{session_id}; continue with: {prefix} resume {session_id}"
            ) from None
        saved = len(answers)

    return save


@dataclass(frozen=True)
class Loaded:
    """A saved session brought back: its questionnaire, its answers, and what could not come back."""

    row: SessionRow
    questionnaire: Questionnaire
    library: Library
    answers: dict[str, AnswerValue]
    warnings: tuple[str, ...]


def load_session(store: Store, session_id: int) -> Loaded:
    row = store.session(session_id)
    try:
        questionnaire, library = load(row.questionnaire_source)
    except (QuestionnaireError, ImbalanceError) as exc:
        raise ImbalanceError(
            f"session {row.id} used questionnaire '{row.questionnaire_source}', which cannot be "
            f"loaded now:\n{exc}"
        ) from None
    warnings: list[str] = []
    if questionnaire.sha256 != row.questionnaire_sha256:
        warnings.append(
            f"questionnaire '{questionnaire.id}' has changed since session {row.id} "
            f"(then {row.questionnaire_version}, now {questionnaire.version}); answers that no "
            "longer fit are left out"
        )
    stored = []
    for qid, raw in store.answers(row.id).items():
        if raw is DAMAGED:
            warnings.append(f"answer to '{qid}' left out: its stored value is damaged")
        else:
            stored.append((qid, raw))
    answers, misfits = fit(questionnaire, stored, reassessment=row.previous_id is not None)
    warnings += [
        f"answer to '{qid}' left out: {why or 'the questionnaire no longer asks it'}"
        for qid, why in misfits
    ]
    return Loaded(row, questionnaire, library, answers, tuple(warnings))


def result_of(loaded: Loaded) -> Result:
    row = loaded.row
    return assess(
        loaded.questionnaire,
        loaded.answers,
        loaded.library,
        started_at=row.started_at,
        completed_at=row.completed_at,
        client=row.client,
        session=row.id,
        previous=row.previous_id,
    )


def resume_target(store: Store, session_id: int | None) -> SessionRow:
    if session_id is None:
        row = store.latest_unfinished()
        if row is None:
            raise ImbalanceError(
                "there is no unfinished session to resume; start one with: imbalance run"
            )
        return row
    row = store.session(session_id)
    if row.finished:
        raise ImbalanceError(
            f"session {row.id} is complete; export it with 'imbalance sessions export {row.id}', "
            "or start a re-assessment with 'imbalance run'"
        )
    return row


@dataclass(frozen=True)
class Reassessment:
    """What a re-assessment starts from: the last completed session and the answers it carries
    over (everything its questionnaire does not ask again)."""

    previous: Loaded
    carried: dict[str, AnswerValue]
    asked_again: tuple[str, ...]
    #: Last time's answers to questions asked again with them already chosen (reassess: confirm).
    defaults: dict[str, AnswerValue]


def reassessment(store: Store, client: str, questionnaire: str | None = None) -> Reassessment:
    """The client's last completed session (of this questionnaire, if named) and what carries
    over. Answers to questions asked again are dropped, so they are asked afresh."""
    rows = [r for r in store.sessions(client) if r.finished]
    if questionnaire is not None:
        rows = [r for r in rows if questionnaire in (r.questionnaire_id, r.questionnaire_source)]
    if not rows:
        what = f" of '{questionnaire}'" if questionnaire else ""
        raise ImbalanceError(
            f"client '{client}' has no completed session{what} to re-assess; start with: "
            f"imbalance run {questionnaire or 'intake'} --client '{client}'"
        )
    loaded = load_session(store, rows[0].id)
    carried = carried_answers(loaded)
    again = tuple(q for q in loaded.answers if q not in carried)
    return Reassessment(loaded, carried, again, confirm_defaults(loaded))


def answers_marked(loaded: Loaded, how: Reassess) -> dict[str, AnswerValue]:
    """The answers of a session to questions a re-assessment treats this way: ``KEEP`` ones are
    carried over, ``CONFIRM`` ones come up already chosen."""
    out: dict[str, AnswerValue] = {}
    for qid, value in loaded.answers.items():
        question = loaded.questionnaire.question(qid)
        if question is not None and question.reassess is how:
            out[qid] = value
    return out


def confirm_defaults(loaded: Loaded) -> dict[str, AnswerValue]:
    return answers_marked(loaded, Reassess.CONFIRM)


def carried_answers(loaded: Loaded) -> dict[str, AnswerValue]:
    return answers_marked(loaded, Reassess.KEEP)


def client_results(store: Store, client: str, upto: int | None = None) -> list[Result]:
    """The results of a client's completed sessions, oldest first (up to session ``upto``):
    what progress charts are drawn from. Sessions whose questionnaire cannot load are left out."""
    rows = [r for r in store.sessions(client) if r.finished]
    rows.sort(key=lambda r: (r.completed_at or r.started_at, r.id))
    out: list[Result] = []
    for row in rows:
        if (
            upto is not None
            and row.id != upto
            and (row.completed_at or "") > (store.session(upto).completed_at or "9999")
        ):
            continue
        try:
            out.append(result_of(load_session(store, row.id)))
        except ImbalanceError:
            continue
        if row.id == upto:
            break
    return out


def report(result: Result, audience: str, store: Store | None) -> str:
    """The HTML report of a result, with progress charts when its client has earlier sessions
    in the store."""
    from imbalance_cli.render import html
    from imbalance_cli.render.progress import collect, svg_charts

    charts: list[str] = []
    if store is not None and result.client and result.session is not None:
        history = client_results(store, result.client, upto=result.session)
        if len(history) > 1:
            charts = svg_charts(collect(history))
    return html.render(result, audience, charts)
