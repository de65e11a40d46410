"""The body regions a ``body_regions`` question offers, and how their answers are spelled.

An answer is a tuple of tokens: ``neck`` for a midline region, ``knee.left``, ``knee.right``
or ``knee.both`` for a region that has sides.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    id: str
    label: str
    sided: bool


REGIONS: tuple[Region, ...] = (
    Region("jaw", "Jaw", True),
    Region("neck", "Neck", False),
    Region("shoulder", "Shoulder", True),
    Region("upper_back", "Upper back", False),
    Region("elbow", "Elbow", True),
    Region("wrist_hand", "Wrist and hand", True),
    Region("lower_back", "Lower back", False),
    Region("hip", "Hip", True),
    Region("knee", "Knee", True),
    Region("ankle_foot", "Ankle and foot", True),
)
BY_ID = {r.id: r for r in REGIONS}
SIDES = ("left", "right", "both")


def split(token: str) -> tuple[str, str | None]:
    """``knee.left`` -> (``knee``, ``left``); ``neck`` -> (``neck``, None)."""
    region, _, side = token.partition(".")
    return region, (side or None)


def check_token(token: str, allowed: tuple[str, ...] = ()) -> str | None:
    """Return what is wrong with a region token, or None when it is well formed."""
    region, side = split(token)
    info = BY_ID.get(region)
    if info is None or (allowed and region not in allowed):
        names = ", ".join(allowed or tuple(BY_ID))
        return f"unknown body region '{region}'; known regions: {names}"
    if info.sided and side not in SIDES:
        return (
            f"region '{region}' needs a side: '{region}.left', '{region}.right' or '{region}.both'"
        )
    if not info.sided and side is not None:
        return f"region '{region}' has no sides; write just '{region}'"
    return None


def normalise(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Merge left + right into both, drop repeats, keep the body order of REGIONS."""
    sides: dict[str, set[str]] = {}
    for token in tokens:
        region, side = split(token)
        sides.setdefault(region, set()).add(side or "")
    out: list[str] = []
    for info in REGIONS:
        got = sides.get(info.id)
        if got is None:
            continue
        if not info.sided:
            out.append(info.id)
        elif "both" in got or {"left", "right"} <= got:
            out.append(f"{info.id}.both")
        else:
            out.extend(f"{info.id}.{s}" for s in ("left", "right") if s in got)
    return tuple(out)


def matches(tokens: tuple[str, ...], wanted: str) -> bool:
    """Does an answer include ``wanted``? ``knee`` matches any side; ``knee.left`` matches
    ``knee.left`` and ``knee.both``."""
    w_region, w_side = split(wanted)
    for token in tokens:
        region, side = split(token)
        if region != w_region:
            continue
        if w_side is None or side == w_side or side == "both":
            return True
    return False


def chosen_regions(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The region ids in an answer, sides dropped."""
    seen: list[str] = []
    for token in tokens:
        region, _ = split(token)
        if region not in seen:
            seen.append(region)
    return tuple(seen)


def describe(token: str) -> str:
    """``knee.left`` -> ``Knee (left)``, ``knee.both`` -> ``Knee (both sides)``."""
    region, side = split(token)
    info = BY_ID.get(region)
    label = info.label if info else region
    if side == "both":
        return f"{label} (both sides)"
    if side:
        return f"{label} ({side})"
    return label
