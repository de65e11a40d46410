"""The command line: exit codes, messages, files written, and nothing but output on stdout."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from imbalance_cli.cli import app, main

PERSONA = EXAMPLES / "runner-knee.yaml"


def imbalance(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, with no terminal on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cwd,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_version() -> None:
    from imbalance_cli import __version__

    run = imbalance("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"imbalance {__version__}"


def test_every_command_is_documented() -> None:
    """Each command's docstring is its --help."""
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help and len(command.help) > 20, name


def test_no_terminal_and_no_answers_exits_2_naming_answers() -> None:
    run = imbalance("run")
    assert run.returncode == 2
    assert "--answers" in run.stderr
    assert run.stderr.startswith("imbalance: error: ")
    assert run.stdout == ""


def test_headless_run_writes_markdown_to_a_redirected_stdout() -> None:
    run = imbalance("run", "--answers", str(PERSONA), "--no-input")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("# Muscle imbalance self-assessment")
    assert (
        "Knee, a starting plan" not in run.stdout or "## Exercise strategies to try" in run.stdout
    )


def test_no_input_with_missing_answers_lists_them(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(
        "red_flags_now: [none]\nred_flags_days: [none]\nage: 40\nregions: [knee.left]\n"
    )
    run = imbalance("run", "--answers", str(answers), "--no-input")
    assert run.returncode == 1
    assert "required answer(s) are missing" in run.stderr
    assert "pain_now.knee.left" in run.stderr and "cancer_history" in run.stderr
    assert "one_side" not in run.stderr  # asked only for neck, back or chest pain


def test_bad_answers_file_is_a_located_error(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("age: 400\n")
    run = imbalance("run", "--answers", str(answers), "--no-input")
    assert run.returncode == 1
    assert f"{answers}:1:6: 'age': answer with a number from 12 to 110" in run.stderr
    assert "Traceback" not in run.stderr


def test_outputs_are_private_and_never_overwritten_without_force(tmp_path: Path) -> None:
    md, js = tmp_path / "s.md", tmp_path / "s.json"
    first = imbalance(
        "run", "--answers", str(PERSONA), "--no-input", "--out", str(md), "--json", str(js)
    )
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(md.stat().st_mode) == 0o600
    assert stat.S_IMODE(js.stat().st_mode) == 0o600
    doc = json.loads(js.read_text())
    assert sorted(doc) == [
        "alerts",
        "answers",
        "client",
        "completed_at",
        "findings",
        "format_version",
        "not_asked",
        "plan",
        "questionnaire",
        "recommendations",
        "session",
        "started_at",
        "withheld",
    ]
    # The plan leads with the person's own area and the answers that chose each item.
    assert doc["plan"] and all(item["why"] and item["first"] for item in doc["plan"])
    assert "text_read" in doc["findings"] and "main_concern" in doc["findings"]["text_read"]
    assert doc["questionnaire"]["id"] == "intake" and len(doc["questionnaire"]["sha256"]) == 64
    md.write_text("keep me")
    again = imbalance("run", "--answers", str(PERSONA), "--no-input", "--out", str(md))
    assert again.returncode == 1
    assert "already exists; use --force" in again.stderr
    assert md.read_text() == "keep me"
    forced = imbalance("run", "--answers", str(PERSONA), "--no-input", "--out", str(md), "--force")
    assert forced.returncode == 0 and md.read_text().startswith("# ")


def test_client_name_goes_into_the_summary_escaped(tmp_path: Path) -> None:
    md = tmp_path / "s.md"
    run = imbalance(
        "run", "--answers", str(PERSONA), "--no-input", "--client", "# Sam [x](y)", "--out", str(md)
    )
    assert run.returncode == 0, run.stderr
    assert "**Client:** \\# Sam \\[x\\](y)" in md.read_text()


def test_validate_clean_and_broken(tmp_path: Path) -> None:
    ok = imbalance("validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "no problems" in ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: Bad\nversion: 1\nsections:\n  - id: s\n    title: S\n    questions:\n      - {id: a, type: scael, text: A}\n"
    )
    run = imbalance("validate", str(bad))
    assert run.returncode == 1
    assert f"{bad}:8:23: unknown question type 'scael'; did you mean 'scale'?" in run.stdout
    # Nobody is watching stderr: the summary is plain text, without colour codes.
    assert run.stderr == "1 error in 1 of 1 file(s)\n"


def test_validate_size_limit_option(tmp_path: Path) -> None:
    run = imbalance("validate", "--max-size", "50", str(EXAMPLES.parent / "intake.yaml"))
    assert run.returncode == 1 and "over the limit of 50" in run.stdout


def test_unknown_questionnaire_suggests(tmp_path: Path) -> None:
    run = imbalance("run", "intak", "--no-input")
    assert run.returncode == 2
    assert "did you mean 'intake'?" in run.stderr


def test_run_a_questionnaire_by_path(tmp_path: Path) -> None:
    q = tmp_path / "mini.yaml"
    q.write_text(
        "id: mini\ntitle: Mini\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n      - {id: a, type: yes_no, text: A?}\n"
    )
    answers = tmp_path / "a.yaml"
    answers.write_text("a: true\n")
    run = imbalance("run", str(q), "--answers", str(answers))
    assert run.returncode == 0, run.stderr
    assert "- **A?:** yes" in run.stdout


def test_list_show_library_schema() -> None:
    listed = imbalance("list")
    assert listed.returncode == 0 and "intake" in listed.stdout and "bundled" in listed.stdout
    shown = imbalance("show", "intake")
    assert shown.returncode == 0 and "red_flags_now" in shown.stdout and "Alerts" in shown.stdout
    as_json = json.loads(imbalance("show", "intake", "--json").stdout)
    assert as_json["id"] == "intake" and as_json["alerts"] and as_json["rules"]
    lib = json.loads(imbalance("library", "--json", "--tag", "knee").stdout)
    assert {"knee-start", "front-knee"} <= {s["id"] for s in lib["strategies"]}
    assert all("knee" in s["tags"] for s in lib["strategies"])
    schema = json.loads(imbalance("schema").stdout)
    assert schema["required"] == ["id", "title", "version", "sections"]


def test_list_and_show_count_questions_as_written() -> None:
    """A section repeated per region or per exercise counts once (the check-in's per-exercise
    block is two questions, not two for each of the library's exercises); `show` gives both."""
    from imbalance_cli.workflow import load

    checkin = load("checkin")[0]
    written, every = checkin.written_count, len(checkin.questions)
    assert written < every // 5
    listed = imbalance("list")
    row = next(
        line.split() for line in listed.stdout.splitlines() if line.split()[:1] == ["checkin"]
    )
    assert str(written) in row and str(every) not in row
    assert "repeated per body region or per exercise counts once" in listed.stderr
    shown = imbalance("show", "checkin").stdout.splitlines()[0]
    assert shown.endswith(f"{written} questions ({every} with the copies per exercise)")
    plain = imbalance("show", "side-to-side").stdout.splitlines()[0]
    assert plain.endswith(f"{load('side-to-side')[0].written_count} questions")


def test_internal_errors_are_short_unless_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from imbalance_cli import loader

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(loader, "load_library", boom)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert (
        "internal error: RuntimeError: kaput" in err
        and "--traceback" in err
        and "Traceback" not in err
    )
    with pytest.raises(RuntimeError):
        main(["--traceback", "list"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--bogus"]) == 2
    assert main(["nonsense"]) == 2


@pytest.mark.parametrize(
    ("args", "kept"),
    [
        (["run", "--no-save"], ["run"]),
        (["--data-dir", "run", "--plain", "resume"], ["resume"]),  # a folder called "run"
        (["--data-dir=x", "--store", "postgresql://t@h/db", "sessions", "list"], ["sessions"]),
        (["--help"], None),
        ([], None),
        (["--version", "run"], None),
        (["no-such-command"], None),
        (["--data-dir"], None),
    ],
)
def test_only_the_command_run_is_built(args: list[str], kept: list[str] | None) -> None:
    """typer builds every command of the app it runs: a command named on the line runs in
    an app of its own (same callback and options), anything else in the whole app."""
    from imbalance_cli.cli import _app_for

    built = _app_for(args)
    if kept is None:
        assert built is app
        return
    names = [c.callback.__name__ for c in built.registered_commands if c.callback]
    assert names + [g.name for g in built.registered_groups] == kept
    assert built.registered_callback is app.registered_callback
    assert len(app.registered_commands) > 10 and len(app.registered_groups) > 3  # untouched


def test_each_command_is_imported_from_the_module_the_table_names() -> None:
    """A command named on the line imports only its own group's module (cli._MODULES); every
    command and group of the whole app is in the table, under the module that registers it."""
    from imbalance_cli.cli import _MODULES, _name

    for info in app.registered_commands:
        assert info.callback is not None
        assert info.callback.__module__.rsplit(".", 1)[1] in _MODULES[_name(info)]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        modules = {
            c.callback.__module__.rsplit(".", 1)[1]
            for c in group.typer_instance.registered_commands
            if c.callback
        }
        assert modules == set(_MODULES[_name(group)])
    listed = [_name(i) for i in (*app.registered_commands, *app.registered_groups)]
    assert sorted(listed) == sorted(_MODULES)


def test_help_lists_the_commands_in_order_whichever_group_was_imported_first() -> None:
    """A process that ran one command first (its module alone imported) lists every command in
    the same order afterwards (tests, completion, help)."""
    script = (
        "import sys\n"
        "from imbalance_cli import cli\n"
        "cli._app_for(['sessions', 'list'])\n"
        "cli._app_for(['list'])\n"
        "print(' '.join(cli._name(i) for i in (*cli.app.registered_commands, *cli.app.registered_groups)))\n"
    )
    first = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert first == [
        *("run", "resume", "reassess", "plan", "log"),
        *("list", "show", "graph", "validate", "test", "library", "schema", "compare", "progress"),
        *("sessions", "clients", "store", "admin"),
    ]


@pytest.mark.parametrize("args", [["run", "--help"], ["sessions", "--help"], ["run", "--bogus"]])
def test_a_command_alone_says_what_it_says_in_the_whole_app(args: list[str]) -> None:
    from typer.testing import CliRunner

    from imbalance_cli.cli import _app_for

    whole = CliRunner().invoke(app, args, prog_name="imbalance")
    alone = CliRunner().invoke(_app_for(args), args, prog_name="imbalance")
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert "imbalance" in whole.output


def test_a_programme_at_a_terminal_wraps_between_words_under_its_item(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`plan` and `log` printed long lines that the terminal broke mid-word ("lowers re" /
    "sting"): at a terminal they wrap at its width between words, an item's lines under its
    text; a pipe gets the lines whole."""
    import os
    import sys

    from imbalance_cli.cli import write_wrapped

    text = ("1. Wall sit: 5 holds of 30 seconds, daily\n"
            "   Why: Knee pain on stairs: a hold at an angle that does not hurt lowers resting "
            "pain for a while and builds strength without moving the sore joint\n"
            "- A pinch in a joint: keep the dose, but change the angle or make the movement "
            "smaller until the pinch goes.\n")  # fmt: skip
    write_wrapped(text)
    assert capsys.readouterr().out == text  # not a terminal: as it is
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr("shutil.get_terminal_size", lambda *a: os.terminal_size((60, 24)))
    write_wrapped(text)
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 59 for line in lines)
    assert " ".join(" ".join(lines).split()) == " ".join(text.split())  # no word cut
    assert lines[2].startswith("        ") and not lines[2].startswith("         ")  # under "Why: "
    assert lines[-1].startswith("  ") and lines[-2].startswith("- A pinch")
