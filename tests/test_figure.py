"""Exercise pictures: every bundled exercise is drawn, inside its box, as a small clean SVG;
a bad picture is reported where it is written; and a real browser paints each figure inside
its box and nothing outside it."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import textwrap
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from imbalance_cli import loader
from imbalance_cli.errors import QuestionnaireError
from imbalance_cli.model import Exercise, Library
from imbalance_cli.render import figure
from imbalance_cli.validate import lint_pictures

SVG = "{http://www.w3.org/2000/svg}"


def _exercises(library: Library) -> list[Exercise]:
    return list(library.exercises.values())


def test_every_bundled_exercise_has_a_picture_that_renders(library: Library) -> None:
    """Each bundled exercise has a picture; its SVG is one inline element, an image with a
    title naming the exercise, drawn in currentColor, with nothing fetched or run."""
    assert len(library.exercises) >= 70
    for e in _exercises(library):
        assert e.picture is not None, e.id
        svg = figure.exercise_svg(e)
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.get("viewBox") == f"0 0 {figure.WIDTH:g} {figure.HEIGHT:g}"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text == f"{e.name}: start and end positions"
        assert len(svg.encode()) < 3000, (e.id, len(svg))
        for element in root.iter():
            assert element.tag.removeprefix(SVG) in {"svg", "title", "g", "path", "circle"}
            assert not any(
                name.startswith("on") or "href" in name or name == "style"
                for name in element.attrib
            ), (e.id, element.attrib)
        assert 'stroke="currentColor"' in svg and 'stroke-linecap="round"' in svg


def test_every_picture_stays_inside_its_box(library: Library) -> None:
    """The drawing (strokes included) stays in the viewBox, each position in its own half,
    and nothing goes through the floor."""
    for e in _exercises(library):
        assert e.picture is not None
        x0, y0, x1, y1 = figure.bounds(e.picture)
        assert x0 >= 0 and x1 <= figure.WIDTH and y0 >= 0 and y1 <= figure.HEIGHT, e.id
        assert figure.problems(e.picture) == [], e.id


def test_start_and_end_differ_so_the_picture_shows_a_movement(library: Library) -> None:
    """A picture whose two positions are drawn the same shows nothing; each bundled one moves,
    or its end position carries an arrow: a push where a hold presses without moving, a ring
    where a part turns in a way the flat drawing cannot show."""
    for e in _exercises(library):
        assert e.picture is not None
        start, end = figure.place(e.picture)
        frame = e.picture.frame
        moves = (start.points(frame), start.jaw) != (end.points(frame), end.jaw)
        assert moves or e.picture.turn or e.picture.push, e.id


EXERCISE = """\
exercises:
- id: test-lift
  name: Test lift
  trains: nothing in particular
  steps: [Lift.]
  dose: {{reps: 5}}
  sources:
  - {{kind: research, authors: A B, year: 2020, title: T, doi: 10.1000/xyz}}
{picture}"""


def _load(tmp_path: Path, picture: str) -> Library:
    path = tmp_path / "exercises.yaml"
    path.write_text(EXERCISE.format(picture=textwrap.indent(picture, "  ")), encoding="utf-8")
    return loader.load_library([path])


def test_a_good_picture_loads_with_its_angles(tmp_path: Path) -> None:
    library = _load(
        tmp_path,
        "picture:\n  view: front\n  base: standing\n  start: {shoulder: 5}\n"
        "  end: {shoulder: 5, one: {shoulder: 90}, raise: 2}\n  props: [weight]\n",
    )
    p = library.exercises["test-lift"].picture
    assert p is not None and p.view == "front" and p.props == ("weight",) and p.frame == "body"
    assert p.end.angle("shoulder") == 5 and p.end.angle("shoulder", one_side=True) == 90
    assert p.end.angle("knee") == 0 and p.end.lift == 2


def test_the_guides_picture_example_loads_and_fits(tmp_path: Path) -> None:
    from test_docs_schema import PICTURES

    assert PICTURES
    for block in PICTURES:
        p = _load(tmp_path, block).exercises["test-lift"].picture
        assert p is not None and figure.problems(p) == []


@pytest.mark.parametrize(
    ("picture", "line", "column", "message"),
    [
        ("  start: {elbw: 10}", 13, 13, "unknown joint 'elbw' in position; did you mean 'elbow'?"),
        (
            "  start: {knee: 200}",
            13,
            19,
            "the angle of 'knee' is from -150 to 160 degrees, not 200",
        ),
        ("  start: {hip: lots}", 13, 18, "the angle of 'hip' must be a number"),
        ("  start: {one: {trunk: 5}}", 13, 19, "unknown joint 'trunk' in 'one'"),
        ("  start: [hip]", 13, 12, "'start' must be a mapping of joint: angle"),
        ("  start: {}\n  props: [ladder]", 14, 13, "unknown prop 'ladder'"),
        (
            "  start: {}\n  turn: {at: elbw, toward: up}",
            14,
            16,
            "'turn' is drawn at an unknown part 'elbw'; did you mean 'elbow'?",
        ),
        ("  start: {}\n  push: {at: hand, toward: sideways}", 14, 30, "'push' points 'sideways'"),
        (
            "  start: {}\n  turn: {at: chest}",
            14,
            11,
            "'turn' is missing the required field 'toward'",
        ),
        ("  start: {}\n  push: hand", 14, 11, "'push' must be a mapping"),
    ],
)
def test_a_bad_picture_is_reported_where_it_is(
    tmp_path: Path, picture: str, line: int, column: int, message: str
) -> None:
    text = f"picture:\n  view: side\n  base: standing\n  end: {{}}\n{picture}\n"
    with pytest.raises(QuestionnaireError) as caught:
        _load(tmp_path, text)
    shown = [str(p) for p in caught.value.problems]
    where = f"{tmp_path / 'exercises.yaml'}:{line}:{column}: "
    assert any(s.startswith(where) and message in s for s in shown), shown


def test_turn_and_push_arrows_are_drawn_on_the_end_position(tmp_path: Path) -> None:
    """A ``turn`` draws a ring with an arrowhead around the part, a ``push`` a short arrow at
    it; both in the end position's half, inside the box, in their own thinner path."""
    plain = "picture:\n  view: side\n  base: sitting\n  frame: upper\n  start: {}\n  end: {}\n"
    bare = _load(tmp_path, plain).exercises["test-lift"].picture
    assert bare is not None and 'stroke-width="2"' not in figure.draw(bare).inner
    for mark in ("turn: {at: forearm, toward: down}", "push: {at: hand, toward: up}"):
        p = _load(tmp_path, plain + f"  {mark}\n").exercises["test-lift"].picture
        assert p is not None and (p.turn or p.push)
        drawing = figure.draw(p)
        marks = drawing.inner.split('<path stroke-width="2" d="')[1]
        xs = [float(x) for x in re.findall(r"[ML](-?[\d.]+) ", marks)]
        assert xs and min(xs) > figure.PANEL_W + figure.GAP, mark
        assert figure.problems(p) == []


def test_a_weight_is_in_the_working_hand_and_weights_in_both(tmp_path: Path) -> None:
    """``weight`` is drawn in the working hand (the picture's right in a front view, where
    ``one:`` changes the limbs); ``weights`` puts one in each hand."""
    base = "picture:\n  view: front\n  base: standing\n  start: {}\n  end: {shoulder: 90}\n"
    for prop, count in (("weight", 2), ("weights", 4)):
        p = _load(tmp_path, base + f"  props: [{prop}]\n").exercises["test-lift"].picture
        assert p is not None
        assert figure.draw(p).inner.count('fill="currentColor"') == count, prop


def test_validate_reports_a_missing_picture_and_one_that_leaves_its_box(tmp_path: Path) -> None:
    """An author's exercise without a picture is a warning (bundled ones must have one: an
    error); a picture drawn outside its box is an error that says which position."""
    bare = _load(tmp_path, "")
    found = lint_pictures(bare, {str(tmp_path / "exercises.yaml")})
    assert [(p.severity, "has no picture" in p.message) for p in found] == [("warning", True)]
    high = _load(
        tmp_path,
        "picture:\n  view: side\n  base: standing\n  start: {}\n"
        "  end: {shoulder: 180, raise: 30}\n",
    )
    found = lint_pictures(high, {str(tmp_path / "exercises.yaml")})
    assert len(found) == 1 and found[0].severity == "error"
    assert "the end position is drawn outside its box" in found[0].message
    assert str(found[0].location).endswith(":10:5")


# -- A real browser paints the figures ----------------------------------------------------------

CELL_W, CELL_H, COLUMNS = 280, 150, 5


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Rows of RGB(A) pixels of a non-interlaced 8-bit PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride, rows = zlib.decompress(chunks), width * bpp, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2][kind] if kind < 4 else _paeth(a, b, c)
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line[i] for i in range(0, stride) if i % bpp < 3))
        previous = line
    return width, height, rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def test_chromium_paints_each_figure_inside_its_box_and_nothing_outside(
    tmp_path: Path, library: Library
) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    exercises = _exercises(library)
    cells = "".join(
        f'<div style="position:absolute;left:{(i % COLUMNS) * CELL_W + 10}px;'
        f'top:{(i // COLUMNS) * CELL_H + 10}px">{figure.exercise_svg(e)}</div>'
        for i, e in enumerate(exercises)
    )
    page = tmp_path / "figures.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><style>body{margin:0;background:#fff;color:#000}"
        f"svg{{display:block}}</style>{cells}",
        encoding="utf-8",
    )
    rows_of_cells = (len(exercises) + COLUMNS - 1) // COLUMNS
    size = (COLUMNS * CELL_W + 20, rows_of_cells * CELL_H + 20)
    shot = tmp_path / "figures.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--hide-scrollbars", "--force-device-scale-factor=1",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         f"--window-size={size[0]},{size[1]}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == size
    inside = [[False] * width for _ in range(height)]
    ink = [0] * len(exercises)
    for i in range(len(exercises)):
        left, top = (i % COLUMNS) * CELL_W + 10, (i // COLUMNS) * CELL_H + 10
        for y in range(top, top + int(figure.HEIGHT)):
            inside[y][left : left + int(figure.WIDTH)] = [True] * int(figure.WIDTH)
            ink[i] += sum(
                1 for v in rows[y][left * 3 : (left + int(figure.WIDTH)) * 3 : 3] if v < 128
            )
    stray = sum(
        1 for y in range(height) for x in range(width) if not inside[y][x] and rows[y][3 * x] < 200
    )
    assert stray == 0, "something was painted outside the figures' boxes"
    # Every figure is drawn: its own box holds dark pixels of its lines (a ground line alone is
    # about 230 pixels; a figure adds hundreds more).
    thin = [(e.id, n) for e, n in zip(exercises, ink, strict=True) if n < 400]
    assert not thin, thin
