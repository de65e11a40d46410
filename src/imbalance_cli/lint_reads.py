"""What reads each question and choice of a questionnaire (the lint's last part, lint.py): a
question nothing reads only lengthens the run, a choice nothing reads changes nothing (an error
in a warning-sign question), and a questionnaire that reads the client's programme must raise an
alert when a warning sign has stopped it. ``Reach`` counts what becomes of the answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.findings import followed_up
from imbalance_cli.lint_values import _signed_leaves, _some
from imbalance_cli.model import (
    FROM_PROGRAMME,
    NOWHERE,
    PROGRAMME_STOPPED,
    PROGRAMME_STOPPED_NOW,
    AlertLevel,
    Condition,
    Op,
    Question,
    Questionnaire,
    QuestionType,
)


@dataclass(frozen=True)
class _Seen:
    """What the lint knows of one question when a later condition reads it."""

    shown: bool  # can it be shown at all?
    always: bool  # is it shown in every run (no condition on it or its section)?
    required: bool
    section: str = ""
    #: Shown whenever its section is (no condition of its own).
    with_section: bool = False
    position: int = 0


@dataclass(frozen=True)
class Reach:
    """What becomes of the answers of a questionnaire (each question counted once, whatever
    its copies per region): how many can change the guidance, how many are kept for the reader
    with a reason, how many are free text (read for words and quoted), and how many are kept
    for charting change over time (a role, such as today's pain or a goal's rating, or one
    side of a pair), and how many only choose which questions come next."""

    questions: int
    changing: int
    for_reader: int
    text: int
    tracked: int = 0
    routing: int = 0


class Reads:
    """The lint's reading of what reads what; _Lint (lint.py) fills ``read``, ``guidance`` and
    ``seen`` while it walks the conditions, then asks these."""

    q: Questionnaire
    seen: dict[str, _Seen]
    questions: dict[str, Question]
    read: set[str]
    guidance: set[str]
    problems: dict[tuple[SourceLocation, str], Problem]
    errors_at: set[SourceLocation]

    # -- free text no question follows up ---------------------------------------------------

    def _unfollowed_text(self) -> None:
        """Free text is read for warning words; in a questionnaire with warning signs, one
        that no question follows up (``mentions``) raises nothing for a sign written there:
        the summary can only tell the reader to see a doctor."""
        if not self.q.alerts:
            return
        followed = {qid for qid, _ in followed_up(self.q)}
        said: set[str] = set()
        for question in self.q.questions:
            written = question.written_id
            if (
                question.type is not QuestionType.TEXT
                or question.id in followed
                or written in said
                or not self.seen[question.id].shown
            ):
                continue
            said.add(written)
            self._add(
                question.location,
                f"free text '{written}' is read for warning words, but no question follows "
                "them up (a condition with 'mentions' on it): a warning sign written there "
                "raises no alert, and the summary can only tell the reader to see a doctor; "
                "ask about them (see 'Words in free text' in docs/authoring.md)",
                "unfollowed-text",
                warning=True,
            )

    # -- questions nothing reads -------------------------------------------------------------

    def _unread(self) -> None:
        # A repeated question's copies and a pair's sides are one question to its author: read
        # through any copy, it is read. With ``every_answer_used``, an answer must change the
        # guidance (an alert, a rule, a pattern or a situation reads it) or say why it is kept.
        strict = self.q.every_answer_used
        read = {
            self.questions[qid].written_id
            for qid in (self.guidance if strict else self.read)
            if qid in self.questions
        }
        gated = {self.questions[qid].written_id for qid in self.read if qid in self.questions}
        for question in self.q.questions:
            if not self.seen[question.id].shown:
                continue
            if strict and question.for_reader is True:
                self._add(
                    question.location,
                    f"question '{question.written_id}' is kept for the reader but says not why; "
                    "write the reason the reader sees (for_reader: why they need it)",
                    "unread",
                )
                continue
            if (
                question.written_id in read
                or question.role is not None
                or question.pair is not None
                or question.type is QuestionType.TEXT
                or question.for_reader
                or (question.from_questionnaire == FROM_PROGRAMME and question.written_id in gated)
            ):
                continue  # a programme's exercises are never asked: choosing questions is its use
            if strict and question.written_id in gated:
                message = (
                    f"question '{question.written_id}' only decides which questions come next; "
                    "no alert, rule, pattern or situation reads its answer (use it in one, or "
                    "say why the reader needs it: for_reader: why)"
                )
            else:
                message = (
                    f"no condition, role or summary table reads question '{question.written_id}'; "
                    "it only lengthens the run (use it in a rule or an alert, give it a role, "
                    "or say why the summary's reader needs it: for_reader: why)"
                )
            self._add(question.location, message, "unread", warning=not strict)

    # -- choices nothing reads ---------------------------------------------------------------

    def _conditions(self) -> Iterator[tuple[Condition, bool]]:
        """Every condition of the questionnaire, and whether it is an alert's."""
        for section in self.q.sections:
            if section.when is not None:
                yield section.when, False
            for question in section.questions:
                if question.when is not None:
                    yield question.when, False
        for situation in self.q.situations:
            yield situation.when, False
        for pattern in self.q.patterns:
            yield pattern.when, False
        for rule in self.q.rules:
            yield rule.when, False
        for alert in self.q.alerts:
            yield alert.when, True

    def _unread_choices(self) -> None:
        """A choice that no test names changes nothing. Quiet by design: in a multi question an
        exclusive choice ("None of these"), and every choice when a condition reads "anything
        but the exclusive one" (``not: includes: none``); in a single question the one choice
        no test names (the answer every test there says no to); a choice kept ``for_reader``
        with a reason, and every choice of a question kept for the reader. The rest is a
        warning, or an error in a warning-sign multi question (some of its choices raise an
        alert)."""
        read: dict[str, set[str]] = {}
        alarming: dict[str, set[str]] = {}
        every: set[str] = set()
        for condition, is_alert in self._conditions():
            for leaf, negated in _signed_leaves(condition, False):
                if leaf.op not in (Op.INCLUDES, Op.EQUALS, Op.IN):
                    continue
                question = self.questions.get((leaf.questions or (leaf.question,))[0])
                if question is None or not question.type.has_choices:
                    continue
                value = leaf.value
                named = {str(v) for v in value} if isinstance(value, tuple) else {str(value)}
                written = question.written_id
                read.setdefault(written, set()).update(named)
                if negated and any(c.exclusive for c in question.choices if c.id in named):
                    every.add(written)
                if is_alert and not negated:
                    alarming.setdefault(written, set()).update(named)
        asked = {self.questions[qid].written_id for qid in self.read if qid in self.questions}
        done: set[str] = set()
        for question in self.q.questions:
            written = question.written_id
            if (
                not question.type.has_choices
                or written in done
                or written not in asked  # the question's own warning says it
                or written in every
                or question.for_reader
                or not self.seen[question.id].shown
            ):
                continue
            done.add(written)
            if question.from_questionnaire == FROM_PROGRAMME:
                self._stopped_read(question, alarming.get(written, set()))
                continue
            named = read.get(written, set())
            quiet = [
                c
                for c in question.choices
                if c.id not in named and not c.exclusive and not c.for_reader
            ]
            if question.type is QuestionType.SINGLE and len(quiet) < 2:
                continue  # the answer every test of the question says no to
            # A single question's other answers are its all-clear ones: only a multi's choice,
            # ticked on its own beside those that alert, is dead safety logic.
            alerts = [
                c.id
                for c in question.choices
                if c.id in alarming.get(written, ()) and question.type is QuestionType.MULTI
            ]
            screen = bool(self.q.sections) and question.section == self.q.sections[0].id
            if alerts and screen:
                # In the safety screen, a choice a rule reads but no alert: the person is told
                # of no warning sign although they ticked one in the warning-sign question.
                for choice in question.choices:
                    if (
                        choice.id in named
                        and choice.id not in alarming.get(written, ())
                        and not choice.exclusive
                        and not choice.for_reader
                    ):
                        self._add(
                            choice.location if choice.location != NOWHERE else question.location,
                            f"choice '{choice.id}' of warning-sign question '{written}' in the "
                            f"safety screen raises no alert, while {_some(alerts)} do; a rule "
                            "reads it, but the person is told of no warning sign (raise an alert "
                            "for it, or move it out of the screen, or say why: for_reader: why)",
                            "unread-choice",
                            warning=True,
                        )
            for choice in quiet:
                alike = (
                    f" (nor {_some([c.id for c in quiet if c is not choice])}: the guidance "
                    "cannot tell them apart)"
                    if question.type is QuestionType.SINGLE
                    else ""
                )
                where = choice.location if choice.location != NOWHERE else question.location
                if alerts:
                    self._add(
                        where,
                        f"choice '{choice.id}' of warning-sign question '{written}' raises no "
                        f"alert{alike}, while {_some(alerts)} do: choosing it changes nothing "
                        "(read it in an alert, or if it is no warning sign say why it is there: "
                        "for_reader: why)",
                        "unread-choice",
                    )
                else:
                    self._add(
                        where,
                        f"no condition, alert or rule reads choice '{choice.id}' of question "
                        f"'{written}'{alike}: choosing it changes nothing (read it in a "
                        "condition, or say why the summary's reader needs it: for_reader: why)",
                        "unread-choice",
                        warning=True,
                    )

    def _stopped_read(self, question: Question, alarming: set[str]) -> None:
        """A client's programme can be stopped by a warning sign in its log; a questionnaire
        that reads the programme must say so loudly (an alert on ``stopped``)."""
        if PROGRAMME_STOPPED not in alarming:
            self._add(
                question.location,
                f"question '{question.written_id}' reads the client's programme, which a warning "
                f"sign in its log can stop: raise an alert when it includes '{PROGRAMME_STOPPED}', "
                "so the person is told to get checked and no exercise advice is given",
                "unread-choice",
            )
        emergency = {
            str(value)
            for alert in self.q.alerts
            if alert.level is AlertLevel.EMERGENCY
            for leaf, negated in _signed_leaves(alert.when, False)
            if not negated
            and leaf.op in (Op.INCLUDES, Op.EQUALS, Op.IN)
            and (leaf.questions or (leaf.question,))[0] == question.id
            for value in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))
        }
        if PROGRAMME_STOPPED_NOW not in emergency:
            self._add(
                question.location,
                f"question '{question.written_id}' reads the client's programme, which a warning "
                f"sign needing help now (an emergency in its log) can stop: raise an emergency "
                f"alert when it includes '{PROGRAMME_STOPPED_NOW}', so the summary says to get "
                "medical help now, not today",
                "unread-choice",
            )

    def reach(self) -> Reach:
        """How many answers can change the guidance, how many are kept for the reader, and how
        many are free text read for words (after ``run``)."""
        by_written: dict[str, Question] = {}
        for question in self.q.questions:
            by_written.setdefault(question.written_id, question)
        changing = {self.questions[q].written_id for q in self.guidance if q in self.questions}
        reader = {w for w, q in by_written.items() if q.for_reader and w not in changing}
        text = {
            w
            for w, q in by_written.items()
            if q.type is QuestionType.TEXT and w not in changing and w not in reader
        }
        tracked = {
            w
            for w, q in by_written.items()
            if (q.role is not None or q.pair is not None) and w not in changing | reader | text
        }
        kept = changing | reader | text | tracked
        routing = {self.questions[q].written_id for q in self.read if q in self.questions} - kept
        return Reach(
            len(by_written), len(changing), len(reader), len(text), len(tracked), len(routing)
        )

    def _add(
        self, location: SourceLocation, message: str, rule: str, warning: bool = False
    ) -> None:
        key = (location, message)
        if warning and location in self.errors_at:
            return  # an error at the same place already says it
        if not warning:
            self.errors_at.add(location)
        if key not in self.problems:
            self.problems[key] = Problem(
                location, message, severity="warning" if warning else "error", rule=rule
            )
