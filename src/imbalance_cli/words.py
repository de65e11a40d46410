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


@lru_cache(maxsize=4096)
def _first(entry: str) -> str:
    """An entry's first word, in lower case: text without it cannot match the entry."""
    words = entry.rstrip("*").lower().split()
    return words[0] if words else ""


def find(text: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct pieces of ``text`` that entries of ``words`` match, as written, in order."""
    return pieces(spans(text, words))


def spans(text: str, words: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    """Where entries of ``words`` match ``text``: (start, end, the piece as written).

    Only the entries whose first word occurs somewhere in the text go into the pattern, so a
    list of a hundred phrases costs a substring test each, not a regular expression to compile
    at every start-up (the word lists cost a fifth of a headless run); the matches are the same,
    since an entry can only match where its first word is."""
    if not text:
        return ()
    text = normal(text)
    lowered = text.lower()
    present = tuple(entry for entry in words if _first(entry) in lowered)
    pattern = _pattern(present)
    if pattern is None:
        return ()
    return tuple((m.start(), m.end(), m.group(0)) for m in pattern.finditer(text))


def pieces(
    found: tuple[tuple[int, int, str], ...] | list[tuple[int, int, str]],
) -> tuple[str, ...]:
    """The distinct pieces of these matches, spaces made single, in order."""
    out: dict[str, str] = {}
    for _, _, match in found:
        piece = " ".join(match.split())
        out.setdefault(piece.lower(), piece)
    return tuple(out.values())


def find_own(
    text: str, words: tuple[str, ...], shadows: tuple[tuple[str, ...], ...] = ()
) -> tuple[str, ...]:
    """``find``, without the matches inside a longer match of a list of ``shadows``."""
    if not shadows:
        return find(text, words)
    found = {"": spans(text, words)}
    found.update((str(n), spans(text, other)) for n, other in enumerate(shadows))
    return pieces(within_longer(found)[""])


def within_longer(
    found: dict[str, tuple[tuple[int, int, str], ...]],
) -> dict[str, tuple[tuple[int, int, str], ...]]:
    """Each list's matches without those inside a longer match of another list: "climb the
    stairs" is walking, and its "climb" is not climbing."""
    out: dict[str, tuple[tuple[int, int, str], ...]] = {}
    for list_id, matches in found.items():
        out[list_id] = tuple(
            (start, end, piece)
            for start, end, piece in matches
            if not any(
                other != list_id and s <= start and end <= e and e - s > end - start
                for other, theirs in found.items()
                for s, e, _ in theirs
            )
        )
    return out
