"""The body map's model: its regions (questionnaires/bodymap.yaml, read by bodymap.py), the
tokens an answer names them by (``knee.left``, ``neck``, ``none``), and what a body_regions
question asks with them. Re-exported by model.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from imbalance_cli.errors import NOWHERE, SourceLocation

NO_PAIN = "none"
SIDES = ("left", "right")


def split_token(token: str) -> tuple[str, str | None]:
    """``knee.left`` -> (``knee``, ``left``); ``neck`` -> (``neck``, None)."""
    region, _, side = token.partition(".")
    return region, (side or None)


@dataclass(frozen=True)
class Region:
    """One area of the body map (questionnaires/bodymap.yaml)."""

    id: str
    label: str
    sided: bool
    group: str
    views: tuple[str, ...]
    zone: str | None
    location: SourceLocation = NOWHERE
    #: Its shape in the body-map picture (see bodymap.DRAW_KINDS), or None: not drawn.
    draw: tuple[str, float, float, float, float] | None = None
    #: Its SNOMED CT body-structure concept (code, display), where one was verified.
    snomed: tuple[str, str] | None = None
    #: Other words a person may type to find it in a list ("pelvis" for the buttock).
    search: tuple[str, ...] = ()


@dataclass(frozen=True)
class BodyMap:
    """The regions a body_regions question can offer, in list order. Answers are tokens:
    ``knee.left`` / ``knee.right`` for a sided region, ``neck`` for one without sides, and
    ``none`` for "no pain at the moment". ``knee.both`` is read as left and right."""

    regions: tuple[Region, ...]
    path: str = ""
    _by_id: Mapping[str, Region] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self._by_id:
            object.__setattr__(self, "_by_id", {r.id: r for r in self.regions})

    def get(self, region_id: str) -> Region | None:
        return self._by_id.get(region_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.regions)

    def tokens(self, allowed: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Every answer token, in body order: ``jaw.left, jaw.right, neck, ...``."""
        out: list[str] = []
        for r in self.regions:
            if allowed and r.id not in allowed:
                continue
            out.extend(f"{r.id}.{s}" for s in SIDES) if r.sided else out.append(r.id)
        return tuple(out)

    def describe(self, token: str) -> str:
        """``knee.left`` -> ``Knee (left)``; ``none`` -> ``No pain``."""
        if token == NO_PAIN:
            return "No pain"
        region, side = split_token(token)
        info = self.get(region)
        label = info.label if info else region
        if side == "both":
            return f"{label} (both sides)"
        return f"{label} ({side})" if side else label

    def search_words(self, token: str) -> tuple[str, ...]:
        """The words a list finds ``token`` by besides its label's ("pelvis")."""
        info = self.get(split_token(token)[0])
        return info.search if info is not None else ()

    def phrase(self, token: str) -> str:
        """In a sentence: ``knee.left`` -> ``left knee``, ``lower_back`` -> ``lower back``."""
        region, side = split_token(token)
        info = self.get(region)
        label = (info.label if info else region).lower()
        return f"{side} {label}" if side else label

    def check_token(
        self, token: str, allowed: tuple[str, ...] = (), none: bool = False
    ) -> str | None:
        """What is wrong with an answer token, or None when it is well formed."""
        if token == NO_PAIN and none:
            return None
        region, side = split_token(token)
        info = self.get(region)
        offered = ", ".join(allowed or self.ids) + (f", or {NO_PAIN} for no pain" if none else "")
        if info is None:
            return f"unknown body region '{region}'; known regions: {offered}"
        if allowed and region not in allowed:
            return f"region '{region}' is not offered here; this question offers: {offered}"
        if info.sided and side not in (*SIDES, "both"):
            return f"region '{region}' needs a side: '{region}.left', '{region}.right' or '{region}.both'"
        if not info.sided and side is not None:
            return f"region '{region}' has no sides; write just '{region}'"
        return None

    def normalise(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Sides kept apart (``knee.both`` becomes left and right), repeats dropped, body order;
        ``none`` only when nothing else was chosen."""
        chosen: set[str] = set()
        for token in tokens:
            region, side = split_token(token)
            if side == "both":
                chosen |= {f"{region}.{s}" for s in SIDES}
            else:
                chosen.add(token)
        ordered = tuple(t for t in self.tokens() if t in chosen)
        if ordered:
            return ordered
        return (NO_PAIN,) if NO_PAIN in chosen else ()

    def zone(self, token: str) -> str | None:
        """The widespread-pain zone a token counts for: ``upper.left``, ``lower.right``,
        ``axial``; None for regions not counted."""
        region, side = split_token(token)
        info = self.get(region)
        if info is None or info.zone is None:
            return None
        if info.zone == "axial" or side is None:
            return info.zone
        return f"{info.zone}.{side}"
