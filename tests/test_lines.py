"""The first screen's lines written without rich (prompts/lines.py) are the bytes rich writes,
and where they could differ, rich writes them."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from imbalance_cli.model import Library
from imbalance_cli.prompts.lines import BOLD, DIM, Lines, plain
from imbalance_cli.text import markup

WIDTHS = (12, 20, 37, 60, 80, 100, 133)


class Terminal(StringIO):
    """Standard error on a UTF-8 terminal."""

    encoding = "utf-8"  # type: ignore[assignment]

    def isatty(self) -> bool:
        return True


def lines(width: int, **environ: str) -> tuple[Lines, Terminal]:
    screen = Terminal()
    return Lines(screen, {"TERM": "xterm", "COLUMNS": str(width), **environ}), screen


def rich(width: int, *markups: str, rule: str | None = None) -> str:
    out = StringIO()
    console = Console(
        file=out, force_terminal=True, width=width, highlight=False, color_system="standard"
    )
    if rule is not None:
        console.print()
        console.rule(f"[bold]{markup(rule)}[/]", align="left", style="blue")
    for text in markups:
        console.print(text)
    return out.getvalue()


def texts(library: Library) -> list[str]:
    """Every title, intro and help of the bundled questionnaires, and some awkward ones."""
    from imbalance_cli import loader, resources

    found = ["a", "word " * 30, "x" * 150, "two  spaces  between", " leading and trailing  "]
    for name in ("intake", "side-to-side"):
        q = loader.load_questionnaire(resources.resolve(name), library)
        found.append(q.title)
        for section in q.sections:
            found += [section.title, section.intro or ""]
        found += [question.help for question in q.questions if question.help]
    return [t for t in dict.fromkeys(found) if t]


@pytest.mark.parametrize("width", WIDTHS)
def test_lines_write_what_rich_writes(library: Library, width: int) -> None:
    written = 0
    for text in texts(library):
        if not plain(text) or "\n" in text:
            continue
        for lead, spans in (
            ("", [(DIM, text)]),
            ("  ", [("", "  "), (DIM, text)]),
            ("header", [(BOLD, text), ("", "  "), (DIM, "intake 2.2.0")]),
        ):
            writer, screen = lines(width)
            rows = writer.write(spans)
            expected = (
                rich(width, f"[bold]{markup(text)}[/]  [dim]intake 2.2.0[/]")
                if lead == "header"
                else rich(width, f"{lead}[dim]{markup(text)}[/]")
            )
            assert screen.getvalue() == expected, (width, text)
            assert rows == expected.count("\n")  # the rows going back (Esc) erases
            written += 1
        writer, screen = lines(width)
        if writer.rule(text, blank_before=True):
            assert screen.getvalue() == rich(width, rule=text), (width, text)
            assert rich(width, rule=text).count("\n") == 2
        else:
            assert len(text) > width - 2 and screen.getvalue() == ""
    assert written > 50


@pytest.mark.parametrize(
    ("text", "environ", "terminal"),
    [
        ("Plain text", {"NO_COLOR": "1"}, True),
        ("Plain text", {"FORCE_COLOR": "1"}, True),
        ("Plain text", {"TERM": "dumb"}, True),
        ("Plain text", {}, False),
        ("An emoji code :smile: here", {}, True),
        ("Markup-like [bold]text[/]", {}, True),
        ("膝の痛み", {}, True),
        ("A wide 👍 thumb", {}, True),
        ("Two\nlines", {}, True),
    ],
)
def test_lines_leave_to_rich_whatever_rich_could_write_differently(
    text: str, environ: dict[str, str], terminal: bool
) -> None:
    writer, screen = lines(80, **environ)
    if not terminal:
        screen.isatty = lambda: False  # type: ignore[method-assign]
    assert not writer.write([(DIM, text)])
    assert not writer.rule(text)
    assert screen.getvalue() == ""


def test_a_title_too_long_for_its_rule_goes_to_rich() -> None:
    writer, screen = lines(20)
    assert writer.rule("x" * 18) and screen.getvalue().count("─") == 1
    assert not lines(20)[0].rule("x" * 19)
