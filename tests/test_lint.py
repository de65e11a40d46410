"""The lint finds dead logic in questionnaires that load: what can never be shown, never fire or
never be answered, and what nothing reads. Each case is a questionnaire with one mistake, and the
lint must name it, at its line, as an error or a warning, once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from imbalance_cli import resources
from imbalance_cli.lint import lint
from imbalance_cli.model import Questionnaire
from imbalance_cli.validate import validate_paths

HEAD = """
id: dead
title: Dead logic
version: "1"
sections:
  - id: s
    title: S
    questions:
      - {id: pain, type: scale, text: How bad?}
      - {id: count, type: number, text: How many?, min: 0, max: 5}
      - {id: kind, type: single, text: Kind?, choices: [{id: a, label: A}, {id: b, label: B}]}
      - {id: where, type: body_regions, text: Where?, regions: [shoulder]}
"""
# Lines of HEAD (as written to a file): `pain` is on line 8, `where` on 11; a case's lines follow.
# A rule reading every HEAD question, so none of them is reported as unread.
READ_ALL = """
recommendations:
  - id: uses_all
    when: {any: [{question: pain, gte: 5}, {question: count, gte: 1}, {question: kind, equals: a},
                 {question: where, includes: shoulder}]}
    because: Reads everything
    articles: [soreness-vs-pain]
"""

# (name, the questions added after HEAD, then the rest of the file, expected findings as
# (line, severity, rule, words of the message)).
CASES: list[tuple[str, str, list[tuple[int, str, str, str]]]] = [
    (
        "a fraction on a whole-number scale",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: pain, equals: 5.5}}\n"
        + READ_ALL,
        [
            (
                12,
                "error",
                "impossible-value",
                "'equals: 5.5' is never true of 'pain', which takes whole numbers from 0 to 10",
            )
        ],
    ),
    (
        "a value out of the range of a number question",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: count, in: [6, 7]}}\n"
        + READ_ALL,
        [
            (
                12,
                "error",
                "impossible-value",
                "'in: [6, 7]' is never true of 'count', which takes whole numbers from 0 to 5",
            )
        ],
    ),
    (
        "more zones than the offered regions cover",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: where, zones: 3}}\n" + READ_ALL,
        [
            (
                12,
                "error",
                "impossible-value",
                "'zones: 3' is never true of 'where': the regions it offers cover 2 zone(s)",
            )
        ],
    ),
    (
        "a question shown only through a question that is never shown",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: pain, equals: 7.5}}\n"
        "      - {id: q2, type: yes_no, text: Q2?, when: {question: q1, equals: true}}\n"
        + READ_ALL,
        [
            (12, "error", "impossible-value", "'equals: 7.5' is never true of 'pain'"),
            (
                13,
                "error",
                "never-shown",
                "question 'q2' can never be shown: 'q1' is never shown, so it is never answered",
            ),
        ],
    ),
    (
        "a rule that reads a question never shown",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: count, in: [9]}}\n"
        + READ_ALL
        + "  - id: never\n    when: {question: q1, equals: true}\n    because: Never\n"
        "    articles: [soreness-vs-pain]\n",
        [
            (12, "error", "impossible-value", "'in: [9]' is never true of 'count'"),
            (
                20,
                "error",
                "never-fires",
                "recommendation 'never' can never be made: 'q1' is never shown",
            ),
        ],
    ),
    (
        "an alert that reads a question never shown",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: count, in: [8, 9]}}\n"
        + READ_ALL
        + "alerts:\n  - id: ghost\n    level: urgent\n    when: {question: q1, equals: true}\n"
        "    message: Never raised.\n    action: See a doctor within days.\n",
        [
            (12, "error", "impossible-value", "'in: [8, 9]' is never true of 'count'"),
            (21, "error", "never-fires", "alert 'ghost' can never be raised: 'q1' is never shown"),
        ],
    ),
    (
        "'not' over a test every answer passes",
        "      - {id: q1, type: yes_no, text: Q?, when: {not: {question: count, gte: 0}}}\n"
        + READ_ALL,
        [
            (
                12,
                "error",
                "never-shown",
                "question 'q1' can never be shown: 'gte: 0' holds for every answer 'count' can be given",
            )
        ],
    ),
    (
        "'not' over 'in' listing every choice of a single question",
        "      - {id: q1, type: yes_no, text: Q?, when: {not: {question: kind, in: [a, b]}}}\n"
        + READ_ALL,
        [
            (
                12,
                "error",
                "never-shown",
                "question 'q1' can never be shown: 'in: [a, b]' holds for every answer",
            )
        ],
    ),
    (
        "'answered: false' on a question everyone must answer",
        "      - {id: q1, type: yes_no, text: Q?, when: {question: pain, answered: false}}\n"
        + READ_ALL,
        [
            (
                12,
                "error",
                "never-shown",
                "'pain' is required and always asked before this, so it is answered by then",
            )
        ],
    ),
    (
        "a question nothing reads",
        "      - {id: lonely, type: yes_no, text: Does anyone read this?}\n"
        "      - {id: told, type: yes_no, text: For the reader, for_reader: true}\n"
        "      - {id: notes, type: text, text: Anything else?}\n" + READ_ALL,
        [(12, "warning", "unread", "no condition, role or summary table reads question 'lonely'")],
    ),
]


@pytest.mark.parametrize(("name", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_lint_finds_each_mistake_once_at_its_line(
    name: str,
    body: str,
    expected: list[tuple[int, str, str, str]],
    load: Callable[..., Questionnaire],
) -> None:
    found = lint(load(HEAD + body))
    got = [(p.location.line, p.severity, p.rule, p.message) for p in found]
    assert len(got) == len(expected), got
    for (line, severity, rule, words), problem in zip(expected, got, strict=True):
        assert problem[:3] == (line, severity, rule), got
        assert words in problem[3], got


def test_a_dead_branch_of_any_is_a_warning(load: Callable[..., Questionnaire]) -> None:
    """One part of an 'any' that cannot hold while the rest can: the condition still works, so
    it is a warning, at that part."""
    text = HEAD + (
        "      - {id: q1, type: yes_no, text: Q?, when: {question: count, answered: false}}\n"
        "      - {id: q2, type: yes_no, text: Q2?, when: {any: [{question: pain, gte: 8}, {question: q1, equals: true}]}}\n"
        + READ_ALL
    )
    found = [(p.location.line, p.location.column, p.severity, p.rule) for p in lint(load(text))]
    assert found == [
        (12, 9, "error", "never-shown"),  # q1: 'count' is always answered
        (13, 9, "warning", "unread"),  # nothing reads q2
        (13, 82, "warning", "dead-branch"),  # the part of q2 that reads q1
    ]


def test_after_an_emergency_stop_answers_may_be_missing(load: Callable[..., Questionnaire]) -> None:
    """An emergency can end the run early: an alert may then find a question after the first one
    an emergency reads unanswered, but never one before it. A rule reads a whole run, since a run
    an emergency stopped recommends nothing."""

    def alert(question: str) -> str:
        return (
            f"  - id: skipped_{question}\n    level: advisory\n"
            f"    when: {{question: {question}, answered: false}}\n"
            "    message: Left unanswered.\n    action: Mention it at your next visit.\n"
        )

    emergency = (
        "alerts:\n  - id: now\n    level: emergency\n    when: {question: count, gte: 5}\n"
        "    message: Extreme pain.\n    action: Get help now.\n"
    )
    rule = (
        "  - id: stopped\n    when: {question: kind, answered: false}\n    because: Stopped early\n"
        "    articles: [soreness-vs-pain]\n"
    )
    found = lint(load(HEAD + READ_ALL + rule + emergency + alert("pain") + alert("kind")))
    assert [(p.rule, p.message.split(":")[0]) for p in found] == [
        ("never-fires", "recommendation 'stopped' can never be made"),
        ("never-fires", "alert 'skipped_pain' can never be raised"),
    ]
    # Without an emergency, nothing stops a run early: 'kind' is always answered too.
    plain = lint(load(HEAD + READ_ALL + "alerts:\n" + alert("kind")))
    assert [p.message.split(":")[0] for p in plain] == ["alert 'skipped_kind' can never be raised"]


REPEATED = """
id: repeated
title: Repeated
version: "1"
sections:
  - id: start
    title: Start
    questions:
      - {id: flags, type: multi, text: Any?, choices: [{id: fever, label: Fever}, {id: none, label: None, exclusive: true}]}
      - {id: regions, type: body_regions, text: Where?, regions: [neck, knee], none: No pain}
  - id: per
    title: "{region}"
    repeat: regions
    questions:
      - {id: worst, type: scale, text: Worst?, role: pain_worst}
      - {id: night, type: yes_no, text: Night?, when: {question: worst, gte: 5}}
      - {id: calm, type: yes_no, text: Calm?, when: {not: {question: worst, lte: 10}}, for_reader: true}
recommendations:
  - {id: uses, when: {any: [{question: flags, includes: fever}, {question: night.*, equals: true}]}, because: B, articles: [soreness-vs-pain]}
"""


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "{same_region: {all: [{question: night, equals: true}, {question: worst, lte: 3}]}}",
            "no answer to 'worst.neck' passes 'lte: 3' and 'gte: 5' (only then is 'night' asked) at once (and 2 more alike)",
        ),
        (
            "{all: [{question: flags, includes: none}, {question: flags, includes: fever}]}",
            "'flags' cannot include 'none', which excludes every other answer, and 'fever' at once",
        ),
        (
            "{all: [{question: regions, includes: none}, {question: worst.*, gte: 1}]}",
            "'regions' cannot include 'none', which excludes every other answer, and 'neck' at once",
        ),
    ],
    ids=["asked-only-when", "exclusive-choice", "exclusive-region"],
)
def test_what_asking_a_question_implies_and_exclusive_choices(
    rule: str, words: str, load: Callable[..., Questionnaire]
) -> None:
    """A test on a question holds only when the question was asked, so only when its own and
    its section's conditions held; an exclusive choice is never ticked with another."""
    text = REPEATED + (
        f"  - {{id: dead, when: {rule}, because: Never, articles: [soreness-vs-pain]}}\n"
    )
    found = [p for p in lint(load(text)) if p.rule == "never-fires"]
    assert len(found) == 1 and words in found[0].message, [p.message for p in found]


def test_within_its_section_a_sibling_is_certainly_answered(
    load: Callable[..., Questionnaire],
) -> None:
    """In a section repeated per region, a required question without a condition of its own is
    answered whenever a later question of the same section is asked: 'not lte 10' on it never
    holds there."""
    found = [(p.location.line, p.rule, p.message) for p in lint(load(REPEATED))]
    assert (
        16,
        "never-shown",
        "question 'calm' can never be shown: 'lte: 10' holds for every answer 'worst' can be given, so 'not' never does",
    ) in found


def test_in_listing_a_value_out_of_range_and_curly_quotes_are_warnings(
    load: Callable[..., Questionnaire],
) -> None:
    text = HEAD + (
        "      - {id: q1, type: yes_no, text: Q?, when: {question: count, in: [2, 9]}, for_reader: true}\n"
        '      - {id: q2, type: yes_no, text: "\u201cCurly?\u201d", for_reader: true}\n' + READ_ALL
    )
    found = [(p.location.line, p.severity, p.rule, p.message) for p in lint(load(text))]
    assert (
        12,
        "warning",
        "impossible-value",
        "in question 'q1': 'in' lists 9, which 'count' can never be (whole numbers from 0 to 5)",
    ) in found
    assert any(r == "curly-quotes" and line == 13 and s == "warning" for line, s, r, _ in found)


def test_roles_paired_tests_and_text_are_never_unread(load: Callable[..., Questionnaire]) -> None:
    text = """
    id: roles
    title: Roles
    version: "1"
    sections:
      - id: where
        title: Where
        questions:
          - {id: regions, type: body_regions, text: Where?}
      - id: per
        title: "{region}"
        repeat: regions
        questions:
          - {id: now, type: scale, text: Now?, role: pain_now}
      - id: goals
        title: Goals
        questions:
          - {id: goal, type: text, text: Goal?, role: goal}
          - {id: rating, type: scale, text: How well?, role: goal_rating}
          - {id: grip, type: paired, text: "Grip {side}?", unit: kilograms}
          - {id: notes, type: text, text: Notes?}
    """
    # 'regions' is read by the repeated section; nothing else is unread.
    assert lint(load(text)) == []


def test_the_bundled_questionnaires_lint_clean(library: object) -> None:
    """The shipped intake and side-to-side check have no dead logic and no unread question:
    `imbalance validate --strict` passes on them."""
    report = validate_paths([resources.bundled_dir()], resources.library_paths(), 2_000_000)
    assert [str(p) for p in report.problems] == []
    assert report.files >= 3


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cwd,
    )  # fmt: skip


def _dead_file(tmp_path: Path) -> Path:
    path = tmp_path / "dead.yaml"
    path.write_text(
        HEAD.lstrip("\n")
        + "      - {id: q1, type: yes_no, text: Q?, when: {question: pain, equals: 5.5}}\n"
        + "      - {id: lonely, type: yes_no, text: Lonely?}\n"
        + READ_ALL
    )
    return path


def test_validate_tells_errors_and_warnings_apart_and_strict_fails_on_warnings(
    tmp_path: Path,
) -> None:
    only_warning = tmp_path / "warn.yaml"
    only_warning.write_text(
        HEAD.lstrip("\n") + "      - {id: lonely, type: yes_no, text: Lonely?}\n" + READ_ALL
    )
    run = _cli("validate", "warn.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("warn.yaml:12:9: warning: no condition, role or summary")
    assert run.stderr == "1 warning in 1 of 1 file(s), no errors\n"
    strict = _cli("validate", "--strict", "warn.yaml", cwd=tmp_path)
    assert strict.returncode == 1 and strict.stdout == run.stdout

    _dead_file(tmp_path)
    both = _cli("validate", "dead.yaml", cwd=tmp_path)
    assert both.returncode == 1
    assert both.stderr == "1 error and 1 warning in 1 of 1 file(s)\n"
    lines = both.stdout.splitlines()
    assert lines[0].startswith("dead.yaml:12:48: in question 'q1': 'equals: 5.5' is never true")
    assert lines[1].startswith("dead.yaml:13:9: warning: ")


def test_validate_json_lists_every_finding_with_its_place(tmp_path: Path) -> None:
    _dead_file(tmp_path)
    run = _cli("validate", "--format", "json", "dead.yaml", cwd=tmp_path)
    assert run.returncode == 1
    doc = json.loads(run.stdout)
    assert (doc["files"], doc["errors"], doc["warnings"]) == (1, 1, 1)
    assert [(p["line"], p["column"], p["severity"], p["rule"]) for p in doc["problems"]] == [
        (12, 48, "error", "impossible-value"),
        (13, 9, "warning", "unread"),
    ]


def test_validate_sarif_is_read_back_by_a_sarif_library(tmp_path: Path) -> None:
    """sarif-pydantic (SARIF 2.1.0 models nobody here wrote) reads the log back, with each
    finding at its file, line and column and its level."""
    sarif = pytest.importorskip("sarif_pydantic")
    _dead_file(tmp_path)
    run = _cli("validate", "--format", "sarif", "dead.yaml", cwd=tmp_path)
    assert run.returncode == 1
    log = sarif.Sarif.model_validate(json.loads(run.stdout))
    assert log.version == "2.1.0"
    results = log.runs[0].results
    rules = [r.id for r in log.runs[0].tool.driver.rules]
    seen = []
    for result in results:
        physical = result.locations[0].physical_location
        assert physical.artifact_location.uri == "dead.yaml"
        assert rules[result.rule_index] == result.rule_id
        seen.append((physical.region.start_line, result.level.value, result.rule_id))
    assert seen == [(12, "error", "impossible-value"), (13, "warning", "unread")]


def test_format_must_be_known(tmp_path: Path) -> None:
    run = _cli("validate", "--format", "xml", cwd=tmp_path)
    assert run.returncode == 2 and "--format must be text, json or sarif" in run.stderr


SIGNS = """
id: signs
title: Warning signs
version: "1"
sections:
  - id: s
    title: S
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices:
          - {id: saddle, label: Numb between the legs}
          - {id: fever, label: A fever}
          - {id: bladder, label: New bladder trouble}
          - {id: none, label: None of these, exclusive: true}
      - id: hobbies
        type: multi
        text: Hobbies?
        choices:
          - {id: running, label: Running}
          - {id: chess, label: Chess}
          - {id: none, label: None, exclusive: true}
      - id: course
        type: single
        text: How is it going?
        choices: [{id: better, label: Better}, {id: same, label: Same}, {id: worse, label: Worse}]
alerts:
  - id: cauda
    level: emergency
    when: {question: flags, includes_any: [saddle, fever]}
    message: See someone now.
    action: Call your local emergency number.
recommendations:
  - id: run
    when: {any: [{question: hobbies, includes: running}, {question: course, equals: worse}]}
    because: You run
    articles: [soreness-vs-pain]
"""


def _choice_findings(problems: list[object]) -> list[tuple[int, str, str]]:
    return [
        (p.location.line, p.severity, p.message)  # type: ignore[attr-defined]
        for p in problems
        if p.rule == "unread-choice"  # type: ignore[attr-defined]
    ]


def test_an_unread_warning_choice_is_an_error_and_an_unread_choice_a_warning(
    load: Callable[..., Questionnaire],
) -> None:
    """A warning-sign choice no alert reads is dead safety logic: an error at the choice's
    line. Any other multi choice nothing reads is a warning; "None of these" is quiet; in a
    single question the one answer no test names is the all-clear answer, two are alike."""
    found = _choice_findings(lint(load(SIGNS)))
    assert [(line, severity) for line, severity, _ in found] == [
        (14, "error"),
        (21, "warning"),
        (26, "warning"),
        (26, "warning"),
    ], found
    assert (
        "choice 'bladder' of warning-sign question 'flags' raises no alert, while 'saddle', 'fever' do"
        in found[0][2]
    )
    assert "for_reader: why" in found[0][2]
    assert "choice 'chess' of question 'hobbies'" in found[1][2]
    assert "choice 'better' of question 'course' (nor 'same'" in found[2][2]


def test_a_choice_kept_for_the_reader_with_a_reason_is_quiet(
    load: Callable[..., Questionnaire],
) -> None:
    """``for_reader: why`` on a choice (or on its question) says it is there for the reader;
    ``not: includes: none`` reads every choice of the question."""
    text = (
        SIGNS.replace(
            "{id: bladder, label: New bladder trouble}",
            "{id: bladder, label: New bladder trouble, for_reader: Seen by the trainer}",
        )
        .replace("{id: chess, label: Chess}", "{id: chess, label: Chess, for_reader: Rest day}")
        .replace("{id: better, label: Better}", "{id: better, label: Better, for_reader: Good}")
    )
    assert _choice_findings(lint(load(text))) == []
    text = SIGNS.replace(
        "    when: {question: flags, includes_any: [saddle, fever]}",
        "    when: {not: {question: flags, includes: none}}",
    )
    assert next(f[2] for f in _choice_findings(lint(load(text)))).startswith(
        "no condition, alert or rule reads choice 'chess'"
    )


def test_strict_validate_fails_on_an_unread_choice(tmp_path: Path) -> None:
    """An unread choice outside a warning-sign question passes ``validate`` with a warning
    and fails ``validate --strict``."""
    path = tmp_path / "signs.yaml"
    text = SIGNS.replace("          - {id: bladder, label: New bladder trouble}\n", "")
    path.write_text(text)
    loose = _cli("validate", str(path), cwd=tmp_path)
    strict = _cli("validate", "--strict", str(path), cwd=tmp_path)
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert "choice 'chess'" in loose.stdout
    assert strict.returncode == 1


def test_validate_of_library_files_matches_the_golden_output(tmp_path: Path) -> None:
    """Library files: each finding once, under the name it was given, even when the same file
    is named twice (relative and absolute), and the count is of files, not of names."""
    folder = Path(__file__).parent / "fixtures" / "validate"
    for name in ("broken-library.yaml", "my-library.yaml"):
        (tmp_path / name).write_text((folder / name).read_text())
    result = _cli(
        "validate",
        "broken-library.yaml",
        str(tmp_path / "broken-library.yaml"),
        "my-library.yaml",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout + result.stderr == (folder / "validate.golden").read_text()
