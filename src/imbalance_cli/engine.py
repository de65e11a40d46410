"""The pure questionnaire engine: what is visible, what comes next, and what going back changes.

Conditions only look back (the loader guarantees it), so one pass in question order settles
everything: a question is visible when its section's and its own conditions hold on the answers
to the questions before it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from imbalance_cli import bodymap as body
from imbalance_cli.model import (
    AllOf,
    Answers,
    AnswerValue,
    AnyOf,
    Condition,
    Leaf,
    Not,
    Op,
    Question,
    Questionnaire,
    QuestionType,
    Reassess,
    Section,
)
from imbalance_cli.symmetry import Symmetry, lsi_below
from imbalance_cli.words import find_own

Types = Mapping[str, QuestionType]


def leaf_holds(leaf: Leaf, value: AnswerValue, question_type: QuestionType | None) -> bool:
    """Does one answer satisfy one leaf test? (``answered`` is decided by ``matching``.)"""
    if value is None:
        return False
    target = leaf.value
    if leaf.op is Op.EQUALS:
        if isinstance(value, bool) or isinstance(target, bool):
            return value is target
        return value == target
    if leaf.op is Op.IN:
        return isinstance(target, tuple) and not isinstance(value, bool) and value in target
    if leaf.op is Op.INCLUDES:
        if not isinstance(value, tuple) or not isinstance(target, str):
            return False
        if question_type is QuestionType.BODY_REGIONS:
            return body.matches(value, target)
        return target in value
    if leaf.op is Op.SIDE:
        return isinstance(value, tuple) and isinstance(target, str) and body.one_side(value, target)
    if leaf.op is Op.ZONES:
        if not isinstance(value, tuple) or isinstance(target, bool) or not isinstance(target, int):
            return False
        covered = {leaf.zones[t] for t in value if t in leaf.zones}
        return len(covered) >= target
    if leaf.op is Op.MENTIONS:
        return isinstance(value, str) and bool(find_own(value, leaf.words, leaf.shadows))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        return False
    return value >= target if leaf.op is Op.GTE else value <= target


def evaluate(condition: Condition | None, answers: Answers, types: Types) -> bool:
    """Evaluate a condition on the answers. No condition means always true."""
    if condition is None:
        return True
    if isinstance(condition, Leaf):
        return bool(matching(condition, answers, types))
    if isinstance(condition, AllOf):
        return all(evaluate(c, answers, types) for c in condition.items)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers, types) for c in condition.items)
    return not evaluate(condition.item, answers, types)


def matching(leaf: Leaf, answers: Answers, types: Types) -> list[str]:
    """The question ids whose answers make the leaf true (several for a ``name.*`` leaf)."""
    if leaf.op in (Op.LSI_BELOW, Op.WEAKER):
        return _paired(leaf, answers)
    hits: list[str] = []
    for qid in leaf.questions or (leaf.question,):
        value = answers.get(qid)
        if leaf.op is Op.ANSWERED:
            if (value is not None) == leaf.value:
                hits.append(qid)
        elif leaf_holds(leaf, value, types.get(qid)):
            hits.append(qid)
    return hits


def _paired(leaf: Leaf, answers: Answers) -> list[str]:
    """``lsi_below`` and ``weaker`` read both sides of a paired test at once."""
    left_id, right_id = leaf.questions
    better, noise = leaf.paired or ("higher", None)
    left, right = answers.get(left_id), answers.get(right_id)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
        return []
    assert isinstance(left, (int, float)) and isinstance(right, (int, float))
    s = Symmetry(leaf.question, "", "", float(left), float(right), better, noise)
    if leaf.op is Op.WEAKER:
        held = s.clear_weaker is not None and s.clear_weaker == leaf.value
    else:
        held = isinstance(leaf.value, (int, float)) and lsi_below(s, float(leaf.value))
    return [left_id, right_id] if held else []


def condition_reads(condition: Condition | None) -> tuple[str, ...]:
    """The question ids whose answers a condition reads: nothing else decides it."""
    out: dict[str, None] = {}
    stack = [condition] if condition is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, Leaf):
            out.update(dict.fromkeys(item.questions or (item.question,)))
        elif isinstance(item, Not):
            stack.append(item.item)
        else:
            stack.extend(item.items)
    return tuple(out)


class Memo:
    """Conditions evaluated once for each distinct value of the answers they read (an import
    reads thousands of sessions whose answers to any one question take few values): the same
    verdicts as ``evaluate``, each worked out once. Forgets everything past ``LIMIT`` verdicts
    (free text makes keys that never repeat), so memory stays bounded."""

    LIMIT = 100_000

    def __init__(self, types: Types) -> None:
        self.types = types
        #: id of a condition -> (the condition, kept so the id is not reused; what it reads)
        self._reads: dict[int, tuple[Condition, tuple[str, ...]]] = {}
        self._verdicts: dict[tuple[object, ...], bool] = {}

    def evaluate(self, condition: Condition | None, answers: Answers) -> bool:
        if condition is None:
            return True
        reads = self._reads.get(id(condition))
        if reads is None:
            reads = self._reads[id(condition)] = (condition, condition_reads(condition))
        # The type keeps True apart from 1 and 1.0, which a test tells apart.
        key = (id(condition), *[(type(v), v) for v in map(answers.get, reads[1])])
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= self.LIMIT:
                self._verdicts.clear()
            verdict = self._verdicts[key] = evaluate(condition, answers, self.types)
        return verdict


def mentioned(condition: Condition | None, answers: Answers) -> tuple[str, ...]:
    """The words that ``mentions`` tests of a condition found in the answers, in order."""
    out: dict[str, str] = {}
    stack = [condition] if condition is not None else []
    while stack:
        item = stack.pop(0)
        if isinstance(item, Leaf):
            if item.op is Op.MENTIONS:
                for qid in item.questions or (item.question,):
                    value = answers.get(qid)
                    found = (
                        find_own(value, item.words, item.shadows) if isinstance(value, str) else ()
                    )
                    for word in found:
                        out.setdefault(word.lower(), word)
        elif isinstance(item, Not):
            continue
        elif isinstance(item, (AllOf, AnyOf)):
            stack.extend(item.items)
    return tuple(out.values())


def personalise(
    question: Question, answers: Answers, questionnaire: Questionnaire | None = None
) -> Question:
    """The question as the person sees it: ``{mentioned}`` becomes the words they wrote that
    brought it up (quoted), so a confirmation question names what was written; ``{regions}``
    the areas they chose as painful ("left knee and lower back")."""
    text = question.text
    if "{mentioned}" in text:
        section = questionnaire.section(question.section) if questionnaire else None
        words = mentioned(question.when, answers) or mentioned(
            section.when if section else None, answers
        )
        text = text.replace("{mentioned}", ", ".join(f"'{w}'" for w in words) or "something")
    if "{regions}" in text:
        text = text.replace("{regions}", painful_phrase(questionnaire, answers) or "pain")
    return question if text == question.text else replace(question, text=text)


def painful_phrase(questionnaire: Questionnaire | None, answers: Answers) -> str:
    """The painful areas in a sentence: "left knee, right knee and lower back"."""
    if questionnaire is None:
        return ""
    bodymap = questionnaire.bodymap or body.default()
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if question.type is QuestionType.BODY_REGIONS and isinstance(value, tuple):
            tokens = [t for t in bodymap.normalise(value) if t != "none"]
            names = [bodymap.phrase(t) for t in tokens]
            if len(names) > 1:
                return ", ".join(names[:-1]) + " and " + names[-1]
            return names[0] if names else ""
    return ""


@dataclass(frozen=True)
class Progress:
    """Where the person is: question ``position`` of about ``total`` (it changes with answers)."""

    position: int
    total: int


#: How far the estimate may move before the total shown follows it: the priors make it wander
#: by one to three questions as answers come in, which shown as it is made the count grow and
#: shrink (49, 53, 50) although nothing real changed.
STEADY = 3


def steady(shown: int | None, estimate: Progress) -> Progress:
    """The progress to show, given the total shown before: that total is kept while the
    estimate stays within STEADY of it and the position has not reached it, so the count moves
    only for a real change (regions chosen, a module that opens); over the last few questions,
    where the estimate is exact, it is shown as it is."""
    total = estimate.total
    settled = total - estimate.position <= STEADY  # the last few: the estimate is exact
    if shown is not None and abs(total - shown) <= STEADY and estimate.position < shown:
        total = total if settled else shown
    return Progress(estimate.position, max(total, estimate.position))


class Flow:
    """Walks one questionnaire. Holds no answers itself: every method takes them."""

    def __init__(
        self, questionnaire: Questionnaire, *, reassessment: bool = False, memo: bool = False
    ) -> None:
        self.questionnaire = questionnaire
        #: A re-assessment also shows questions asked only then (``reassess: only``).
        self.reassessment = reassessment
        self.order: tuple[Question, ...] = questionnaire.questions
        self.sections = {s.id: s for s in questionnaire.sections}
        self.types = {q.id: q.type for q in self.order}
        self._region_counts: dict[str, int] = {}
        #: ``memo``: conditions remembered by the answers they read (for reading many sessions).
        self._memo = Memo(self.types) if memo else None

    def section_of(self, question: Question) -> Section:
        return self.sections[question.section]

    def is_visible(self, question: Question, answers: Answers) -> bool:
        if question.reassess is Reassess.ONLY and not self.reassessment:
            return False
        section = self.sections[question.section]
        if self._memo is not None:
            held = self._memo.evaluate
            return held(section.when, answers) and held(question.when, answers)
        return evaluate(section.when, answers, self.types) and evaluate(
            question.when, answers, self.types
        )

    def prune(self, answers: Answers) -> dict[str, AnswerValue]:
        """The answers with those to now-hidden questions dropped (say, knee questions after the
        knee was taken off the regions). Unknown ids are dropped too."""
        kept: dict[str, AnswerValue] = {}
        for question in self.order:
            if question.id in answers and self.is_visible(question, kept):
                kept[question.id] = answers[question.id]
        return kept

    def visible(self, answers: Answers) -> list[Question]:
        """Every question visible with these answers, in order."""
        kept = self.prune(answers)
        return [q for q in self.order if self.is_visible(q, kept)]

    def next_question(self, answers: Answers) -> Question | None:
        """The first visible question not answered yet, or None when the questionnaire is done."""
        kept = self.prune(answers)
        for question in self.order:
            if question.id not in kept and self.is_visible(question, kept):
                return question
        return None

    def next_to_ask(self, answers: Answers, again: Collection[str] = ()) -> Question | None:
        """The first visible question, in order, that is not answered yet or that the person
        went back to (``again``: their answers stay until they are changed)."""
        kept = self.prune(answers)
        for question in self.order:
            if (question.id not in kept or question.id in again) and self.is_visible(
                question, kept
            ):
                return question
        return None

    def missing_required(self, answers: Answers) -> list[Question]:
        kept = self.prune(answers)
        return [
            q
            for q in self.order
            if q.required and kept.get(q.id) is None and self.is_visible(q, kept)
        ]

    def progress(self, answers: Answers, unasked: Collection[str] = ()) -> Progress:
        """Question ``done + 1`` of an honest estimate: the questions answered, plus each
        question still to come weighted by the chance it will be shown. A condition on an answer
        not given yet counts by a prior (one choice of n is ticked 1/n of the time, two regions
        are chosen on average, a yes/no or number test holds half the time), so the estimate
        does not jump from 20 to 46 when the regions are chosen. Questions in ``unasked`` are
        answered without asking (a re-assessment carries them over): they count neither as
        done nor as to come, so the count does not jump past its own estimate."""
        kept = self.prune(answers)
        done = sum(
            1
            for q in self.order
            if q.id in kept and q.id not in unasked and self.is_visible(q, kept)
        )
        # Conditions only look back, so every question before the next one is settled: answered,
        # or hidden for good. Only those from the next question on can still change.
        upcoming = next(
            (i for i, q in enumerate(self.order) if q.id not in kept and self.is_visible(q, kept)),
            len(self.order),
        )
        pending = {q.id for q in self.order[upcoming:] if q.id not in kept}
        if not self.reassessment:
            pending -= {q.id for q in self.order if q.reassess is Reassess.ONLY}
        shown: dict[str, float] = {}
        expected = 0.0
        for question in self.order:
            if question.id not in pending or question.id in unasked:
                continue
            expected += self._shown(question.id, kept, pending, shown)
        total = done + max(1, round(expected)) if expected > 0 else done
        return Progress(position=min(done + 1, max(total, 1)), total=max(total, done + 1))

    def _shown(
        self, qid: str, answers: Answers, pending: set[str], memo: dict[str, float]
    ) -> float:
        """The chance a question still to come will be shown (1 or 0 once it is settled)."""
        if qid not in pending:
            return 1.0 if qid in answers else 0.0
        if qid not in memo:
            memo[qid] = 0.0  # conditions only look back; this guards a malformed loop
            question = self.questionnaire.question(qid)
            if question is None:
                return 0.0
            section = self.sections[question.section]
            memo[qid] = self._chance(section.when, answers, pending, memo) * self._chance(
                question.when, answers, pending, memo
            )
        return memo[qid]

    def _chance(
        self,
        condition: Condition | None,
        answers: Answers,
        pending: set[str],
        memo: dict[str, float],
    ) -> float:
        if condition is None:
            return 1.0
        if isinstance(condition, Leaf):
            ids = condition.questions or (condition.question,)
            if not any(i in pending for i in ids) or evaluate(condition, answers, self.types):
                return 1.0 if evaluate(condition, answers, self.types) else 0.0
            # A test on a question that may itself stay hidden (a neck question for a knee)
            # holds only as often as that question is shown.
            shown = max(self._shown(i, answers, pending, memo) for i in ids)
            return self._prior(condition) * shown
        if isinstance(condition, AllOf):
            chance = 1.0
            for item in condition.items:
                chance *= self._chance(item, answers, pending, memo)
            return chance
        if isinstance(condition, AnyOf):
            miss = 1.0
            for item in condition.items:
                miss *= 1.0 - self._chance(item, answers, pending, memo)
            return 1.0 - miss
        return 1.0 - self._chance(condition.item, answers, pending, memo)

    def _prior(self, leaf: Leaf) -> float:
        """The chance that a test on a question not answered yet will hold."""
        question = self.questionnaire.question((leaf.questions or (leaf.question,))[0])
        if question is None:
            return 0.5
        if question.type is QuestionType.BODY_REGIONS:
            count = self._region_counts.get(question.id)
            if count is None:  # a list of the body map's regions, once per question
                bodymap = self.questionnaire.bodymap
                count = len(bodymap.tokens(question.regions)) if bodymap else 20
                self._region_counts[question.id] = count
            return min(1.0, 1.5 / max(count, 1)) if leaf.op is Op.INCLUDES else 0.3
        if leaf.op is Op.MENTIONS:
            return 0.02  # a warning word in free text is rare
        if question.choices and leaf.op in (Op.EQUALS, Op.INCLUDES, Op.IN):
            share = len(leaf.value) if isinstance(leaf.value, tuple) else 1
            chance = min(1.0, share / len(question.choices))
            if leaf.op is Op.INCLUDES and any(c.exclusive for c in question.choices):
                chance /= 2  # a screen with "None of these": most people choose none
            return chance
        return 0.5
