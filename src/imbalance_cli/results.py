"""What one assessment produced: the recommendations, the rules that fired, what was found in
the answers, and the result every export derives from. Frozen, no I/O; created after the
questions are asked, so asking does not create these classes (model.py re-exports them lazily).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imbalance_cli.model import AlertLevel, Answers, FiredAlert, Questionnaire

if TYPE_CHECKING:
    from imbalance_cli.content import Library


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
    #: Why it is held back ("an emergency warning sign", ...), for withheld items only.
    withheld: str | None = None
    #: How relevant it is (rank.py), and what that is made of, for the trainer's trace.
    score: int = 0
    score_why: tuple[str, ...] = ()
    #: The reason of the rule that counts most, and the answers behind it, for the plan.
    lead_reason: str = ""
    lead_facts: tuple[str, ...] = ()
    #: Situation label -> how this item changes for it.
    adapted: tuple[tuple[str, str], ...] = ()
    #: General guidance (the "How to use this plan" box), not a ranked item.
    general: bool = False
    #: What chose it, most specific first (CHOSEN_BY), and the rules' plan notes.
    chosen_by: tuple[str, ...] = ()
    #: The reasons of the rules that chose it from what the person answered (a sensation, a
    #: pattern, their history, a situation or a goal), not a topic or a body part alone.
    personal: tuple[str, ...] = ()
    #: A strategy's exercises as this person does them: one that does not suit a situation
    #: that holds is swapped for its easier version, or left out; ``swaps`` says which and why.
    exercises: tuple[str, ...] = ()
    swaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    """One recommendation rule that fired: the trainer's view of why things were suggested."""

    rule: str
    because: str
    facts: tuple[str, ...]
    articles: tuple[str, ...]
    strategies: tuple[str, ...]
    chosen_by: str = "topic"
    note: str | None = None


@dataclass(frozen=True)
class WordHit:
    """Words of a word list found in one free-text answer."""

    question: str
    list_id: str
    label: str
    kind: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    """A pattern or a situation that holds, with the answers behind it."""

    id: str
    label: str
    facts: tuple[str, ...]
    #: Patterns: the region tokens it is about (``elbow.right``).
    regions: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Findings:
    """What the person told us, read from every answer (findings.py): the region patterns and
    situations that hold, and the words of the word lists found in free text. Rules, ranking
    and summaries read findings, never raw free text."""

    patterns: tuple[Found, ...] = ()
    situations: tuple[Found, ...] = ()
    words: tuple[WordHit, ...] = ()
    #: The free-text answers that were read for words (question ids).
    text_read: tuple[str, ...] = ()


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
    #: Recommendations held back because a warning sign stands (never shown as content).
    withheld: tuple[Recommendation, ...] = ()
    #: Questions still unanswered when a completed intake was stopped early (after an emergency).
    not_asked: tuple[str, ...] = ()
    #: The saved session this result belongs to, if it was saved.
    session: int | None = None
    #: The session this one re-assesses (a re-assessment carries its unchanged answers over).
    previous: int | None = None
    findings: Findings = field(default_factory=Findings)

    @property
    def top_level(self) -> AlertLevel | None:
        """The most urgent alert level that stands, or None."""
        return min((f.alert.level for f in self.alerts), key=lambda lv: lv.rank, default=None)
