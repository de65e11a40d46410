"""A plain text table: fixed-width columns, no styling. Used for lists that can run to tens of
thousands of rows, where building a rich table would take seconds."""

from __future__ import annotations

from collections.abc import Sequence

from imbalance_cli.text import one_line


def plain_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
) -> str:
    """Columns as wide as their widest cell, two spaces apart; ``right`` columns right-aligned.
    Cells are cleaned of control characters and folded to one line."""
    cells = [[one_line(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            if len(cell) > widths[i]:
                widths[i] = len(cell)

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in cells)]) + "\n"
