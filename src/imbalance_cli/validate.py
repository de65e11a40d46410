"""``imbalance validate``: check many files at once and collect every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from imbalance_cli import bodymap, loader, resources
from imbalance_cli.errors import DEFAULT_MAX_BYTES, Problem, QuestionnaireError, SourceLocation
from imbalance_cli.library_lint import lint_alerts, lint_library
from imbalance_cli.lint import lint_and_reach
from imbalance_cli.lint_reads import Reach
from imbalance_cli.model import Library


@dataclass
class Report:
    files: int = 0
    bad_files: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Per questionnaire checked: what becomes of its answers (lint.reach).
    reach: dict[str, Reach] = field(default_factory=dict)


def _expand(paths: list[Path], report: Report) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml")
                and p.is_file()
                and "examples" not in p.relative_to(path).parts
            )
        elif path.exists():
            out.append(path)
        else:
            report.problems.append(Problem(SourceLocation(str(path)), "no such file or folder"))
    # One file under two names (relative and absolute, or through a link) is checked once, under
    # the first name given.
    first: dict[Path, Path] = {}
    for path in out:
        first.setdefault(_same(path), path)
    return list(first.values())


def _same(path: Path | str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path).absolute()


def is_library_file(path: Path) -> bool:
    return resources.kind_of_file(path) == "library"


def lint_pictures(library: Library, paths: set[str]) -> list[Problem]:
    """Exercises with no picture (an error for a bundled one: every bundled exercise is drawn)
    and pictures whose drawing leaves its box or goes through the floor."""
    out: list[Problem] = []
    if not paths:  # no library file checked (validate of a questionnaire): nothing to draw
        return out
    from imbalance_cli.render import figure

    bundled = resources.bundled_dir().resolve()
    for e in library.exercises.values():
        if e.location.path not in paths:
            continue
        if e.picture is None:
            ours = Path(e.location.path).resolve().is_relative_to(bundled)
            out.append(
                Problem(
                    e.location,
                    f"exercise '{e.id}' has no picture; add 'picture' with its start and end "
                    "positions (docs/authoring.md, Pictures)",
                    severity="error" if ours else "warning",
                    rule="picture",
                )
            )
            continue
        for message in figure.problems(e.picture):
            out.append(Problem(e.picture.location, f"exercise '{e.id}': {message}", rule="picture"))
    return out


def _library(library_paths: list[Path], max_bytes: int, checking: bool) -> Library:
    """The library questionnaires are checked against. When no library file is among those
    checked it is only the background, the one ``run`` uses: taken from the parse cache (by the
    files' content, so an edited library file is parsed again) rather than parsed anew, which
    was a tenth of a second of every ``validate`` of a questionnaire. Library files being
    checked are parsed (and then linted) as given; so is the library under another size limit,
    which the cache does not read under."""
    if checking or max_bytes != DEFAULT_MAX_BYTES:
        return loader.load_library(library_paths, max_bytes)
    from imbalance_cli.workflow import cache

    return cache.library(library_paths)


def validate_paths(paths: list[Path], library_paths: list[Path], max_bytes: int) -> Report:
    report = Report()
    files = _expand(paths, report)
    # A library file given by another name (relative, or through a link) is the same file: it
    # is checked once, as part of the library.
    known = {p.resolve() for p in library_paths}
    files = [p for p in files if not (is_library_file(p) and p.resolve() in known)] + [
        p for p in library_paths if p.resolve() in {f.resolve() for f in files}
    ]
    files = list(dict.fromkeys(files))
    libraries = [p for p in files if is_library_file(p) and p not in library_paths]
    # Library files given to check are checked on their own: a copy of the bundled library is
    # not "an id used twice". Questionnaires are then checked against the bundled library plus
    # what the given files add.
    library: Library | None
    try:
        library = _library(
            library_paths,
            max_bytes,
            checking=bool(libraries) or any(p in library_paths for p in files),
        )
    except QuestionnaireError as exc:
        library = None
        report.problems += list(exc.problems)
        report.bad_files += len({p.location.path for p in exc.problems})
    for path in libraries:
        try:
            extra = loader.load_library([path], max_bytes, base=library)
        except QuestionnaireError as exc:
            report.problems += list(exc.problems)
            report.bad_files += 1
            continue
        report.problems += lint_library(extra, {str(path)})
        if library is not None:
            library = Library(
                articles={**extra.articles, **library.articles},
                strategies={**extra.strategies, **library.strategies},
                exercises={**extra.exercises, **library.exercises},
                situations={**extra.situations, **library.situations},
                word_lists={**extra.word_lists, **library.word_lists},
                guidance=library.guidance,
                programme=library.programme or extra.programme,
            )
    if library is not None:
        checked = {str(p) for p in files if p in library_paths}
        report.problems += lint_library(library, checked)
        report.problems += lint_pictures(library, checked)
    for path in files:
        report.files += 1
        if path in libraries or path in library_paths or is_library_file(path):
            continue
        if resources.kind_of_file(path) == "bodymap":
            try:
                bodymap.load(path, max_bytes)
            except QuestionnaireError as exc:
                report.bad_files += 1
                report.problems += exc.problems
            continue
        try:
            questionnaire = loader.load_questionnaire(path, library, max_bytes)
        except QuestionnaireError as exc:
            report.bad_files += 1
            report.problems += exc.problems
            continue
        found, reached = lint_and_reach(questionnaire)
        from imbalance_cli.references import check_from

        found += check_from(questionnaire, library, max_bytes)
        if library is not None:
            found += lint_alerts(questionnaire, library.guidance)
        if found:
            report.problems += found
            report.bad_files += 1
        report.reach[questionnaire.id] = reached
    # Counted by file, whatever name a finding gives it: a library file that the whole library
    # failed on counts once, and is counted among the files even when it was not named.
    # Each name resolved once: a large questionnaire can have thousands of findings.
    bad = {_same(path) for path in {p.location.path for p in report.problems}}
    report.bad_files = len(bad)
    report.files = len({_same(p) for p in files} | bad)
    return report
