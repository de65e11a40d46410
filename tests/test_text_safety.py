"""Text from questionnaires and answers cannot restyle the terminal or inject markdown."""

from __future__ import annotations

from io import StringIO

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from imbalance_cli.text import clean, markup, md

ATTACKS = [
    "# Heading",
    "## also a heading",
    "Title\n===",
    "- list item",
    "* star item",
    "+ plus item",
    "1. ordered",
    "12) ordered",
    "> quote",
    "[link](https://evil.example)",
    "![image](https://evil.example/x.png)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code`",
    "```\nfenced\n```",
    "    indented code",
    "| a | b |\n|---|---|\n| c | d |",
    "**bold** _em_ ~~strike~~",
    "https://evil.example/path",
    "www.evil.example",
    "mail@evil.example",
    "&lt;entity&gt; &#x3C;",
    "[ref]: https://evil.example",
    "<https://evil.example>",
    "line one\n\n# heading after blank",
    "\x1b[31mred\x1b[0m \u202eevil\u202c",
    "a\\",
]

BAD_TOKENS = {
    "heading_open", "link_open", "image", "html_block", "html_inline", "code_inline", "code_block",
    "fence", "table_open", "bullet_list_open", "ordered_list_open", "blockquote_open", "strong_open",
    "em_open", "s_open", "hr",
}  # fmt: skip


def _tokens(markdown: str) -> set[str]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    try:
        parser = parser.enable("linkify")
        parser.options["linkify"] = True
    except Exception:  # linkify-it-py not installed: autolinks are covered by commonmark rules
        pass
    found: set[str] = set()
    for token in parser.parse(markdown):
        found.add(token.type)
        for child in token.children or ():
            found.add(child.type)
    return found


@pytest.mark.parametrize("attack", ATTACKS)
def test_escaped_free_text_parses_as_plain_text(attack: str) -> None:
    """Placed in a list item as the summary does, escaped text yields no structure at all."""
    document = f"- **Notes:** {md(attack)}\n"
    tokens = _tokens(document) - {"bullet_list_open", "list_item_open", "strong_open"}
    assert not tokens & BAD_TOKENS, (attack, md(attack), tokens & BAD_TOKENS)
    alone = _tokens(md(attack) + "\n")
    assert not alone & BAD_TOKENS, (attack, md(attack), alone & BAD_TOKENS)


def test_escaped_text_still_reads_as_typed() -> None:
    """Escaping changes the source, not what a reader sees."""
    html = MarkdownIt("commonmark").render(md("Knee [left] *hurts* <a lot> & #1 - 50% of days"))
    assert "Knee [left] *hurts* &lt;a lot&gt; &amp; #1 - 50% of days" in html


def test_clean_strips_escapes_controls_and_bidi() -> None:
    assert clean("\x1b[2J\x1b]0;title\x07ok\u202e\x07\x00\u2066") == "ok"
    assert clean("tab\tand\nnewline") == "tab\tand\nnewline"


def test_markup_keeps_rich_markup_literal() -> None:
    out = StringIO()
    console = Console(
        file=out, width=100, force_terminal=True, color_system="truecolor", highlight=False
    )
    console.print(markup("[bold red]shout[/] \x1b[5mblink"))
    text = out.getvalue()
    assert "[bold red]shout[/]" in text
    assert "\x1b[5m" not in text
