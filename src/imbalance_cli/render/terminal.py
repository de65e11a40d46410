"""What the terminal shows: alert panels the moment they fire, and the closing summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import SIDES, AlertLevel, BodyMap, FiredAlert, Result
from imbalance_cli.profile import RegionPain, pain_by_region
from imbalance_cli.rank import plan
from imbalance_cli.render.markdown import next_steps
from imbalance_cli.symmetry import Symmetry, reading, symmetries
from imbalance_cli.text import clean, markup

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console, ConsoleOptions, RenderableType

_STYLE = {
    AlertLevel.EMERGENCY: "bold white on red",
    AlertLevel.URGENT: "bold red",
    AlertLevel.ADVISORY: "yellow",
}
_BORDER = {AlertLevel.EMERGENCY: "red", AlertLevel.URGENT: "red", AlertLevel.ADVISORY: "yellow"}


def alert_panel(fired: FiredAlert) -> RenderableType:
    from rich.panel import Panel

    a = fired.alert
    body = f"[bold]{markup(a.message)}[/]\n\n[bold]What to do:[/] {markup(a.action)}"
    if fired.because:
        body += "\n[dim]Because: " + markup("; ".join(fired.because)) + "[/]"
    title = f"[{_STYLE[a.level]}] {a.heading.upper()} [/]"
    return Panel(body, title=title, title_align="left", border_style=_BORDER[a.level])


def summary(result: Result, written: list[str] | None = None) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = []
    for fired in result.alerts:
        parts.append(alert_panel(fired))
    from imbalance_cli.render.signs import checked_line, quiet_signs, wrote_line

    wrote = wrote_line(result)
    checked = None if wrote else checked_line(result)
    if not result.alerts:
        others = quiet_signs(result)
        if others:
            parts.append(Text("No answer raised a warning-sign alert. Also chosen: "
                              + "; ".join(others) + " (no alert here reads it: tell your "
                              "trainer).", style="yellow"))  # fmt: skip
        elif not wrote:
            parts.append(Text("No warning signs were reported.", style="green"))
    if wrote:
        parts.append(Text(f"⚠ {wrote}", style="bold yellow"))
    elif checked:
        parts.append(Text(f"⚠ {checked}", style="yellow"))
    pain = pain_by_region(result.questionnaire, result.answers)
    if pain:
        parts.append(PainMap(result.questionnaire.bodymap or bodymaps.default(), pain))
    sides = symmetries(result.questionnaire, result.answers)
    if sides:
        parts.append(_sides_table(sides))
    items = plan(result)
    if items:
        table = Table(
            title="Your plan", title_justify="left", expand=True, box=None, padding=(0, 1)
        )
        table.add_column("", width=2, no_wrap=True, style="dim")
        table.add_column("What", ratio=2)
        table.add_column("Start with", ratio=3)
        for n, item in enumerate(items, 1):
            title = f"[bold]{markup(item.title)}[/]"
            if item.goal:
                title += f"\n[dim]Your goal: {markup(item.goal)} ({markup(item.rung or '')})[/]"
            why = item.why + (f" ({'; '.join(item.facts)})" if item.facts else "")
            title += f"\n[dim]Why: {markup(why)}[/]"
            start = markup(item.first)
            if item.how_much:
                start += f"\n[dim]How much: {markup(item.how_much)}[/]"
            table.add_row(str(n), title, start)
        parts.append(table)
        more = [
            r for r in result.recommendations if not r.general and r.id not in {i.id for i in items}
        ]
        if more:
            parts.append(
                Text(
                    f"{len(more)} more {'item' if len(more) == 1 else 'items'} to read and try"
                    f" {'is' if len(more) == 1 else 'are'} in the written summary.",
                    style="dim",
                )
            )
    elif result.recommendations:
        table = Table(
            title="What to read and try",
            title_justify="left",
            expand=True,
            box=None,
            padding=(0, 1),
        )
        table.add_column("", width=5, no_wrap=True, style="dim")
        table.add_column("Title", ratio=2)
        table.add_column("Because", ratio=3)
        for rec in result.recommendations:
            kind = "read" if rec.kind == "article" else "try"
            title = markup(rec.title)
            if rec.after_clinician:
                title += "\n[red](after a clinician has checked you)[/]"
            # The reason with the answers that chose it (which test, which region): a rule's
            # text alone can be an either-or that names none.
            table.add_row(kind, title, markup("\n".join(rec.because or rec.reasons)))
        parts.append(table)
    elif not result.withheld:
        parts.append(Text("No articles or strategies matched these answers."))
    if result.not_asked:
        parts.append(Text(clean(result.questionnaire.wording.fitted(result.questionnaire).stopped)))
    level = result.top_level
    style = "bold red" if level is not None and level.holds_back else ""
    parts.append(Text.assemble(("Next: ", "bold"), (clean(next_steps(result)), style)))
    for path in written or ():
        parts.append(Text.assemble(("Wrote ", "dim"), (path, "bold")))
    parts.append(
        Text(
            "This is education, not a diagnosis or medical advice.",
            style="italic dim",
        )
    )
    return Group(*parts)


def _sides_table(sides: tuple[Symmetry, ...]) -> RenderableType:
    """The left/right tests as the summary's other screens show them: each side, the symmetry
    index, and what the difference reads as."""
    from rich.table import Table

    table = Table(title="Left and right", title_justify="left", box=None, padding=(0, 1))
    table.add_column("Test")
    table.add_column("Left", no_wrap=True)
    table.add_column("Right", no_wrap=True)
    table.add_column("Index", no_wrap=True, justify="right")
    table.add_column("Reading")
    for s in sides:
        unit = f" [dim]({markup(s.unit)})[/]" if s.unit else ""
        table.add_row(
            markup(s.label) + unit,
            *("–" if v is None else f"{v:g}" for v in (s.left, s.right)),
            "–" if s.lsi is None else f"{s.lsi:g}%",
            markup(reading(s)),
        )
    return table


def _pain_style(value: float | None) -> str:
    if value is None:
        return "bold blue"
    return "bold white on red" if value >= 7 else "bold red" if value >= 4 else "bold yellow"


class PainMap:
    """The body map in text beside the pain table: front and back, each region a mark at its
    place (its worst pain 0-9, ``X`` for 10, ``*`` when not rated, ``·`` when not painful),
    sides as the person sees their own body. Without colour, a plain list instead."""

    COLS, ROWS = 15, 14

    def __init__(self, bodymap: BodyMap, pain: dict[str, RegionPain]) -> None:
        self.bodymap = bodymap
        self.pain = pain

    def plain(self) -> list[str]:
        lines = []
        for token, r in self.pain.items():
            parts = [
                f"{name} {v:g}/10"
                for name, v in (("now", r.now), ("worst", r.worst))
                if v is not None
            ]
            lines.append(
                f"{self.bodymap.describe(token)}: {', '.join(parts) or 'painful, not rated'}"
            )
        return lines

    def grid(self, view: str) -> list[list[tuple[str, str]]]:
        cells = [[(" ", "")] * self.COLS for _ in range(self.ROWS)]
        mid = self.COLS // 2
        for region in self.bodymap.regions:
            if region.draw is None or view not in region.views:
                continue
            _, x, y, _, _ = region.draw
            for side in SIDES if region.sided else (None,):
                token = f"{region.id}.{side}" if side else region.id
                signed = -x if side == "right" else x
                col = mid + round((signed if view == "front" else -signed) / 130 * self.COLS * 1.6)
                row = min(self.ROWS - 1, int(y / 270 * self.ROWS))
                col = max(0, min(self.COLS - 1, col))
                r = self.pain.get(token)
                if r is None:
                    mark = ("·", "dim")
                elif r.shade is None:
                    mark = ("*", _pain_style(None))
                else:
                    mark = ("X" if r.shade >= 10 else f"{int(r.shade)}", _pain_style(r.shade))
                if cells[row][col][0] in (" ", "·"):
                    cells[row][col] = mark
        return cells

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        from rich.table import Table
        from rich.text import Text

        if console.no_color or console.color_system is None:
            yield Text("Where it hurts:")
            for line in self.plain():
                yield Text(f"  {line}")
            return
        art = Text()
        art.append("Front".center(self.COLS) + "  " + "Back".center(self.COLS) + "\n", style="bold")
        art.append(
            "R" + " " * (self.COLS - 2) + "L  L" + " " * (self.COLS - 2) + "R\n", style="dim"
        )
        front, back = self.grid("front"), self.grid("back")
        for row in range(self.ROWS):
            for cell in (*front[row], ("  ", ""), *back[row]):
                art.append(cell[0], style=cell[1])
            art.append("\n")
        art.append("R/L: your right and left", style="dim")
        table = Table(title="Where it hurts", title_justify="left", box=None, padding=(0, 1))
        rated = any(v is not None for r in self.pain.values() for v in (r.now, r.worst))
        for name in ("Region", "Now", "Worst") if rated else ("Region",):
            table.add_column(name)
        if not rated:
            # Areas only, not rated here (a check-in takes them from the intake): their names,
            # not a table of dashes.
            table.caption, table.caption_justify = "Not rated here.", "left"
            table.min_width = 20  # the title and caption on a line each
        for token, r in self.pain.items():
            if not rated:
                table.add_row(markup(self.bodymap.describe(token)))
                continue
            table.add_row(
                markup(self.bodymap.describe(token)),
                "–" if r.now is None else f"{r.now:g}/10",
                Text(
                    "–" if r.worst is None else f"{r.worst:g}/10",
                    style=_pain_style(r.worst) if r.worst is not None else "",
                ),
            )
        grid = Table.grid(padding=(0, 3))
        grid.add_row(art, table)
        yield grid
