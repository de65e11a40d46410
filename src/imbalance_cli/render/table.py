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
    for i, column in enumerate(zip(*cells, strict=True)):
        widths[i] = max(widths[i], *map(len, column))
    # Each column's padding chosen once, not once per cell: the rows can be tens of thousands.
    pads = [str.rjust if i in right else str.ljust for i in range(len(widths))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            [pad(v, w) for pad, v, w in zip(pads, values, widths, strict=True)]
        ).rstrip()

    return "\n".join([line(headers), *(line(row) for row in cells)]) + "\n"
