"""Words of a word list found in free text: the only way free text reaches the rules, and then
only to bring a confirmation question (warning words) or to link a goal to an activity.

An entry is a word or a phrase, matched whole and without regard to case; a phrase's words may
be separated by any spaces or hyphens; ``*`` at the end of an entry matches any ending
(``dizz*``: dizzy, dizziness). Curly apostrophes count as straight ones. Negation is not read:
"no dizziness" still finds "dizziness", and the confirmation question settles it.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for entry in words:
        stem = entry.endswith("*")
        tokens = (entry[:-1] if stem else entry).split()
        body = r"[\s\-]+".join(re.escape(t).replace("\\-", "-") for t in tokens)
        parts.append(rf"(?<!\w){body}" + (r"\w*" if stem else r"(?!\w)"))
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def find(text: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct pieces of ``text`` that entries of ``words`` match, as written, in order."""
    pattern = _pattern(words)
    if pattern is None or not text:
        return ()
    found: dict[str, str] = {}
    for match in pattern.finditer(normal(text)):
        piece = " ".join(match.group(0).split())
        found.setdefault(piece.lower(), piece)
    return tuple(found.values())
