"""Progress over a client's sessions: pain per region and side, goal ratings and the symmetry
index of each side-to-side test, as a terminal chart (rich) and as SVG charts for the HTML
report. A change of 2 points on a 0-10 rating (Farrar 2001) is marked as meaningful; a symmetry
index is not marked, since no source gives its day-to-day noise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.measures import measures
from imbalance_cli.model import AnswerValue, FiredAlert, Question, Questionnaire
from imbalance_cli.profile import PainQuestions, pain_by_region, pain_questions
from imbalance_cli.render.svg import Series, line_chart
from imbalance_cli.symmetry import paired_tests, symmetries

MEANINGFUL = 2.0


@dataclass(frozen=True)
class Warning:
    """The warning signs of one session: its most urgent level, and each alert."""

    level: str  # emergency | urgent | advisory | none
    alerts: tuple[tuple[str, str, str, str], ...] = ()  # (id, level, message, action)


@dataclass(frozen=True)
class Progress:
    labels: tuple[str, ...]
    sessions: tuple[int | None, ...]
    pain: tuple[Series, ...]
    goals: tuple[Series, ...]
    symmetry: tuple[Series, ...]
    #: Per session: a falling pain line never hides a warning sign that came up meanwhile.
    warnings: tuple[Warning, ...] = ()
    #: Ratings asked outside regions (pain during exercise: 0-10), and measures of an
    #: author's own (days exercised), each line named by its question's label.
    ratings: tuple[Series, ...] = ()
    measures: tuple[Series, ...] = ()
    #: The highest a measure can be (its question's max), by its name, for its chart's axis.
    limits: tuple[tuple[str, float], ...] = ()

    def latest(self, count: int) -> Progress:
        """The last ``count`` sessions only (a line with no point among them left out)."""
        if count >= len(self.labels):
            return self

        def cut(series: tuple[Series, ...]) -> tuple[Series, ...]:
            kept = (Series(s.name, s.values[-count:]) for s in series)
            return tuple(s for s in kept if any(v is not None for v in s.values))

        return Progress(
            self.labels[-count:],
            self.sessions[-count:],
            cut(self.pain),
            cut(self.goals),
            cut(self.symmetry),
            self.warnings[-count:],
            cut(self.ratings),
            cut(self.measures),
            self.limits,
        )

    def as_dict(self) -> dict[str, Any]:
        def rows(series: tuple[Series, ...]) -> list[dict[str, Any]]:
            return [{"name": s.name, "values": list(s.values)} for s in series]

        return {
            "sessions": list(self.sessions),
            "labels": list(self.labels),
            "warning_signs": [
                {
                    "level": w.level,
                    "alerts": [
                        {"id": a, "level": lv, "message": m, "action": act}
                        for a, lv, m, act in w.alerts
                    ],
                }
                for w in self.warnings
            ],
            "pain_worst": rows(self.pain),
            "goal_ratings": rows(self.goals),
            "symmetry_index": rows(self.symmetry),
            "pain_ratings": rows(self.ratings),
            "measures": rows(self.measures),
        }


class Session(Protocol):
    """What the charts read of a session: a ``Result``, or a lighter record of its answers and
    the warning signs they raise (``workflow.snapshots``)."""

    @property
    def questionnaire(self) -> Questionnaire: ...
    @property
    def answers(self) -> Mapping[str, AnswerValue]: ...
    @property
    def alerts(self) -> tuple[FiredAlert, ...]: ...
    @property
    def session(self) -> int | None: ...
    @property
    def started_at(self) -> str: ...
    @property
    def completed_at(self) -> str | None: ...


def collect(results: Iterable[Session]) -> Progress:
    """Series over the results, oldest first: a line per region and side (worst pain, else pain
    now), per goal (by its wording) and per side-to-side test (the symmetry index). The results
    are read one at a time and only the points drawn are kept, so a long history can stream in."""
    labels: list[str] = []
    sessions: list[int | None] = []
    warnings: list[Warning] = []
    # Each line's points by the position of their session (a line starts when it first shows).
    pain: dict[str, dict[int, float]] = {}
    goals: dict[str, dict[int, float]] = {}
    goal_names: dict[str, str] = {}
    sym: dict[str, dict[int, float]] = {}
    ratings: dict[str, dict[int, float]] = {}
    own: dict[str, dict[int, float]] = {}
    limits: dict[str, float] = {}
    # What each questionnaire asks where, worked out once per questionnaire, not per session.
    layouts: dict[int, _Layout] = {}
    for i, result in enumerate(results):
        stamp = (result.completed_at or result.started_at)[5:10]
        labels.append(f"S{result.session} {stamp}" if result.session else f"#{i + 1}")
        sessions.append(result.session)
        warnings.append(_warning(result))
        q = result.questionnaire
        layout = layouts.get(id(q))
        if layout is None:
            layout = layouts[id(q)] = _Layout(q, pain_questions(q), q.goals(), paired_tests(q))
        bodymap = q.bodymap or bodymaps.default()
        for token, r in pain_by_region(q, result.answers, layout.pain).items():
            if r.shade is not None:
                pain.setdefault(bodymap.describe(token), {})[i] = r.shade
        for goal, rating in layout.goals:
            text = result.answers.get(goal.id)
            value = result.answers.get(rating.id) if rating else None
            if (
                isinstance(text, str)
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            ):
                key = " ".join(text.lower().split())
                goal_names.setdefault(key, text.strip())
                goals.setdefault(key, {})[i] = float(value)
        for s in symmetries(q, result.answers, layout.paired):
            if s.lsi is not None:
                sym.setdefault(s.label, {})[i] = s.lsi
        for m in measures(q, result.answers):
            if m.value is not None:
                (ratings if m.pain else own).setdefault(m.name, {})[i] = m.value
                if m.maximum is not None and not m.pain:
                    limits[m.name] = max(limits.get(m.name, 0.0), float(m.maximum))
    n = len(labels)

    def line(name: str, points: dict[int, float]) -> Series:
        return Series(name, tuple(points.get(i) for i in range(n)))

    return Progress(
        tuple(labels),
        tuple(sessions),
        tuple(line(k, v) for k, v in pain.items()),
        tuple(line(goal_names[k], v) for k, v in goals.items()),
        tuple(line(k, v) for k, v in sym.items()),
        tuple(warnings),
        tuple(line(k, v) for k, v in ratings.items()),
        tuple(line(k, v) for k, v in own.items()),
        tuple(limits.items()),
    )


@dataclass(frozen=True)
class _Layout:
    questionnaire: Questionnaire
    pain: PainQuestions
    goals: tuple[tuple[Question, Question | None], ...]
    paired: list[tuple[Question, Question]]


def _warning(result: Session) -> Warning:
    alerts = sorted(result.alerts, key=lambda f: f.alert.level.rank)
    return Warning(
        alerts[0].alert.level.value if alerts else "none",
        tuple((f.alert.id, f.alert.level.value, f.alert.message, f.alert.action) for f in alerts),
    )


def warnings_html(progress: Progress) -> str:
    """The warning signs of each session, above the charts: what came up, and what to do."""
    from html import escape

    items = []
    for label, warning in zip(progress.labels, progress.warnings, strict=True):
        for _, level, message, action in warning.alerts:
            items.append(
                f'<div class="alert {escape(level)}" role="alert"><h3>⚠ {escape(label)}: '
                f"{escape(level.upper())}</h3><p>{escape(message)}</p>"
                f'<p class="what">What to do: {escape(action)}</p></div>'
            )
    if not items:
        return "<p>No warning signs were reported in any of these sessions.</p>"
    return "<h2>Warning signs</h2>" + "".join(items)


def svg_charts(progress: Progress) -> list[str]:
    charts = []
    if progress.pain:
        charts.append(
            line_chart(
                "Pain at worst, 0-10 (a ring marks a change of 2 points or more)",
                progress.labels,
                progress.pain,
                y_min=0,
                y_max=10,
                meaningful=MEANINGFUL,
            )
        )
    if progress.goals:
        charts.append(
            line_chart(
                "Goal activities, 0 = cannot do, 10 = as before (ring: 2 points or more)",
                progress.labels,
                progress.goals,
                y_min=0,
                y_max=10,
                meaningful=MEANINGFUL,
            )
        )
    if progress.ratings:
        charts.append(
            line_chart(
                "Pain ratings, 0-10 (a ring marks a change of 2 points or more)",
                progress.labels,
                progress.ratings,
                y_min=0,
                y_max=10,
                meaningful=MEANINGFUL,
            )
        )
    limits = dict(progress.limits)
    for series in progress.measures:
        # The question's own range (0-7 days), made even so the middle line is a whole number.
        top = limits.get(series.name) or max(
            (v for v in series.values if v is not None), default=1.0
        )
        top = float(math.ceil(top))
        charts.append(
            line_chart(series.name, progress.labels, [series], y_min=0, y_max=top + top % 2 or 2.0)
        )
    if progress.symmetry:
        charts.append(
            line_chart(
                "Side-to-side: symmetry index (weaker / stronger x 100)",
                progress.labels,
                progress.symmetry,
                y_min=0,
                y_max=100,
                unit="%",
            )
        )
    return charts


BARS = " ▁▂▃▄▅▆▇█"


def _cell(
    value: float | None,
    previous: float | None,
    scale: float,
    meaningful: float | None,
    plain: bool = False,
) -> str:
    """A value with a small bar and ▲/▼ for a meaningful change; in plain text, the value and
    'up' or 'down' (a bar read aloud says nothing)."""
    if value is None:
        return "not asked" if plain else "[dim]–[/]"
    mark = ""
    if meaningful is not None and previous is not None and abs(value - previous) >= meaningful:
        mark = (" up" if plain else " ▲") if value > previous else (" down" if plain else " ▼")
    if plain:
        return f"{value:g}{mark}"
    bar = BARS[min(len(BARS) - 1, max(0, round(value / scale * (len(BARS) - 1))))]
    return f"{bar} {value:g}{mark}"


def table(progress: Progress, *, plain: bool = False) -> Any:
    """A rich table: a row per line of the charts, a column per session, with a small bar and
    ▲/▼ where a 0-10 rating moved 2 points or more since the session before."""
    from rich import box
    from rich.table import Table

    from imbalance_cli.text import markup

    t = Table(
        title="Progress over sessions", show_lines=False, box=None if plain else box.HEAVY_HEAD
    )
    t.add_column("What")
    for label in progress.labels:
        t.add_column(markup(label), justify="right")
    groups = (
        ("Pain at worst (0-10)", progress.pain, 10.0, MEANINGFUL),
        ("Goal (0-10)", progress.goals, 10.0, MEANINGFUL),
        ("Symmetry index (%)", progress.symmetry, 100.0, None),
        ("Pain ratings (0-10)", progress.ratings, 10.0, MEANINGFUL),
        (
            "Measures",
            progress.measures,
            max((v for s in progress.measures for v in s.values if v is not None), default=1.0)
            or 1.0,
            None,
        ),
    )
    if progress.warnings:
        cells = []
        for w in progress.warnings:
            loud = w.level in ("emergency", "urgent")
            cells.append(f"[bold red]{w.level.upper()}[/]" if loud else w.level)
        t.add_row("[bold]Warning signs[/]", *cells)
    for heading, series, scale, meaningful in groups:
        if not series:
            continue
        t.add_row(f"[bold]{heading}[/]", *([""] * len(progress.labels)))
        for s in series:
            cells = []
            previous: float | None = None
            for value in s.values:
                cells.append(_cell(value, previous, scale, meaningful, plain))
                if value is not None:
                    previous = value
            t.add_row("  " + markup(s.name), *cells)
    return t
