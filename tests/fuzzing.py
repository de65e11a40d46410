"""Mutations of real files, shared by the property tests and benchmarks/fuzz.py.

Each mutation is what an author's slip, a bad merge or a hostile file does to YAML: lines
deleted, duplicated, reindented or swapped; a value replaced by a list, a mapping, null, a huge
number, control characters, an anchor or alias, or a YAML tag such as ``!!python/object``.
"""

from __future__ import annotations

import random

NASTY_VALUES = (
    "[]", "[1, 2, [3]]", "{a: 1}", "null", "~", "", "9" * 400, "-9" * 30, "1.0e+999", ".nan", "-.inf",
    "0x7fffffffffffffffffff", "0o777", "yes", "no", "2024-01-01", "12:30:00", "'\x1b[31mred'",
    '"\\e]0;pwned\\a \\u202e evil"', '"\\0\\x07\\x1b[2J"', "!!python/object:os.system {}",
    "!!python/name:os.system", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!custom x",
    "&anchor value", "*anchor", "[*a, *a]", "'[bold red]markup[/]'", "'<script>x</script>'",
    "'# heading'", "|\n  block", ">-\n  folded", "? complex\n: key", "{id: x, id: y}",
    "'" + "long " * 2000 + "'", "[" * 80 + "]" * 80, "{{{", "]]]", "'unclosed", '"bad \\q escape"',
)  # fmt: skip
NASTY_CHARS = (
    "\x00",
    "\x07",
    "\x1b",
    "\t",
    "\r",
    "\u202e",
    "\ufeff",
    "\ud7ff",
    ":",
    "-",
    "#",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    '"',
    "%",
    "@",
    "`",
    "{",
    "}",
    "[",
    "]",
    ",",
)


def mutate(text: str, rng: random.Random, steps: int | None = None) -> str:
    lines = text.splitlines() or [""]
    for _ in range(steps if steps is not None else rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        op = rng.randrange(8)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            lines[i] = " " * rng.randint(0, 12) + lines[i].lstrip()
        elif op == 3:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in (4, 5):
            head, sep, _ = lines[i].partition(": ")
            value = rng.choice(NASTY_VALUES)
            lines[i] = f"{head}{sep or ': '}{value}"
        elif op == 6:
            pos = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:pos] + rng.choice(NASTY_CHARS) + lines[i][pos:]
        else:
            lines.insert(
                i,
                " " * rng.randint(0, 8)
                + rng.choice(("- ", "? ", "key: ", "--- ", "... "))
                + rng.choice(NASTY_VALUES),
            )
    return "\n".join(lines) + "\n"
