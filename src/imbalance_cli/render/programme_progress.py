"""What the home programme adds to ``progress``: adherence (sessions logged against those
planned), each exercise's dose over the programme's versions, and pain during each session
against how the next morning felt, as lines of text and as SVG charts."""

from __future__ import annotations

from datetime import date

from imbalance_cli.model import Dose, Library
from imbalance_cli.programme.dose import merged_by_day
from imbalance_cli.programme.model import Entry, Programme
from imbalance_cli.render.programme import name_of
from imbalance_cli.render.svg import Series, line_chart

#: The next morning on its own chart's scale.
MORNING_POINTS = {"better": 0.0, "usual": 1.0, "worse": 2.0}


def amount(dose: Dose) -> float | None:
    """A dose as one number to chart: repetitions in all sets, seconds held, or minutes."""
    if dose.minutes is not None:
        return float(dose.minutes)
    if dose.hold is not None:
        return float(dose.hold * (dose.reps or 1) * (dose.sets or 1))
    if dose.reps is not None:
        return float(dose.reps * (dose.sets or 1))
    return None


def planned_per_week(programme: Programme) -> int:
    return max((i.dose.days or 0 for i in programme.items), default=0)


def adherence(
    versions: tuple[Programme, ...], entries: tuple[Entry, ...], today: date
) -> tuple[int, int]:
    """(sessions logged, sessions planned) from the first version until today."""
    if not versions:
        return 0, 0
    planned = 0.0
    for n, version in enumerate(versions):
        start = _day(version.created_at) or today
        end = _day(versions[n + 1].created_at) if n + 1 < len(versions) else today
        end = end or today
        if version.stopped is not None:
            end = min(end, _day(version.stopped.at) or end)
        planned += max(0, (end - start).days + 1) * planned_per_week(version) / 7
    logged = len(
        [e for e in merged_by_day(list(entries)) if any(d != "not_done" for _, d in e.done)]
    )
    return logged, round(planned)


def _day(stamp: str) -> date | None:
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError:
        return None


def lines(
    versions: tuple[Programme, ...], entries: tuple[Entry, ...], library: Library, today: date
) -> list[str]:
    if not versions:
        return []
    current = versions[-1]
    logged, planned = adherence(versions, entries, today)
    share = f" ({round(100 * logged / planned)}%)" if planned else ""
    out = [f"Home programme: {len(versions)} version(s) since {versions[0].created_at[:10]}; "
           f"{logged} of {planned} planned sessions logged{share}."]  # fmt: skip
    if current.stopped is not None:
        heading = current.stopped.alerts[0].get("heading", "") if current.stopped.alerts else ""
        out.append(f"STOPPED on {current.stopped.at[:10]} by a warning sign in the log: {heading}.")
    for exercise, doses in dose_history(versions).items():
        steps = " -> ".join(d.text for d in doses)
        out.append(f"  {name_of(library, exercise)}: {steps}")
    days = merged_by_day(list(entries))
    if days:
        pains = [max((p for _, p in e.pain), default=None) for e in days]
        shown = ", ".join(
            f"{e.day[5:]} {'-' if p is None else p}/{e.morning}"
            for e, p in zip(days[-8:], pains[-8:], strict=False)
        )
        out.append(f"  Pain during / next morning: {shown}")
    return out


def dose_history(versions: tuple[Programme, ...]) -> dict[str, list[Dose]]:
    out: dict[str, list[Dose]] = {}
    for version in versions:
        for item in version.items:
            seen = out.setdefault(item.exercise, [])
            if not seen or seen[-1] != item.dose:
                seen.append(item.dose)
    return out


def charts(
    versions: tuple[Programme, ...], entries: tuple[Entry, ...], library: Library
) -> list[str]:
    """Pain during each session (the worst exercise); the next morning, on its own scale; and
    each exercise's dose as a share of where it started, so reps, seconds and minutes can
    share one chart."""
    out: list[str] = []
    days = merged_by_day(list(entries))
    if days:
        labels = [e.day[5:] for e in days]
        worst = tuple(float(max(p for _, p in e.pain)) if e.pain else None for e in days)
        out.append(line_chart(
            "Home sessions: pain during, 0-10 (worst exercise)", labels,
            [Series("Pain during", worst)], y_min=0, y_max=10, meaningful=2.0,
        ))  # fmt: skip
        morning = tuple(MORNING_POINTS.get(e.morning) for e in days)
        if any(m is not None for m in morning):
            out.append(line_chart(
                "Next morning: 0 better, 1 as usual, 2 worse than usual", labels,
                [Series("Next morning", morning)], y_min=0, y_max=2,
            ))  # fmt: skip
    if len(versions) > 1:
        labels = [f"v{n} {v.created_at[5:10]}" for n, v in enumerate(versions, start=1)]
        series: list[Series] = []
        for exercise in dose_history(versions):
            amounts = [next((amount(i.dose) for i in v.items if i.exercise == exercise), None)
                       for v in versions]  # fmt: skip
            first = next((a for a in amounts if a), None)
            values = tuple(
                None if a is None or not first else round(100 * a / first) for a in amounts
            )
            series.append(
                Series(
                    name_of(library, exercise),
                    tuple(float(v) if v is not None else None for v in values),
                )
            )
        top = max((x for s in series for x in s.values if x is not None), default=100.0)
        out.append(line_chart(
            "Dose per version, % of where each exercise started", labels, series,
            y_min=0, y_max=float(max(150, -(-int(top * 1.1) // 50) * 50)), unit="%",
        ))  # fmt: skip
    return out


def between(
    versions: tuple[Programme, ...],
    entries: tuple[Entry, ...],
    library: Library,
    start: str,
    end: str,
) -> str:
    """A markdown section for ``compare``: the home programme between two sessions (their
    completion stamps): sessions logged against planned, each dose that changed and why, pain
    during and the next morning at the first and last logged session, and a stop."""
    from imbalance_cli.text import md

    inside = [v for v in versions if start <= v.created_at <= end]
    before = [v for v in versions if v.created_at < start]
    shown = ([before[-1]] if before else []) + inside
    logged = tuple(e for e in entries if start[:10] <= e.day <= end[:10])
    if not shown and not logged:
        return ""
    out = ["", "## Home programme between these sessions", ""]
    end_day = _day(end) or date.today()
    done, planned = adherence(tuple(shown), logged, end_day) if shown else (len(logged), 0)
    out.append(
        f"- Sessions logged: {done} of {planned} planned."
        if planned
        else f"- Sessions logged: {done}."
    )
    for v in inside:
        for d in v.changes:
            if d.changes:
                target = f" -> {md(name_of(library, d.to_exercise))}" if d.to_exercise else ""
                dose = f" ({md(d.to_dose.text)})" if d.to_dose is not None else ""
                out.append(
                    f"- {v.created_at[:10]}: {md(name_of(library, d.exercise))}{target}{dose}: {md(d.says)}"
                )
    days = merged_by_day(list(logged))
    if days:
        first, last = days[0], days[-1]

        def worst(e: Entry) -> str:
            return str(max((p for _, p in e.pain), default="-"))

        out.append(f"- Pain during, worst exercise: {worst(first)} on {first.day} -> {worst(last)} on "
                   f"{last.day}; next morning {first.morning} -> {last.morning}.")  # fmt: skip
    stops = [v for v in shown if v.stopped is not None and start <= v.stopped.at <= end]
    for v in stops:
        assert v.stopped is not None
        heading = v.stopped.alerts[0].get("heading", "") if v.stopped.alerts else ""
        out.append(
            f"- **Stopped on {v.stopped.at[:10]} by a warning sign in the log: {md(str(heading))}.**"
        )
    return "\n".join(out) + "\n"
