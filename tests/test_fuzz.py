"""Property tests: random mutations of every bundled file end in a clean accept or in located
problems, never in a traceback. (benchmarks/fuzz.py runs many more and times them.)"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PERSONA_FILES, ROOT
from fuzzing import mutate
from imbalance_cli import loader, resources
from imbalance_cli.answers import read_answers
from imbalance_cli.errors import AnswersError, ProblemsError, QuestionnaireError
from imbalance_cli.model import Library, Questionnaire

BUNDLED = resources.bundled_dir()
QUESTIONNAIRES = [BUNDLED / "intake.yaml"]
LIBRARY_FILES = resources.library_paths()
ANSWERS = PERSONA_FILES[:3]
CORPUS = sorted((ROOT / "tests" / "fixtures" / "fuzz").glob("*"))

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _write(text: str, suffix: str = ".yaml") -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as handle:
        handle.write(text)
    return Path(handle.name)


def _assert_located(error: ProblemsError, path: Path) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.location.path == str(path)
        assert problem.message and "\n" not in problem.message
        if "YAML" in problem.message or "character" in problem.message:
            assert problem.location.line > 0, problem


@pytest.mark.parametrize("source", QUESTIONNAIRES, ids=lambda p: p.name)
@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_mutated_questionnaires_load_or_fail_cleanly(
    source: Path, rng: random.Random, library: Library
) -> None:
    path = _write(mutate(source.read_text(encoding="utf-8"), rng))
    try:
        loader.load_questionnaire(path, library)
    except QuestionnaireError as exc:
        _assert_located(exc, path)
    finally:
        path.unlink()


@pytest.mark.parametrize("source", LIBRARY_FILES, ids=lambda p: p.name)
@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_mutated_library_files_load_or_fail_cleanly(source: Path, rng: random.Random) -> None:
    path = _write(mutate(source.read_text(encoding="utf-8"), rng))
    try:
        loader.load_library([path])
    except QuestionnaireError as exc:
        _assert_located(exc, path)
    finally:
        path.unlink()


@pytest.mark.parametrize("source", ANSWERS, ids=lambda p: p.name)
@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_mutated_answers_load_or_fail_cleanly(
    source: Path, rng: random.Random, intake: Questionnaire
) -> None:
    path = _write(mutate(source.read_text(encoding="utf-8"), rng))
    try:
        read_answers(path, intake)
    except AnswersError as exc:
        _assert_located(exc, path)
    finally:
        path.unlink()


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.name)
def test_fuzz_corpus_regressions(case: Path, library: Library, intake: Questionnaire) -> None:
    """The nastiest inputs found so far (see benchmarks/fuzz.py) stay clean failures."""
    kind = case.name.split("-", 1)[0]
    try:
        if kind == "answers":
            read_answers(case, intake)
        elif kind == "library":
            loader.load_library([case])
        else:
            loader.load_questionnaire(case, library)
    except ProblemsError as exc:
        _assert_located(exc, case)
