"""Reading stored answers into a questionnaire, and what a session is listed by: shared by
loading a session, saving one as it is answered, and importing thousands from a bundle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imbalance_cli.answers import InvalidAnswer, check, legacy_ids
from imbalance_cli.engine import Flow, evaluate
from imbalance_cli.model import AnswerValue, Questionnaire, Role
from imbalance_cli.store import worst_pain


class Reading:
    """One questionnaire made ready to read many sessions' answers (an import reads thousands):
    what ``fit`` and ``listed`` do, with the flows and question lists built once."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self._flows = {False: Flow(questionnaire), True: Flow(questionnaire, reassessment=True)}
        self._types = self._flows[False].types
        self._worst = [q.id for q in questionnaire.with_role(Role.PAIN_WORST)]
        #: The alerts, most urgent first: the first that fires is the session's level.
        self._alerts = sorted(questionnaire.alerts, key=lambda a: a.level.rank)

    def listed(self, answers: Mapping[str, AnswerValue]) -> tuple[str, float | None]:
        """What the store lists a session by: its most urgent warning sign (or "none") and its
        worst pain."""
        top = next(
            (a.level.value for a in self._alerts if evaluate(a.when, answers, self._types)),
            "none",
        )
        return top, worst_pain(answers, self._worst)

    def fit(
        self, stored: Iterable[tuple[str, object]], *, reassessment: bool
    ) -> tuple[dict[str, AnswerValue], list[tuple[str, str | None]]]:
        """Stored answers read into the questionnaire (old ids to the ones they stand for, each
        checked), and what did not fit, as (question id, why; None: the questionnaire does not
        ask it); answers to questions the others hide are dropped, as a run drops them."""
        questionnaire = self.questionnaire
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
        return self._flows[reassessment].prune(answers), misfits


def listed(
    questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]
) -> tuple[str, float | None]:
    """What the store lists a session by: its most urgent warning sign (or "none") and its
    worst pain."""
    return Reading(questionnaire).listed(answers)


def fit(
    questionnaire: Questionnaire, stored: Iterable[tuple[str, object]], *, reassessment: bool
) -> tuple[dict[str, AnswerValue], list[tuple[str, str | None]]]:
    """``Reading.fit`` for one session."""
    return Reading(questionnaire).fit(stored, reassessment=reassessment)
