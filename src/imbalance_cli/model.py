"""Frozen data of imbalance: questionnaires, conditions, rules, the content library and results.

No I/O here: the loader builds these, the engine and rules read them, renderers present them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, Any

from imbalance_cli.errors import NOWHERE as NOWHERE
from imbalance_cli.errors import SourceLocation
from imbalance_cli.regions import NO_PAIN as NO_PAIN
from imbalance_cli.regions import SIDES as SIDES
from imbalance_cli.regions import BodyMap as BodyMap
from imbalance_cli.regions import Region as Region
from imbalance_cli.regions import split_token as split_token

if TYPE_CHECKING:
    from imbalance_cli.content import LIMB_JOINTS as LIMB_JOINTS
    from imbalance_cli.content import MARK_PARTS as MARK_PARTS
    from imbalance_cli.content import MARK_WAYS as MARK_WAYS
    from imbalance_cli.content import MAX_RAISE as MAX_RAISE
    from imbalance_cli.content import PICTURE_BASES as PICTURE_BASES
    from imbalance_cli.content import PICTURE_FRAMES as PICTURE_FRAMES
    from imbalance_cli.content import PICTURE_JOINTS as PICTURE_JOINTS
    from imbalance_cli.content import PICTURE_PROPS as PICTURE_PROPS
    from imbalance_cli.content import PICTURE_VIEWS as PICTURE_VIEWS
    from imbalance_cli.content import Article as Article
    from imbalance_cli.content import Dose as Dose
    from imbalance_cli.content import EvidenceKind as EvidenceKind
    from imbalance_cli.content import Exercise as Exercise
    from imbalance_cli.content import Guidance as Guidance
    from imbalance_cli.content import Library as Library
    from imbalance_cli.content import Mark as Mark
    from imbalance_cli.content import Picture as Picture
    from imbalance_cli.content import Pose as Pose
    from imbalance_cli.content import Rung as Rung
    from imbalance_cli.content import Safety as Safety
    from imbalance_cli.content import Situation as Situation
    from imbalance_cli.content import Source as Source
    from imbalance_cli.content import Strategy as Strategy
    from imbalance_cli.content import WordList as WordList
    from imbalance_cli.results import Findings as Findings
    from imbalance_cli.results import Found as Found
    from imbalance_cli.results import Recommendation as Recommendation
    from imbalance_cli.results import Result as Result
    from imbalance_cli.results import RuleHit as RuleHit
    from imbalance_cli.results import WordHit as WordHit


#: Names kept here for every module that imports them from the model, but imported from their
#: own module only when first asked for: the intake asks its first question without the content
#: library's (the parse cache hands the library out unread, lazy.py) and without what an
#: assessment produced (results.py), and creating their frozen classes took about a twelfth of
#: the time to that question.
_LAZY = {
    "content": "LIMB_JOINTS MARK_PARTS MARK_WAYS MAX_RAISE PICTURE_BASES PICTURE_FRAMES "
    "PICTURE_JOINTS PICTURE_PROPS PICTURE_VIEWS Article Dose EvidenceKind Exercise Guidance "
    "Library Mark Picture Pose Rung Safety Situation Source Strategy WordList",
    "results": "Recommendation RuleHit WordHit Found Findings Result",
}


def __getattr__(name: str) -> Any:
    for module, names in _LAZY.items():
        if name in names.split():
            value = getattr(import_module(f"imbalance_cli.{module}"), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: What one answer can be: a choice id, several ids or regions, yes/no, a number, free text,
#: or None for an optional question the person skipped.
AnswerValue = str | bool | int | float | tuple[str, ...] | None
Answers = Mapping[str, AnswerValue]


def to_plain(value: AnswerValue) -> object:
    """An answer as JSON/YAML-ready data (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


#: ``from: programme`` on a multi question: its choices are the library's exercises and its
#: answer the exercises of the client's current home programme, never asked.
FROM_PROGRAMME = "programme"
#: Its answer while a warning sign has stopped the client's programme: an alert must read it.
PROGRAMME_STOPPED = "stopped"
#: Its answer instead when the sign that stopped it needs medical help now (an emergency in the
#: log): an emergency alert must read it.
PROGRAMME_STOPPED_NOW = "stopped_now"


class QuestionType(str, Enum):
    """The kinds of question a questionnaire can ask."""

    SINGLE = "single"
    MULTI = "multi"
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"
    BODY_REGIONS = "body_regions"
    #: A left and a right measurement of one test, with a unit. The loader turns one paired
    #: question into two questions, ``<id>.left`` and ``<id>.right``, each answered by a number.
    PAIRED = "paired"

    @property
    def has_choices(self) -> bool:
        return self in (QuestionType.SINGLE, QuestionType.MULTI)

    @property
    def is_numeric(self) -> bool:
        return self in (QuestionType.SCALE, QuestionType.NUMBER, QuestionType.PAIRED)

    @property
    def is_list(self) -> bool:
        return self in (QuestionType.MULTI, QuestionType.BODY_REGIONS)


class Role(str, Enum):
    """What a question's answer means to the tool itself: summaries, lists and comparisons read
    answers by role, never by question id."""

    PAIN_NOW = "pain_now"
    PAIN_BEST = "pain_best"
    PAIN_WORST = "pain_worst"
    #: Pain during exercise, 0-10 (a check-in between sessions).
    PAIN_EXERCISE = "pain_exercise"
    #: A 0-10 pain rating of another kind, named by its label (pain at night).
    PAIN = "pain"
    GOAL = "goal"
    GOAL_RATING = "goal_rating"
    #: A measure of the author's own (days exercised, minutes walked): its label names it and
    #: ``better`` says which way is better.
    MEASURE = "measure"

    @property
    def is_pain(self) -> bool:
        return self in (
            Role.PAIN_NOW, Role.PAIN_BEST, Role.PAIN_WORST, Role.PAIN_EXERCISE, Role.PAIN,
        )  # fmt: skip

    @property
    def is_region_pain(self) -> bool:
        """The ratings the body map and the pain table read, per region and side."""
        return self in (Role.PAIN_NOW, Role.PAIN_BEST, Role.PAIN_WORST)


class Reassess(str, Enum):
    """What a re-assessment does with a question: ask it afresh, ask it with last time's answer
    already chosen (to confirm or change), carry the last answer over unasked, or ask it only at
    a re-assessment (what was done since)."""

    ASK = "ask"
    CONFIRM = "confirm"
    KEEP = "keep"
    ONLY = "only"


#: The units a paired (left/right) measurement can have.
PAIRED_UNITS = ("seconds", "repetitions", "kilograms", "degrees", "centimetres")


class AlertLevel(str, Enum):
    """How soon a warning sign needs a clinician."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ADVISORY = "advisory"

    @property
    def rank(self) -> int:
        return {"emergency": 0, "urgent": 1, "advisory": 2}[self.value]

    @property
    def heading(self) -> str:
        """What the level asks for. An alert's action may be faster, never slower."""
        return {
            "emergency": "Emergency: get medical help now",
            "urgent": "Urgent: see a doctor soon, within days at most",
            "advisory": "Mention this to a clinician",
        }[self.value]

    @property
    def holds_back(self) -> bool:
        """While an alert of this level stands, content that assumes no warning signs is
        withheld (and, for an emergency, every article and strategy)."""
        return self in (AlertLevel.EMERGENCY, AlertLevel.URGENT)

    @property
    def timeframes(self) -> tuple[Timeframe, ...]:
        """The time frames an alert of this level may give: an emergency is now, an urgent
        sign today or within days, an advisory one is mentioned at the next visit."""
        return {
            "emergency": (Timeframe.NOW,),
            "urgent": (Timeframe.TODAY, Timeframe.DAYS),
            "advisory": (Timeframe.MENTION,),
        }[self.value]


class Timeframe(str, Enum):
    """When to act on a warning sign. The heading, the message and the action of an alert all
    give this one time frame (the action may add what to do if things get worse)."""

    NOW = "now"
    TODAY = "today"
    DAYS = "days"
    MENTION = "mention"

    @property
    def heading(self) -> str:
        return {
            "now": "Emergency: get medical help now",
            "today": "Urgent: see a doctor today",
            "days": "Soon: see a doctor within the next few days",
            "mention": "Mention this to a clinician",
        }[self.value]

    @property
    def rank(self) -> int:
        return {"now": 0, "today": 1, "days": 2, "mention": 3}[self.value]


class Op(str, Enum):
    """Leaf operators of a condition."""

    EQUALS = "equals"
    IN = "in"
    INCLUDES = "includes"
    GTE = "gte"
    LTE = "lte"
    ANSWERED = "answered"
    SIDE = "side"
    ZONES = "zones"
    #: Paired questions: the limb symmetry index (weaker / stronger x 100) is under the value
    #: and the sides differ by more than the test's day-to-day noise.
    LSI_BELOW = "lsi_below"
    #: Paired questions: this side (left or right) is the weaker one, by more than the noise.
    WEAKER = "weaker"
    #: Free text: the answer contains a word of a word list (library ``word_lists``).
    MENTIONS = "mentions"


LeafValue = str | bool | int | float | tuple[str | int | float, ...]


@dataclass(frozen=True)
class Leaf:
    """A test on one question's answer. ``questions`` are the ids it covers after expansion
    (one, or every region's copy for a ``name.*`` reference)."""

    question: str
    op: Op
    value: LeafValue
    questions: tuple[str, ...] = ()
    location: SourceLocation = NOWHERE
    #: For ``zones``: region token -> zone, from the body map (keeps the engine free of I/O).
    zones: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: For ``lsi_below`` / ``weaker``: which way is better and the test's noise, from the
    #: paired question (``questions`` then holds its left and right copies, in that order).
    paired: tuple[str, float | None] | None = field(default=None, compare=False, repr=False)
    #: For ``mentions``: the word list's words and phrases (lowercase; ``*`` ends a stem).
    words: tuple[str, ...] = field(default=(), compare=False, repr=False)
    #: For ``mentions`` of an activity list: the other activity lists' words, whose longer
    #: phrases take a match of this one's ("climb the stairs" is walking, not climbing).
    shadows: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]
    location: SourceLocation = NOWHERE
    #: A named condition this stands for (``pattern:outer_elbow_grip``, ``situation:pregnancy``):
    #: the loader puts the named condition here, so every reader of conditions works unchanged.
    name: str | None = None


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class Not:
    item: Condition
    location: SourceLocation = NOWHERE


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    exclusive: bool = False
    help: str | None = None
    #: Why this choice is there for the person reading the summary although nothing that
    #: changes the guidance reads it (the lint then does not call it unread).
    for_reader: str | None = None
    location: SourceLocation = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: str
    section: str
    label: str = ""
    help: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True
    unit: str | None = None
    anchors: tuple[tuple[int, str], ...] = ()
    regions: tuple[str, ...] = ()
    none_label: str | None = None
    role: Role | None = None
    #: The answer is there for the person reading the summary, and why; no rule needs to read
    #: it (the lint does not call it unread). ``True`` when an older file gave no reason.
    for_reader: str | bool = False
    when: Condition | None = None
    region: str | None = None
    reassess: Reassess = Reassess.KEEP
    #: A fact about the person (age, writing hand): an answer this client gave to a question of
    #: the same id, in any questionnaire, within this many days is used without asking again.
    known_for_days: int | None = None
    #: Another questionnaire (``intake``): this question's answer is the client's answer to the
    #: question of the same id in their latest completed session of it, used without asking
    #: (asked when there is none).
    from_questionnaire: str | None = None
    #: In a section repeated per exercise of the client's home programme: this copy's exercise
    #: (a library id); ``None`` elsewhere.
    exercise: str | None = None
    #: Paired questions: the test's id (both sides share it), this copy's side, which way is
    #: better, and the day-to-day noise of the test (in its unit) with the source that gives it.
    pair: str | None = None
    side: str | None = None
    better: str = "higher"
    noise: float | None = None
    noise_source: str | None = None
    location: SourceLocation = NOWHERE

    @property
    def short(self) -> str:
        """A short name for summaries and "because" traces."""
        return self.label or self.text

    @property
    def written_id(self) -> str:
        """The id its author wrote: a repeated question's copies (``worst.knee.left``) and a
        paired test's sides (``grip.left``) share it."""
        if self.pair is not None:
            return self.pair
        if self.region is not None or self.exercise is not None:
            return self.id.split(".", 1)[0]
        return self.id

    def choice(self, choice_id: str) -> Choice | None:
        for c in self.choices:
            if c.id == choice_id:
                return c
        return None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str | None = None
    when: Condition | None = None
    region: str | None = None
    #: A copy of a section repeated per exercise of the home programme: the exercise's library
    #: id, and the title as its author wrote it (with ``{exercise}``).
    exercise: str | None = None
    template: str | None = None
    location: SourceLocation = NOWHERE

    @property
    def repeated(self) -> bool:
        """A copy of a section repeated per body region or per exercise."""
        return self.region is not None or self.exercise is not None


@dataclass(frozen=True)
class Alert:
    id: str
    level: AlertLevel
    when: Condition
    message: str
    action: str
    location: SourceLocation = NOWHERE
    #: When to act; None: the level's first time frame (emergency now, urgent today).
    timeframe: Timeframe | None = None
    #: Alerts this one stands for when both fire (the same body part, less urgent): they are
    #: folded into it, their reasons kept, so the person reads one time frame.
    supersedes: tuple[str, ...] = ()

    @property
    def when_to_act(self) -> Timeframe:
        return self.timeframe or self.level.timeframes[0]

    @property
    def heading(self) -> str:
        return self.when_to_act.heading


#: What can choose a recommendation, most specific first. How much each counts towards the
#: plan's order is data (the library's ``guidance: ranking``).
CHOSEN_BY = ("pattern", "goal", "situation", "region", "history", "sensation", "topic")


@dataclass(frozen=True)
class Rule:
    """A recommendation rule: when its condition holds, these articles and strategies are suggested."""

    id: str
    when: Condition
    because: str
    articles: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    location: SourceLocation = NOWHERE
    #: What kind of answer chose it (one of CHOSEN_BY): the plan ranks by it.
    chosen_by: str = "topic"
    #: A line for the plan, in the reader's words ("Keep in touch with your physio ...").
    note: str | None = None


@dataclass(frozen=True)
class Pattern:
    """A region pattern a trainer recognises from the answers, in plain words, never a
    diagnosis: ``outer elbow pain that gripping brings on``."""

    id: str
    label: str
    region: str
    when: Condition
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class SituationRule:
    """When a situation of the library's vocabulary (pregnancy, recent surgery...) holds, by
    this questionnaire's answers."""

    id: str
    when: Condition
    location: SourceLocation = NOWHERE
    #: A body_regions question whose answer bounds it (surgery on the hip): then it holds back
    #: or adapts only library items about those regions.
    regions: str | None = None


@dataclass(frozen=True)
class Wording:
    """What a summary says that depends on the questionnaire, set by its author (``wording:``);
    the defaults are the intake's. The closing advice under an urgent or emergency alert is not
    here: it follows the alert, whatever the questionnaire."""

    #: The closing advice when no alert stands.
    closing: str = (
        "Start small and keep it steady: a little, often, beats a lot, once. Let any pain during "
        "or after a session guide the dose, and re-rate your goal activities in a few weeks to "
        "see how far you have come. If a warning sign appears later, stop and see a clinician."
    )
    #: The closing advice when only advisory alerts stand.
    closing_advisory: str = (
        "Mention the points above to a clinician. Meanwhile start small and keep it steady: a "
        "little, often, beats a lot, once. Use the 0-10 pain rule to judge each session, and "
        "re-rate your goal activities in a few weeks to see how far you have come."
    )
    #: Said when an emergency stopped the questionnaire before its end.
    stopped: str = (
        "The intake was stopped after the emergency warning sign above; the remaining "
        "questions were not asked."
    )
    #: What to do once a doctor has checked, after the line that content is held back.
    held_back: str = "Run the intake again after that check."

    def fitted(self, q: Questionnaire) -> Wording:
        """The wording a summary of ``q`` uses: the author's, and where the author left a
        default written for the intake, one that fits ``q`` (a check-in that asks no goals is
        not told to re-rate goal activities, nor that "the intake" was stopped)."""
        if q.id == "intake":
            return self
        default = Wording()
        title = q.title[:1].lower() + q.title[1:] if q.title[:2] != q.title[:2].upper() else q.title
        again = f"do the {title} again in a few weeks to see how far you have come"
        changes: dict[str, str] = {}
        if self.closing == default.closing and not q.goals():
            changes["closing"] = (
                "Start small and keep it steady: a little, often, beats a lot, once. Let any pain "
                f"during or after a session guide the dose, and {again}. If a warning sign "
                "appears later, stop and see a clinician."
            )
        if self.closing_advisory == default.closing_advisory and not q.goals():
            changes["closing_advisory"] = (
                "Mention the points above to a clinician. Meanwhile start small and keep it "
                "steady: a little, often, beats a lot, once. Use the 0-10 pain rule to judge each "
                f"session, and {again}."
            )
        if self.stopped == default.stopped:
            changes["stopped"] = (
                f"The {title} was stopped after the emergency warning sign above; the remaining "
                "questions were not asked."
            )
        if self.held_back == default.held_back:
            changes["held_back"] = f"Do the {title} again after that check."
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: str
    version: str
    sections: tuple[Section, ...]
    description: str | None = None
    alerts: tuple[Alert, ...] = ()
    rules: tuple[Rule, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    situations: tuple[SituationRule, ...] = ()
    #: Every answer must change the guidance or say why it is kept (the lint's unread check
    #: is then an error).
    every_answer_used: bool = False
    #: The author's closing, stop and held-back lines (the intake's by default).
    wording: Wording = field(default_factory=Wording)
    path: str = ""
    sha256: str = ""
    bodymap: BodyMap | None = field(default=None, compare=False, repr=False)
    _index: Mapping[str, Question] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question in order (built once: the engine, rules and renderers ask often)."""
        return tuple(q for s in self.sections for q in s.questions)

    @property
    def written_count(self) -> int:
        """How many questions its author wrote: a section repeated per region or per exercise,
        and a paired test's two sides, count once."""
        return len({q.written_id for q in self.questions})

    def question(self, question_id: str) -> Question | None:
        return self._index.get(question_id)

    def section(self, section_id: str) -> Section | None:
        for s in self.sections:
            if s.id == section_id:
                return s
        return None

    def with_role(self, role: Role) -> tuple[Question, ...]:
        """Every question (every region's copy) that plays this role, in order."""
        return tuple(q for q in self.questions if q.role is role)

    def goals(self) -> tuple[tuple[Question, Question | None], ...]:
        """Each goal question with the rating that follows it (the next goal_rating before the
        next goal), in order."""
        pairs: list[tuple[Question, Question | None]] = []
        for question in self.questions:
            if question.role is Role.GOAL:
                pairs.append((question, None))
            elif question.role is Role.GOAL_RATING and pairs and pairs[-1][1] is None:
                pairs[-1] = (pairs[-1][0], question)
        return tuple(pairs)


@dataclass(frozen=True)
class FiredAlert:
    alert: Alert
    because: tuple[str, ...]
    #: Less urgent alerts about the same thing that this one stands for (their ids).
    merged: tuple[str, ...] = ()


def exercise_name(q: Questionnaire, exercise: str) -> str:
    """An exercise's name as a ``from: programme`` question offers it (its id when none does)."""
    for question in q.questions:
        if question.from_questionnaire == FROM_PROGRAMME:
            choice = question.choice(exercise)
            if choice is not None:
                return choice.label
    return exercise
