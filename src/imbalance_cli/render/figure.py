"""Line drawings of exercises: the start and end positions of an exercise's ``picture``, side by
side with an arrow between, drawn from its joint angles. Pure: returns SVG text.

The body is a stick figure of fixed proportions. Angles follow docs/authoring.md ("Pictures"):
in a side view the figure faces right; ``trunk`` tilts the body from upright (forward is
positive, so -90 lies on the back and 90 lies face down); limb joints bend from the body's
straight standing shape. A front view mirrors the two sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from imbalance_cli.model import Exercise, Picture
from imbalance_cli.render.figure_body import (
    CUSHION_H,
    GAP,
    GROUND,
    HEAD,
    HEIGHT,
    PANEL_W,
    SCALE,
    SEAT_DROP,
    STEP_H,
    STROKE,
    WIDTH,
    Body,
    Point,
    _angle,
    _at,
    _dir,
    _grounded,
    _hand,
    place,
)


def _f(v: float) -> str:
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


class _Pen:
    """Path data in SVG coordinates (y down) for one panel."""

    def __init__(self, x0: float) -> None:
        self.x0 = x0
        self.parts: list[str] = []
        self.seen: list[Point] = []

    def xy(self, p: Point) -> Point:
        return self.x0 + p[0], GROUND - p[1]

    def line(self, *points: Point) -> None:
        pts = [self.xy(p) for p in points]
        self.seen += pts
        self.parts.append("M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in pts))

    @property
    def d(self) -> str:
        return "".join(self.parts)


def _limbs(pen: _Pen, b: Body, frame: str, near: bool) -> None:
    for limb in b.arms:
        if limb.near == near and frame != "head" and (near or frame != "hand"):
            if frame == "hand":
                for line in _hand(limb.points, SCALE[frame], b.palm):
                    pen.line(*line)
            else:
                pen.line(*(limb.points if frame == "upper" else limb.points[:4]))
    for limb in b.legs:
        if limb.near == near and frame == "body":
            hip, knee, ankle, heel, toe = limb.points
            pen.line(hip, knee, ankle)
            pen.line(heel, toe)


def _trunk(pen: _Pen, b: Body, picture: Picture) -> None:
    scale = SCALE[picture.frame]
    if picture.frame == "hand":
        return
    if picture.frame == "head":  # the neck's two sides, and the shoulders in a front view
        r = HEAD * scale

        def at(u: float, v: float) -> Point:
            return _at(_at(b.head, u * r, b.face + 90), v * r, b.face)

        if picture.view == "front":
            pen.line(at(-1.5, -2.0), at(-0.5, -1.65), at(-0.45, -1.12))
            pen.line(at(1.5, -2.0), at(0.5, -1.65), at(0.45, -1.12))
        else:
            pen.line(at(-0.64, -0.77), at(-0.6, -1.75))
            pen.line(at(0.22, -1.05), at(0.4, -1.75))
        return
    neck_base = b.shoulder
    neck_top = _at(b.head, HEAD * scale, b.face + 180)
    bottom = (
        b.hip if picture.frame in ("body", "upper") else _at(b.shoulder, 2 * scale, b.face + 180)
    )
    pen.line(bottom, neck_base, neck_top)
    if picture.view == "front":
        left, right = b.arms[0].points[0], b.arms[1].points[0]
        pen.line(left, neck_base, right)
        if picture.frame == "body":
            pen.line(b.legs[0].points[0], b.hip, b.legs[1].points[0])


def _head(b: Body, picture: Picture, pen: _Pen) -> str:
    """The head: a circle, with a nose showing which way the face looks in a side view, and a
    jaw in a close view of the head."""
    if picture.frame == "hand":
        return ""
    r = HEAD * SCALE[picture.frame]
    if picture.frame == "head":
        lines, eyes, _ = _face(b, picture)
        for line in lines:
            pen.line(*line)
        dots = (pen.xy(e) for e in eyes)
        return "".join(
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="2" fill="currentColor"/>' for x, y in dots
        )
    cx, cy = pen.xy(b.head)
    out = f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}"/>'
    if picture.view != "front":
        face = b.face + 90
        pen.line(_at(b.head, r, face), _at(b.head, r + max(2.0, r / 4), face + 10))
    return out


def _box(pen: _Pen, x0: float, x1: float, top: float, bottom: float = 0.0) -> None:
    pen.line((x0, bottom), (x0, top), (x1, top), (x1, bottom))


def _furniture(pen: _Pen, picture: Picture, first: Body, both: tuple[Body, Body]) -> None:
    """What stays put: chair, walls, step, cushion, table, bench, a door a band is tied to."""
    props, frame = picture.props, picture.frame
    xs = [p[0] for b in both for p in b.points(frame)]
    ys = [p[1] for b in both for p in b.points(frame)]
    low = 0.0 if _grounded(picture) else min(ys) - 12
    high = 100.0 if _grounded(picture) else max(ys) + 8
    hand = first.limb(legs=False, near=True).points
    far_hand = first.limb(legs=False, near=False).points
    foot = first.limb(legs=True, near=True).points
    sat = min(zip(both, (picture.start, picture.end), strict=True), key=lambda bp: bp[0].hip[1])
    if "chair" in props and sat[1].angle("hip") >= 60:
        seat, x = sat[0].hip[1] - SEAT_DROP, sat[0].hip[0]
        _box(pen, x - 9, x + 12, seat, low)
        pen.line((x - 9, seat), (x - 11, seat + 30))
    elif "chair" in props:
        x, top = far_hand[3][0], far_hand[3][1] - 1.5
        away = 1 if x >= first.hip[0] else -1
        pen.line((x + away, low), (x + away, top))
        _box(pen, x + away, x + 17 * away, low + 24, low)
    if "wall" in props:
        pen.line((max(xs) + 1.5, low), (max(xs) + 1.5, high))
    if "wall_behind" in props:
        pen.line((min(xs) - 1.5, low), (min(xs) - 1.5, high))
    if "step" in props:
        heel, toe = foot[3], foot[4]
        x0 = toe[0] - 4 if heel[1] < STEP_H - 1 else min(heel[0], toe[0]) - 2
        _box(pen, x0, x0 + 26, STEP_H)
    if "cushion" in props:
        x = first.limb(legs=True, near=False).points[2][0]
        _box(pen, x - 12, x + 12, CUSHION_H)
    if "table" in props:
        elbow, wrist = hand[1], hand[2]
        top = min(elbow[1], wrist[1]) - 2.5
        x0, x1 = sorted((elbow[0] - 22 * (1 if wrist[0] > elbow[0] else -1), wrist[0]))
        _box(pen, x0, x1, top, low if _grounded(picture) else top - 30)
    if "bench" in props:
        knee, palm = first.limb(legs=True, near=False).points[1], far_hand[3]
        _box(pen, min(knee[0], palm[0]) - 5, max(knee[0], palm[0]) + 5, min(knee[1], palm[1]) - 2)
    if "band_door" in props:
        x = min(xs) - 10 if picture.view == "front" else max(xs) + 10
        pen.line((x, low), (x, high))
        pen.line(hand[3], (x, hand[3][1]))
    if "band_door_foot" in props:
        x = max(xs) + 10
        pen.line((x, low), (x, low + 30))
        pen.line(foot[4], (x, foot[4][1]))


#: Turns that carry what the hand holds round with them.
TURNS_HAND = ("forearm", "wrist", "hand")


def _held(pen: _Pen, picture: Picture, b: Body, end: bool = False) -> list[Point]:
    """What moves with the body: bands, a stick along the back, a bar in the hand. Returns
    where weights hang."""
    props, scale = picture.props, SCALE[picture.frame]
    near_arm, far_arm = b.limb(legs=False, near=True), b.limb(legs=False, near=False)
    near_leg, far_leg = b.limb(legs=True, near=True), b.limb(legs=True, near=False)
    if "band_hand_foot" in props:
        pen.line(near_arm.points[3], near_leg.points[4])
    if "band_hands" in props:
        pen.line(far_arm.points[3], near_arm.points[3])
    if "band_knees" in props:
        pen.line(far_leg.points[1], near_leg.points[1])
    if "stick" in props:  # touching the tailbone and the back of the head, clear of the face
        trunk = _angle(b.hip, b.shoulder)
        tail = _at(b.hip, 3 * scale, trunk - 90)
        nape = _at(b.head, (HEAD + STROKE) * scale, trunk - 90)
        along, length = _angle(tail, nape), math.dist(tail, nape)
        pen.line(_at(tail, -8 * scale, along), _at(tail, length + HEAD * scale, along))
    turned = end and picture.turn is not None and picture.turn.at in TURNS_HAND
    if "bar" in props:  # end-on (short) once the forearm has turned a quarter
        knuckle, wrist = near_arm.points[3], near_arm.points[2]
        along = math.degrees(math.atan2(knuckle[0] - wrist[0], knuckle[1] - wrist[1]))
        reach = 9 * scale * (0.2 if turned else 1.0)
        pen.line(_at(knuckle, reach, along + 90), _at(knuckle, reach, along - 90))
    if "hammer" in props:  # held near its head: the head just above the fist, then end-on
        knuckle, wrist = near_arm.points[3], near_arm.points[2]
        along, size = _angle(wrist, knuckle), min(scale * 1.4, 2.5)
        top = _at(knuckle, 7 * size * (0.2 if turned else 1.0), along - 90)
        pen.line(_at(knuckle, 11 * size * (0.2 if turned else 1.0), along + 90), top)
        pen.line(_at(top, -4 * size, along), _at(top, 5 * size, along))
    if "backpack" in props:
        trunk = math.degrees(math.atan2(b.shoulder[0] - b.hip[0], b.shoulder[1] - b.hip[1]))
        low, high = _at(b.hip, 10 * scale, trunk), _at(b.hip, 26 * scale, trunk)
        pen.line(low, _at(low, 5 * scale, trunk - 90), _at(high, 5 * scale, trunk - 90), high)
    if "weights" in props:
        return [far_arm.points[3], near_arm.points[3]]
    if "weight" in props:
        return [near_arm.points[3]]
    return []


#: A close view of the head, in head radii from its centre (forward, up): the skull and the
#: upper face, which stay still, and the jaw, which turns about the hinge by the ``jaw`` angle
#: (in a front view, the jaw and the mouth shift sideways).
SKULL = tuple((math.sin(math.radians(a)), math.cos(math.radians(a))) for a in range(60, -141, -20))
UPPER_FACE = ((0.87, 0.5), (0.92, 0.15), (1.22, -0.22), (0.98, -0.34), (1.0, -0.55), (0.9, -0.6),
              (0.6, -0.6))  # fmt: skip
JAW = ((0.6, -0.66), (0.92, -0.66), (0.96, -0.78), (0.88, -1.0), (0.55, -1.08), (0.0, -0.86),
       (-0.3, -0.45))  # fmt: skip
HINGE = (-0.3, -0.45)
FRONT_SKULL = tuple(
    (math.sin(math.radians(a)), math.cos(math.radians(a))) for a in range(-100, 101, 20)
)
FRONT_JAW = ((-0.98, -0.17), (-0.8, -0.8), (-0.35, -1.2), (0.35, -1.2), (0.8, -0.8), (0.98, -0.17))


def _face(b: Body, picture: Picture) -> tuple[list[tuple[Point, ...]], list[Point], Point]:
    """The lines of a close view of the head, its eyes and its chin (where ``jaw`` marks go)."""
    r = HEAD * SCALE[picture.frame]

    def at(u: float, v: float) -> Point:
        return _at(_at(b.head, u * r, b.face + 90), v * r, b.face)

    if picture.view == "front":
        shift = math.sin(math.radians(b.jaw)) * 1.4

        def moved(u: float, v: float) -> Point:
            return at(u + shift * min(1.0, -v - 0.17) / 1.03, v)

        front = tuple(moved(u, v) for u, v in FRONT_JAW)
        mouth = (moved(-0.3, -0.78), moved(0.3, -0.78))
        nose = (at(0, 0), at(0.08, -0.4), at(-0.08, -0.4))
        lines = [tuple(at(u, v) for u, v in FRONT_SKULL), front, mouth, nose]
        return lines, [at(-0.38, 0.05), at(0.38, 0.05)], _mid(front[2], front[3])
    turn = math.radians(-b.jaw)  # the chin goes down and back as the mouth opens
    hx, hy = HINGE

    glide = b.jaw / 100  # the hinge glides forward and down as the mouth opens wide

    def jawed(u: float, v: float) -> Point:
        du, dv = u - hx, v - hy
        c, s = math.cos(turn), math.sin(turn)
        return at(hx + glide * 0.8 + du * c - dv * s, hy - glide * 0.4 + du * s + dv * c)

    jaw = tuple(jawed(u, v) for u, v in JAW)
    upper = tuple(at(u, v) for u, v in (*reversed(UPPER_FACE), *SKULL))
    return [upper, jaw], [at(0.55, 0.12)], jaw[3]


def _mark_at(picture: Picture, b: Body, part: str) -> tuple[Point, float, float]:
    """Where a mark is drawn, the line it turns around (degrees) and its size."""
    arm = b.limb(legs=False, near=True).points
    trunk = _angle(b.hip, b.shoulder)
    k = min(SCALE[picture.frame], 2.0)
    limb = 9 * k if k > 1 else 11.0
    if part == "thumb" and picture.frame == "hand":
        lines = _hand(arm, SCALE["hand"], b.palm)
        return lines[-1][len(lines[-1]) // 2], _angle(arm[2], arm[3]), k
    knees = [leg.points[1] for leg in b.legs] if picture.view != "side" else [b.legs[1].points[1]]
    parts: dict[str, tuple[Point, float, float]] = {
        "head": (b.head, b.face, 11 * k),
        "jaw": (_face(b, picture)[2], b.face, 5 * k),
        "chest": (_at(b.hip, 0.65 * math.dist(b.hip, b.shoulder), trunk), trunk, 14 * k),
        "hips": (b.hip, trunk, 12 * k),
        "elbow": (arm[1], _angle(arm[0], arm[1]), limb),
        "forearm": (_mid(arm[1], arm[2]), _angle(arm[1], arm[2]), limb),
        "wrist": (arm[2], _angle(arm[1], arm[2]), limb),
        "hand": (_mid(arm[2], arm[3]), _angle(arm[2], arm[3]), limb),
        "thumb": (arm[3], _angle(arm[2], arm[3]), limb),
        "knees": (_mid(knees[0], knees[-1]), trunk, 12 * k),
        "knee": (b.legs[1].points[1], _angle(*b.legs[1].points[:2]), limb),
        "foot": (b.legs[1].points[2], _angle(*b.legs[1].points[1:3]), limb),
    }
    return parts[part]


def _mid(p: Point, q: Point) -> Point:
    return (p[0] + q[0]) / 2, (p[1] + q[1]) / 2


WAYS = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, 1.0), "down": (0.0, -1.0)}


def _head_of(pen: _Pen, tip: Point, heading: float, size: float = 3.5) -> None:
    pen.line(_at(tip, -size, heading - 35), tip, _at(tip, -size, heading + 35))


def _marks(pen: _Pen, picture: Picture, b: Body) -> None:
    """The end position's arrows: a ring around a part that turns, its head on the side it
    turns toward; a short straight arrow where the body pushes, pointing the way it pushes."""
    if picture.turn is not None:
        centre, axis, size = _mark_at(picture, b, picture.turn.at)
        axis = axis + 180 if _dir(axis)[1] < -0.01 else axis  # the ring ends on its near side
        way = WAYS[picture.turn.toward]
        depth = 0.4  # how round the ring is drawn: seen nearly edge-on
        if picture.turn.at == "knees" and abs(_dir(axis)[0]) > 0.8:
            # knees rolling to a side while lying: the ring sits over the knees and is seen
            # more from above, so it reads as a roll, not as an oval through the legs
            centre, depth = (centre[0], centre[1] + size / 2), 0.7
        rings = [
            [
                _at(_at(centre, size * math.cos(math.radians(a)), axis + 90 * s),
                    size * depth * math.sin(math.radians(a)), axis)
                for a in range(30, 301, 30)
            ]
            for s in (1.0, -1.0)
        ]  # fmt: skip

        def heading(ring: list[Point]) -> float:  # how far its head goes the way asked
            return (ring[-1][0] - ring[-2][0]) * way[0] + (ring[-1][1] - ring[-2][1]) * way[1]

        best = max(rings, key=heading)
        pen.line(*best)
        _head_of(pen, best[-1], _angle(best[-2], best[-1]), 4.5)
    if picture.push is not None:
        centre, axis, size = _mark_at(picture, b, picture.push.at)
        dx, dy = WAYS[picture.push.toward]
        along = abs(_dir(axis)[0] * dx + _dir(axis)[1] * dy) > 0.7
        if picture.push.at == "jaw":  # out from the side of the chin
            centre = (centre[0] + dx * size * 1.2, centre[1] + dy * size * 1.2)
            back, ahead = 2.0, 16.0
        elif along or (dx and {"wall", "wall_behind"} & set(picture.props)):
            # beside the part (above a sideways push, in front of an upward one), and short of
            # a wall it presses into
            side = 1.0 if picture.view == "side" or centre[0] >= b.hip[0] else -1.0
            centre = (centre[0] + 8 * abs(dy) * side, centre[1] + 8 * abs(dx))
            back, ahead = (0.0, 15.0) if picture.push.at in ("chest", "hips") else (-15.0, -1.0)
        else:  # out from the part, the way it pushes
            back, ahead = 4.0, 19.0
        tail = (centre[0] + back * dx, centre[1] + back * dy)
        tip = (centre[0] + ahead * dx, centre[1] + ahead * dy)
        pen.line(tail, tip)
        _head_of(pen, tip, _angle(tail, tip), 4.5)


@dataclass(frozen=True)
class Drawing:
    """A picture drawn: the SVG body and the box of everything drawn (min x, min y, max x,
    max y, in viewBox units, strokes included), and each panel's own box."""

    inner: str
    box: tuple[float, float, float, float]
    panels: tuple[tuple[float, float, float, float], ...]


def _extent(points: list[Point], circles: list[tuple[Point, float]]) -> tuple[float, ...]:
    pad = STROKE / 2
    xs = [x for x, _ in points] + [c[0] + k * r for c, r in circles for k in (-1, 1)]
    ys = [y for _, y in points] + [c[1] + k * r for c, r in circles for k in (-1, 1)]
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def draw(picture: Picture) -> Drawing:
    frame = picture.frame
    both = place(picture)
    props, far, near, marks = _Pen(0), _Pen(0), _Pen(0), _Pen(PANEL_W + GAP)
    circles: list[str] = []
    shapes: list[tuple[Point, float]] = []
    panels = []
    for i, b in enumerate(both):
        x0 = i * (PANEL_W + GAP)
        pens = [_Pen(x0) for _ in range(3)]
        if _grounded(picture):
            pens[0].line((2, 0), (PANEL_W - 2, 0))
        elif picture.view == "above":  # the same mat under both positions
            xs = [p[0] for body in both for p in body.points(frame)]
            ys = [p[1] for body in both for p in body.points(frame)]
            _box(pens[0], min(xs) - 4, max(xs) + 4, max(ys) + 4, min(ys) - 4)
            pens[0].line((min(xs) - 4, min(ys) - 4), (max(xs) + 4, min(ys) - 4))
        _furniture(pens[0], picture, both[0], both)
        weights = _held(pens[0], picture, b, end=i == 1)
        _limbs(pens[1], b, frame, near=False)
        _trunk(pens[2], b, picture)
        _limbs(pens[2], b, frame, near=True)
        head = _head(b, picture, pens[2])
        here = [(pens[2].xy(b.head), HEAD * SCALE[frame])] if head else []
        circles.append(head)
        for w in weights:
            cx, cy = pens[2].xy(w)
            r = 2.5 * min(SCALE[frame], 2)
            circles.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="currentColor"/>')
            here.append(((cx, cy), r))
        if i == 1:
            _marks(marks, picture, b)
        panels.append(_extent([p for pen in [*pens, marks] for p in pen.seen], here))
        shapes += here
        for whole, part in zip((props, far, near), pens, strict=True):
            whole.parts += part.parts
            whole.seen += part.seen
    mid, left, right = HEIGHT / 2, PANEL_W + 5, PANEL_W + GAP - 5
    arrow = f"M{_f(left)} {_f(mid)}H{_f(right)}m-4 -3l4 3-4 3"
    inner = (
        f'<path stroke-width="1.5" d="{props.d}{arrow}"/>'
        f'<path stroke-opacity=".45" d="{far.d}"/><path d="{near.d}"/>' + "".join(circles)
    )
    if marks.parts:
        inner += f'<path stroke-width="2" d="{marks.d}"/>'
    seen = props.seen + far.seen + near.seen + marks.seen
    box = _extent(seen, shapes)
    return Drawing(inner, box, tuple(panels))  # type: ignore[arg-type]


def title(exercise: Exercise) -> str:
    return f"{exercise.name}: start and end positions"


def exercise_svg(exercise: Exercise) -> str:
    """One inline ``<svg>``: the start and end positions side by side, an arrow between, the
    ground and any props. Lines are drawn in ``currentColor``, so it follows the text's colour
    (print, dark mode). An exercise without a picture gives an empty string."""
    if exercise.picture is None:
        return ""
    drawing = draw(exercise.picture)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(WIDTH)} {_f(HEIGHT)}" '
        f'width="{_f(WIDTH)}" height="{_f(HEIGHT)}" role="img" class="exercise-figure">'
        f"<title>{escape(title(exercise))}</title>"
        f'<g fill="none" stroke="currentColor" stroke-width="{_f(STROKE)}" '
        f'stroke-linecap="round" stroke-linejoin="round">{drawing.inner}</g></svg>'
    )


def bounds(picture: Picture) -> tuple[float, float, float, float]:
    """The box of everything drawn, in viewBox units (0 0 WIDTH HEIGHT), strokes included."""
    return draw(picture).box


def problems(picture: Picture) -> list[str]:
    """Why a picture does not fit: a position that leaves its half of the box."""
    out = []
    for i, (x0, y0, x1, y1) in enumerate(draw(picture).panels):
        left = i * (PANEL_W + GAP)
        if x0 < left or x1 > left + PANEL_W or y0 < 0 or y1 > HEIGHT:
            name = ("start", "end")[i]
            out.append(
                f"the {name} position is drawn outside its box ({_f(x0 - left)}, {_f(y0)}) to "
                f"({_f(x1 - left)}, {_f(y1)}), the box being (0, 0) to ({_f(PANEL_W)}, {_f(HEIGHT)}); "
                "bring the limbs in or choose a closer frame"
            )
    if _grounded(picture):
        for name, b in zip(("start", "end"), place(picture), strict=True):
            low = min(p[1] for p in b.points(picture.frame))
            if low < -0.5:
                out.append(f"the {name} position goes {_f(-low)} units through the floor")
    return out
