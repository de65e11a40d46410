"""Reading stored answers into a questionnaire, and what a session is listed by: shared by
loading a session, saving one as it is answered, and importing thousands from a bundle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imbalance_cli.answers import InvalidAnswer, check, legacy_ids
from imbalance_cli.engine import Flow, Memo
from imbalance_cli.model import AnswerValue, Questionnaire
from imbalance_cli.store import worst_pain


class Reading:
    """One questionnaire made ready to read many sessions' answers (an import reads thousands):
    what ``fit`` and ``listed`` do, with the flows and question lists built once."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        # Conditions and answer checks are remembered by what they read: across sessions, each
        # question's answer takes few values (yes or no, a choice, a number out of ten).
        self._flows = {
            False: Flow(questionnaire, memo=True),
            True: Flow(questionnaire, reassessment=True, memo=True),
        }
        self._types = self._flows[False].types
        self._memo = Memo(self._types)
        self._checked: dict[tuple[str, type, object], AnswerValue | InvalidAnswer] = {}
        # Per-region 'at worst' ratings, else every pain rating asked (a check-in's pain
        # during exercise): the worst pain a list shows for the session.
        from imbalance_cli.measures import worst_pain_ids

        self._worst = worst_pain_ids(questionnaire)
        #: The alerts, most urgent first: the first that fires is the session's level.
        self._alerts = sorted(questionnaire.alerts, key=lambda a: a.level.rank)

    def listed(self, answers: Mapping[str, AnswerValue]) -> tuple[str, float | None]:
        """What the store lists a session by: its most urgent warning sign (or "none") and its
        worst pain."""
        top = next(
            (a.level.value for a in self._alerts if self._memo.evaluate(a.when, answers)),
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
                checked = self._check(target, raw)
                if isinstance(checked, InvalidAnswer):
                    misfits.append((qid, str(checked)))
                    break
                answers.setdefault(target, checked)
        return self._flows[reassessment].prune(answers), misfits

    def _check(self, target: str, raw: object) -> AnswerValue | InvalidAnswer:
        """``check`` of a stored value against question ``target``, once per distinct value
        (a float is checked every time: -0.0 equals 0.0 but is another value)."""
        key: tuple[str, type, object] | None = None
        try:
            key = (target, type(raw), tuple(raw) if isinstance(raw, list) else raw)
            if key in self._checked:
                return self._checked[key]
        except TypeError:  # a damaged value (an object): checked, not remembered
            key = None
        question = self.questionnaire.question(target)
        assert question is not None
        try:
            checked: AnswerValue | InvalidAnswer = check(question, raw)
        except InvalidAnswer as exc:
            checked = exc
        if key is not None and not isinstance(raw, float):
            if len(self._checked) >= Memo.LIMIT:
                self._checked.clear()
            self._checked[key] = checked
        return checked


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
