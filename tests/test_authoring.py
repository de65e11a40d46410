"""An author's own content, one way: questionnaires and a library in the data directory, read by
every command; clashes and misplaced files named with both places; schemas written for editors
anywhere and in agreement with `validate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from imbalance_cli import resources, schema, schema_library

QUESTIONNAIRE = """\
id: {qid}
title: Shoulder re-check
version: "1"
sections:
  - id: s
    title: Shoulder
    questions:
      - {{id: pain, type: scale, text: How bad is the shoulder today?}}
recommendations:
  - id: own_reading
    when: {{question: pain, gte: 3}}
    because: Your shoulder hurts
    articles: [{article}]
"""

OWN_LIBRARY = """\
articles:
  - id: shoulder-basics
    title: Shoulder basics, from our gym
    summary: What our trainers tell every client with a sore shoulder, in a few lines.
    sources:
      - {kind: opinion, citation: "Our trainer team's handout, 2026"}
"""


def imbalance(data: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "IMBALANCE_DATA_DIR"},
    )  # fmt: skip


def _own(data: Path, qid: str = "shoulder", article: str = "shoulder-basics") -> Path:
    folder = data / "questionnaires"
    (folder / "library").mkdir(parents=True, exist_ok=True)
    (folder / "library" / "gym.yaml").write_text(OWN_LIBRARY)
    path = folder / f"{qid}.yaml"
    path.write_text(QUESTIONNAIRE.format(qid=qid, article=article))
    return path


def test_own_articles_are_read_by_every_command(tmp_path: Path) -> None:
    """An article in <data dir>/questionnaires/library is chosen by `run`, listed by `library`
    (as the author's, by file) and checked by `validate`; `show` loads the questionnaire."""
    data = tmp_path / "data"
    _own(data)
    answers = tmp_path / "a.yaml"
    answers.write_text("pain: 5\n")
    run = imbalance(data, "run", "shoulder", "--answers", str(answers), "--no-save")
    assert run.returncode == 0, run.stderr
    assert "### Shoulder basics, from our gym" in run.stdout
    assert "- *Practitioner opinion:* Our trainer team's handout, 2026" in run.stdout
    listed = json.loads(imbalance(data, "library", "--json").stdout)
    assert "shoulder-basics" in {a["id"] for a in listed["articles"]}
    table = imbalance(data, "library").stdout
    row = next(line for line in table.splitlines() if "shoulder-basics" in line)
    assert row.rstrip().endswith("gym.yaml")
    assert imbalance(data, "show", "shoulder").returncode == 0
    checked = imbalance(data, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_id_clash_with_the_bundled_library_names_both_places(tmp_path: Path) -> None:
    data = tmp_path / "data"
    own = _own(data)
    clash = own.parent / "library" / "clash.yaml"
    clash.write_text(OWN_LIBRARY.replace("shoulder-basics", "soreness-vs-pain"))
    for args in (("validate",), ("run", "shoulder", "--no-input", "--no-save"), ("library",)):
        run = imbalance(data, *args)
        assert run.returncode == 1, args
        out = run.stdout + run.stderr
        assert f"{clash}:2:5: article id 'soreness-vs-pain' is used twice; it is also at " in out
        # the bundled library where this install keeps it
        assert str(resources.bundled_dir() / "library" / "articles.yaml") + ":" in out


def test_list_shows_questionnaires_only_and_warns_of_what_is_misplaced(tmp_path: Path) -> None:
    data = tmp_path / "data"
    own = _own(data)
    folder = own.parent
    (folder / "misplaced.yaml").write_text(OWN_LIBRARY.replace("shoulder-basics", "elsewhere"))
    (folder / "examples").mkdir()
    (folder / "examples" / "mild.test.yaml").write_text(
        "questionnaire: shoulder\nanswers: {pain: 4}\nexpect: {alerts: {}}\n"
    )
    run = imbalance(data, "list")
    assert run.returncode == 0, run.stderr
    ids = [line.split()[0] for line in run.stdout.splitlines()[1:] if line.strip()]
    assert ids == ["checkin", "intake", "side-to-side", "shoulder"]
    assert (
        f"{folder / 'misplaced.yaml'}: warning: a library file is read only "
        f"from {folder / 'library'}" in run.stderr
    )
    assert f"your articles and strategies in {folder / 'library'}" in run.stderr


def test_a_file_whose_id_differs_from_its_name_is_found_by_both_and_warned(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    path = _own(data, qid="shoulder-recheck")
    renamed = path.with_name("mine.yaml")
    path.rename(renamed)
    answers = tmp_path / "a.yaml"
    answers.write_text("pain: 1\n")
    for name in ("shoulder-recheck", "mine"):
        run = imbalance(data, "run", name, "--answers", str(answers), "--no-save")
        assert run.returncode == 0, (name, run.stderr)
    checked = imbalance(data, "validate")
    assert checked.returncode == 0
    assert (
        f"{renamed}:1:1: warning: the file declares id 'shoulder-recheck' but is named 'mine.yaml'; "
        "name it 'shoulder-recheck.yaml'" in checked.stdout
    )
    assert imbalance(data, "validate", "--strict").returncode == 1


def test_a_copy_never_takes_over_the_id_of_the_file_named_for_it(tmp_path: Path) -> None:
    """draft.yaml holding the id of shoulder.yaml (a copy an author keeps) loses: `run shoulder`
    runs shoulder.yaml, and the warning is on the copy, which is the file to rename."""
    data = tmp_path / "data"
    real = _own(data)
    copy = real.with_name("a-draft.yaml")
    copy.write_text(real.read_text().replace("Shoulder re-check", "DRAFT copy"))
    answers = tmp_path / "a.yaml"
    answers.write_text("pain: 1\n")
    run = imbalance(data, "run", "shoulder", "--answers", str(answers), "--no-save")
    assert run.returncode == 0, run.stderr
    assert "# Shoulder re-check" in run.stdout
    checked = imbalance(data, "validate")
    assert (
        f"{copy}: warning: 'shoulder' also names {real}; 'shoulder' means {real}" in checked.stdout
    )
    assert f"{real}: warning" not in checked.stdout


def test_two_files_with_one_id_and_a_shadowed_intake_are_warned_naming_both(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first = _own(data, qid="dup")
    second = first.with_name("dup2.yaml")
    second.write_text(QUESTIONNAIRE.format(qid="dup", article="shoulder-basics"))
    mine_intake = first.with_name("intake.yaml")
    mine_intake.write_text(QUESTIONNAIRE.format(qid="intake", article="shoulder-basics"))
    checked = imbalance(data, "validate")
    assert f"{second}: warning: 'dup' also names {first}; 'dup' means {first}" in checked.stdout
    assert (
        f"{mine_intake}: warning: 'intake' also names {resources.bundled_dir() / 'intake.yaml'}; "
        "'intake' means the bundled one" in checked.stdout
    )
    # The bundled intake, with its warning-sign screen, is what `run intake` asks, with a warning.
    run = imbalance(
        data, "run", "intake", "--answers", str(ROOT / "questionnaires" / "examples" / "no-pain.yaml"),
        "--no-input", "--no-save",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "# Muscle imbalance self-assessment" in run.stdout
    assert "claims the same name and is used only when given by its path" in run.stderr
    assert str(mine_intake) in run.stderr


def test_schema_write_gives_editors_schemas_and_modelines_that_work_anywhere(
    tmp_path: Path,
) -> None:
    """`schema --write DIR` writes both schemas; the modelines it prints hold absolute paths,
    so a file anywhere can use them; check-jsonschema reads the written schema."""
    data, folder = tmp_path / "data", tmp_path / "editor" / "schemas"
    run = imbalance(data, "schema", "--write", str(folder), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    written = {p.name: json.loads(p.read_text()) for p in folder.iterdir()}
    assert written == {
        "questionnaire.schema.json": schema.build(),
        "library.schema.json": schema_library.build_library(),
    }
    modelines = [line for line in run.stdout.splitlines() if line.startswith("# yaml-language")]
    assert modelines == [
        f"# yaml-language-server: $schema={folder.resolve() / 'questionnaire.schema.json'}",
        f"# yaml-language-server: $schema={folder.resolve() / 'library.schema.json'}",
    ]
    own = _own(data)
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip("check-jsonschema is not installed")
    for schema_file, target in (
        ("questionnaire.schema.json", own),
        ("library.schema.json", own.parent / "library" / "gym.yaml"),
    ):
        check = subprocess.run(
            [str(tool), "--schemafile", str(folder / schema_file), str(target)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr


def _described(node: object, where: str, missing: list[str]) -> None:
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if "description" not in sub and "$ref" not in sub:
                missing.append(f"{where}.{name}")
        for key, sub in node.items():
            if key not in ("if", "then", "else", "not"):  # narrow fields described elsewhere
                _described(sub, f"{where}.{key}", missing)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            _described(sub, f"{where}[{i}]", missing)


@pytest.mark.parametrize("build", [schema.build, schema_library.build_library])
def test_every_field_of_the_schemas_is_described(build: object) -> None:
    """Editors show a field's description as you type it: every field has one."""
    missing: list[str] = []
    _described(build(), "$", missing)  # type: ignore[operator]
    assert missing == []


GOOD = """\
id: agree
title: Agree
version: "1"
sections:
  - id: s
    title: S
    questions:
      - {id: feel, type: scale, text: Better or worse?, min: -5, max: 5, anchors: {-5: much worse, 5: much better}}
      - {id: kind, type: single, text: Kind?, choices: [{id: a, label: A}, {id: b, label: B}]}
      - {id: reps, type: number, text: How many?, min: 0, max: 50, unit: repetitions}
      - {id: grip, type: paired, text: "Grip, {side} hand?", unit: kilograms, better: higher}
alerts:
  - id: much_worse
    level: advisory
    when: {question: feel, lte: -4}
    message: Much worse than before.
    action: Mention it to your clinician at your next visit.
recommendations:
  - id: r
    when: {question: kind, in: [a]}
    because: You chose A
    articles: [soreness-vs-pain]
"""

# (what is wrong, old text, new text): each a mistake both the schema and the loader refuse.
REFUSED = [
    ("an unknown field", "title: Agree\n", "title: Agree\ncolour: blue\n"),
    ("a missing version", 'version: "1"\n', ""),
    ("an unknown question type", "type: number", "type: numeric"),
    ("an unknown alert level", "level: advisory", "level: mild"),
    ("an empty 'in'", "in: [a]", "in: []"),
    ("a rule that recommends nothing", "    articles: [soreness-vs-pain]\n", ""),
    ("an empty list of articles", "articles: [soreness-vs-pain]", "articles: []"),
    (
        "choices on a scale",
        "text: Better or worse?,",
        "text: Better or worse?, choices: [{id: x, label: X}, {id: y, label: Y}],",
    ),
    ("a unit on a single question", "text: Kind?,", "text: Kind?, unit: kg,"),
    ("a paired test without a unit", ", unit: kilograms, better: higher", ""),
    ("an unknown paired unit", "unit: kilograms", "unit: pounds"),
    ("a question id with capitals", "id: kind,", "id: Kind,"),
    (
        "one choice only",
        "choices: [{id: a, label: A}, {id: b, label: B}]",
        "choices: [{id: a, label: A}]",
    ),
    ("an empty text", "text: How many?", 'text: ""'),
    ("an empty version", 'version: "1"', 'version: ""'),
    (
        "a condition with two operators",
        "{question: feel, lte: -4}",
        "{question: feel, lte: -4, gte: -5}",
    ),
    ("an unknown role", "unit: repetitions}", "unit: repetitions, role: pain}"),
    ("'better' that is neither way", "better: higher", "better: sideways"),
    ("an unknown wording", "recommendations:\n", "wording: {goodbye: Bye.}\nrecommendations:\n"),
    ("an empty closing", "recommendations:\n", 'wording: {closing: ""}\nrecommendations:\n'),
    (
        "the closing under an urgent alert",
        "recommendations:\n",
        "wording: {closing_urgent: Carry on.}\nrecommendations:\n",
    ),
]
ACCEPTED = [
    ("the example", "", ""),
    ("negative anchor points", "", ""),
    ("a section with reassess", "    title: S\n", "    title: S\n    reassess: ask\n"),
    ("a question for the reader", "unit: repetitions}", "unit: repetitions, for_reader: true}"),
    ("decimals allowed", "unit: repetitions}", "unit: repetitions, integer: false}"),
    (
        "wording of its own",
        "recommendations:\n",
        "wording: {closing: Log each session., stopped: Stopped., held_back: Tell us.}\n"
        "recommendations:\n",
    ),
]


def _verdicts(tmp_path: Path, cases: list[tuple[str, str, str]]) -> list[tuple[str, bool, bool]]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip("check-jsonschema is not installed")
    schema_file = ROOT / "schema" / "questionnaire.schema.json"
    out: list[tuple[str, bool, bool]] = []
    for i, (name, old, new) in enumerate(cases):
        assert old in GOOD, name
        path = tmp_path / f"case{i}.yaml"
        path.write_text(GOOD.replace(old, new, 1) if old else GOOD)
        by_schema = subprocess.run(
            [str(tool), "--schemafile", str(schema_file), str(path)],
            capture_output=True, text=True, timeout=120,
        ).returncode == 0  # fmt: skip
        by_validate = imbalance(tmp_path / "data", "validate", str(path)).returncode == 0
        out.append((name, by_schema, by_validate))
    return out


def test_the_schema_and_validate_agree_on_accepted_and_refused_files(tmp_path: Path) -> None:
    """check-jsonschema (with the shipped schema) and `imbalance validate` give the same verdict
    on each example: both accept the good ones, both refuse each mistake."""
    verdicts = _verdicts(tmp_path, ACCEPTED + REFUSED)
    expected = [(name, True, True) for name, _, _ in ACCEPTED]
    expected += [(name, False, False) for name, _, _ in REFUSED]
    assert verdicts == expected
