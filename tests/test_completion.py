"""Shell completion through typer's own mechanism: commands, options, questionnaire ids (bundled
and the user's) and client names, asked the way bash, zsh and fish ask, and in the real shells
with the scripts `--show-completion` and `--install-completion` give."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES

BIN = Path(sys.executable).parent


def _command() -> str:
    found = BIN / "imbalance"
    if not found.exists():
        pytest.skip("the imbalance command is not installed")
    return str(found)


def _env(data: Path, home: Path | None = None, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_")}
    env.update(IMBALANCE_DATA_DIR=str(data), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    if home is not None:
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env.update(more)
    return env


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory with clients 'Sam Rivera' and 'Sasha', and a questionnaire of one's own."""
    folder = tmp_path / "data"
    for client in ("Sam Rivera", "Sasha", "Sasha"):
        run = subprocess.run(
            [sys.executable, "-m", "imbalance_cli", "--data-dir", str(folder), "run", "--answers",
             str(EXAMPLES / "no-pain.yaml"), "--no-input", "--client", client],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
    own = folder / "questionnaires"
    own.mkdir()
    (own / "shoulder-check.yaml").write_text(
        "id: shoulder-check\ntitle: Shoulder\nversion: '1'\nsections:\n  - id: s\n    title: S\n"
        "    questions:\n      - {id: a, type: yes_no, text: A?, for_reader: true}\n"
    )
    return folder


def _ask(shell: str, line: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """What imbalance answers when a shell asks for the completions of ``line``."""
    words = re.split(r"(?<!\\) ", line)  # bash keeps an escaped space inside its word
    variables = {
        "bash": {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)},
        "zsh": {"_TYPER_COMPLETE_ARGS": line},
        "fish": {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"},
    }[shell]
    return subprocess.run(
        [_command()], capture_output=True, text=True, timeout=60,
        env=_env(data, _IMBALANCE_COMPLETE=f"complete_{shell}", **variables, **env),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "bash", "fish"),
    [
        ("imbalance r", ["run", "resume", "reassess"], ["run\tAsk a questionnaire"]),
        (
            "imbalance sessions ",
            ["list", "show", "export", "import", "attach", "delete", "keygen"],
            None,
        ),
        ("imbalance run --cl", ["--client"], ["--client\tWho the answers are about."]),
        (
            "imbalance run ",
            ["checkin", "intake", "side-to-side", "shoulder-check"],
            ["shoulder-check\tyours: shoulder-check.yaml"],
        ),
        ("imbalance graph sh", ["shoulder-check"], None),
        (
            "imbalance reassess Sa",
            ["Sam\\ Rivera", "Sasha"],
            ["Sasha\t2 sessions", "Sam Rivera\t1 session"],
        ),
        ("imbalance sessions list --client Sas", ["Sasha"], ["Sasha\t2 sessions"]),
        ("imbalance clients rename S", ["Sam\\ Rivera", "Sasha"], None),
        # typed with a quote or an escaped space, bash gets names it can insert as they are
        ('imbalance reassess "Sa', ['"Sam Rivera"', '"Sasha"'], None),
        ("imbalance reassess Sam\\ R", ["Sam\\ Rivera"], None),
        ("imbalance --version r", ["run", "resume", "reassess"], None),
    ],
)
def test_bash_and_fish_ask_and_get_commands_options_ids_and_clients(
    line: str, bash: list[str], fish: list[str] | None, data: Path
) -> None:
    got = _ask("bash", line, data)
    assert got.returncode == 0 and got.stderr == "", got.stderr
    assert sorted(got.stdout.splitlines()) == sorted(bash)
    if fish is not None:
        listed = _ask("fish", line, data).stdout.splitlines()
        for wanted in fish:
            assert any(item.startswith(wanted) for item in listed), (wanted, listed)


def test_zsh_gets_values_with_their_help(data: Path) -> None:
    got = _ask("zsh", "imbalance progress S", data)
    assert got.returncode == 0
    assert got.stdout.startswith("_arguments '*: :((")
    assert '"Sam Rivera":"1 session"' in got.stdout and '"Sasha":"2 sessions"' in got.stdout


def test_the_data_dir_option_is_read_at_tab_time_and_a_bad_store_completes_nothing(
    data: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    got = _ask("bash", f"imbalance --data-dir {other} reassess ", data)
    assert got.returncode == 0 and got.stdout.strip() == ""
    assert not other.exists()  # completing never creates a data directory or a store
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "imbalance.db").write_text("this is not a database")
    damaged = _ask("bash", f"imbalance --data-dir {broken} reassess ", data)
    assert damaged.returncode == 0 and damaged.stdout.strip() == "" and damaged.stderr == ""


def test_show_completion_prints_each_shells_script(tmp_path: Path) -> None:
    for shell, marker in (
        ("bash", "complete -o default -F _imbalance_completion imbalance"),
        ("zsh", "compdef _imbalance_completion imbalance"),
        ("fish", "complete --command imbalance"),
    ):
        run = subprocess.run(
            [_command(), "--show-completion", shell], capture_output=True, text=True, timeout=60,
            env=_env(tmp_path, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"),
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert marker in run.stdout


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return found


def test_real_fish_completes_after_install_completion(data: Path, tmp_path: Path) -> None:
    fish = _shell("fish")
    home = tmp_path / "home"
    home.mkdir()
    env = _env(data, home)
    install = subprocess.run(
        [_command(), "--install-completion", "fish"], capture_output=True, text=True, timeout=60,
        env={**env, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    assert (home / ".config" / "fish" / "completions" / "imbalance.fish").is_file()

    def complete(line: str) -> list[str]:
        run = subprocess.run(
            [fish, "-c", f"complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert run.returncode == 0, run.stderr
        return [item.split("\t")[0] for item in run.stdout.splitlines()]

    assert set(complete("imbalance re")) == {"resume", "reassess"}
    assert "shoulder-check" in complete("imbalance show ")
    assert sorted(complete("imbalance reassess Sa")) == ["Sam Rivera", "Sasha"]


def test_real_bash_completes_with_the_script_it_is_shown(data: Path, tmp_path: Path) -> None:
    bash = _shell("bash")
    script = (
        "source <(_IMBALANCE_COMPLETE=source_bash imbalance)\n"
        "COMP_WORDS=(imbalance reassess Sa); COMP_CWORD=2\n"
        "_imbalance_completion imbalance\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        """COMP_WORDS=(imbalance reassess '"Sam'); COMP_CWORD=2\n"""
        "_imbalance_completion imbalance\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    run = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
        timeout=60, env=_env(data, tmp_path),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.split("\n")[:2], run.stdout.split("\n")[2:-1]
    assert sorted(first) == ["Sam\\ Rivera", "Sasha"]
    assert second == ['"Sam Rivera"']


def test_real_zsh_completes_with_the_script_it_is_shown(data: Path, tmp_path: Path) -> None:
    zsh = _shell("zsh")
    script = (
        "autoload -Uz compinit && compinit -D\n"
        "source <(_IMBALANCE_COMPLETE=source_zsh imbalance)\n"
        '_arguments() { print -rl -- "$@" }\n'
        "words=(imbalance run sh); CURRENT=3\n"
        "_imbalance_completion\n"
    )
    run = subprocess.run(
        [zsh, "-f", "-c", script], capture_output=True, text=True, timeout=60,
        env=_env(data, tmp_path),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    # _arguments gets the value and its help (zsh escapes the help's colon).
    assert run.stdout.startswith('*: :(("shoulder-check":"yours')
