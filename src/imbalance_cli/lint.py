"""Dead logic in a loaded questionnaire: what can never be shown, never fire or never be answered.

The loader refuses what is malformed; the lint reads a well-formed questionnaire the way a run
could go. Walking the questions in order (conditions only look back), it keeps for each question
whether it can be shown at all, and whether it can be left unanswered, and asks of every
condition whether some run makes it true, by the answers the earlier questions can take:

- a value a question cannot take (``equals: 5.5`` on a whole-number scale, ``in: [11]`` on
  0-10, ``gte: 10.5``): an error where the test sits;
- a question whose own or whose section's condition can never hold (also through a question
  that is itself never shown): an error;
- an alert or a recommendation rule that can never fire: an error;
- one part of an ``any`` that can never hold while the rest can: a warning;
- a question nothing reads: no condition, role or left/right summary uses its answer, it is
  not free text (which the summary quotes) and not marked ``for_reader``: a warning, since it
  only lengthens the run.

Each finding is a ``Problem`` located in the file. The cost is linear in the size of the
questionnaire: every condition is visited once, and each test looks at its questions only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.lint_reads import Reach, Reads, _Seen
from imbalance_cli.lint_values import (
    _CURLY_CLOSE,
    _CURLY_OPEN,
    _can_fail,
    _describe,
    _domain,
    _exclusive_clash,
    _flat,
    _leaves,
    _needs_answer,
    _never_in,
    _never_shown,
    _some_value,
    impossible,
)
from imbalance_cli.model import (
    AlertLevel,
    AllOf,
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


@dataclass(frozen=True)
class _Why:
    """Whether a condition can be true, whether it can be false, and why not. ``reported``: the
    reason is a value no answer can take, already reported as an error where the test sits."""

    can_true: bool
    can_false: bool = True
    reason: str = ""
    reported: bool = False


def lint(questionnaire: Questionnaire) -> list[Problem]:
    return _Lint(questionnaire).run()


def reach(questionnaire: Questionnaire) -> Reach:
    return lint_and_reach(questionnaire)[1]


def lint_and_reach(questionnaire: Questionnaire) -> tuple[list[Problem], Reach]:
    """The findings and the reach of one walk (validate wants both; a walk is most of either)."""
    checker = _Lint(questionnaire)
    return checker.run(), checker.reach()


class _Lint(Reads):
    def __init__(self, questionnaire: Questionnaire) -> None:
        self.q = questionnaire
        self.seen: dict[str, _Seen] = {}
        self.questions: dict[str, Question] = {q.id: q for q in questionnaire.questions}
        self.problems: dict[tuple[SourceLocation, str], Problem] = {}
        self.read: set[str] = set()
        #: Questions read by what changes the guidance: alerts, rules, patterns, situations.
        self.guidance: set[str] = set()
        self.in_guidance = False
        self.errors_at: set[SourceLocation] = set()
        # Alerts and rules are read when the run ends, and a run that an emergency stops ends
        # with later questions unanswered: only the questions up to the first one an emergency
        # alert reads are certain to be answered then. While questions are read, all are.
        self.certain_upto = math.inf
        self.position = {q.id: n for n, q in enumerate(questionnaire.questions)}
        self.sections: dict[str, Section] = {}
        for section in questionnaire.sections:
            self.sections.setdefault(section.id, section)
        #: The section of the question whose condition is being read (None: a section's own
        #: condition, an alert or a rule).
        self.context: str | None = None

    def run(self) -> list[Problem]:
        for section in self.q.sections:
            self._section(section.id, section.when, section.location, section.questions)
        emergency_reads = [
            self.position[qid]
            for a in self.q.alerts
            if a.level is AlertLevel.EMERGENCY
            for leaf in _leaves(a.when)
            for qid in leaf.questions or (leaf.question,)
            if qid in self.position
        ]
        stop = min(emergency_reads, default=math.inf)
        self.context = None
        self._texts()
        # A run an emergency stopped recommends nothing (every article and strategy is held
        # back), so rules are read as of a whole run; alerts as of the earliest stop.
        ends: list[tuple[str, Condition, SourceLocation, str, float]] = [
            (f"situation '{s.id}'", s.when, s.location, "found", math.inf)
            for s in self.q.situations
        ]
        ends += [
            (f"pattern '{p.id}'", p.when, p.location, "found", math.inf) for p in self.q.patterns
        ]
        ends += [(f"alert '{a.id}'", a.when, a.location, "raised", stop) for a in self.q.alerts]
        ends += [
            (f"recommendation '{r.id}'", r.when, r.location, "made", math.inf) for r in self.q.rules
        ]
        self.in_guidance = True
        for what, when, location, verb, upto in ends:
            self.certain_upto = upto
            self._values(when, what)
            why = self._check(when, what)
            if not why.can_true and not why.reported:
                self._add(location, f"{what} can never be {verb}: {why.reason}", "never-fires")
        self.in_guidance = False
        bound = {s.regions for s in self.q.situations if s.regions}
        self.read |= bound
        self.guidance |= bound
        self._unread()
        self._unfollowed_text()
        self._unread_choices()
        return sorted(self.problems.values(), key=lambda p: (p.location, p.message))

    # -- questions ---------------------------------------------------------------------------

    def _section(
        self,
        section_id: str,
        when: Condition | None,
        location: SourceLocation,
        questions: tuple[Question, ...],
    ) -> None:
        section_why = _Why(True)
        if when is not None:
            self._values(when, f"section '{section_id}'")
            section_why = self._check(when, f"section '{section_id}'")
        if not section_why.can_true and not section_why.reported:
            self._add(
                location,
                f"section '{section_id.split('.', 1)[0]}' can never be shown: {section_why.reason}",
                "never-shown",
            )
        for question in questions:
            shown, reason = section_why.can_true, ""
            if question.when is not None:
                where = f"question '{question.written_id}'"
                self._values(question.when, where)
                self.context = question.section
                own = self._check(question.when, where)
                self.context = None
                if section_why.can_true and not own.can_true:
                    shown, reason = False, own.reason
                    if not own.reported:
                        self._add(
                            question.location,
                            f"question '{question.written_id}' can never be shown: {reason}",
                            "never-shown",
                        )
            always = (
                shown
                and when is None
                and question.when is None
                and question.reassess is not Reassess.ONLY
            )
            self.seen[question.id] = _Seen(
                shown,
                always,
                question.required,
                question.section,
                shown and question.when is None and question.reassess is not Reassess.ONLY,
                self.position[question.id],
            )

    # -- conditions --------------------------------------------------------------------------

    def _check(self, condition: Condition, where: str) -> _Why:
        """Can the condition be true, can it be false? Parts of an ``any`` that can never hold
        while the whole can are reported as warnings."""
        if isinstance(condition, Leaf):
            return self._leaf(condition)
        if isinstance(condition, Not):
            inner = self._check(condition.item, where)
            reason = ""
            if not inner.can_false:
                reason = "the condition inside 'not' always holds"
                item = condition.item
                if isinstance(item, Leaf) and item.op is Op.ANSWERED:
                    reason = (
                        f"'{item.question}' is required and always asked before this, so "
                        f"'not' around {_describe(item)} never holds"
                    )
                elif isinstance(item, Leaf):
                    reason = (
                        f"{_describe(item)} holds for every answer "
                        f"'{item.question}' can be given, so 'not' never does"
                    )
            return _Why(inner.can_false, inner.can_true, reason)
        parts = [self._check(c, where) for c in condition.items]
        if isinstance(condition, AnyOf):
            can_true = any(p.can_true for p in parts)
            if can_true:
                for part, why in zip(condition.items, parts, strict=True):
                    if not why.can_true:
                        self._add(
                            part.location,
                            f"this part of the condition of {where} can never hold: {why.reason}",
                            "dead-branch",
                            warning=True,
                        )
            found = list(dict.fromkeys(p.reason for p in parts if not p.can_true))
            reasons = found[0] if found else ""
            if len(found) > 1:
                reasons += f" (and {len(found) - 1} more alike)"
            return _Why(
                can_true,
                all(p.can_false for p in parts),
                reasons,
                reported=not can_true and all(p.reported for p in parts),
            )
        for why in parts:
            if not why.can_true:
                return _Why(False, True, why.reason, why.reported)
        clash = self._clash(condition)
        if clash:
            return _Why(False, True, clash)
        return _Why(True, any(p.can_false for p in parts))

    def _leaf(self, leaf: Leaf) -> _Why:
        covered = leaf.questions or (leaf.question,)
        self.read.update(covered)
        if self.in_guidance:
            self.guidance.update(covered)
        known = [
            (state, self.questions[qid])
            for qid in covered
            if (state := self.seen.get(qid)) is not None and qid in self.questions
        ]
        shown = [question for state, question in known if state.shown]
        certain = bool(known) and all(self._certain(state) for state, _ in known)
        if leaf.op is Op.ANSWERED:
            if leaf.value:
                if not shown:
                    return _Why(False, True, _never_shown(leaf))
                return _Why(True, not certain)
            if certain:
                return _Why(
                    False,
                    True,
                    f"'{leaf.question}' is required and always asked before this, so it is "
                    "answered by then",
                )
            return _Why(True, bool(shown))
        if not shown:
            return _Why(False, True, _never_shown(leaf))
        reasons: list[str] = []
        for question in shown:
            problem = impossible(leaf, question)
            if problem is None:
                return _Why(True, not certain or _can_fail(leaf, question))
            reasons.append(problem)
        return _Why(False, True, reasons[0], reported=True)

    def _certain(self, state: _Seen) -> bool:
        """Is the question certainly answered when the condition being read is? It is required
        and asked every time: in every run, or (for a question's condition) whenever the
        question's own section is shown; for an alert or a rule, also before the first question
        an emergency could stop the run at."""
        if not state.required:
            return False
        if self.context is not None and state.section == self.context and state.with_section:
            return True
        return state.always and state.position <= self.certain_upto

    def _implied(self, qid: str) -> list[Leaf]:
        """The one-question tests that hold whenever this question was asked: its own and its
        section's conditions, where they are a test or a plain ``all`` of tests."""
        question = self.questions.get(qid)
        if question is None:
            return []
        section = self.sections.get(question.section)
        return [
            implied
            for when in (question.when, section.when if section else None)
            for implied in _flat(when)
            if len(implied.questions or (implied.question,)) == 1
        ]

    def _clash(self, condition: AllOf) -> str | None:
        """Tests in one ``all`` that no run passes together: on one question (with what asking
        a question implies: a test on a question holds only when its own and its section's
        conditions did), or an exclusive choice ("None of these") with another."""
        by_question: dict[str, list[Leaf]] = {}
        because: dict[int, str] = {}  # id(leaf) -> the question whose asking implies it
        for item in condition.items:
            if isinstance(item, Leaf) and len(item.questions or (item.question,)) == 1:
                qid = (item.questions or (item.question,))[0]
                by_question.setdefault(qid, []).append(item)
        for qid, leaves in list(by_question.items()):
            if qid in self.questions and any(_needs_answer(leaf) for leaf in leaves):
                for implied in self._implied(qid):
                    asked = (implied.questions or (implied.question,))[0]
                    by_question.setdefault(asked, []).append(implied)
                    because[id(implied)] = self.questions[qid].written_id
        # A test on every region's copy holds only when some copy was asked, so only when its
        # region was chosen: a body_regions test that every copy implies holds too (each copy
        # names its own region, so the first copy's stands for all in an exclusive clash).
        for item in condition.items:
            copies = item.questions if isinstance(item, Leaf) else ()
            if len(copies) > 1 and isinstance(item, Leaf) and _needs_answer(item):
                each = [self._implied(c) for c in copies]
                for implied in each[0]:
                    regions = (implied.questions or (implied.question,))[0]
                    question = self.questions.get(regions)
                    if (
                        question is not None
                        and question.type is QuestionType.BODY_REGIONS
                        and implied.op is Op.INCLUDES
                        and str(implied.value) != "none"
                        and all(any(i.question == implied.question for i in e) for e in each)
                    ):
                        by_question.setdefault(regions, []).append(implied)
                        because[id(implied)] = self.questions[copies[0]].written_id
        for qid, leaves in by_question.items():
            question = self.questions.get(qid)
            if question is None or len(leaves) < 2:
                continue
            answered = {bool(leaf.value) for leaf in leaves if leaf.op is Op.ANSWERED}
            tests = [leaf for leaf in leaves if leaf.op is not Op.ANSWERED]
            if False in answered and (True in answered or tests):
                return f"'{qid}' cannot be unanswered and answered at once"
            exclusive = _exclusive_clash(question, tests)
            if exclusive:
                return exclusive
            if not _some_value(question, tests):
                shown = " and ".join(
                    _describe(leaf)
                    + (
                        f" (only then is '{because[id(leaf)]}' asked)"
                        if id(leaf) in because
                        else ""
                    )
                    for leaf in tests
                )
                return f"no answer to '{qid}' passes {shown} at once"
        return None

    def _values(self, condition: Condition, where: str) -> None:
        """Report every test asking for a value its question can never take (errors, wherever
        the test sits: even inside an ``any`` or a ``not``)."""
        for leaf in _leaves(condition):
            for qid in leaf.questions or (leaf.question,):
                question = self.questions.get(qid)
                if question is None:
                    continue
                problem = impossible(leaf, question)
                if problem is not None:
                    self._add(leaf.location, f"in {where}: {problem}", "impossible-value")
                elif leaf.op is Op.IN and question.type.is_numeric:
                    never = _never_in(leaf, question)
                    if never:
                        self._add(
                            leaf.location,
                            f"in {where}: 'in' lists {never}, which '{leaf.question}' can never "
                            f"be ({_domain(question).removeprefix('which takes ')})",
                            "impossible-value",
                            warning=True,
                        )
                break  # the copies of a repeated question share their range and choices

    # -- text ----------------------------------------------------------------------------------

    def _texts(self) -> None:
        """Text wrapped in curly quotes: YAML keeps them as part of the text, so the person
        would read them."""
        places: list[tuple[str, str, SourceLocation]] = []
        for section in self.q.sections:
            if section.region is None:
                places += [(f"section '{section.id}'", section.title, section.location)]
                places += [(f"section '{section.id}'", section.intro or "", section.location)]
        seen: set[str] = set()
        for question in self.q.questions:
            if question.written_id in seen:
                continue
            seen.add(question.written_id)
            name = f"question '{question.written_id}'"
            places += [(name, t, question.location) for t in (question.text, question.label)]
            places += [(name, question.help or "", question.location)]
            places += [(name, c.label, question.location) for c in question.choices]
        for alert in self.q.alerts:
            places += [
                (f"alert '{alert.id}'", t, alert.location) for t in (alert.message, alert.action)
            ]
        for rule in self.q.rules:
            places += [(f"recommendation '{rule.id}'", rule.because, rule.location)]
        for where, text, location in places:
            stripped = text.strip()
            if len(stripped) > 1 and stripped[0] in _CURLY_OPEN and stripped[-1] in _CURLY_CLOSE:
                self._add(
                    location,
                    f"a text of {where} is wrapped in curly quotes ({stripped[:24]}...): YAML "
                    'keeps them as part of the text; use straight quotes "..." or none',
                    "curly-quotes",
                    warning=True,
                )
