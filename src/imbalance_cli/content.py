"""Frozen data of the content library: sources, articles, exercises (with their doses and
pictures), strategies, situations, word lists and the guidance settings. ``model`` re-exports
every name, so either import works.

No I/O here: library.py and library_items.py build these from YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from imbalance_cli.errors import NOWHERE, SourceLocation

if TYPE_CHECKING:
    from imbalance_cli.programme.model import ProgrammeRules


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
    """A source as its authors published it: who, when, its own title, and where to find it
    (a DOI, a PubMed id or an address). ``citation`` is the one-line form summaries print."""

    kind: EvidenceKind
    title: str
    authors: str | None = None
    year: int | None = None
    #: Journal, volume and pages, or the publisher of a guideline.
    published: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    #: What the source covers when it is used outside it ("a study of knees").
    scope: str | None = None
    #: Situations (library ``situations`` ids) whose adapted text this source supports: it is
    #: cited only for a person in one of them, not for everyone the item is shown to.
    situations: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        parts = []
        if self.authors:
            parts.append(self.authors.rstrip(".") + ".")
        parts.append(self.title.rstrip(".") + ".")
        if self.published:
            parts.append(self.published.rstrip(".") + ".")
        if self.year and not (self.published and str(self.year) in self.published):
            parts.append(f"{self.year}.")
        elif not self.year:
            parts.append("n.d.")  # a web page that shows no date
        if self.doi:
            parts.append(f"doi:{self.doi}")
        elif self.pmid:
            parts.append(f"PMID {self.pmid}")
        return " ".join(parts)

    @property
    def link(self) -> str | None:
        """Where a reader can follow it: the address, else the DOI's, else PubMed's."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return None


@dataclass(frozen=True)
class Safety:
    """What keeps a library item relevant and safe: the body regions it speaks about, whether
    its advice assumes no warning sign stands, the situations it does not suit (held back, with
    the reason), and how it changes for others (shown with it)."""

    regions: tuple[str, ...] = ()
    assumes_no_warning_signs: bool = False
    not_for: tuple[str, ...] = ()
    adapt: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    summary: str
    sources: tuple[Source, ...]
    tags: tuple[str, ...] = ()
    opinion: str | None = None
    regions: tuple[str, ...] = ()
    assumes_no_warning_signs: bool = False
    location: SourceLocation = NOWHERE
    not_for: tuple[str, ...] = ()
    adapt: tuple[tuple[str, str], ...] = ()
    #: General guidance for every plan (the 0-10 rule...): one short box, not a ranked item.
    general: bool = False

    @property
    def url(self) -> str | None:
        for s in self.sources:
            if s.link:
                return s.link
        return None


@dataclass(frozen=True)
class Dose:
    """How much of an exercise: sets of repetitions or of holds, rest, days a week, each side or
    both. Whatever is left out is not part of the dose."""

    sets: int | None = None
    reps: int | None = None
    hold: int | None = None  # seconds
    minutes: int | None = None
    rest: int | None = None  # seconds between sets
    days: int | None = None  # a week; 7 = daily
    per_side: bool = False

    @property
    def text(self) -> str:
        if self.minutes is not None:
            amount = f"{self.minutes} minute{'s' if self.minutes != 1 else ''}"
        elif self.hold is not None:
            count = self.reps or self.sets or 1
            amount = f"{count} hold{'s' if count != 1 else ''} of {self.hold} seconds"
            if self.reps and self.sets and self.sets > 1:
                amount = f"{self.sets} sets of {self.reps} holds of {self.hold} seconds"
        elif self.reps is not None:
            amount = f"{self.sets} sets of {self.reps}" if self.sets else f"{self.reps} times"
        else:
            amount = ""
        parts = [amount] if amount else []
        if self.per_side:
            parts.append("each side")
        if self.rest:
            parts.append(f"{self.rest} s rest between sets")
        if self.days == 7:
            parts.append("daily")
        elif self.days:
            parts.append(f"{self.days} days a week")
        return ", ".join(parts)


#: What a step of an exercise may say of its dose, and the dose field each needs.
STEP_FIELDS = {"{hold}": "hold", "{reps}": "reps", "{minutes}": "minutes"}


def fill_dose(step: str, dose: Dose) -> str:
    """A step with the dose's hold (in seconds, or whole minutes), repetitions and minutes."""
    if "{" not in step:
        return step
    if dose.hold is not None:
        hold = dose.hold
        said = (
            f"{hold // 60} minute{'s' if hold != 60 else ''}"
            if hold % 60 == 0
            else f"{hold} seconds"
        )
        step = step.replace("{hold}", said)
    if dose.reps is not None:
        step = step.replace("{reps}", str(dose.reps))
    if dose.minutes is not None:
        step = step.replace("{minutes}", f"{dose.minutes} minute{'s' if dose.minutes != 1 else ''}")
    return step


#: The joints of an exercise picture and the angles (degrees) each may take; docs/authoring.md
#: says which way each turns. A joint left out of a position is 0.
PICTURE_JOINTS: dict[str, tuple[int, int]] = {
    "trunk": (-180, 180),
    "neck": (-60, 60),
    "jaw": (-30, 40),
    "shoulder": (-90, 200),
    "elbow": (-120, 160),
    "wrist": (-90, 90),
    "fingers": (0, 120),
    "hip": (-90, 150),
    "knee": (-150, 160),
    "ankle": (-45, 90),
}
#: The limb joints: these may differ on one side (``one:``).
LIMB_JOINTS = ("shoulder", "elbow", "wrist", "fingers", "hip", "knee", "ankle")
PICTURE_VIEWS = ("side", "front", "above")
PICTURE_BASES = ("standing", "sitting", "kneeling", "all_fours", "lying")
PICTURE_FRAMES = ("body", "upper", "head", "hand")
PICTURE_PROPS = (
    "chair", "wall", "wall_behind", "step", "cushion", "table", "bench", "weight", "weights",
    "stick", "bar", "hammer", "backpack", "band_hand_foot", "band_hands", "band_knees", "band_door", "band_door_foot",
)  # fmt: skip
#: Where a ``turn`` or ``push`` arrow may be drawn, and the ways it may point on the picture.
MARK_PARTS = (
    "head", "jaw", "chest", "hips", "elbow", "forearm", "wrist", "hand", "thumb", "knee", "knees",
    "foot",
)  # fmt: skip
MARK_WAYS = ("left", "right", "up", "down")
#: How far a position may lift the body off its base (``raise``, drawing units).
MAX_RAISE = 30


@dataclass(frozen=True)
class Pose:
    """One position of a picture: joint angles in degrees, and those of one side that differ
    (the near side in a side view, the picture's right in a front view)."""

    angles: tuple[tuple[str, float], ...] = ()
    one: tuple[tuple[str, float], ...] = ()
    lift: float = 0

    def angle(self, joint: str, one_side: bool = False) -> float:
        if one_side:
            for name, value in self.one:
                if name == joint:
                    return value
        for name, value in self.angles:
            if name == joint:
                return value
        return 0.0


@dataclass(frozen=True)
class Mark:
    """An arrow drawn on the end position: a curved one around a part that turns, or a short
    straight one where the body pushes or squeezes; ``toward`` is its way on the picture."""

    at: str
    toward: str


@dataclass(frozen=True)
class Picture:
    """A line drawing of an exercise: its start and end positions seen from one side or the
    front, what the body rests on, what it holds or leans on, and how close the view is."""

    view: str
    base: str
    start: Pose
    end: Pose
    props: tuple[str, ...] = ()
    frame: str = "body"
    location: SourceLocation = NOWHERE
    turn: Mark | None = None
    push: Mark | None = None


@dataclass(frozen=True)
class Exercise:
    """One exercise of the library: what it trains, how to do it, how much, its easier and
    harder versions, the situations it does not suit, and its sources."""

    id: str
    name: str
    trains: str
    steps: tuple[str, ...]
    dose: Dose
    sources: tuple[Source, ...]
    regions: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    easier: str | None = None
    harder: str | None = None
    not_for: tuple[str, ...] = ()
    adapt: tuple[tuple[str, str], ...] = ()
    location: SourceLocation = NOWHERE
    picture: Picture | None = None

    def steps_for(self, dose: Dose | None = None) -> tuple[str, ...]:
        """The steps as this dose has them (the client's, once the dose rules changed it; the
        library's by default): ``{hold}``, ``{reps}`` and ``{minutes}`` are the dose's."""
        return tuple(fill_dose(step, dose or self.dose) for step in self.steps)


@dataclass(frozen=True)
class Rung:
    """A step of a return-to-activity ladder, for goal ratings from ``from_rating`` up."""

    from_rating: int
    step: str


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
    regions: tuple[str, ...] = ()
    assumes_no_warning_signs: bool = False
    location: SourceLocation = NOWHERE
    sources: tuple[Source, ...] = ()
    #: Exercises of the library, in order, by id (their text, dose and versions live there).
    exercises: tuple[str, ...] = ()
    easier: str | None = None
    harder: str | None = None
    not_for: tuple[str, ...] = ()
    adapt: tuple[tuple[str, str], ...] = ()
    general: bool = False
    #: Return to an activity, step by step: the activity (a word list of kind activity) and
    #: the rungs, chosen by the goal's rating.
    activity: str | None = None
    ladder: tuple[Rung, ...] = ()


@dataclass(frozen=True)
class Situation:
    """Something about the person that changes what is safe or fitting (pregnancy, recent
    surgery, under 18...): the library's vocabulary, which questionnaires detect and library
    items name in ``not_for`` and ``adapt``."""

    id: str
    label: str
    #: What the reader is told when it holds (what was left out or changed, and why).
    note: str
    sources: tuple[Source, ...] = ()
    location: SourceLocation = NOWHERE


@dataclass(frozen=True)
class WordList:
    """Words and phrases that, found in free text, bring a confirmation question (``warning``)
    or link a goal to an activity (``activity``). ``*`` ends a stem: ``dizz*``."""

    id: str
    label: str
    kind: str  # warning | activity
    words: tuple[str, ...]
    location: SourceLocation = NOWHERE
    #: Read in free text only of a person in one of these situations (empty: of everyone): a
    #: sudden pain after a small strain matters with fragile bones, and 'sharp pain' written by
    #: anyone else is not that sign.
    situations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guidance:
    """Settings of the plan an author or a clinician may change: how much each kind of reason
    counts towards the plan's order, and the reading level the client text keeps to."""

    ranking: Mapping[str, int] = field(default_factory=dict)
    #: Added to an item's score for the person's most painful area, per point of pain.
    pain_weight: int = 2
    plan_size: int = 3
    max_grade: float = 9.0
    max_sentence_words: int = 25


@dataclass(frozen=True)
class Library:
    articles: Mapping[str, Article]
    strategies: Mapping[str, Strategy]
    exercises: Mapping[str, Exercise] = field(default_factory=dict)
    situations: Mapping[str, Situation] = field(default_factory=dict)
    word_lists: Mapping[str, WordList] = field(default_factory=dict)
    guidance: Guidance = field(default_factory=Guidance)
    #: The home programme's settings and dose rules (programme/), when a library file gives them.
    programme: ProgrammeRules | None = None

    def __getstate__(self) -> dict[str, object]:
        """Pickled (the parse cache) with the programme's settings as bytes of their own, read
        back only when used (lazy.py)."""
        state = dict(self.__dict__)
        rules = state.get("programme")
        if rules is not None and type(rules).__name__ != "LazyRules":
            import pickle

            from imbalance_cli.lazy import LazyRules

            state["programme"] = LazyRules(pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))
        return state
