"""Pictures as SVG text: the body map (front and back, each region shaded by its worst pain)
and line charts for progress over sessions. Simple shapes of our own, drawn from the body-map
data; every text is escaped, every region carries its id and a title for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from imbalance_cli.model import SIDES, BodyMap
from imbalance_cli.profile import RegionPain

#: Pain 0-10 -> fill, light to dark (readable in grey print too: the number is written inside).
PALETTE = ("#fff3d6", "#ffe0a3", "#ffc46b", "#ff9f45", "#f2702f", "#d9442b", "#b02525", "#7f1414")
NOT_CHOSEN = "#eeeeee"
CHOSEN_UNRATED = "#d8e6f3"
FIGURE_W, FIGURE_H = 130, 270
MID = FIGURE_W / 2


def pain_fill(value: float) -> str:
    index = min(len(PALETTE) - 1, round(value / 10 * (len(PALETTE) - 1)))
    return PALETTE[max(0, index)]


def text_colour(value: float) -> str:
    return "#ffffff" if value >= 6 else "#222222"


def _x(x: float, side: str | None, view: str) -> float:
    """Screen x of a shape: front view shows the person's left on the viewer's right; the back
    view shows it on the viewer's left, as the person would see their own back."""
    signed = -x if side == "right" else x
    return MID + signed if view == "front" else MID - signed


def _shape(kind: str, cx: float, y: float, a: float, b: float, fill: str, stroke: str) -> str:
    if kind == "ellipse":
        return (
            f'<ellipse cx="{cx:g}" cy="{y:g}" rx="{a:g}" ry="{b:g}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="0.8"/>'
        )
    return (
        f'<rect x="{cx - a / 2:g}" y="{y - b / 2:g}" width="{a:g}" height="{b:g}" rx="3" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>'
    )


def body_map(bodymap: BodyMap, pain: dict[str, RegionPain], *, title: str = "Body map") -> str:
    """Front and back, side by side, each region shaded by its worst pain (0-10)."""
    parts: list[str] = []
    width = FIGURE_W * 2 + 30
    height = FIGURE_H + 70
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="bodymap-title" class="bodymap">'
    )
    parts.append(f'<title id="bodymap-title">{escape(title)}</title>')
    for index, view in enumerate(("front", "back")):
        dx = 10 + index * (FIGURE_W + 10)
        parts.append(f'<g class="view" id="view-{view}" transform="translate({dx:g},24)">')
        heading = "Front (facing you)" if view == "front" else "Back (from behind)"
        parts.append(
            f'<text x="{MID:g}" y="-10" text-anchor="middle" font-size="11" '
            f'font-weight="bold">{heading}</text>'
        )
        left_x, right_x = (FIGURE_W - 4, 4) if view == "front" else (4, FIGURE_W - 4)
        parts.append(
            f'<text x="{right_x:g}" y="{FIGURE_H - 2}" font-size="9" '
            f'text-anchor="{"start" if right_x < MID else "end"}" fill="#444">Your right</text>'
        )
        parts.append(
            f'<text x="{left_x:g}" y="{FIGURE_H - 2}" font-size="9" '
            f'text-anchor="{"start" if left_x < MID else "end"}" fill="#444">Your left</text>'
        )
        # The trunk under the regions, so the figure reads as a body.
        parts.append(
            f'<rect x="{MID - 19:g}" y="58" width="38" height="86" rx="10" fill="#f7f7f7" '
            'stroke="#bbbbbb" stroke-width="0.8"/>'
        )
        for region in bodymap.regions:
            if region.draw is None or view not in region.views:
                continue
            kind, x, y, a, b = region.draw
            for side in SIDES if region.sided else (None,):
                token = f"{region.id}.{side}" if side else region.id
                rated = pain.get(token)
                label = bodymap.describe(token)
                if rated is None:
                    fill, stroke, note = NOT_CHOSEN, "#bbbbbb", "not reported"
                elif rated.shade is None:
                    fill, stroke, note = CHOSEN_UNRATED, "#4a78a8", "painful, not rated"
                else:
                    fill, stroke = pain_fill(rated.shade), "#555555"
                    note = f"worst pain {rated.shade:g} out of 10"
                cx = _x(x, side, view)
                attrs = (
                    f'class="region" id={quoteattr(f"{view}-{token}")} '
                    f"data-region={quoteattr(token)} data-view={quoteattr(view)}"
                )
                if rated is not None and rated.shade is not None:
                    attrs += f' data-pain="{rated.shade:g}"'
                parts.append(f"<g {attrs}><title>{escape(f'{label}: {note}')}</title>")
                parts.append(_shape(kind, cx, y, a, b, fill, stroke))
                if rated is not None and rated.shade is not None:
                    parts.append(
                        f'<text x="{cx:g}" y="{y + 3:g}" text-anchor="middle" font-size="8" '
                        f'fill="{text_colour(rated.shade)}">{rated.shade:g}</text>'
                    )
                parts.append("</g>")
        parts.append("</g>")
    # The key: what the shades mean.
    key_y = FIGURE_H + 42
    parts.append(f'<g class="key" transform="translate(10,{key_y})">')
    parts.append('<text x="0" y="-4" font-size="9" fill="#444">Worst pain, 0-10:</text>')
    for i, colour in enumerate(PALETTE):
        parts.append(
            f'<rect x="{i * 22}" y="0" width="22" height="10" fill="{colour}" stroke="#999" '
            'stroke-width="0.5"/>'
        )
    parts.append(
        f'<text x="0" y="21" font-size="8">0</text><text x="{len(PALETTE) * 22 - 8}" y="21" font-size="8">10</text>'
    )
    parts.append(
        f'<rect x="{len(PALETTE) * 22 + 12}" y="0" width="12" height="10" fill="{CHOSEN_UNRATED}" '
        f'stroke="#4a78a8" stroke-width="0.5"/><text x="{len(PALETTE) * 22 + 28}" y="9" '
        'font-size="8">painful, not rated</text>'
    )
    parts.append("</g></svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    """One line of a chart: a name and a value per session (None where not measured)."""

    name: str
    values: tuple[float | None, ...]


LINE_COLOURS = ("#1f5fa8", "#c0392b", "#2e8540", "#8e44ad", "#d35400", "#16a085", "#7f8c8d")


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_min: float,
    y_max: float,
    meaningful: float | None = None,
    unit: str = "",
) -> str:
    """A line per series over the sessions, each point labelled with its value; a change of
    ``meaningful`` or more from the session before is marked with a ring and listed in the
    point's title. The legend is under the plot, each name whole (wrapped between words), so
    no point is drawn over it and no name is cut mid-word."""
    legend = [_legend_lines(s.name) for s in series]
    width, plot_h = 520, 154
    left, right, top = 40, 24, 26
    plot_w = width - left - right
    axis = top + plot_h
    height = axis + 24 + sum(_LEGEND_ROW * len(lines) + 3 for lines in legend) + 4
    n = max(1, len(labels) - 1)

    def px(i: int) -> float:
        return left + (plot_w * i / n if len(labels) > 1 else plot_w / 2)

    def py(v: float) -> float:
        span = (y_max - y_min) or 1
        return top + plot_h * (1 - (v - y_min) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" '
            'stroke="#dddddd"/>'
            f'<text x="{left - 4}" y="{py(tick) + 3:.1f}" font-size="8" text-anchor="end">'
            f"{tick:g}{escape(unit)}</text>"
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{px(i):.1f}" y="{axis + 14}" font-size="8" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    values: list[_Value] = []
    for k, s in enumerate(series):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        parts += _line(s, colour, labels, px, py, meaningful, unit)
        values += [
            _Value(i, px(i), py(v), f"{v:g}{unit}", colour) for i, v in enumerate(s.values)
            if v is not None
        ]  # fmt: skip
    parts += _value_labels(values, last=len(labels) - 1)
    y = axis + 30
    for k, lines in enumerate(legend):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        parts.append(
            f'<line x1="{left}" x2="{left + 14}" y1="{y - 3}" y2="{y - 3}" stroke="{colour}" '
            'stroke-width="2"/>'
            + "".join(
                f'<text class="legend" x="{left + 20}" y="{y + j * _LEGEND_ROW}" font-size="8">'
                f"{escape(line)}</text>"
                for j, line in enumerate(lines)
            )
        )
        y += _LEGEND_ROW * len(lines) + 3
    parts.append("</svg>")
    return "".join(parts)


#: A legend line: about this many characters fit under the plot at the legend's font size.
_LEGEND_WIDTH, _LEGEND_LINES, _LEGEND_ROW = 92, 3, 10


def _legend_lines(name: str) -> list[str]:
    """A series' name on up to three lines, broken between words; a longer one ends with an
    ellipsis after a whole word (a goal in the client's words can be long)."""
    import textwrap

    lines = textwrap.wrap(" ".join(name.split()), _LEGEND_WIDTH) or [""]
    if len(lines) > _LEGEND_LINES:
        lines = lines[:_LEGEND_LINES]
        last = lines[-1]
        lines[-1] = (last if len(last) < _LEGEND_WIDTH else last.rsplit(" ", 1)[0]) + " …"
    return lines


def _line(
    s: Series,
    colour: str,
    labels: Sequence[str],
    px: Callable[[int], float],
    py: Callable[[float], float],
    meaningful: float | None,
    unit: str,
) -> list[str]:
    """One series: its line, a dot per session, and a ring where the value moved by
    ``meaningful`` or more."""
    points = [(i, v) for i, v in enumerate(s.values) if v is not None]
    parts = [f'<g class="series" data-name={quoteattr(s.name)}>']
    if len(points) > 1:
        path = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>'
        )
    previous: float | None = None
    for i, v in points:
        changed = (
            meaningful is not None and previous is not None and abs(v - previous) >= meaningful
        )
        note = f"{s.name}, {labels[i]}: {v:g}{unit}" + (
            f" (changed {v - previous:+g}: meaningful)" if changed and previous is not None else ""
        )
        mark = ' class="meaningful"' if changed else ""
        parts.append(
            f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="{4.5 if changed else 2.6}" '
            f'fill="{"#ffffff" if changed else colour}" stroke="{colour}" stroke-width="1.6"'
            f"{mark}><title>{escape(note)}</title></circle>"
        )
        previous = v
    parts.append("</g>")
    return parts


@dataclass(frozen=True)
class _Value:
    column: int
    x: float
    y: float
    text: str
    colour: str


def _value_labels(values: list[_Value], last: int) -> list[str]:
    """Each point's value written beside it, in its line's colour: right of the point, left of
    it in the last column (the plot's edge), and moved apart where points of one session lie
    close together, so two labels never print over each other."""
    out = []
    gap = 8.0
    for column in sorted({v.column for v in values}):
        placed: list[float] = []
        for v in sorted((v for v in values if v.column == column), key=lambda v: v.y):
            y = v.y - 4
            if placed and y < placed[-1] + gap:
                y = placed[-1] + gap
            placed.append(y)
            at_edge = column == last and last > 0
            x, anchor = (v.x - 6, "end") if at_edge else (v.x + 6, "start")
            out.append(
                f'<text class="value" x="{x:.1f}" y="{y:.1f}" font-size="7" '
                f'text-anchor="{anchor}" fill="{v.colour}">{escape(v.text)}</text>'
            )
    return out
