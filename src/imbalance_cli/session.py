"""One sitting: drives the engine with a prompter, shows warning signs the moment they fire,
handles going back, and hands every change to a save hook so nothing answered is lost."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from imbalance_cli.engine import Flow, Progress, personalise, steady
from imbalance_cli.errors import AnswersChanged, Interrupted
from imbalance_cli.model import AlertLevel, AnswerValue, FiredAlert, Questionnaire
from imbalance_cli.prompts import BACK, Prompter, _Back
from imbalance_cli.rules import describe_answer, fired_alerts

SaveHook = Callable[[Mapping[str, AnswerValue]], None]


def run_session(
    questionnaire: Questionnaire,
    prompter: Prompter,
    prefilled: Mapping[str, AnswerValue] | None = None,
    on_change: SaveHook | None = None,
    *,
    resumable: bool = False,
    reassessment: bool = False,
    carried: Mapping[str, AnswerValue] | None = None,
    defaults: Mapping[str, AnswerValue] | None = None,
) -> dict[str, AnswerValue]:
    """Ask every visible question not yet answered and return all answers.

    With ``resumable``, the prefilled answers count as already asked: going back from the first
    new question reaches them, so earlier answers of a resumed session can be changed.
    When an emergency alert fires, the prompter offers to stop; stopping returns the answers so
    far (the summary then holds the alerts, what to do and those answers, nothing else).
    Raises Interrupted, carrying the answers so far, on Ctrl-C or when input ends.

    ``carried`` (a re-assessment) holds last time's answers to questions not asked again: each
    is filled in, unasked, when its question comes up, so a question that only shows because
    of a new answer (a region that hurts now) is still asked, and one hidden now is dropped.

    A save the hook refuses with AnswersChanged (another writer changed answers since they were
    read) is not lost silently: the newer answers are taken, each one that differs is shown,
    and its question is asked again with the newer answer chosen; the person's own answer is
    kept where it did not collide.
    """
    flow = Flow(questionnaire, reassessment=reassessment)
    answers = flow.prune(prefilled or {})
    goal_of = {rating.id: goal.id for goal, rating in questionnaire.goals() if rating is not None}
    # What a prompt starts from: the answer given before (going back, resuming), else last
    # time's answer to a question a re-assessment asks to confirm.
    remembered: dict[str, AnswerValue] = {**(defaults or {}), **answers}
    history: list[str] = [q.id for q in flow.order if q.id in answers] if resumable else []
    answers_given: set[str] = set(answers)
    # Answers given before a new run (an answers file, facts the store keeps, the client's
    # programme) are filled in without asking: the count is of the questions asked. A resumed
    # session's earlier answers were asked, and count.
    before_run: set[str] = set() if resumable else set(answers)
    shown: set[str] = set()
    current_section: str | None = None
    # Questions the person went back to: asked again in order, with their answers chosen. Their
    # answers stay (in the store too) until they are changed, so going back and then stopping,
    # or a crash meanwhile, loses nothing.
    again: set[str] = set()

    # Each emergency is offered once per sitting; a resumed session offers again, since the
    # person may have stopped at the offer itself.
    offered: set[str] = set()

    def go_back() -> None:
        nonlocal current_section
        again.add(history.pop())
        # The prompter may have erased the heading of the section going back into: it is
        # offered again, and the prompter knows whether it is still on screen.
        current_section = None

    shown_total: int | None = None

    def save(just: str | None) -> None:
        """Hand the answers to the save hook; on AnswersChanged, take the stored answers (with
        ``just``, the answer just given, unless it collided), show what differs, and save again."""
        nonlocal answers
        while on_change is not None:
            try:
                on_change(answers)
                return
            except AnswersChanged as exc:
                answers = flow.prune(_adopt(exc, just, answers))
                for qid in _tell_changed(questionnaire, prompter, exc.changed, answers):
                    remembered[qid] = answers[qid]
                    again.add(qid)
                for qid in set(exc.changed) - set(answers):
                    remembered.pop(qid, None)
                answers_given.update(answers)
                history[:] = [q.id for q in flow.order if q.id in answers and q.id not in again]

    def progress() -> Progress:
        nonlocal shown_total
        # Answers a re-assessment carries over are filled in without asking: not counted.
        unasked = (set(carried or ()) - answers_given) | (before_run - again)
        estimate = flow.progress({k: v for k, v in answers.items() if k not in again}, unasked)
        shown = steady(shown_total, estimate)
        shown_total = shown.total
        return shown

    def show_new_alerts() -> bool:
        """Show alerts that just fired; True when the person chose to stop at an emergency.
        Going back at the offer undoes the answer that raised it (a mistaken tick)."""
        nonlocal shown
        firing = fired_alerts(questionnaire, answers)
        new: list[FiredAlert] = []
        for fired in firing:
            if fired.alert.id not in shown:
                prompter.alert(fired)
                new.append(fired)
        shown = {f.alert.id for f in firing}
        emergencies = tuple(
            f for f in new if f.alert.level is AlertLevel.EMERGENCY and f.alert.id not in offered
        )
        if not emergencies or flow.next_to_ask(answers, again) is None:
            return False
        offered.update(f.alert.id for f in emergencies)
        try:
            choice = prompter.offer_stop(emergencies, can_go_back=bool(history))
        except (KeyboardInterrupt, EOFError) as exc:
            reason = "input ended" if isinstance(exc, EOFError) else "interrupted"
            raise Interrupted(answers, reason) from None
        if isinstance(choice, _Back):
            offered.difference_update(f.alert.id for f in emergencies)
            shown = set()  # the alert is shown again if the answer still raises it
            go_back()
            return False
        return choice

    if show_new_alerts():
        return answers
    while True:
        question = flow.next_to_ask(answers, again)
        if question is None:
            return answers
        if carried and question.id in carried and question.id not in answers_given:
            answers[question.id] = carried[question.id]
            answers = flow.prune(answers)
            save(None)
            continue
        if question.section != current_section:
            prompter.section(flow.section_of(question))
            current_section = question.section
        try:
            question = personalise(question, answers, questionnaire)
            goal = answers.get(goal_of.get(question.id, ""))
            if isinstance(goal, str) and goal.strip():
                # A goal rating names the goal in the person's own words.
                question = replace(question, text=f"Your goal: {goal.strip()}. {question.text}")
            reply = prompter.ask(
                question,
                default=remembered.get(question.id),
                progress=progress(),
                can_go_back=bool(history),
            )
        except (KeyboardInterrupt, EOFError) as exc:
            reason = "input ended" if isinstance(exc, EOFError) else "interrupted"
            raise Interrupted(answers, reason) from None
        if reply is BACK:
            if not history:
                prompter.notice("This is the first question; there is nothing to go back to.")
                continue
            go_back()
            continue
        assert not isinstance(reply, _Back)
        again.discard(question.id)
        changed = question.id not in answers or answers[question.id] != reply
        answers[question.id] = reply
        remembered[question.id] = reply
        answers_given.add(question.id)
        answers = flow.prune(answers)
        history.append(question.id)
        if changed:
            save(question.id)
        if show_new_alerts():
            return answers


def _adopt(
    exc: AnswersChanged, just: str | None, answers: Mapping[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """The stored answers a refused save came back with, and the answer just given unless
    another writer changed that one too."""
    merged = dict(exc.answers)
    if just is not None and just not in exc.changed and just in answers:
        merged[just] = answers[just]
    return merged


def _tell_changed(
    questionnaire: Questionnaire,
    prompter: Prompter,
    changed: tuple[str, ...],
    answers: Mapping[str, AnswerValue],
) -> list[str]:
    """Show each answer another writer changed or cleared; return those to ask again with the
    newer answer chosen (a cleared one is asked anyway if it still applies)."""
    again = []
    for qid in changed:
        question = questionnaire.question(qid)
        if question is None:
            continue
        if qid in answers:
            now = describe_answer(question, answers[qid], questionnaire.bodymap)
            prompter.notice(
                f"'{question.short}' was answered in another imbalance meanwhile: {now}. "
                "Please answer it again (that answer is chosen)."
            )
            again.append(qid)
        else:
            prompter.notice(
                f"'{question.short}' was cleared in another imbalance meanwhile; it is asked "
                "again if it still applies."
            )
    return again
