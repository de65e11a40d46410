"""Markdown as plain lines for the plain mode: what a screen reader or a braille display should
read, without the marks that only draw the page.

Headings become their words alone (a top-level one underlined with ``=``, the others introduced
by a blank line); emphasis and code marks are dropped; list items start with ``- ``; a table
becomes a line per row of ``header: cell`` pairs (read aloud, a row of pipes and dashes says
nothing); a link keeps its address in brackets; pictographs that only decorate a heading (⚠,
🚨) are left out. The words are the summary's own: nothing is added or cut.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def render(markdown: str) -> str:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(markdown)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            text = _words(_inline(tokens[i + 1]))
            out += ["", text, "=" * len(text)] if token.tag == "h1" else ["", text]
            i += 3
        elif token.type == "paragraph_open":
            out.append(("- " if _in_list(tokens, i) else "") + _inline(tokens[i + 1]))
            if not _in_list(tokens, i):
                out.append("")
            i += 3
        elif token.type == "table_open":
            i = _table(tokens, i, out)
        elif token.type == "hr" or token.type in ("bullet_list_close", "ordered_list_close"):
            out.append("")
            i += 1
        else:
            i += 1
    lines: list[str] = []
    for line in out:
        if line == "" and (not lines or lines[-1] == ""):
            continue  # one blank line between blocks
        lines.append(line)
    return "\n".join(lines).strip() + "\n"


def _in_list(tokens: list[Any], index: int) -> bool:
    return index > 0 and tokens[index - 1].type == "list_item_open"


def _inline(token: Any) -> str:
    """The text of an inline token: its words, without emphasis or code marks; a line break
    kept; a link with its address after it, unless its words are the address."""
    parts: list[str] = []
    link: str | None = None
    start = 0
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            link, start = str(child.attrs.get("href", "")), len(parts)
        elif child.type == "link_close" and link:
            if "".join(parts[start:]).strip() != link:
                parts.append(f" ({link})")
            link = None
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _words(text: str) -> str:
    """A heading without the pictographs that decorate it."""
    kept = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("So", "Sk") and ch != "\ufe0f"
    )
    return " ".join(kept.split())


def _table(tokens: list[Any], start: int, out: list[str]) -> int:
    header: list[str] = []
    row: list[str] = []
    in_head = False
    i = start
    while i < len(tokens) and tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(_inline(tokens[i + 1]))
        elif token.type == "tr_close":
            if in_head:
                header = row
            else:
                pairs = [
                    f"{header[n]}: {cell}" if n < len(header) and header[n] else cell
                    for n, cell in enumerate(row)
                    if cell
                ]
                out.append("; ".join(pairs) + ".")
        i += 1
    out.append("")
    return i + 1
