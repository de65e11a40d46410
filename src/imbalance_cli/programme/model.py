"""The home programme's data: the settings and dose rules an author or clinician may change
(library ``programme:``), a programme (the exercises a client does, each with its dose), a log
entry (one session at home) and a decision (the next dose, with the entries that caused it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imbalance_cli.errors import SourceLocation
from imbalance_cli.model import NOWHERE, Dose, Source

#: What a dose rule may decide.
ACTIONS = ("progress", "hold", "regress", "change", "stop")
#: How the area felt the next morning, compared with usual; ``unknown``: not known yet.
MORNINGS = ("better", "usual", "worse", "unknown")
#: Whether an exercise was done in a session.
DONE = ("as_planned", "less", "not_done")
#: Alert levels a log warning may raise (as the intake's), and when to act.
LEVELS = ("emergency", "urgent", "advisory")
TIMEFRAMES = ("now", "today", "days", "mention")


@dataclass(frozen=True)
class Sensation:
    """A sensation met while retraining muscles, and the response it calls for."""

    id: str
    label: str
    says: str
    #: Asked "during which exercise?" (the response is the exercise's, not the session's).
    per_exercise: bool = False
    #: An article to read when it is met (library id).
    article: str | None = None
    location: SourceLocation = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class LogWarning:
    """A warning sign a log entry may report: it raises an alert and stops the programme."""

    id: str
    label: str
    level: str
    message: str
    action: str
    location: SourceLocation = field(default=NOWHERE, compare=False)
    #: When to act (now, today, days), as the intake's alerts; None: the level's first.
    timeframe: str | None = None
    #: Asked only of a client in one of these situations (pregnancy); empty: of everyone.
    situations: tuple[str, ...] = ()
    #: Word lists (library) a log's note is read for; a word found asks about this sign.
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoseRule:
    """When the last ``over`` logged sessions of an exercise (``count`` of them, default all)
    match every test given, decide ``action``; ``over`` None: every session logged since the
    dose last changed. Rules are tried in order; the first that holds decides."""

    id: str
    action: str
    says: str
    over: int | None = 1
    count: int | None = None
    pain_above: int | None = None
    pain_at_most: int | None = None
    mornings: tuple[str, ...] = ()
    sensation: str | None = None
    done: tuple[str, ...] = ()
    #: More than this many days since the exercise was last done (a break).
    gap_days: int | None = None
    location: SourceLocation = field(default=NOWHERE, compare=False)

    @property
    def needed(self) -> int:
        return self.count if self.count is not None else (self.over or 1)


@dataclass(frozen=True)
class ProgrammeRules:
    """The library's ``programme:`` settings."""

    size: int = 3
    max_size: int = 5
    log_weeks: int = 2
    #: Added to a dose when the rules say progress (reps, hold seconds, minutes).
    step: Dose = field(default_factory=lambda: Dose(reps=2, hold=5, minutes=5))
    #: Progress steps on one version before its harder version is proposed instead.
    steps_before_harder: int = 2
    #: Days a dose is kept at least before it goes up again.
    progress_every_days: int = 7
    #: When to stop, printed on the sheet.
    stop: tuple[str, ...] = ()
    #: Said when no rule holds (too few sessions logged).
    default_says: str = "Keep the dose: too few sessions are logged to change it."
    sensations: tuple[Sensation, ...] = ()
    warnings: tuple[LogWarning, ...] = ()
    rules: tuple[DoseRule, ...] = ()
    sources: tuple[Source, ...] = ()
    location: SourceLocation = field(default=NOWHERE, compare=False)

    def sensation(self, sid: str) -> Sensation | None:
        return next((s for s in self.sensations if s.id == sid), None)

    def warning(self, wid: str) -> LogWarning | None:
        return next((w for w in self.warnings if w.id == wid), None)


@dataclass(frozen=True)
class Item:
    """One exercise of a programme as this client does it."""

    exercise: str
    dose: Dose
    #: Why it is in the programme (the plan item that chose it), in the reader's words.
    why: str = ""
    #: The strategy it came from.
    strategy: str | None = None
    note: str | None = None
    #: Progress steps taken on this version (the rules then offer the harder version).
    steps: int = 0
    #: How it changes for a situation that holds (situation label, text).
    adapted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Decision:
    """The next dose of one exercise, with the rule and the log entries behind it."""

    exercise: str
    action: str
    rule: str
    says: str
    #: The log entries (ids) that caused it.
    entries: tuple[int, ...] = ()
    #: What it becomes: another exercise (easier, harder) and its dose, or the same with a new dose.
    to_exercise: str | None = None
    to_dose: Dose | None = None
    #: Notes for sensations met that change nothing (burning that fades is fatigue).
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        return self.action in ("progress", "regress", "stop") and (
            self.action == "stop" or self.to_exercise is not None or self.to_dose is not None
        )


@dataclass(frozen=True)
class Stopped:
    """A programme stopped by a warning sign in a log entry."""

    at: str
    entry: int | None
    alerts: tuple[dict[str, Any], ...]
    #: The day of the session logged with the warning sign.
    day: str = ""


@dataclass(frozen=True)
class Programme:
    """The exercises a client does at home, from a session's plan, and how they changed."""

    items: tuple[Item, ...]
    session: int | None = None
    created_at: str = ""
    goal: str | None = None
    #: The body parts it is for, in the reader's words.
    areas: tuple[str, ...] = ()
    after_clinician: bool = False
    #: Changes accepted when this version was made (from the previous version).
    changes: tuple[Decision, ...] = ()
    note: str | None = None
    stopped: Stopped | None = None
    #: The situations (library ids) that held in the session it came from: exercises that do
    #: not suit one are never proposed, swapped in or added, and adapted text is shown.
    situations: tuple[str, ...] = ()
    #: This version's number among the client's programmes (1 for the first).
    number: int | None = None
    #: The store's id of this version, and of the one it replaced.
    id: int | None = None
    previous: int | None = None


@dataclass(frozen=True)
class Entry:
    """One logged session at home."""

    day: str  # YYYY-MM-DD of the session
    done: tuple[tuple[str, str], ...]  # exercise id -> DONE
    pain: tuple[tuple[str, int], ...] = ()  # exercise id -> pain during, 0-10
    morning: str = "unknown"
    sensations: tuple[str, ...] = ()
    #: Sensations asked per exercise: sensation id -> exercise ids.
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    warnings: tuple[str, ...] = ()
    note: str | None = None
    id: int = 0
    logged_at: str = ""
    programme: int | None = None

    def did(self, exercise: str) -> str:
        return dict(self.done).get(exercise, "not_done")

    def pain_of(self, exercise: str) -> int | None:
        return dict(self.pain).get(exercise)

    def felt(self, sensation: str, exercise: str, per_exercise: bool) -> bool:
        if sensation not in self.sensations:
            return False
        if not per_exercise:
            return True
        return exercise in dict(self.where).get(sensation, ())
