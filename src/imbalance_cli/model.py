"""Frozen data of imbalance: questionnaires, conditions, rules, the content library and results.

No I/O here: the loader builds these, the engine and rules read them, renderers present them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from imbalance_cli.errors import SourceLocation

#: What one answer can be: a choice id, several ids or regions, yes/no, a number, free text,
#: or None for an optional question the person skipped.
AnswerValue = str | bool | int | float | tuple[str, ...] | None
Answers = Mapping[str, AnswerValue]

NOWHERE = SourceLocation("<built-in>")


def to_plain(value: AnswerValue) -> object:
    """An answer as JSON/YAML-ready data (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


class QuestionType(str, Enum):
    """The kinds of question a questionnaire can ask."""

    SINGLE = "single"
    MULTI = "multi"
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"
    BODY_REGIONS = "body_regions"

    @property
    def has_choices(self) -> bool:
        return self in (QuestionType.SINGLE, QuestionType.MULTI)

    @property
    def is_numeric(self) -> bool:
        return self in (QuestionType.SCALE, QuestionType.NUMBER)

    @property
    def is_list(self) -> bool:
        return self in (QuestionType.MULTI, QuestionType.BODY_REGIONS)


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
        return {
            "emergency": "Emergency: get medical help now",
            "urgent": "See a doctor within days",
            "advisory": "Mention this to a clinician",
        }[self.value]


class Op(str, Enum):
    """Leaf operators of a condition."""

    EQUALS = "equals"
    IN = "in"
    INCLUDES = "includes"
    GTE = "gte"
    LTE = "lte"
    ANSWERED = "answered"


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


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]
    location: SourceLocation = NOWHERE


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
    when: Condition | None = None
    region: str | None = None
    location: SourceLocation = NOWHERE

    @property
    def short(self) -> str:
        """A short name for summaries and "because" traces."""
        return self.label or self.text

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
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class Alert:
    id: str
    level: AlertLevel
    when: Condition
    message: str
    action: str
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class Rule:
    """A recommendation rule: when its condition holds, these articles and strategies are suggested."""

    id: str
    when: Condition
    because: str
    articles: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: str
    version: str
    sections: tuple[Section, ...]
    description: str | None = None
    alerts: tuple[Alert, ...] = ()
    rules: tuple[Rule, ...] = ()
    path: str = ""
    sha256: str = ""
    _index: Mapping[str, Question] = field(default_factory=dict, compare=False, repr=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, question_id: str) -> Question | None:
        return self._index.get(question_id)

    def section(self, section_id: str) -> Section | None:
        for s in self.sections:
            if s.id == section_id:
                return s
        return None


class EvidenceKind(str, Enum):
    """What a source is, so practitioner opinion is never mistaken for evidence."""

    RESEARCH = "research"
    GUIDELINE = "guideline"
    OPINION = "opinion"

    @property
    def label(self) -> str:
        return {
            "research": "Research",
            "guideline": "Clinical guideline",
            "opinion": "Practitioner opinion",
        }[self.value]


@dataclass(frozen=True)
class Source:
    kind: EvidenceKind
    citation: str
    url: str | None = None


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    summary: str
    sources: tuple[Source, ...]
    tags: tuple[str, ...] = ()
    opinion: str | None = None
    location: SourceLocation = NOWHERE

    @property
    def url(self) -> str | None:
        for s in self.sources:
            if s.url:
                return s.url
        return None


@dataclass(frozen=True)
class Strategy:
    id: str
    title: str
    summary: str
    steps: tuple[str, ...]
    dose: str
    progress: str
    stop: str
    tags: tuple[str, ...] = ()
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class Library:
    articles: Mapping[str, Article]
    strategies: Mapping[str, Strategy]


@dataclass(frozen=True)
class FiredAlert:
    alert: Alert
    because: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    kind: str  # "article" | "strategy"
    id: str
    title: str
    because: tuple[str, ...]
    rules: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    url: str | None = None
    after_clinician: bool = False


@dataclass(frozen=True)
class RuleHit:
    """One recommendation rule that fired: the trainer's view of why things were suggested."""

    rule: str
    because: str
    facts: tuple[str, ...]
    articles: tuple[str, ...]
    strategies: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    """Everything one completed (or partial) assessment produced. Every export derives from it."""

    questionnaire: Questionnaire
    answers: Answers
    alerts: tuple[FiredAlert, ...]
    recommendations: tuple[Recommendation, ...]
    started_at: str
    completed_at: str | None
    client: str | None = None
    library: Library | None = None
    trace: tuple[RuleHit, ...] = ()
