"""How hard a text is to read: the Flesch-Kincaid grade (a US school grade) and its longest
sentence, for the client-facing text of the library and the alerts. Pure.

The grade is 0.39 x words per sentence + 11.8 x syllables per word - 15.59 (Kincaid et al. 1975,
the formula behind most "reading level" tools). Syllables are counted by vowel groups with the
usual corrections (a silent final "e", "-le", "-ed"); on ordinary English this is within a
syllable of a dictionary count for most words, which is all a grade needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_VOWELS = re.compile(r"[aeiouy]+")
#: Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms|St|al|No|min|max)\.", re.I)


def syllables(word: str) -> int:
    w = word.lower().strip("'’")
    if not w or w[0].isdigit():
        return max(1, len(w) // 3) if w else 0
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouydt]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(_VOWELS.findall(w)))


def sentences(text: str) -> list[str]:
    """The sentences of a text (list items and lines count as sentences of their own)."""
    text = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", ""), text)
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n\s*[-*\d]+[.)]?\s", text):
        for part in _SENTENCE_END.split(" ".join(block.split())):
            if _WORD.search(part):
                out.append(part.strip())
    return out


@dataclass(frozen=True)
class Reading:
    grade: float
    words: int
    sentences: int
    longest: int
    longest_sentence: str


def reading(text: str) -> Reading:
    parts = sentences(text)
    words = [w for s in parts for w in _WORD.findall(s)]
    if not words:
        return Reading(0.0, 0, 0, 0, "")
    count = len(words)
    syl = sum(syllables(w) for w in words)
    grade = 0.39 * count / max(1, len(parts)) + 11.8 * syl / count - 15.59
    longest = max(parts, key=lambda s: len(_WORD.findall(s)))
    return Reading(round(grade, 1), count, len(parts), len(_WORD.findall(longest)), longest)


def long_sentences(text: str, limit: int) -> list[str]:
    """The sentences of more than ``limit`` words."""
    return [s for s in sentences(text) if len(_WORD.findall(s)) > limit]
