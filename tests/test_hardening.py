"""Hostile and broken input, interrupts and private data: imbalance keeps working, loses nothing
and leaks nothing."""

from __future__ import annotations

import ast
import os
import re
import socket
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from conftest import EXAMPLES, ROOT
from imbalance_cli import files, loader
from imbalance_cli.answers import read_answers
from imbalance_cli.cli import main
from imbalance_cli.engine import Progress
from imbalance_cli.errors import AnswersError, ImbalanceError, Interrupted, QuestionnaireError
from imbalance_cli.model import Library, Questionnaire
from imbalance_cli.prompts import TerminalPrompter
from imbalance_cli.session import run_session

INJECTED = ("\x1b]0;pwned", "\x1b[5m", "\x1b[2J", "\u202e", "\x07")
HOSTILE = ROOT / "tests" / "fixtures" / "fuzz" / "questionnaire-hostile-text.yaml"


# -- size and shape limits --------------------------------------------------------------------


def test_more_than_50000_questions_is_refused(tmp_path: Path) -> None:
    """1,725 questions repeated for 29 regions and sides (plus the regions question) would be 50,026;
    the loader says so."""
    questions = "\n".join(f"      - {{id: q{n}, type: yes_no, text: Q{n}?}}" for n in range(1725))
    text = (
        "id: huge\ntitle: Huge\nversion: '1'\nsections:\n"
        "  - id: where\n    title: Where\n    questions:\n      - {id: regions, type: body_regions, text: Where?}\n"
        f"  - id: per\n    title: Per\n    repeat: regions\n    questions:\n{questions}\n"
    )
    path = tmp_path / "huge.yaml"
    path.write_text(text)
    with pytest.raises(QuestionnaireError, match=r"50,026 questions is over the limit of 50,000"):
        loader.load_questionnaire(path)


def test_answers_file_with_100000_keys_is_refused(tmp_path: Path, intake: Questionnaire) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("".join(f"k{n}: {n}\n" for n in range(100_000)))
    with pytest.raises(AnswersError, match=r"100,000 answers is more than any questionnaire"):
        read_answers(path, intake)


def test_a_one_megabyte_line_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("id: long\ntitle: " + "x" * 1_000_000 + "\nversion: '1'\nsections: []\n")
    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path)
    messages = [str(p) for p in info.value.problems]
    assert any(
        ":2:8: questionnaire 'title' is 1,000,000 characters long; keep it under 4,000" in m
        for m in messages
    )
    assert all(len(m) < 1000 for m in messages)


def test_answers_file_over_the_size_limit(tmp_path: Path, intake: Questionnaire) -> None:
    """The size error of an answers file names no --max-size (no option raises that limit, and
    run's --max-size is the questionnaire's): it asks whether this is the right file."""
    path = tmp_path / "a.yaml"
    path.write_text("notes: '" + "x" * (9 * 1024 * 1024) + "'\n")
    with pytest.raises(AnswersError, match="over the limit") as info:
        read_answers(path, intake)
    assert "--max-size" not in str(info.value)
    assert "check that it is the answers file you meant" in str(info.value)
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "run", "--answers", str(path), "--no-input",
         "--no-save"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1 and "--max-size" not in run.stderr, run.stderr


def test_non_utf8_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"id: x\ntitle: caf\xe9\n")
    with pytest.raises(QuestionnaireError, match=r"latin.yaml:2:1: the file is not UTF-8"):
        loader.load_questionnaire(path)


# -- terminal safety --------------------------------------------------------------------------


def test_prompts_do_not_pass_escape_sequences_or_markup_through(library: Library) -> None:
    q = loader.load_questionnaire(HOSTILE, library)
    screen = StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=120), term="xterm")  # type: ignore[arg-type]
    messages = StringIO()
    console = Console(
        file=messages, width=120, force_terminal=True, color_system="truecolor", highlight=False
    )
    with create_pipe_input() as pipe:
        pipe.send_text("\x1b[B\r")
        pipe.close()
        answers = run_session(q, TerminalPrompter(console, input=pipe, output=output))
    assert answers == {"q": "b"}
    for text in (screen.getvalue(), messages.getvalue()):
        for seq in INJECTED:
            assert seq not in text
    assert "[red]B[/]" in screen.getvalue()
    assert (
        "[link](https://evil.example)" in messages.getvalue()
        or "evil.example" in messages.getvalue()
    )


def test_show_and_errors_strip_escape_sequences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(HOSTILE)]) == 0
    out = capsys.readouterr().out
    assert "[bold]markup[/]" in out
    for seq in INJECTED:
        assert seq not in out
    bad = tmp_path / "bad.yaml"
    bad.write_text('id: x\ntitle: T\nversion: "1"\n"\\e[2Jsneaky\\e]0;pwned\\a": 1\nsections: []\n')
    assert main(["validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "unknown field 'sneaky'" in captured.out
    for seq in INJECTED:
        assert seq not in captured.out + captured.err


# -- markdown safety --------------------------------------------------------------------------

ATTACKS = [
    "# Heading", "[link](https://evil.example)", "![img](https://evil.example/x.png)",
    "<img src=x onerror=alert(1)>", "```\ncode\n```", "| a | b |\n|---|---|", "- item\n- item",
    "1. first", "> quote", "**bold** _em_", "https://evil.example", "\x1b[31mred", "line\n\n## sneaky",
]  # fmt: skip


def _structure(markdown: str) -> tuple[list[str], set[str], set[str]]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough", "linkify"])
    parser.options["linkify"] = True
    tokens = parser.parse(markdown)
    blocks = [t.type for t in tokens if t.type != "inline"]
    inline = {c.type for t in tokens for c in t.children or ()}
    hrefs = {
        str(c.attrs.get("href")) for t in tokens for c in t.children or () if c.type == "link_open"
    }
    return blocks, inline, hrefs


@pytest.mark.parametrize("audience", ["trainer", "client"])
def test_free_text_cannot_change_the_summary_structure(
    tmp_path: Path, audience: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = yaml.safe_load((EXAMPLES / "desk-worker-neck-shoulder.yaml").read_text())

    def summary(text: str) -> str:
        answers = dict(base, main_concern=text, goal_1=text, notes=text)
        path = tmp_path / "a.yaml"
        path.write_text(yaml.safe_dump(answers))
        assert (
            main(
                [
                    "run",
                    "--answers",
                    str(path),
                    "--no-input",
                    "--no-save",
                    "--client",
                    text.replace("\n", " "),
                    "--audience",
                    audience,
                ]
            )
            == 0
        )
        return capsys.readouterr().out

    _, plain_inline, plain_hrefs = _structure(summary("plain words"))
    for attack in ATTACKS:
        blocks, inline, hrefs = _structure(summary(attack))
        # Against the same words without their marks: the handout's appendix fits a budget of
        # words, so a longer answer may rightly leave an article out of it (named instead).
        same_words = re.sub(r"[^\w\s]", " ", attack).strip() or "plain words"
        assert blocks == _structure(summary(same_words))[0], attack
        assert inline <= plain_inline, (attack, inline - plain_inline)
        assert hrefs <= plain_hrefs, attack


# -- files ------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.md"
    target.write_text("old")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ImbalanceError, match="No space left on device; nothing was replaced"):
        files.write_private(target, "new", force=True)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.md"]


def test_ctrl_c_during_export_exits_130_and_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input"]) == 0
    target = tmp_path / "export.md"
    target.write_text("previous export")
    real_fsync = os.fsync

    def interrupt(fd: int) -> None:
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    assert main(["sessions", "export", "1", "--out", str(target), "--force"]) == 130
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".export")) == []
    assert "Traceback" not in capsys.readouterr().err


def test_exports_are_private_and_names_never_become_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "run",
                "--answers",
                str(EXAMPLES / "runner-knee.yaml"),
                "--no-input",
                "--client",
                "../../evil/../x.md",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert main(["sessions", "export", "1", "--format", "json", "--out", "r.json"]) == 0
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o600


# -- interrupts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "qid",
    [
        "red_flags_now",
        "regions",
        "pain_now.knee.left",
        "duration.knee.left",
        "knee_swelling",
        "age",
        "notes",
    ],
)
def test_ctrl_c_at_every_question_type_interrupts_cleanly(intake: Questionnaire, qid: str) -> None:
    from prompt_toolkit.output import DummyOutput

    question = intake.question(qid)
    assert question is not None
    with create_pipe_input() as pipe:
        pipe.send_text("\x03")
        pipe.close()
        prompter = TerminalPrompter(Console(file=StringIO()), input=pipe, output=DummyOutput())
        with pytest.raises(KeyboardInterrupt):
            prompter.ask(question, default=None, progress=Progress(1, 1), can_go_back=True)


def test_interrupted_session_keeps_what_was_answered(intake: Questionnaire) -> None:
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        pipe.send_text("\x1b[F \r\x1b[F \r44\r\x03")  # End: "None of these", twice
        pipe.close()
        prompter = TerminalPrompter(Console(file=StringIO()), input=pipe, output=DummyOutput())
        with pytest.raises(Interrupted) as info:
            run_session(intake, prompter)
    assert info.value.answers == {
        "red_flags_now": ("none",),
        "red_flags_days": ("none",),
        "age": 44,
    }


# -- no network ---------------------------------------------------------------------------------


def test_nothing_opens_a_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[object] = []

    class NoSocket(socket.socket):
        def __init__(self, *args: object, **kwargs: object) -> None:
            opened.append(args)
            raise OSError("network use is not allowed in imbalance")

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a))
    persona = str(EXAMPLES / "back-pain-mri-bulge.yaml")
    for args in (
        ["run", "--answers", persona, "--no-input", "--client", "Ana", "--out", str(tmp_path / "a.md"), "--json", str(tmp_path / "a.json")],
        ["run", "--answers", persona, "--no-input", "--client", "Ana"],
        ["validate"], ["list"], ["show", "intake"], ["library"], ["schema"],
        ["sessions", "list"], ["sessions", "show", "1"], ["sessions", "export", "1", "--audience", "client"],
        ["clients", "list"], ["compare", "1", "2"],
    ):  # fmt: skip
        assert main(args) == 0, args
    capsys.readouterr()
    assert opened == []


def test_no_module_imports_networking() -> None:
    banned = {
        "socket",
        "urllib",
        "http",
        "requests",
        "httpx",
        "ssl",
        "ftplib",
        "smtplib",
        "asyncio",
    }
    for path in (ROOT / "src" / "imbalance_cli").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in banned, (path.name, name)


def test_errors_are_imbalance_errors() -> None:
    assert issubclass(QuestionnaireError, ImbalanceError) and issubclass(
        AnswersError, ImbalanceError
    )
