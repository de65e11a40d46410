"""The loader accepts good questionnaires and reports every problem, located, in one run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imbalance_cli import loader
from imbalance_cli.errors import QuestionnaireError
from imbalance_cli.model import AllOf, Leaf, Library, Op, Questionnaire, QuestionType

GOOD = """
id: mini
title: Mini
version: "1.0"
sections:
  - id: s
    title: S
    questions:
      - id: regions
        type: body_regions
        text: Where?
      - id: knee_worst
        type: scale
        text: Knee at worst?
        when: {question: regions, includes: knee}
      - id: tried
        type: multi
        text: Tried?
        choices:
          - {id: mri, label: MRI}
          - {id: none, label: Nothing, exclusive: true}
alerts:
  - id: bad_knee
    level: urgent
    when: {question: knee_worst, gte: 9}
    message: Very bad knee.
    action: See someone.
recommendations:
  - id: mri_rule
    when: {all: [{question: regions, includes: lower_back}, {question: tried, includes: mri}]}
    because: You had an MRI for back pain.
    articles: [mri-findings-by-age]
"""


def problems_of(write: Callable[..., Path], text: str, library: Library | None = None) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(write(text), library)
    return [str(p) for p in info.value.problems]


def test_good_questionnaire_loads_with_conditions(load: Callable[..., Questionnaire]) -> None:
    """A valid file becomes a frozen model with resolved conditions and the scale's default range."""
    q = load(GOOD)
    knee = q.question("knee_worst")
    assert knee is not None and knee.type is QuestionType.SCALE
    assert (knee.minimum, knee.maximum) == (0, 10)
    assert knee.when == Leaf("regions", Op.INCLUDES, "knee", ("regions",), knee.when.location)  # type: ignore[union-attr]
    assert isinstance(q.rules[0].when, AllOf)
    assert q.alerts[0].level.value == "urgent"
    assert len(q.sha256) == 64


def test_every_problem_is_reported_in_one_run_with_its_line(
    write: Callable[..., Path], library: Library
) -> None:
    """Unknown fields, wrong types, unknown refs and duplicate ids all come back together."""
    text = """
    id: mini
    title: Mini
    version: "1"
    sections:
      - id: s
        title: S
        questions:
          - id: regions
            type: body_regions
            text: Where?
            colour: red
          - id: regions
            type: scale
            text: Again?
            max: lots
          - id: after
            type: yes_no
            text: After?
            when: {question: region, includes: knee}
    recommendations:
      - id: r
        when: {question: regions, includes: knee}
        because: x
        articles: [no-such-article]
    """
    found = problems_of(write, text, library)
    joined = "\n".join(found)
    assert "q.yaml:11:9: unknown field 'colour' in a question" in joined
    assert "q.yaml:15:14: max must be a number, not text" in joined
    assert "q.yaml:12:9: question id 'regions' is used twice" in joined
    assert "refers to unknown question 'region'; did you mean 'regions'?" in joined
    assert "q.yaml:24:16: unknown article 'no-such-article'" in joined
    assert len(found) >= 5


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("id: a\nid: b\n", "duplicate key 'id' (first given on line 1)"),
        ("a: &x 1\nb: *x\n", "anchors and aliases"),
        ("id: [unclosed\n", "YAML syntax error"),
        (
            "!!python/object:os.system {}\n",
            "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed",
        ),
        ("", "the file is empty"),
        ("- just\n- a list\n", "the questionnaire must be a mapping"),
    ],
)
def test_yaml_level_rejections(write: Callable[..., Path], snippet: str, expected: str) -> None:
    """Syntax errors, duplicate keys, aliases, tags and wrong top-level shapes are located errors."""
    found = problems_of(write, snippet)
    assert any(expected in p for p in found), found
    assert all("q.yaml" in p for p in found)


def test_syntax_error_is_located(write: Callable[..., Path]) -> None:
    found = problems_of(write, "id: x\ntitle: [a, b\nversion: 1\n")
    assert found and found[0].split(":")[1:3] != ["0", "0"]
    assert ":3:" in found[0] or ":2:" in found[0]


def test_files_over_the_size_limit_are_refused_without_parsing(write: Callable[..., Path]) -> None:
    path = write("id: x\n" + "# padding\n" * 200)
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path, None, max_bytes=100)
    assert "over the limit of 100" in str(info.value)
    assert "--max-size" in str(info.value)


def _one_question(extra: str, qtype: str = "scale", more: str = "") -> str:
    return f"""
    id: mini
    title: Mini
    version: "1"
    sections:
      - id: s
        title: S
        questions:
          - id: first
            type: {qtype}
            text: First?
            {more}
          - id: second
            type: yes_no
            text: Second?
            when: {extra}
    """


def test_includes_any_and_includes_all_read_as_any_and_all_of_includes(
    load: Callable[..., Questionnaire],
) -> None:
    """``includes_any: [a, b]`` on a multi is an ``any`` of ``includes`` tests, and
    ``includes_all`` an ``all``, so the engine, traces and lint read them unchanged."""
    from imbalance_cli.model import AnyOf

    text = GOOD.replace(
        "          - {id: mri, label: MRI}\n",
        "          - {id: mri, label: MRI}\n          - {id: xray, label: X-ray}\n",
    ).replace(
        "{question: tried, includes: mri}]}",
        "{question: tried, includes_any: [mri, xray]}, "
        "{question: tried, includes_all: [mri, xray]}]}",
    )
    rule = load(text).rules[0].when
    assert isinstance(rule, AllOf)
    any_of, all_of = rule.items[1], rule.items[2]
    assert isinstance(any_of, AnyOf) and isinstance(all_of, AllOf)
    for part in (any_of, all_of):
        assert [(leaf.op, leaf.value) for leaf in part.items] == [  # type: ignore[union-attr]
            (Op.INCLUDES, "mri"),
            (Op.INCLUDES, "xray"),
        ]


@pytest.mark.parametrize(
    ("when", "qtype", "more", "expected"),
    [
        ("{question: first, gte: 11}", "scale", "", "can never be true: 'first' is at most 10"),
        ("{question: first, lte: -1}", "scale", "", "can never be true: 'first' is at least 0"),
        (
            "{all: [{question: first, gte: 8}, {question: first, lte: 3}]}",
            "scale",
            "",
            "cannot be at least 8 and at most 3",
        ),
        ("{question: first, in: []}", "scale", "", "'in' lists nothing"),
        (
            "{all: [{question: first, equals: a}, {question: first, equals: b}]}",
            "single",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "cannot equal",
        ),
        (
            "{question: first, equals: c}",
            "single",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "has no choice 'c'",
        ),
        (
            "{question: first, includes: a}",
            "single",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "use 'equals' or 'in'",
        ),
        (
            "{question: first, equals: a}",
            "multi",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "write 'includes: a' (a is chosen), 'includes_any: [a, b]'",
        ),
        (
            "{question: first, in: [a, b]}",
            "multi",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "'in' does not test a multi question, whose answer is a list; write 'includes: a' "
            "(a is chosen), 'includes_any: [a, b]' (any of these is) or 'includes_all: [a, b]'",
        ),
        (
            "{question: first, includes: [a, b]}",
            "multi",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "'includes' takes one choice; for any of several write 'includes_any: [a, b]'",
        ),
        (
            "{question: first, includes_any: [a, b]}",
            "single",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "'includes_any' tests multi and body_regions questions; 'first' is single, which "
            "has one answer: use 'in' (in: [a, b])",
        ),
        (
            "{question: first, includes_all: [a, c]}",
            "multi",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "has no choice 'c'",
        ),
        (
            "{question: first, includes_any: []}",
            "multi",
            "choices: [{id: a, label: A}, {id: b, label: B}]",
            "'includes_any' lists nothing",
        ),
        ("{question: first, includes: elbw}", "body_regions", "", "unknown body region 'elbw'"),
        (
            "{question: second, equals: true}",
            "scale",
            "",
            "not asked before it; conditions may only look back",
        ),
        ("{question: first, gte: 3, lte: 5}", "scale", "", "takes exactly one test"),
        ("{question: first, bigger: 3}", "scale", "", "unknown field 'bigger'"),
        ("{any: []}", "scale", "", "'any' needs at least one condition"),
    ],
)
def test_condition_rejections(
    write: Callable[..., Path], when: str, qtype: str, more: str, expected: str
) -> None:
    """Conditions that refer forward, mistype, name unknown choices or can never hold are refused."""
    found = problems_of(write, _one_question(when, qtype, more))
    assert any(expected in p for p in found), found
    assert all(":" in p.split(" ")[0] for p in found)


def test_question_shape_rejections(write: Callable[..., Path]) -> None:
    text = """
    id: mini
    title: Mini
    version: "1"
    sections:
      - id: s
        title: S
        questions:
          - {id: a, type: single, text: A?}
          - {id: b, type: choose, text: B?}
          - {id: c, type: number, text: C?, min: 5, max: 1}
          - {id: d, type: yes_no, text: D?, choices: [{id: x, label: X}, {id: y, label: Y}]}
          - {id: Bad-Id, type: text, text: E?}
          - {id: f, type: multi, text: F?, choices: [{id: x, label: X}, {id: x, label: Y}]}
          - {id: g, type: scale, text: G?, anchors: {0: none, 11: too far}}
          - {id: h, type: number, text: H?, max: 1.0e+999}
    """
    joined = "\n".join(problems_of(write, text))
    assert "question 'a' is single and needs 'choices'" in joined
    assert "unknown question type 'choose'" in joined
    assert "max (1) must be greater than min (5)" in joined
    assert "'choices' only applies to single or multi questions" in joined
    assert "question id 'Bad-Id' must start with a letter" in joined
    assert "choice id 'x' is used twice" in joined
    assert "anchor point '11' is not on the scale 0-10" in joined
    assert "max must be between" in joined


def test_repeated_section_expands_per_region_and_resolves_sibling_refs(
    load: Callable[..., Questionnaire],
) -> None:
    """A section with ``repeat`` gets a copy per region; a sibling reference means the same copy."""
    q = load(
        """
        id: mini
        title: Mini
        version: "1"
        sections:
          - id: where
            title: Where
            questions:
              - {id: regions, type: body_regions, text: Where?, regions: [knee, neck]}
          - id: detail
            title: "{region}"
            repeat: regions
            questions:
              - {id: worst, type: scale, text: "How bad is your {region}?"}
              - {id: why, type: text, text: Why?, when: {question: worst, gte: 5}}
        recommendations:
          - id: any_bad
            when: {question: worst.*, gte: 8}
            because: Something is bad.
            articles: [pain-flare-ups]
        """
    )
    ids = [x.id for x in q.questions]
    assert ids == [
        "regions", "worst.neck", "why.neck", "worst.knee.left", "why.knee.left",
        "worst.knee.right", "why.knee.right",
    ]  # fmt: skip
    assert q.question("worst.knee.left").text == "How bad is your left knee?"  # type: ignore[union-attr]
    why = q.question("why.neck")
    assert isinstance(why.when, Leaf) and why.when.questions == ("worst.neck",)  # type: ignore[union-attr]
    assert q.section("detail.knee.right").title == "Knee (right)"  # type: ignore[union-attr]
    assert q.rules[0].when.questions == ("worst.neck", "worst.knee.left", "worst.knee.right")  # type: ignore[union-attr]


def test_repeat_must_name_a_body_regions_question(write: Callable[..., Path]) -> None:
    text = """
    id: mini
    title: Mini
    version: "1"
    sections:
      - id: detail
        title: D
        repeat: regoins
        questions:
          - {id: worst, type: scale, text: How bad?}
    """
    assert any(
        "'repeat' must name an earlier body_regions question" in p for p in problems_of(write, text)
    )


def test_library_problems_are_located(write: Callable[..., Path]) -> None:
    path = write(
        """
        articles:
          - id: no-source
            title: T
            summary: S
            sources: []
          - id: Bad Id
            title: T
            summary: S
            sources: [{kind: rumour, citation: C, url: "javascript:alert(1)"}]
        strategies:
          - {id: s, title: T, summary: S, steps: [a], dose: d, progress: p}
        """,
        "lib.yaml",
    )
    with pytest.raises(QuestionnaireError) as info:
        loader.load_library([path])
    joined = str(info.value)
    assert "lib.yaml:5:14: an article needs at least one source" in joined
    assert "article id 'Bad Id' must be lowercase" in joined
    assert "unknown source kind 'rumour'" in joined
    assert "must be a plain https:// address" in joined
    assert "a strategy is missing the required field 'stop'" in joined


def test_bundled_files_validate_cleanly(intake: Questionnaire) -> None:
    assert intake.id == "intake"
    assert len(intake.questions) > 100


@pytest.mark.parametrize(
    ("text", "place", "hint"),
    [
        ("id: x\ntitle: \u201cHello: world\u201d\n", (2, 14), "curly quotes"),
        ("id: x\ntitle: Hello: world\n", (2, 13), "a ': ' inside a value starts a new key"),
        ("id: x\nsections:\n\t- id: s\n", (3, 1), "indent with spaces, not tabs"),
        ("id: x\ntitle\nversion: '1'\n", (2, 1), "this line has no ':' after its key"),
        ("id: x\nmeta: {a: 1\nversion: '1'\n", (2, 7), "the '{' here is not closed on its line"),
        (
            "id: x\nsections:\n  - id: s\n    title: S\n   questions: []\n",
            (5, 4),
            "check this line's indentation",
        ),
        (
            "id: x\nsections:\n  - id: s\n    title: S\n      questions: []\n",
            (5, 7),
            "this line is indented deeper than the one before, which already has its value",
        ),
        (
            "id: x\nalerts:\n  - id: a\n    when {question: q, equals: true}\n",
            (4, 5),
            "'when' has no ':' before its '{': write 'when: {...'",
        ),
    ],
)
def test_syntax_errors_get_a_plain_hint_at_the_right_line(
    write: Callable[..., Path], text: str, place: tuple[int, int], hint: str
) -> None:
    """Curly quotes, an unquoted ': ', tabs, a missing ':' or '}', and bad indentation: each is
    located where the mistake is (not a line late) with a hint in plain words."""
    path = write(text)
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path)
    (problem,) = info.value.problems
    assert (problem.location.line, problem.location.column) == place, problem
    assert hint in problem.message


def test_an_empty_required_field_is_not_told_to_be_left_out(write: Callable[..., Path]) -> None:
    path = write('id: x\ntitle: T\nversion: ""\nsections: []\n')
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path)
    message = "\n".join(str(p) for p in info.value.problems)
    assert "questionnaire 'version' is empty; it is required, so write one" in message
    assert "leave the field out" not in message


def test_roles_are_checked_for_type_place_and_order(write: Callable[..., Path]) -> None:
    path = write(
        """
        id: roles
        title: Roles
        version: "1"
        sections:
          - id: where
            title: Where
            questions:
              - {id: regions, type: body_regions, text: Where?}
              - {id: flat, type: scale, text: How bad overall?, role: pain_worst}
              - {id: flat2, type: scale, text: And at its worst overall?, role: pain_worst}
              - {id: score, type: scale, text: How well?, role: goal_rating}
              - {id: goal, type: yes_no, text: A goal?, role: goal}
          - id: detail
            title: "{region}"
            repeat: regions
            questions:
              - {id: worst, type: scale, text: Worst?, role: pain_worst}
              - {id: worse, type: scale, text: Worse?, role: pain_worst}
              - {id: odd, type: scale, text: Odd?, role: pain_wrost}
        """
    )
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path)
    found = "\n".join(str(p) for p in info.value.problems)
    # Outside a section repeated per region, a pain role is pain overall: once per section.
    assert "role 'pain_worst' is given twice in this section (also 'flat');" in found
    assert "role 'goal_rating' of 'score' needs a question with role 'goal' before it" in found
    assert "role 'goal' is for text questions; 'goal' is yes_no" in found
    assert "role 'pain_worst' is given twice in this section (also 'worst.neck');" in found
    assert "unknown role 'pain_wrost'; did you mean 'pain_worst'?" in found
