"""The stick figure of an exercise picture: each body part's position from the joint angles
of a pose, and where the two positions stand on the ground, a seat, a step or a cushion.
render/figure.py draws them. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from imbalance_cli.model import Picture, Pose

#: Lengths of the body's parts, in drawing units at the whole-body scale.
TRUNK, NECK, HEAD = 30.0, 5.0, 6.0
UPPER_ARM, FOREARM, HAND, FINGER = 16.0, 14.0, 6.0, 4.0
THIGH, SHIN, FOOT, HEEL = 22.0, 21.0, 7.0, 2.0
SHOULDER_HALF, HIP_HALF = 7.0, 5.0
#: How close each frame looks: the whole body, the upper body, the head, the hand.
SCALE = {"body": 1.0, "upper": 1.8, "head": 4.0, "hand": 6.0}
PANEL_W, HEIGHT, GAP = 120.0, 130.0, 20.0
WIDTH = 2 * PANEL_W + GAP
GROUND = 124.0
STEP_H, CUSHION_H, SEAT_DROP = 10.0, 4.0, 3.0
STROKE = 2.5

Point = tuple[float, float]


def _dir(degrees: float) -> Point:
    """A unit vector at this angle from straight up, turning toward the front (+x)."""
    r = math.radians(degrees)
    return math.sin(r), math.cos(r)


def _at(p: Point, length: float, degrees: float) -> Point:
    d = _dir(degrees)
    return p[0] + length * d[0], p[1] + length * d[1]


@dataclass(frozen=True)
class Limb:
    """One arm or leg: its joints from the body outward."""

    points: tuple[Point, ...]
    near: bool


def _angle(p: Point, q: Point) -> float:
    """The direction from p to q, in degrees from straight up toward the front (+x)."""
    return math.degrees(math.atan2(q[0] - p[0], q[1] - p[1]))


def _band(centre: tuple[Point, ...], half: tuple[float, ...]) -> tuple[Point, ...]:
    """The outline of a finger (or the fingers together) around its centre line: along one
    side, across the tip and back along the other; ``half`` is the half-width at each point."""
    heads = [_angle(p, q) for p, q in pairwise(centre)]
    normals = [heads[0], *((a + b) / 2 for a, b in pairwise(heads)), heads[-1]]
    one = [_at(c, w, n - 90) for c, w, n in zip(centre, half, normals, strict=True)]
    two = [_at(c, w, n + 90) for c, w, n in zip(centre, half, normals, strict=True)]
    return (*one, *reversed(two))


def _hand(arm: tuple[Point, ...], scale: float, palm: float) -> list[tuple[Point, ...]]:
    """A close view of the hand, as lines: the end of the forearm, the palm, the fingers
    together (curling as one, their tips marked) and a thumb on the palm side (``palm`` is the
    side's sign: the fingers curl toward ``hand + palm * 90``)."""
    elbow, wrist, knuckle, middle, tip = arm[1:6]
    fore, hand = _angle(elbow, wrist), _angle(wrist, knuckle)
    wide, arm_w = 1.8 * scale, 1.3 * scale
    back, front = hand - palm * 90, hand + palm * 90
    stub = _at(wrist, -3.0 * scale, fore)
    fingers = _band((knuckle, middle, tip), (wide, wide * 0.9, wide * 0.75))
    if palm < 0:  # the band's first side is its palm side
        fingers = fingers[::-1]
    lines: list[tuple[Point, ...]] = [
        (_at(stub, arm_w, fore - palm * 90), _at(wrist, arm_w, back), *fingers,
         _at(wrist, arm_w, front), _at(stub, arm_w, fore + palm * 90)),
    ]  # fmt: skip
    last = _angle(middle, tip)
    for k in (-1, 0, 1):
        side = _at(tip, wide * 0.75 * k / 2, last + 90)
        lines.append((side, _at(side, -FINGER * 0.4 * scale, last)))
    root = _at(_at(wrist, arm_w, front), HAND * 0.2 * scale, hand)
    bend = _at(root, HAND * 0.45 * scale, hand + palm * 45)
    thumb = _band((root, bend, _at(bend, FINGER * 0.7 * scale, hand + palm * 15)),
                  (wide * 0.5, wide * 0.5, wide * 0.45))  # fmt: skip
    lines.append(thumb[:-1] if palm < 0 else thumb[1:])  # its palm-side root is hidden
    return lines


@dataclass(frozen=True)
class Body:
    hip: Point
    shoulder: Point
    head: Point
    face: float
    arms: tuple[Limb, ...]
    legs: tuple[Limb, ...]
    jaw: float
    palm: float = -1.0

    def moved(self, dx: float, dy: float) -> Body:
        def m(p: Point) -> Point:
            return p[0] + dx, p[1] + dy

        def limbs(ls: tuple[Limb, ...]) -> tuple[Limb, ...]:
            return tuple(Limb(tuple(m(p) for p in limb.points), limb.near) for limb in ls)

        return Body(
            m(self.hip), m(self.shoulder), m(self.head), self.face,
            limbs(self.arms), limbs(self.legs), self.jaw, self.palm,
        )  # fmt: skip

    def limb(self, legs: bool, near: bool) -> Limb:
        return next(limb for limb in (self.legs if legs else self.arms) if limb.near == near)

    def points(self, frame: str) -> list[Point]:
        """Every drawn point (the head as four points of its circle)."""
        r = HEAD * SCALE[frame]
        out = [self.shoulder, *(_at(self.head, r, a) for a in (0, 90, 180, 270))]
        if frame == "upper":
            out += [self.hip, *(p for limb in self.arms for p in limb.points)]
        if frame == "body":
            out += [p for limb in self.arms for p in limb.points[:4]]
            out += [self.hip, *(p for limb in self.legs for p in limb.points)]
        if frame == "hand":
            lines = _hand(self.limb(legs=False, near=True).points, SCALE[frame], self.palm)
            out = [p for line in lines for p in line]
        return out


def _side(
    pose: Pose, front: bool, right: bool, scale: float, root: tuple[Point, float]
) -> tuple[Limb, Limb]:
    """The arm and leg of one side: in a front view ``right`` is the picture's right, in a side
    view the near side."""
    shoulder, trunk = root
    s = (1.0 if right else -1.0) if front else 1.0

    def a(joint: str) -> float:
        return pose.angle(joint, right)

    bend = s if front else -1.0  # elbows, wrists and fingers: toward the midline or the front
    sh = _at(shoulder, s * SHOULDER_HALF * scale, trunk + 90) if front else shoulder
    arm = 180 + trunk - s * a("shoulder")
    elbow = _at(sh, UPPER_ARM * scale, arm)
    fore = arm + bend * a("elbow")
    wrist = _at(elbow, FOREARM * scale, fore)
    hand = fore + bend * a("wrist")
    knuckle = _at(wrist, HAND * scale, hand)
    curl = bend * a("fingers") / 2
    middle = _at(knuckle, FINGER * scale, hand + curl)
    tip = _at(middle, FINGER * scale * 0.8, hand + 2 * curl)
    hip = _at((0.0, 0.0), s * HIP_HALF * scale, trunk + 90) if front else (0.0, 0.0)
    thigh = 180 + trunk - s * a("hip")
    knee = _at(hip, THIGH * scale, thigh)
    shin = thigh + s * a("knee")
    ankle = _at(knee, SHIN * scale, shin)
    if front:
        heel, toe = ankle, _at(ankle, FOOT * 0.6 * scale, shin - s * 90 + s * a("ankle"))
    else:
        foot = shin - 90 + a("ankle")
        heel, toe = _at(ankle, -HEEL * scale, foot), _at(ankle, FOOT * scale, foot)
    return Limb((sh, elbow, wrist, knuckle, middle, tip), right), Limb(
        (hip, knee, ankle, heel, toe), right
    )


def body(picture: Picture, pose: Pose) -> Body:
    """The figure of one position, hip at the origin, y up."""
    front = picture.view == "front"
    scale = SCALE[picture.frame]
    trunk = pose.angle("trunk")
    shoulder = _at((0.0, 0.0), TRUNK * scale, trunk)
    neck = trunk + pose.angle("neck")
    head = _at(shoulder, (NECK + HEAD) * scale, neck)
    arms: list[Limb] = []
    legs: list[Limb] = []
    for right in (False, True):
        arm, leg = _side(pose, front, right, scale, (shoulder, trunk))
        arms.append(arm)
        legs.append(leg)
    palm = 1.0 if front else -1.0
    jaw = pose.angle("jaw")
    return Body((0.0, 0.0), shoulder, head, neck, tuple(arms), tuple(legs), jaw, palm)


def _anchors(picture: Picture, b: Body) -> list[Point]:
    """Points that may stay put between the two positions: the feet, the knees kneeled on, the
    hip lain on, the shoulder or the wrist of a close view."""
    if picture.frame == "head":
        return [b.shoulder]
    if picture.frame == "hand":
        return [b.limb(legs=False, near=True).points[2]]
    if picture.view != "side" or picture.frame != "body" or picture.base in ("lying", "all_fours"):
        return [b.hip]
    joint = 1 if picture.base == "kneeling" else 2
    return [b.limb(legs=True, near=near).points[joint] for near in (False, True)]


def _grounded(picture: Picture) -> bool:
    return picture.frame == "body" and picture.view != "above"


def _rest(picture: Picture, b: Body, pose: Pose, seat: float | None) -> float:
    """How far up to move a grounded figure: its lowest point onto the ground (or a cushion),
    the near foot's toes onto a step, or a seated hip onto the seat of the start position."""
    if "step" in picture.props:
        return STEP_H + pose.lift - b.limb(legs=True, near=True).points[4][1]
    if seat is not None and pose.angle("hip") >= 60:
        return seat + pose.lift
    low = min(p[1] for p in b.points(picture.frame))
    return -low + pose.lift + (CUSHION_H if "cushion" in picture.props else 0.0)


def place(picture: Picture) -> tuple[Body, Body]:
    """Both positions in the picture's units (y up, the ground at 0), each in its own panel's
    coordinates. The point that moves least between them stays put; together they are centred
    across the panel. A grounded figure rests on the ground; a close view is centred."""
    frame = picture.frame
    poses = (picture.start, picture.end)
    raw = [body(picture, p) for p in poses]
    placed = list(raw)
    if _grounded(picture):
        seat = None
        first = _rest(picture, raw[0], poses[0], None)
        if picture.base == "sitting" and picture.start.angle("hip") >= 60:
            seat = first  # the hip stays on the seat while the body moves on it
        placed = [b.moved(0, _rest(picture, b, p, seat)) for b, p in zip(raw, poses, strict=True)]
    pairs = list(zip(_anchors(picture, placed[0]), _anchors(picture, placed[1]), strict=True))
    one, two = min(pairs, key=lambda pq: abs(pq[0][1] - pq[1][1]))
    placed = [placed[0].moved(-one[0], 0), placed[1].moved(-two[0], 0)]
    xs = [p[0] for b in placed for p in b.points(frame)]
    shift_x = PANEL_W / 2 - (min(xs) + max(xs)) / 2
    shift_y = 0.0
    if not _grounded(picture):
        ys = [p[1] for b in placed for p in b.points(frame)]
        shift_y = (GROUND - HEIGHT / 2) - (min(ys) + max(ys)) / 2
    start, end = (b.moved(shift_x, shift_y) for b in placed)
    return start, end
