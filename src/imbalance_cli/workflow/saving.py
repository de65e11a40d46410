"""Saving a session as it is answered, for one writer: every change goes to the store with the
revisions this writer last saw, under the lease it holds, and whatever the store refuses or
fails at becomes a message that says what was saved, what was not, and how to go on. A lost
connection (a server restarting, a network hiccup) is tried again once on a new one: a save
that went through before the connection dropped finds its answers stored as they are, so
nothing is written twice."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from imbalance_cli.errors import (
    AnswersChanged,
    ImbalanceError,
    StoreConflict,
    StoreError,
    StoreUnavailable,
)
from imbalance_cli.model import AnswerValue, Questionnaire
from imbalance_cli.store import (
    LeaseLost,
    SessionGone,
    StaleAnswers,
    Store,
    Writer,
)
from imbalance_cli.workflow.reading import Reading


class Saver:
    """The save hook of one session (``run_session`` calls it with every change), and the end
    of the session's writing (``finish``). Without a writer (code that owns the store, such as a
    test), no lease is checked; without a base, no revision."""

    def __init__(
        self,
        store: Store,
        session_id: int,
        questionnaire: Questionnaire,
        prefix: str = "imbalance",
        *,
        writer: Writer | None = None,
        base: Mapping[str, int] | None = None,
        saved: Mapping[str, AnswerValue] | None = None,
        reassessment: bool = False,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.reading = Reading(questionnaire)
        self.prefix = prefix
        self.writer = writer
        self.base = dict(base) if base is not None else None
        #: The answers as last saved: what a refused save had not saved yet is the difference.
        self.saved: dict[str, AnswerValue] = dict(saved or {})
        self.reassessment = reassessment
        self._order = {q.id: i for i, q in enumerate(questionnaire.questions)}

    def __call__(self, answers: Mapping[str, AnswerValue]) -> None:
        top, worst = self.reading.listed(answers)
        try:
            try:
                revisions = self._save(answers, top, worst)
            except StoreUnavailable:
                if not self.store.reconnect():
                    raise
                revisions = self._save(answers, top, worst)
        except StaleAnswers as exc:
            raise self._changed(exc) from None
        except LeaseLost as exc:
            raise self.taken_over(exc, answers) from None
        except (SessionGone, StoreConflict):
            raise self._gone() from None
        except StoreUnavailable as exc:
            raise self._unreachable(exc) from None
        except StoreError as exc:
            raise self._failed(exc) from None
        if self.base is not None:
            self.base = revisions
        self.saved = dict(answers)

    def _save(
        self, answers: Mapping[str, AnswerValue], top: str, worst: float | None
    ) -> dict[str, int]:
        return self.store.save_answers(
            self.session_id, answers, self._order, top, worst, writer=self.writer, base=self.base
        )

    def finish(
        self, status: str, *, result_json: str | None = None, completed_at: str | None = None
    ) -> None:
        """Mark the session (interrupted, complete) and let the lease go, in one transaction;
        LeaseLost if it was taken over meanwhile."""
        self.store.set_status(
            self.session_id, status, result_json=result_json, completed_at=completed_at,
            writer=self.writer, release=True,
        )  # fmt: skip

    def discard_if_empty(self) -> bool:
        """Remove the session, and its lease with it, if nothing is saved in it (a run stopped
        or failed before its first answer) and no other writer has taken it over; True if it
        was removed. Never raises."""
        return self.store.discard_if_empty(self.session_id, self.writer)

    def release(self) -> None:
        """Let the lease go if this writer still holds it (after a failure: never raises)."""
        if self.writer is not None:
            release(self.store, self.session_id, self.writer)

    # -- what the person is told ---------------------------------------------------------------

    def _changed(self, exc: StaleAnswers) -> AnswersChanged:
        """The store holds newer answers than this writer read: adopt them (and their
        revisions) so the session can show them and ask again."""
        import json

        stored = []
        for qid, value in exc.stored.items():
            try:
                stored.append((qid, json.loads(value)))
            except ValueError:  # a damaged row: left out, as loading a session leaves it out
                continue
        answers, _ = self.reading.fit(stored, reassessment=self.reassessment)
        self.base = dict(exc.revisions)
        self.saved = dict(answers)
        return AnswersChanged(answers, exc.conflicts, exc.message)

    def taken_over(self, exc: LeaseLost, answers: Mapping[str, AnswerValue]) -> ImbalanceError:
        """The lease went to another writer: this one stops, and says which answers it could
        not save and that the rest are kept."""
        from imbalance_cli.rules import describe_answer

        q = self.reading.questionnaire
        unsaved = []
        for qid, value in answers.items():
            if qid in self.saved and self.saved[qid] == value:
                continue
            question = q.question(qid)
            if question is not None:
                unsaved.append(f"'{question.short}' ({describe_answer(question, value)})")
        lost = ""
        if len(unsaved) == 1:
            lost = f"; your answer to {unsaved[0]} was not saved"
        elif unsaved:
            lost = f"; your answers to {', '.join(unsaved)} were not saved"
        kept = len(self.saved)
        return ImbalanceError(
            f"{exc.message}, so this imbalance stopped{lost}. The {kept} answer(s) saved before "
            f"are kept in session {self.session_id}, and the other imbalance goes on with them."
        )

    def _gone(self) -> ImbalanceError:
        return ImbalanceError(
            f"session {self.session_id} was deleted while this run was saving it (was its client "
            "deleted? or is it no longer yours to change?); the answers given since were not kept"
        )

    def _unreachable(self, problem: StoreUnavailable) -> StoreUnavailable:
        saved = len(self.saved)
        held = f"your {saved} earlier answer(s) are" if saved else "what was saved before is"
        return StoreUnavailable(
            f"{problem.message}\nthe answer on screen was not saved; {held} kept in session "
            f"{self.session_id}. When the store is back, continue with: {self.prefix} resume "
            f"{self.session_id} (from another computer, or before this run's lease goes stale: "
            f"{self.prefix} resume {self.session_id} --take-over)"
        )

    def _failed(self, problem: StoreError) -> ImbalanceError:
        try:
            kept = len(self.store.answers(self.session_id))
        except StoreError:
            kept = 0
        if not kept:
            return problem
        return ImbalanceError(
            f"{problem.message}\nyour {kept} earlier answer(s) are saved in session "
            f"{self.session_id}; continue with: {self.prefix} resume {self.session_id}"
        )


def release(store: Store, session_id: int, writer: Writer) -> None:
    """Let a lease go if ``writer`` still holds it; after a failure, so a store that cannot be
    written now is left as it is (the lease goes stale with the process)."""
    with contextlib.suppress(StoreError):
        store.release(session_id, writer)


def saver(
    store: Store, session_id: int, questionnaire: Questionnaire, prefix: str = "imbalance"
) -> Saver:
    """Save every change of a session this code owns outright (no lease, no revisions); a fault
    of the store (a full disk, the session deleted meanwhile) becomes a clear error that says
    what is kept and how to go on."""
    return Saver(store, session_id, questionnaire, prefix)
