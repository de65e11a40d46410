"""The trainer workflow between the command line and the core: saving a run as it goes,
resuming one, and rebuilding results of saved sessions for export and comparison.

Questionnaires and the library are parsed once per process (``cache``); a command over many
sessions asks a ``Sources`` for each session's questionnaire, so each is found and checked once
per command, and reads the sessions one at a time (``saved``), holding none it is done
with. Nothing here prints; warnings are returned for the command line to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imbalance_cli import resources
from imbalance_cli.errors import DEFAULT_MAX_BYTES, ImbalanceError
from imbalance_cli.model import AnswerValue, FiredAlert, Questionnaire, Reassess
from imbalance_cli.rules import assess, fired_alerts
from imbalance_cli.store import DAMAGED, SessionRow, Store
from imbalance_cli.workflow import cache
from imbalance_cli.workflow.reading import Reading as Reading
from imbalance_cli.workflow.reading import fit
from imbalance_cli.workflow.reading import listed as listed
from imbalance_cli.workflow.saving import Saver as Saver
from imbalance_cli.workflow.saving import release as release
from imbalance_cli.workflow.saving import saver as saver

if TYPE_CHECKING:
    from imbalance_cli.content import Library
    from imbalance_cli.results import Result


def load_library() -> Library:
    return cache.library(resources.library_paths())


def load(name: str, max_size: int = DEFAULT_MAX_BYTES) -> tuple[Questionnaire, Library]:
    library = load_library()
    return cache.questionnaire(resources.resolve(name), library, max_size), library


class Sources:
    """The questionnaires of saved sessions, for one command: each source (the id or path a
    session was saved with) is resolved and loaded once, and a failure is remembered too, so a
    command over many sessions neither lists the questionnaire folders nor reads a file once
    per session. (Each command makes its own: a later command sees files changed since.)"""

    def __init__(self) -> None:
        self._found: dict[str, tuple[Questionnaire, Library] | str] = {}

    def load(self, source: str) -> tuple[Questionnaire, Library]:
        """The questionnaire and library, or ImbalanceError saying why they cannot load."""
        found = self._found.get(source)
        if found is None:
            try:
                found = load(source)
            except ImbalanceError as exc:  # a questionnaire or library with problems, or gone
                found = str(exc)
            self._found[source] = found
        if isinstance(found, str):
            raise ImbalanceError(found)
        return found


def source_of(name: str, questionnaire: Questionnaire) -> str:
    """How to find this questionnaire again: its id when bundled or the user's, else its path."""
    path = Path(questionnaire.path).resolve()
    for _, known in resources.questionnaire_files():
        if known.resolve() == path:
            return known.stem
    return str(path)


@dataclass(frozen=True)
class Loaded:
    """A saved session brought back: its questionnaire, its answers, and what could not come back."""

    row: SessionRow
    questionnaire: Questionnaire
    library: Library
    answers: dict[str, AnswerValue]
    warnings: tuple[str, ...]
    #: The revision of each stored answer, read with them: what a writer's saves are based on.
    revisions: dict[str, int] = field(default_factory=dict)


def load_session(store: Store, session_id: int, sources: Sources | None = None) -> Loaded:
    """A saved session with its questionnaire (from ``sources``, when a command loads many)."""
    row = store.session(session_id)
    revisions: dict[str, int] = {}
    stored = store.answers(row.id, revisions)
    return _loaded(row, stored, sources or Sources(), revisions)


def saved(
    store: Store, rows: Iterable[SessionRow], sources: Sources | None = None
) -> Iterator[Loaded | ImbalanceError]:
    """The sessions of these rows, one at a time and in their order, their answers read many
    sessions to a query and each questionnaire loaded once; a session whose questionnaire
    cannot load comes as the error that says so."""
    sources = sources or Sources()
    rows = list(rows)
    for row, (_, stored) in zip(rows, store.answers_of(r.id for r in rows), strict=True):
        try:
            yield _loaded(row, stored, sources)
        except ImbalanceError as exc:
            yield exc


def _loaded(
    row: SessionRow,
    stored_answers: Mapping[str, object],
    sources: Sources,
    revisions: dict[str, int] | None = None,
) -> Loaded:
    try:
        questionnaire, library = sources.load(row.questionnaire_source)
    except ImbalanceError as exc:
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
    for qid, raw in stored_answers.items():
        if raw is DAMAGED:
            warnings.append(f"answer to '{qid}' left out: its stored value is damaged")
        else:
            stored.append((qid, raw))
    answers, misfits = fit(questionnaire, stored, reassessment=row.previous_id is not None)
    warnings += [
        f"answer to '{qid}' left out: {why or 'the questionnaire no longer asks it'}"
        for qid, why in misfits
    ]
    return Loaded(row, questionnaire, library, answers, tuple(warnings), revisions or {})


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
    """Last time's answers a re-assessment keeps unasked: never a warning sign's (carry.py)."""
    from imbalance_cli.carry import warning_sign_questions

    asked = warning_sign_questions(loaded.questionnaire)
    return {k: v for k, v in answers_marked(loaded, Reassess.KEEP).items() if k not in asked}


def client_history(store: Store, client: str, upto: int | None = None) -> list[SessionRow]:
    """A client's completed sessions, oldest first (up to session ``upto``)."""
    rows = [r for r in store.sessions(client) if r.finished]
    rows.sort(key=lambda r: (r.completed_at or r.started_at, r.id))
    if upto is not None:
        last = store.session(upto).completed_at or "9999"
        rows = [r for r in rows if r.id == upto or (r.completed_at or "") <= last]
        ends = [i for i, r in enumerate(rows) if r.id == upto]
        rows = rows[: ends[0] + 1] if ends else rows
    return rows


@dataclass(frozen=True)
class Snapshot:
    """What progress charts read of a saved session: its answers and the warning signs they
    raise, rebuilt as ``listed`` works them out, without the recommendations (over a long
    history those cost more than everything else together)."""

    questionnaire: Questionnaire
    answers: Mapping[str, AnswerValue]
    alerts: tuple[FiredAlert, ...]
    session: int
    started_at: str
    completed_at: str | None


def snapshots(store: Store, rows: Iterable[SessionRow]) -> Iterator[Snapshot]:
    """These sessions for a progress chart, one at a time, oldest first as given; sessions
    whose questionnaire cannot load are left out."""
    for loaded in saved(store, rows):
        if isinstance(loaded, Loaded):
            row = loaded.row
            alerts = fired_alerts(loaded.questionnaire, loaded.answers)
            yield Snapshot(
                loaded.questionnaire, loaded.answers, alerts, row.id, row.started_at,
                row.completed_at,
            )  # fmt: skip


def client_snapshots(store: Store, client: str, upto: int | None = None) -> Iterator[Snapshot]:
    """A client's completed sessions for a progress chart, oldest first (up to ``upto``)."""
    return snapshots(store, client_history(store, client, upto))


def report(result: Result, audience: str, store: Store | None) -> str:
    """The HTML report of a result, with progress charts when its client has earlier sessions
    in the store."""
    from imbalance_cli.render import html
    from imbalance_cli.render.progress import collect, svg_charts

    charts: list[str] = []
    if store is not None and result.client and result.session is not None:
        history = collect(client_snapshots(store, result.client, upto=result.session))
        if len(history.sessions) > 1:
            charts = svg_charts(history)
    return html.render(result, audience, charts)
