"""The body map as data: reading questionnaires/bodymap.yaml into a ``BodyMap``, and matching
region answers.

Every problem in the file is reported with its line, as for questionnaires. The bundled map is
read once per process (``default()``); the loader attaches it to each questionnaire, so the
engine and the renderers never read files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from imbalance_cli.errors import DEFAULT_MAX_BYTES, QuestionnaireError
from imbalance_cli.model import NO_PAIN, BodyMap, Region, split_token
from imbalance_cli.yamlsrc import (
    Scalar,
    Shape,
    Sink,
    as_bool,
    as_list,
    as_str,
    compose,
    fields,
    read_text,
)

REGION_FIELDS = ("id", "label", "sided", "group", "views", "zone", "draw", "snomed", "search")
REQUIRED_FIELDS = ("id", "label", "sided", "group", "views", "zone")
#: How a region is drawn in the body-map picture: [ellipse, x, y, rx, ry] or [rect, x, y, w, h],
#: x measured from the body's midline toward the person's own left, on a figure 260 units tall.
DRAW_KINDS = ("ellipse", "rect")
BODYMAP_FIELDS = ("regions",)
VIEWS = ("front", "back")
ZONES = ("upper", "lower", "axial", "none")
_REGION = Shape(REGION_FIELDS, REQUIRED_FIELDS)
_BODYMAP = Shape(BODYMAP_FIELDS, BODYMAP_FIELDS)
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def bundled_path() -> Path:
    from imbalance_cli import resources

    return resources.bundled_dir() / "bodymap.yaml"


@cache
def default() -> BodyMap:
    """The bundled body map, read once."""
    return load(bundled_path())


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> BodyMap:
    """Read and check a body map file; raise QuestionnaireError with every problem."""
    sink = Sink(str(path))
    text = read_text(path, sink, max_bytes)
    regions: list[Region] = []
    root = compose(text, sink) if text is not None else None
    top = fields(root, sink, "the body map", _BODYMAP) if root is not None else None
    seen: set[str] = set()
    for item in (
        (as_list(top["regions"], sink, "regions") or ()) if top and "regions" in top else ()
    ):
        region = _region(item, sink)
        if region is None:
            continue
        if region.id in seen:
            sink.add(item, f"region id '{region.id}' is used twice; ids must be unique")
            continue
        seen.add(region.id)
        regions.append(region)
    if top is not None and "regions" in top and not regions and not sink.problems:
        sink.add(top["regions"], "the body map needs at least one region")
    if sink.problems:
        raise QuestionnaireError(sink.problems)
    return BodyMap(tuple(regions), str(path))


def _region(node: object, sink: Sink) -> Region | None:
    f = fields(node, sink, "a region", _REGION)  # type: ignore[arg-type]
    if f is None or any(k not in f for k in REQUIRED_FIELDS):
        return None
    rid = as_str(f["id"], sink, "region id")
    if rid is not None and (not _ID.match(rid) or rid == NO_PAIN):
        sink.add(
            f["id"],
            f"region id '{rid}' must start with a letter and use only a-z, 0-9 and _"
            + (f" ('{NO_PAIN}' is kept for 'no pain')" if rid == NO_PAIN else ""),
        )
        rid = None
    label = as_str(f["label"], sink, "region label")
    if label is not None and not label.strip():
        sink.add(f["label"], "a region's label is empty")
        label = None
    sided = as_bool(f["sided"], sink, "sided")
    group = as_str(f["group"], sink, "region group")
    views: list[str] = []
    for view in as_list(f["views"], sink, "views") or ():
        name = as_str(view, sink, "a view")
        if name is not None and name not in VIEWS:
            sink.add(view, f"unknown view '{name}' (one of: {', '.join(VIEWS)})")
        elif name is not None and name not in views:
            views.append(name)
    if not views:
        sink.add(f["views"], "a region is drawn on at least one view: front, back or both")
    zone = as_str(f["zone"], sink, "zone")
    if zone is not None and zone not in ZONES:
        sink.add(f["zone"], f"unknown zone '{zone}' (one of: {', '.join(ZONES)})")
        zone = None
    draw = _draw(f.get("draw"), sink)
    snomed = _snomed(f.get("snomed"), sink)
    search: list[str] = []
    for item in (as_list(f["search"], sink, "search") or ()) if "search" in f else ():
        word = as_str(item, sink, "a search word")
        if word is not None and not re.fullmatch(r"[a-z][a-z' -]{1,39}", word):
            sink.add(
                item, f"'{word[:40]}' is not a search word: lowercase letters, spaces, ' and -"
            )
        elif word is not None and word not in search:
            search.append(word)
    if rid is None or label is None or sided is None or group is None or not views or zone is None:
        return None
    return Region(
        rid,
        label.strip(),
        sided,
        group,
        tuple(views),
        None if zone == "none" else zone,
        sink.at(node),  # type: ignore[arg-type]
        draw,
        snomed,
        tuple(search),
    )


_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")
_SNOMED = Shape(("code", "display"), ("code", "display"))


def _snomed(node: object, sink: Sink) -> tuple[str, str] | None:
    """A region's SNOMED CT body-structure concept, for exports: ``{code, display}``. Give one
    only where the code was checked in a published source (the FHIR export carries it)."""
    if node is None:
        return None
    f = fields(node, sink, "a SNOMED CT concept", _SNOMED)  # type: ignore[arg-type]
    if f is None or "code" not in f or "display" not in f:
        return None
    code = as_str(f["code"], sink, "a SNOMED CT code")
    display = as_str(f["display"], sink, "a SNOMED CT display")
    if code is not None and not _SCTID.match(code):
        sink.add(f["code"], f"'{code}' is not a SNOMED CT identifier (6 to 18 digits, in quotes)")
        return None
    if display is not None and not display.strip():
        sink.add(f["display"], "the display of a SNOMED CT concept is empty")
        return None
    return (code, display.strip()) if code is not None and display is not None else None


def _draw(node: object, sink: Sink) -> tuple[str, float, float, float, float] | None:
    if node is None:
        return None
    items = as_list(node, sink, "draw")  # type: ignore[arg-type]
    if items is None:
        return None
    values = [i.value if isinstance(i, Scalar) else None for i in items]
    kind = values[0] if values else None
    numbers: list[float] = []
    for v in values[1:]:
        try:
            numbers.append(float(str(v)))
        except ValueError:
            break
    if kind not in DRAW_KINDS or len(values) != 5 or len(numbers) != 4:
        sink.add(
            node,  # type: ignore[arg-type]
            "'draw' is [ellipse, x, y, rx, ry] or [rect, x, y, width, height]: x from the "
            "midline toward the person's left, y from the top of a figure 260 units tall",
        )
        return None
    x, y, a, b = numbers
    if not (-60 <= x <= 60 and 0 <= y <= 260 and 0 < a <= 60 and 0 < b <= 130):
        sink.add(node, "'draw' places the shape outside the figure (x -60..60, y 0..260)")  # type: ignore[arg-type]
        return None
    return (str(kind), x, y, a, b)


def matches(tokens: tuple[str, ...], wanted: str) -> bool:
    """Does an answer include ``wanted``? ``knee`` matches any side; ``knee.left`` matches
    ``knee.left`` (and ``knee.both``, as old answers wrote it)."""
    w_region, w_side = split_token(wanted)
    for token in tokens:
        region, side = split_token(token)
        if region != w_region:
            continue
        if w_side is None or side == w_side or side == "both":
            return True
    return False


def one_side(tokens: tuple[str, ...], side: str) -> bool:
    """``side: left`` / ``right``: at least one sided region, all of them on that side;
    ``side: both``: sided regions on the left and on the right."""
    sides = {split_token(t)[1] for t in tokens} - {None}
    if "both" in sides:
        sides |= {"left", "right"}
        sides.discard("both")
    if side == "both":
        return {"left", "right"} <= sides
    return sides == {side}
