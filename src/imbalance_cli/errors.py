"""The project's exceptions and exit codes.

Only ``cli.py`` catches these: the core raises, the edge prints and exits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

#: The largest questionnaire file read by default (``--max-size`` changes it). Here rather than in
#: the YAML module so that the command line can name it without importing PyYAML.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class ExitCode(IntEnum):
    """Exit codes of the ``imbalance`` command (see DESIGN.md)."""

    OK = 0
    PROBLEMS = 1
    USAGE = 2
    INTERRUPTED = 130


class SourceLocation(NamedTuple):
    """A place in a file, 1-based, as editors show it. (A named tuple: the loader makes one for
    every object it reads, and tuples are several times cheaper to create than frozen
    dataclasses; ordering is by path, line, column.)"""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


#: Where built-in objects (not read from a file) are.
NOWHERE = SourceLocation("<built-in>")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, where it is, and how to fix it. An ``error`` stops
    the file from being used (or, from the lint, is logic that can never work); a ``warning`` is
    worth a look but does not (``validate --strict`` fails on warnings too)."""

    location: SourceLocation
    message: str
    severity: str = "error"
    #: A short stable name of the kind of problem, for tools (``validate --format sarif``).
    rule: str = "load"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        if self.is_warning:
            return f"{self.location}: warning: {self.message}"
        return f"{self.location}: {self.message}"


class ImbalanceError(Exception):
    """Base of every error a user or an author can cause. Carries its exit code."""

    exit_code: ExitCode = ExitCode.PROBLEMS

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(ImbalanceError):
    """The command line was used wrongly (exit 2)."""

    exit_code = ExitCode.USAGE


class ProblemsError(ImbalanceError):
    """One or more located problems in an input file; all of them, not only the first."""

    def __init__(self, problems: Iterable[Problem], *, what: str = "input") -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.location, p.message)))
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in {what}:", *(str(p) for p in self.problems)]
        super().__init__("\n".join(lines))


class QuestionnaireError(ProblemsError):
    """A questionnaire or library file failed to load."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, what="the questionnaire")


class LibraryError(QuestionnaireError):
    """A content library file (bundled or the author's own) failed to load."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        ProblemsError.__init__(self, problems, what="the content library")


class AnswersError(ProblemsError):
    """An answers file does not fit its questionnaire."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, what="the answers")


class Interrupted(ImbalanceError):
    """The person pressed Ctrl-C. Carries the answers given so far so nothing is lost."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, answers: Mapping[str, Any], message: str = "interrupted") -> None:
        super().__init__(message)
        self.answers = dict(answers)


class AnswersChanged(ImbalanceError):
    """A save was refused: another writer changed answers of the session since this one read
    them (each stored answer carries a revision). Carries the answers as now stored, read into
    the questionnaire, and the questions whose answers differ, so that the session shows the
    newer answers and asks those questions again. Nothing of the refused save was written."""

    def __init__(self, answers: Mapping[str, Any], changed: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.answers = dict(answers)
        self.changed = changed


class StoreError(ImbalanceError):
    """The session store failed: its message says what happened, what is kept and what to do.
    Each engine turns its driver's errors into these, so nothing above the store depends on
    which engine it is."""


class StoreConflict(StoreError):
    """A write did not fit what is stored: the row it changes was deleted meanwhile, is no
    longer the writer's to change, or the data breaks a rule of the schema."""


class StoreUnavailable(StoreError):
    """The store cannot be reached: the connection to the server was lost, or the server is
    not (or no longer) answering."""


class StoreAccessDenied(StoreError):
    """Who is connecting may not use the store: a wrong password, a role the server does not
    know or that is not a trainer, a missing passphrase. A usage problem, fixed by the person
    (exit 2)."""

    exit_code = ExitCode.USAGE
