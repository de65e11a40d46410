"""What the terminal shows: alert panels the moment they fire, and the closing summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imbalance_cli.model import AlertLevel, FiredAlert, Result
from imbalance_cli.render.markdown import next_steps
from imbalance_cli.text import markup

if TYPE_CHECKING:
    from rich.console import RenderableType

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
    title = f"[{_STYLE[a.level]}] {a.level.heading.upper()} [/]"
    return Panel(body, title=title, title_align="left", border_style=_BORDER[a.level])


def summary(result: Result, written: list[str] | None = None) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = []
    for fired in result.alerts:
        parts.append(alert_panel(fired))
    if not result.alerts:
        parts.append(Text("No warning signs were reported.", style="green"))
    if result.recommendations:
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
            table.add_row(kind, title, markup("\n".join(rec.reasons or rec.because)))
        parts.append(table)
    elif not result.withheld:
        parts.append(Text("No articles or strategies matched these answers."))
    if result.not_asked:
        parts.append(
            Text(
                "The intake was stopped after the warning sign; the remaining questions were not asked."
            )
        )
    level = result.top_level
    style = "bold red" if level is not None and level.holds_back else ""
    parts.append(Text.assemble(("Next: ", "bold"), (next_steps(result), style)))
    for path in written or ():
        parts.append(Text.assemble(("Wrote ", "dim"), (path, "bold")))
    parts.append(
        Text(
            "This is education, not a diagnosis or medical advice.",
            style="italic dim",
        )
    )
    return Group(*parts)
