"""The printable HTML report, the body-map SVG and the progress charts: checked by an XML
parser, an HTML parser, and a real browser (headless Chromium prints the report to PDF and takes
a screenshot; pypdf reads the pages back)."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import EXAMPLES
from imbalance_cli.answers import read_answers
from imbalance_cli.model import Library, Questionnaire
from imbalance_cli.profile import pain_by_region
from imbalance_cli.render import html
from imbalance_cli.render.progress import collect, svg_charts
from imbalance_cli.render.svg import MID, body_map, pain_fill
from imbalance_cli.rules import assess
from test_text_safety import ATTACKS

SVG = "{http://www.w3.org/2000/svg}"


def _result(q: Questionnaire, library: Library, name: str, **extra: object):  # type: ignore[no-untyped-def]
    answers = {**read_answers(EXAMPLES / f"{name}.yaml", q), **extra}
    return assess(
        q, answers, library, started_at="2026-11-01T09:00:00+00:00",
        completed_at="2026-11-01T09:20:00+00:00", client="Ann Lee", session=4,
    )  # fmt: skip


def test_body_map_shades_every_chosen_region_on_the_persons_own_side(
    intake: Questionnaire, library: Library
) -> None:
    result = _result(intake, library, "two-knees-different")
    pain = pain_by_region(intake, result.answers)
    assert set(pain) == {"knee.left", "knee.right"}
    root = ET.fromstring(body_map(intake.bodymap, pain))  # type: ignore[arg-type]
    regions = {
        (g.get("data-view"), g.get("data-region")): g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "region"
    }
    # Every region drawn carries its id and a title for screen readers.
    assert all(g.find(f"{SVG}title") is not None for g in regions.values())
    for view in ("front", "back"):
        for token, r in pain.items():
            g = regions[(view, token)]
            shape = g.find(f"{SVG}ellipse")
            assert shape is not None
            assert g.get("data-pain") == f"{r.shade:g}"
            assert shape.get("fill") == pain_fill(r.shade or 0)
            x = float(shape.get("cx") or 0)
            # Front: the person's left is on the viewer's right; back: on the viewer's left.
            on_viewers_right = x > MID
            assert on_viewers_right == ((token.endswith(".left")) == (view == "front")), (
                view,
                token,
                x,
            )
        title = regions[(view, "knee.left")].find(f"{SVG}title")
        assert title is not None and title.text == "Knee (left): worst pain 7 out of 10"
    # Regions not chosen are drawn plain.
    assert regions[("front", "neck")].get("data-pain") is None


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}
        for name, value in attrs:
            if name == "href":
                assert value is not None and value.startswith("https://"), value

    def handle_data(self, data: str) -> None:
        self.text.append(data)


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "h3", "h4", "p",
    "strong", "em", "div", "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li", "a",
    "svg", "g", "text", "rect", "ellipse", "line", "polyline", "circle", "hr", "br", "code",
    "blockquote", "pre", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "lang", "charset", "name", "content", "class", "role", "href", "id", "xmlns", "viewbox",
    "aria-labelledby", "aria-label", "transform", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
    "rx", "ry", "r", "width", "height", "fill", "stroke", "stroke-width", "font-size",
    "font-weight", "text-anchor", "points", "data-region", "data-view", "data-pain",
    "data-name", "style", "start",
}  # fmt: skip


@pytest.mark.parametrize("audience", ["trainer", "client"])
def test_answers_and_names_are_inert_in_the_html(
    intake: Questionnaire, library: Library, audience: str
) -> None:
    """Every hostile string of the safety test set, as the client's name and as free text:
    parsed back, the page has no element or attribute that came from an answer."""
    for attack in ATTACKS:
        result = _result(intake, library, "runner-knee", main_concern=attack, goal_1=attack)
        result = type(result)(**{**result.__dict__, "client": attack})
        page = html.render(result, audience)
        parser = _Elements()
        parser.feed(page)
        assert parser.tags <= ALLOWED_TAGS, (attack, parser.tags - ALLOWED_TAGS)
        assert parser.attributes <= ALLOWED_ATTRIBUTES, (
            attack,
            parser.attributes - ALLOWED_ATTRIBUTES,
        )
        assert "onerror" not in parser.attributes and "script" not in parser.tags
        assert "evil.example" not in " ".join(
            v for v in page.split('href="')[1:] if v.startswith("https://evil")
        )


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


def _browser(tmp_path: Path, *args: str) -> None:
    profile = tmp_path / "chromium-profile"
    subprocess.run(
        [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *args,
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("paper", "name"), [("A4", "two-knees-different"), ("letter", "saddle-numbness-emergency")]
)
def test_chromium_prints_the_report_with_page_one_the_overview(
    tmp_path: Path, intake: Questionnaire, library: Library, paper: str, name: str
) -> None:
    pypdf = pytest.importorskip("pypdf")
    result = _result(intake, library, name)
    page = html.render(result, "trainer")
    # The printer's paper: the report itself sets only margins, so it fits A4 and Letter.
    source = tmp_path / "report.html"
    source.write_text(page.replace("@page {", f"@page {{ size: {paper};", 1), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _browser(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri())
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) >= 2  # the overview, then the detail (and sources)
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert abs(width_mm - (210 if paper == "A4" else 215.9)) < 1.5
    # NFKC: the PDF's ligatures (ﬁ) read as the letters they stand for.
    first = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert "Ann Lee" in first and "Your plan" in first
    assert "Session: 4" in first
    if result.alerts:
        # Warning signs first: before the body map and the pain table.
        assert "Warning signs: act on these first" in first
        assert first.index("Emergency") < first.index("Your plan")
    else:
        assert "Warning signs: none reported" in first
        # Page one is their plan: their own knees and their goal, in their words.
        assert "For: left knee" in first and "Walk the dog for an hour" in first
    assert "Sources" not in first  # sources come after the detail
    everything = " ".join(p.extract_text() for p in reader.pages)
    assert "education, not a diagnosis" in everything.replace("\n", " ")

    shot = tmp_path / "page.png"
    _browser(tmp_path, f"--screenshot={shot}", "--window-size=900,1300", source.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    png_width, png_height = struct.unpack(">II", data[16:24])
    assert (png_width, png_height) == (900, 1300)
    assert len(data) > 20_000  # a drawn page, not a blank one


def test_progress_charts_mark_meaningful_changes(intake: Questionnaire, library: Library) -> None:
    first = _result(intake, library, "two-knees-different")
    later_answers = dict(first.answers)
    later_answers["pain_worst.knee.left"] = 4  # 7 -> 4: meaningful
    later_answers["pain_worst.knee.right"] = 1  # 2 -> 1: not
    later = assess(
        intake, later_answers, library, started_at="2026-11-15T09:00:00+00:00",
        completed_at="2026-11-15T09:10:00+00:00", client="Ann Lee", session=5, previous=4,
    )  # fmt: skip
    data = collect([first, later])
    assert data.labels == ("S4 11-01", "S5 11-15")
    pain = {s.name: s.values for s in data.pain}
    assert pain == {"Knee (left)": (7.0, 4.0), "Knee (right)": (2.0, 1.0)}
    chart = ET.fromstring(svg_charts(data)[0])
    series = {g.get("data-name"): g for g in chart.iter(f"{SVG}g") if g.get("class") == "series"}

    def marked(name: str) -> list[ET.Element]:
        return [c for c in series[name].iter(f"{SVG}circle") if c.get("class") == "meaningful"]

    assert len(marked("Knee (left)")) == 1 and marked("Knee (right)") == []
    report = html.render(later, "client", svg_charts(data))
    assert "Progress over time" in report and "Re-assessment of session" in report


def test_progress_shows_a_warning_sign_that_came_up_while_pain_fell(
    intake: Questionnaire, library: Library
) -> None:
    """Pain falling from 7 to 3 must not read as plain good news when a warning sign came up in
    the later session: the table, the JSON and the HTML page each name it, with what to do."""
    from imbalance_cli.render.progress import table, warnings_html

    first = _result(intake, library, "two-knees-different")
    later_answers = dict(first.answers)
    later_answers["pain_worst.knee.left"] = 3
    later_answers["red_flags_days"] = ("cord_signs",)
    later = assess(
        intake, later_answers, library, started_at="2026-11-15T09:00:00+00:00",
        completed_at="2026-11-15T09:10:00+00:00", client="Ann Lee", session=5, previous=4,
    )  # fmt: skip
    assert later.top_level is not None and later.top_level.value == "urgent"
    data = collect([first, later])
    assert [w["level"] for w in data.as_dict()["warning_signs"]] == ["none", "urgent"]
    from rich.console import Console

    console = Console(width=120, color_system=None, file=io.StringIO())
    console.print(table(data, plain=True))
    row = next(line for line in console.file.getvalue().splitlines() if "Warning signs" in line)  # type: ignore[attr-defined]
    assert [cell for cell in row.split() if cell.isalpha()][-2:] == ["none", "URGENT"]
    page = html.page("Progress: Ann Lee", svg_charts(data), warnings_html(data))
    assert 'class="alert urgent" role="alert"' in page
    assert "What to do: " in page and page.index("Warning signs") < page.index("<svg")


def test_charts_keep_names_whole_points_off_the_legend_and_values_written(
    intake: Questionnaire, library: Library
) -> None:
    """A chart's legend is under the plot: a long goal is wrapped between words, never cut
    mid-word ("...with my r"), no point (not even of a test done in one session only, at the
    plot's right edge) lies on the legend, and every point has its value written beside it."""
    from imbalance_cli.render.svg import Series, line_chart

    goal = (
        "Carry both grandchildren up the three flights of stairs to the flat without stopping "
        "for breath, and without pain in my right knee"
    )
    svg = line_chart(
        "Goals", ["S1 11-01", "S2 11-15"],
        [Series(goal, (3.0, 6.0)), Series("Walk", (None, 8.0))], y_min=0, y_max=10,
    )  # fmt: skip
    chart = ET.fromstring(svg)
    legend = [t.text or "" for t in chart.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert len(legend) == 3  # the goal on two lines, broken between words
    assert " ".join(legend[:-1]) == goal and legend[-1] == "Walk"
    values = [t.text for t in chart.iter(f"{SVG}text") if t.get("class") == "value"]
    assert sorted(values) == ["3", "6", "8"]
    lowest_point = max(float(c.get("cy", 0)) for c in chart.iter(f"{SVG}circle"))
    top_of_legend = min(
        float(t.get("y", 0)) for t in chart.iter(f"{SVG}text") if t.get("class") == "legend"
    )
    assert lowest_point + 10 < top_of_legend
    width = float(chart.get("viewBox", "0 0 0 0").split()[2])
    for t in chart.iter(f"{SVG}text"):
        if t.get("class") == "value" and t.get("text-anchor") != "end":
            assert float(t.get("x", 0)) + 30 < width  # a label at the right edge goes left


def test_a_strategys_own_steps_are_a_list_apart_from_its_exercises_steps(library: Library) -> None:
    """In markdown a numbered list right after another continues it: a strategy's steps
    ("Lift your baby with both hands...") read as steps 4 to 7 of its wrist exercise."""
    from markdown_it import MarkdownIt

    from imbalance_cli.model import Recommendation
    from imbalance_cli.render.plan import strategy_detail

    checked = 0
    for strategy in library.strategies.values():
        exercises = [library.exercises[e] for e in strategy.exercises if e in library.exercises]
        if not strategy.steps or not exercises:
            continue
        rec = Recommendation(
            "strategy", strategy.id, strategy.title, (), (), exercises=strategy.exercises
        )
        page = MarkdownIt().render("\n".join(strategy_detail(rec, strategy, library, plain=True)))
        page = re.sub(r"<ul>.*?</ul>", "", page, flags=re.S)  # an exercise's cues
        lists = [part.split("</ol>")[0].count("<li>") for part in page.split("<ol>")[1:]]
        assert lists == [len(e.steps_for()) for e in exercises] + [len(strategy.steps)], strategy.id
        checked += 1
    assert checked >= 3


def test_the_terminal_shows_areas_not_rated_here_by_name_not_as_dashes() -> None:
    """A check-in takes where it hurts from the intake and rates no area: the terminal's table
    named each area with a dash under Now and Worst; it names them, not rated here, as the HTML
    report does. An intake's ratings are still shown."""
    from rich.console import Console

    from imbalance_cli import bodymap as bodymaps
    from imbalance_cli.profile import RegionPain
    from imbalance_cli.render.terminal import PainMap

    def shown(pain: dict[str, RegionPain]) -> str:
        out = io.StringIO()
        Console(file=out, width=100, color_system="truecolor").print(
            PainMap(bodymaps.default(), pain)
        )
        return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())

    unrated = shown({"knee.left": RegionPain("knee.left", None, None, None)})
    assert "Knee (left)" in unrated and "Not rated here." in unrated
    assert "–" not in unrated and "Worst" not in unrated
    rated = shown({"knee.left": RegionPain("knee.left", 3, None, 6)})
    assert "6/10" in rated and "Worst" in rated and "Not rated here." not in rated
