"""The reader of an exercise's ``picture`` (its start and end positions as joint angles) from
located YAML nodes; every problem is reported where it is."""

from __future__ import annotations

from imbalance_cli.model import (
    LIMB_JOINTS,
    MARK_PARTS,
    MARK_WAYS,
    MAX_RAISE,
    PICTURE_BASES,
    PICTURE_FRAMES,
    PICTURE_JOINTS,
    PICTURE_PROPS,
    PICTURE_VIEWS,
    Mark,
    Picture,
    Pose,
)
from imbalance_cli.shapes import MARK, PICTURE
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Map, Node, Sink, as_list, as_number, as_str, fields, pairs


def _choice(f: dict[str, Node], key: str, options: tuple[str, ...], sink: Sink) -> str | None:
    if key not in f:
        return None
    value = as_str(f[key], sink, f"'{key}'")
    if value is not None and value not in options:
        sink.add(
            f[key],
            f"unknown {key} '{value}'{suggest(value, options)} (one of: {', '.join(options)})",
        )
        return None
    return value


def _angles(node: Map, sink: Sink, allowed: tuple[str, ...], where: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, key_node, value in pairs(node, sink):
        if key in ("one", "raise") and where == "position":
            continue
        if key not in allowed:
            extra = ", one, raise" if where == "position" else ""
            sink.add(
                key_node,
                f"unknown joint '{key}' in {where}{suggest(key, allowed)} "
                f"(allowed: {', '.join(allowed)}{extra})",
            )
            continue
        number = as_number(value, sink, f"the angle of '{key}'")
        if number is None:
            continue
        low, high = PICTURE_JOINTS[key]
        if not low <= number <= high:
            sink.add(value, f"the angle of '{key}' is from {low} to {high} degrees, not {number:g}")
            continue
        out[key] = float(number)
    return out


def _pose(node: Node, sink: Sink, what: str) -> Pose | None:
    if not isinstance(node, Map):
        sink.add(node, f"'{what}' must be a mapping of joint: angle in degrees")
        return None
    angles = _angles(node, sink, tuple(PICTURE_JOINTS), "position")
    one: dict[str, float] = {}
    lift = 0.0
    for key_node, value in node.value:
        key = getattr(key_node, "value", None)
        if key == "one":
            if isinstance(value, Map):
                one = _angles(value, sink, LIMB_JOINTS, "'one' (the limbs of one side)")
            else:
                sink.add(value, "'one' must be a mapping of limb joint: angle, for one side")
        elif key == "raise":
            number = as_number(value, sink, "'raise'")
            if number is not None and not 0 <= number <= MAX_RAISE:
                sink.add(
                    value, f"'raise' lifts the body from 0 to {MAX_RAISE} units, not {number:g}"
                )
            elif number is not None:
                lift = float(number)
    return Pose(tuple(angles.items()), tuple(one.items()), lift)


def _mark(node: Node, sink: Sink, what: str) -> Mark | None:
    """A ``turn`` or ``push`` arrow: the part it is drawn at and its way on the picture."""
    f = fields(node, sink, f"'{what}'", MARK)
    if f is None or "at" not in f or "toward" not in f:
        return None
    at = as_str(f["at"], sink, f"'{what}.at'")
    if at is not None and at not in MARK_PARTS:
        sink.add(
            f["at"],
            f"'{what}' is drawn at an unknown part '{at}'{suggest(at, MARK_PARTS)} "
            f"(one of: {', '.join(MARK_PARTS)})",
        )
        at = None
    toward = as_str(f["toward"], sink, f"'{what}.toward'")
    if toward is not None and toward not in MARK_WAYS:
        sink.add(
            f["toward"],
            f"'{what}' points {toward!r}{suggest(toward, MARK_WAYS)}; it points one of: "
            f"{', '.join(MARK_WAYS)} (on the picture)",
        )
        toward = None
    return Mark(at, toward) if at is not None and toward is not None else None


def picture(node: Node, sink: Sink) -> Picture | None:
    """An exercise's picture, or None (with the problems reported) when it cannot be drawn."""
    f = fields(node, sink, "a picture", PICTURE)
    if f is None:
        return None
    view = _choice(f, "view", PICTURE_VIEWS, sink)
    base = _choice(f, "base", PICTURE_BASES, sink)
    frame = _choice(f, "frame", PICTURE_FRAMES, sink) or "body"
    start = _pose(f["start"], sink, "start") if "start" in f else None
    end = _pose(f["end"], sink, "end") if "end" in f else None
    props: list[str] = []
    if "props" in f:
        for item in as_list(f["props"], sink, "'props'") or ():
            prop = as_str(item, sink, "a prop")
            if prop is not None and prop not in PICTURE_PROPS:
                sink.add(
                    item,
                    f"unknown prop '{prop}'{suggest(prop, PICTURE_PROPS)} "
                    f"(one of: {', '.join(PICTURE_PROPS)})",
                )
            elif prop is not None and prop not in props:
                props.append(prop)
    turn = _mark(f["turn"], sink, "turn") if "turn" in f else None
    push = _mark(f["push"], sink, "push") if "push" in f else None
    if view is None or base is None or start is None or end is None:
        return None
    return Picture(view, base, start, end, tuple(props), frame, sink.at(node), turn, push)
