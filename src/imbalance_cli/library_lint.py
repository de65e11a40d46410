"""Reading level and citations of client-facing text: every article, strategy, exercise and
situation note of the library, and every alert of a questionnaire, at the grade the library's
``guidance`` sets (``max_grade``, ``max_sentence_words``). Findings are warnings: the text loads,
but a reader may struggle with it. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from imbalance_cli.errors import Problem, SourceLocation
from imbalance_cli.model import Guidance, Library, Questionnaire, Source
from imbalance_cli.readability import long_sentences, reading


def _check(what: str, text: str, where: SourceLocation, guidance: Guidance) -> Iterable[Problem]:
    r = reading(text)
    if r.grade > guidance.max_grade:
        yield Problem(
            where,
            f"{what} reads at US grade {r.grade:g}, above {guidance.max_grade:g}; use shorter "
            "sentences and plainer words",
            severity="warning",
            rule="reading-level",
        )
    for sentence in long_sentences(text, guidance.max_sentence_words):
        yield Problem(
            where,
            f"{what} has a sentence of more than {guidance.max_sentence_words} words; split "
            f"it: '{sentence[:70]}...'",
            severity="warning",
            rule="long-sentence",
        )


def _citation(what: str, source: Source, where: SourceLocation) -> Iterable[Problem]:
    missing = [
        name for name, value in (("authors", source.authors), ("title", source.title)) if not value
    ]
    if not (source.doi or source.pmid or source.url):
        missing.append("a DOI, PMID or URL")
    if not source.year and not (source.url and not source.doi and not source.pmid):
        missing.append("year")  # only a web page that shows no date may go without one
    if missing:
        yield Problem(
            where,
            f"a source of {what} has no {', '.join(missing)}: '{source.citation[:70]}'",
            severity="warning",
            rule="citation",
        )


def lint_library(library: Library, paths: set[str]) -> list[Problem]:
    """Warnings for the library items that live in these files."""
    g = library.guidance
    out: list[Problem] = []
    for a in library.articles.values():
        if a.location.path in paths:
            out += _check(
                f"article '{a.id}'", " ".join(filter(None, (a.summary, a.opinion))), a.location, g
            )
            for source in a.sources:
                out += _citation(f"article '{a.id}'", source, a.location)
    for s in library.strategies.values():
        if s.location.path in paths:
            text = " ".join(
                [s.summary, *s.steps, s.dose, s.progress, s.easier or "", s.harder or "", s.stop]
                + [r.step for r in s.ladder]
                + [t for _, t in s.adapt]
            )
            out += _check(f"strategy '{s.id}'", text, s.location, g)
            for source in s.sources:
                out += _citation(f"strategy '{s.id}'", source, s.location)
    for e in library.exercises.values():
        if e.location.path in paths:
            out += _check(f"exercise '{e.id}'", " ".join([*e.steps_for(), *e.cues]), e.location, g)
            for source in e.sources:
                out += _citation(f"exercise '{e.id}'", source, e.location)
    for sit in library.situations.values():
        if sit.location.path in paths:
            out += _check(f"situation '{sit.id}'", sit.note, sit.location, g)
    return out


def lint_alerts(questionnaire: Questionnaire, guidance: Guidance) -> list[Problem]:
    out: list[Problem] = []
    for alert in questionnaire.alerts:
        out += _check(
            f"alert '{alert.id}'", f"{alert.message} {alert.action}", alert.location, guidance
        )
    return out
