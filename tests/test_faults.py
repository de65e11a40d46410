"""Faults a user or the machine can cause get a clear message and their exit code, never an
internal error, and nothing of the user's is changed: outputs that collide, existing folders'
modes, empty or odd ids and names, hostile names in confirmations and JSON lists, and what went
wrong with the store. (Part of the reliability work; more faults are listed in SECURITY.md.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from imbalance_cli import resources
from imbalance_cli.answers import read_answers
from imbalance_cli.store import Store, open_store
from imbalance_cli.store.sqlite import store_error
from test_cli import imbalance

PERSONA = str(EXAMPLES / "runner-knee.yaml")


def no_internal_error(run: subprocess.CompletedProcess[str]) -> None:
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_the_same_file_for_two_outputs_is_refused_before_any_question(tmp_path: Path) -> None:
    run = imbalance(
        "run", "--answers", PERSONA, "--no-input", "--out", "x", "--json", "./x", cwd=tmp_path
    )
    assert run.returncode == 2, run.stderr
    assert "are the same file; give each output its own name" in run.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "data").exists()
    no_internal_error(run)


def test_an_existing_data_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    run = imbalance("--data-dir", str(shared), "run", "--answers", PERSONA, "--no-input")
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "imbalance.db").stat().st_mode) == 0o600  # a new file: private
    fresh = tmp_path / "new" / "deeper"
    assert imbalance("--data-dir", str(fresh), "sessions", "list").returncode == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_data_dir_is_refused(tmp_path: Path, value: str) -> None:
    run = imbalance("--data-dir", value, "sessions", "list", cwd=tmp_path)
    assert run.returncode == 2 and "the data directory is empty" in run.stderr
    assert list(tmp_path.iterdir()) == []
    no_internal_error(run)


def test_a_data_dir_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    run = imbalance("--data-dir", str(afile), "sessions", "list")
    assert run.returncode == 1 and "is a file, not a folder" in run.stderr
    assert afile.read_text() == "mine"
    no_internal_error(run)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["sessions", "show", str(2**63)], "is not a session id"),
        (["sessions", "show", "9" * 40], "is not a session id"),
        (["sessions", "export", "\uff11"], "is not a session id"),  # a fullwidth 1
        (["sessions", "delete", "-1", "--yes"], "No such option"),
        (["compare", "1", "x"], "is not a session id"),
        (["resume", "1.5"], "is not a session id"),
    ],
)
def test_odd_session_ids_are_usage_errors(args: list[str], shown: str) -> None:
    run = imbalance(*args)
    assert run.returncode == 2, run.stderr
    assert shown in run.stderr
    no_internal_error(run)


def test_client_names_are_trimmed_matched_without_case_and_never_empty(tmp_path: Path) -> None:
    assert imbalance("run", "--answers", PERSONA, "--no-input", "--client", "Ann").returncode == 0
    again = imbalance("run", "--answers", PERSONA, "--no-input", "--client", "  ann ")
    assert again.returncode == 0, again.stderr
    clients = json.loads(imbalance("clients", "list", "--json").stdout)
    assert [(c["name"], c["sessions"]) for c in clients] == [("Ann", 2)]
    listed = json.loads(imbalance("sessions", "list", "--client", "ANN", "--json").stdout)
    assert [r["client"] for r in listed] == ["Ann", "Ann"]
    empty = imbalance("run", "--answers", PERSONA, "--no-input", "--client", "  ")
    assert empty.returncode == 2 and "--client needs a name" in empty.stderr


def test_a_client_name_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "run", "--answers", PERSONA, "--no-input",
         "--client", b"An\xffn"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert b"--client is not valid text (UTF-8)" in run.stderr
    assert b"internal error" not in run.stderr


def test_hostile_stored_names_reach_no_terminal_and_no_json_list_raw(tmp_path: Path) -> None:
    """A name stored raw (by an imbalance from before names were cleaned where they enter)
    still reaches no terminal and no JSON list raw."""
    hostile = "Eve\u202e\x1b]0;owned\x07\x9b31m"
    run = imbalance("run", "--answers", PERSONA, "--no-input", "--client", "Eve")
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "data" / "imbalance.db") as db:
        db.execute("UPDATE clients SET name = ?", (hostile,))
    delete = imbalance("clients", "delete", hostile)  # no terminal: the confirmation is refused
    assert delete.returncode == 2 and "Nothing was deleted" in delete.stderr
    delete_one = imbalance("sessions", "delete", "1")
    for text in (delete.stderr, delete_one.stderr):
        assert not any(c in text for c in "\x1b\x07\x9b\u202e"), text
    for args in (
        ["clients", "list", "--json"],
        ["sessions", "list", "--json"],
        ["sessions", "show", "1", "--json"],
    ):
        out = imbalance(*args).stdout
        assert not any(c in out for c in "\x1b\x07\x9b\u202e"), args
        assert hostile in out.encode().decode("unicode_escape") or hostile in json.dumps(
            json.loads(out)
        )
    names = [c["name"] for c in json.loads(imbalance("clients", "list", "--json").stdout)]
    assert names == [hostile]  # the data itself is unchanged


def test_a_name_is_cleaned_where_it_enters_so_no_export_carries_it_raw(tmp_path: Path) -> None:
    """A client name with escape sequences, a bell, a right-to-left override or a noncharacter
    is cleaned once, where it enters: the HTML report holds no code point HTML forbids and
    `cat` of the CSV cannot set the window title or clear the screen. A 10,000-character
    name is refused."""
    hostile = "Sam\x1b]0;owned\x07\x1b[2J\u202eRivera\x9b31m\ufdd0\x07"
    html, csv_out = tmp_path / "r.html", tmp_path / "all.csv"
    run = imbalance(
        "run", "--answers", PERSONA, "--no-input", "--client", hostile, "--html", str(html)
    )
    assert run.returncode == 0, run.stderr
    assert imbalance("sessions", "export", "--format", "csv", "--out", str(csv_out)).returncode == 0
    forbidden = re.compile(
        "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\u202a-\u202e]"
    )
    for path in (html, csv_out):
        text = path.read_text(encoding="utf-8")
        assert "Sam Rivera" in text or "SamRivera" in text, path
        assert not forbidden.search(text), (path, forbidden.findall(text))
    (listed,) = json.loads(imbalance("clients", "list", "--json").stdout)
    assert listed["name"] == "SamRivera"
    long = imbalance("run", "--answers", PERSONA, "--no-input", "--client", "A" * 10_000)
    assert long.returncode == 2
    assert "--client is 10,000 characters long; a client's name is at most 100" in long.stderr
    rename = imbalance("clients", "rename", "SamRivera", "B" * 101)
    assert rename.returncode == 2 and "NEW is 101 characters long" in rename.stderr


@pytest.mark.parametrize(
    ("error", "says", "move_aside"),
    [
        ("attempt to write a readonly database", "is read-only", False),
        ("database or disk is full", "could not be written", False),
        ("database is locked", "locked by another imbalance for over 30 s", False),
        ("file is not a database", "cannot be read", True),
        ("database disk image is malformed", "cannot be read", True),
    ],
)
def test_store_faults_have_their_own_messages(error: str, says: str, move_aside: bool) -> None:
    message = store_error(Path("/x/imbalance.db"), sqlite3.OperationalError(error)).message
    assert says in message
    assert ("move it aside" in message) == move_aside


def test_a_store_of_random_bytes_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    junk = os.urandom(8192)
    (data / "imbalance.db").write_bytes(junk)
    run = imbalance("sessions", "list", env={"IMBALANCE_DATA_DIR": str(data)})
    assert run.returncode == 1 and "cannot be read" in run.stderr and "move it aside" in run.stderr
    assert (data / "imbalance.db").read_bytes() == junk
    no_internal_error(run)


def test_opening_a_store_never_changes_an_existing_files_mode(tmp_path: Path) -> None:
    with open_store(tmp_path):
        pass
    (tmp_path / "imbalance.db").chmod(0o640)
    with open_store(tmp_path):
        pass
    assert stat.S_IMODE((tmp_path / "imbalance.db").stat().st_mode) == 0o640


# -- outputs that are not regular files, and inputs that never end ---------------------------


def test_a_fifo_output_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run = imbalance("run", "--answers", PERSONA, "--no-input", "--out", str(fifo), "--force")
    reader.join(timeout=30)
    assert run.returncode == 0, run.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"# Muscle imbalance self-assessment")


def test_a_device_output_is_written_to_never_replaced(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private copy of /dev/null
    run = imbalance("run", "--answers", PERSONA, "--no-input", "--out", str(null), "--force")
    assert run.returncode == 0, run.stderr
    assert stat.S_ISCHR(null.stat().st_mode)


def test_dash_and_dev_stdout_write_to_standard_output(tmp_path: Path) -> None:
    for target in ("-", "/dev/stdout"):
        run = imbalance("run", "--answers", PERSONA, "--no-input", "--json", target, "--force")
        assert run.returncode == 0, run.stderr
        assert (
            json.loads(run.stdout[run.stdout.index("{") :].split("\n}\n")[0] + "\n}")[
                "format_version"
            ]
            == 1
        )


def test_a_directory_or_a_proc_file_as_output_is_a_clear_error(tmp_path: Path) -> None:
    run = imbalance("run", "--answers", PERSONA, "--no-input", "--out", str(tmp_path), "--force")
    assert run.returncode == 1 and "is a directory; give a file name" in run.stderr
    proc = imbalance("run", "--answers", PERSONA, "--no-input", "--out", "/proc/version", "--force")
    assert proc.returncode == 1 and "cannot write '/proc/version'" in proc.stderr
    no_internal_error(proc)


def test_a_full_or_closed_standard_output_is_a_clear_error(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "imbalance_cli", "run", "--answers", PERSONA, "--no-input"],
            stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert run.returncode == 1
    assert "cannot write to standard output: No space left on device" in run.stderr
    closed = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m imbalance_cli sessions list --json >&-'],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert closed.returncode == 1 and "standard output is closed" in closed.stderr
    assert "internal error" not in run.stderr + closed.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_fifo_or_an_endless_device_as_input_is_refused_at_once(
    tmp_path: Path, command: str
) -> None:
    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    for source in (str(fifo), "/dev/zero"):
        args = (
            ["validate", source]
            if command == "validate"
            else ["run", "--answers", source, "--no-input"]
        )
        run = imbalance(*args)  # a hang would fail the 60 s timeout
        assert run.returncode == 1, run.stderr
        assert "not a regular file" in run.stdout + run.stderr
        no_internal_error(run)


# -- the store failing under a run ---------------------------------------------------------------


def test_a_full_disk_under_a_run_says_what_is_kept_and_leaves_no_empty_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from imbalance_cli.cli import main

    def full(*args: object, **kwargs: object) -> None:
        raise store_error(tmp_path, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(Store, "save_answers", full)
    assert main(["run", "--answers", PERSONA, "--no-input", "--client", "Dee"]) == 1
    said = capsys.readouterr().err
    assert "could not be written: database or disk is full" in said and "move it aside" not in said
    monkeypatch.undo()
    with open_store(tmp_path / "data") as store:
        assert store.sessions() == [] and store.clients() == []


def test_a_session_deleted_while_a_run_saves_it_is_a_clear_error(tmp_path: Path) -> None:
    from imbalance_cli import loader, resources
    from imbalance_cli.errors import ImbalanceError
    from imbalance_cli.workflow import saver

    q = loader.load_questionnaire(
        resources.resolve("intake"), loader.load_library(resources.library_paths())
    )
    with open_store(tmp_path / "store") as store:
        sid = store.start(
            questionnaire_id="intake", version="2", sha256="x", source="intake", client="Zoe"
        )
        save = saver(store, sid, q)
        save({"age": 40})
        store.delete_client("Zoe")
        with pytest.raises(
            ImbalanceError, match=f"session {sid} was deleted while this run was saving"
        ):
            save({"age": 40, "cancer_history": False})


def test_a_full_disk_mid_intake_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imbalance_cli import loader, resources
    from imbalance_cli.errors import ImbalanceError
    from imbalance_cli.workflow import saver

    q = loader.load_questionnaire(
        resources.resolve("intake"), loader.load_library(resources.library_paths())
    )
    with open_store(tmp_path / "store") as store:
        sid = store.start(
            questionnaire_id="intake", version="2", sha256="x", source="intake", client=None
        )
        save = saver(store, sid, q)
        save({"age": 40})
        real = Store.save_answers

        def full(self: Store, *args: object, **kwargs: object) -> None:
            raise store_error(tmp_path, sqlite3.OperationalError("database or disk is full"))

        monkeypatch.setattr(Store, "save_answers", full)
        with pytest.raises(ImbalanceError) as info:
            save({"age": 40, "cancer_history": False})
        assert "could not be written: database or disk is full" in info.value.message
        assert f"your 1 earlier answer(s) are saved in session {sid}" in info.value.message
        assert f"continue with: imbalance resume {sid}" in info.value.message
        monkeypatch.setattr(Store, "save_answers", real)
        assert store.answers(sid) == {"age": 40}


# -- answers as written: YAML 1.2 core rules, JSON read as JSON, with and without libyaml -------


def test_answers_keep_text_as_written_and_only_true_false_are_booleans(
    tmp_path: Path,
) -> None:
    from imbalance_cli import loader, resources

    intake = loader.load_questionnaire(
        resources.resolve("intake"), loader.load_library(resources.library_paths())
    )
    for written in ("1.10", "0x1F", "007", "1.0e+400", "no", "yes", "on", "~x"):
        path = tmp_path / "a.yaml"
        path.write_text(f"main_concern: {written}\nknee_swelling: no\nleg_pain: no\n")
        answers = read_answers(path, intake)
        assert answers["main_concern"] == written
        assert answers["knee_swelling"] is False  # a yes/no question reads "no" as no
        assert answers["leg_pain"] == "no"  # a choice whose id is "no"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "knee_swelling: !!bool maybe",
            "YAML tag 'tag:yaml.org,2002:bool' is not allowed in answers",
        ),
        (
            'main_concern: !!null "text"',
            "YAML tag 'tag:yaml.org,2002:null' is not allowed in answers",
        ),
    ],
)
def test_tags_in_answers_are_refused_with_their_place(
    tmp_path: Path, line: str, message: str
) -> None:
    from imbalance_cli import loader, resources
    from imbalance_cli.errors import AnswersError

    intake = loader.load_questionnaire(resources.resolve("intake"))
    path = tmp_path / "a.yaml"
    path.write_text("age: 40\n" + line + "\n")
    with pytest.raises(AnswersError) as info:
        read_answers(path, intake)
    (problem,) = info.value.problems
    assert problem.location.line == 2 and message in problem.message


def test_a_questionnaire_yes_is_text_not_a_boolean(write: object) -> None:
    from imbalance_cli import loader
    from imbalance_cli.errors import QuestionnaireError

    path = write(  # type: ignore[operator]
        """
        id: yes-no
        title: Yes
        version: "1"
        sections:
          - id: s
            title: S
            questions:
              - {id: notes, type: text, text: Notes?, required: yes}
        """
    )
    with pytest.raises(QuestionnaireError, match="required must be true or false, not text"):
        loader.load_questionnaire(path)


def test_a_json_answers_file_is_read_as_json(tmp_path: Path) -> None:
    from imbalance_cli import loader, resources
    from imbalance_cli.errors import AnswersError

    intake = loader.load_questionnaire(resources.resolve("intake"))
    text = "Sore 😀 \x7f \uffff knee"
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"age": 40, "main_concern": text, "regions": ["knee.left"]}))
    assert "\\ud83d\\ude00" in path.read_text()  # what json.dumps writes for an emoji
    answers = read_answers(path, intake)
    assert answers == {"age": 40, "main_concern": text, "regions": ("knee.left",)}
    path.write_text('{"age": 40,\n "main_concern": "x",\n "age": 41,\n "regions": [knee]}')
    with pytest.raises(AnswersError) as info:
        read_answers(path, intake)
    (problem,) = info.value.problems
    assert (problem.location.line, problem.location.column) == (
        4,
        14,
    ) and "JSON syntax error" in problem.message
    path.write_text('{"age": 40,\n "age": 41}')
    with pytest.raises(AnswersError, match=r"a.json:2:2: duplicate key 'age'"):
        read_answers(path, intake)


@given(st.text(max_size=300).filter(lambda s: s.strip() == s and s != ""))
@settings(max_examples=150, deadline=None, derandomize=True)
def test_any_json_string_loads_back_unchanged_as_a_text_answer(text: str) -> None:
    intake = _intake()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.json"
        path.write_text(json.dumps({"main_concern": text}))
        assert read_answers(path, intake)["main_concern"] == text
        path.write_text(
            json.dumps({"main_concern": text}, ensure_ascii=False),
            encoding="utf-8",
            errors="surrogatepass",
        )
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            assert read_answers(path, intake)["main_concern"] == text


def test_files_load_the_same_with_and_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """The authoring guide's examples and the bundled intake give the same model through
    libyaml's parser and through the pure-Python one (PyYAML built without libyaml)."""
    import re as regex

    import yaml as pyyaml

    from conftest import ROOT
    from imbalance_cli import loader, resources, yamlsrc
    from imbalance_cli.render import outline

    if not hasattr(pyyaml, "CSafeLoader"):
        pytest.skip("PyYAML here is built without libyaml; the pure path is the only one")
    guide = (ROOT / "docs" / "authoring.md").read_text()
    found = regex.findall(r"```yaml\n(.*?)```", guide, regex.S)
    # The guide's own articles and strategies, where an author keeps them (a private data dir).
    resources.user_library_dir().mkdir(parents=True)
    for n, block in enumerate(b for b in found if b.startswith("articles:")):
        (resources.user_library_dir() / f"guide{n}.yaml").write_text(block)
    library = loader.load_library(resources.library_paths())
    blocks = [b for b in found if "sections:" in b]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for n, block in enumerate(blocks):
            paths.append(Path(folder) / f"g{n}.yaml")
            paths[-1].write_text(block)
        paths.append(resources.resolve("intake"))
        seen = {}
        for parser in (pyyaml.CSafeLoader, yamlsrc.PureLoader):
            monkeypatch.setattr(yamlsrc, "_Loader", parser)
            seen[parser] = [outline.as_json(loader.load_questionnaire(p, library)) for p in paths]
        assert seen[pyyaml.CSafeLoader] == seen[yamlsrc.PureLoader]


_INTAKE: list[object] = []


def _intake():  # type: ignore[no-untyped-def]
    if not _INTAKE:
        from imbalance_cli import loader, resources

        _INTAKE.append(loader.load_questionnaire(resources.resolve("intake")))
    return _INTAKE[0]


def test_validate_of_a_missing_file_counts_it() -> None:
    run = imbalance("validate", "/nonexistent/q.yaml")
    assert run.returncode == 1 and "1 error in 1 of 1 file(s)" in run.stderr


def test_validate_of_a_copy_of_the_library_finds_no_false_duplicates(tmp_path: Path) -> None:
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "questionnaires" / "library", tmp_path / "library")
    run = imbalance("validate", str(tmp_path / "library"))
    assert run.returncode == 0, run.stdout
    assert "used twice" not in run.stdout


def test_a_damaged_answer_row_is_left_out_with_a_warning_and_the_rest_kept(tmp_path: Path) -> None:
    assert imbalance("run", "--answers", PERSONA, "--no-input").returncode == 0
    db = sqlite3.connect(tmp_path / "data" / "imbalance.db")
    db.execute("UPDATE answers SET value_json = '{not json' WHERE question_id = 'age'")
    db.commit()
    db.close()
    run = imbalance("sessions", "export", "1", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "answer to 'age' left out: its stored value is damaged" in " ".join(run.stderr.split())
    doc = json.loads(run.stdout)
    assert "age" not in doc["answers"] and doc["answers"]["regions"] == ["knee.left"]


def _as_nobody(args: list[str], data: Path, bundled: Path | None = None) -> tuple[int, str]:
    """Run the command line in a forked child that has become user nobody, so file modes count
    (root ignores them). The child runs the already imported code; nothing is executed anew.
    ``bundled``: a copy of the bundled questionnaires nobody can read, for commands that read
    them, since the checkout may sit in a folder only root can enter (``mktemp -d``)."""
    from imbalance_cli import resources
    from imbalance_cli.cli import main

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read)
            sys.stderr = os.fdopen(write, "w")  # pytest has replaced fd 2's stream
            os.setgid(65534)
            os.setuid(65534)
            os.environ["IMBALANCE_DATA_DIR"] = str(data)
            if bundled is not None:
                resources.bundled_dir = lambda: bundled  # type: ignore[assignment]
            code = main(args)
        except BaseException:
            code = 99
        sys.stderr.flush()
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), said


def test_a_read_only_folder_stays_read_only_for_a_user_and_nothing_is_deleted(
    tmp_path: Path,
) -> None:
    """As a user root's rights do not cover (nobody): a store in a 0500 folder is not made
    writable, `sessions delete` fails with the read-only message, and the session is kept."""
    if os.geteuid() != 0:
        pytest.skip("becoming another user needs root")
    folder = Path(tempfile.mkdtemp(prefix="imbalance-ro-"))
    try:
        folder.chmod(0o755)
        data = folder / "data"
        run = imbalance(
            "run", "--answers", PERSONA, "--no-input", env={"IMBALANCE_DATA_DIR": str(data)}
        )
        assert run.returncode == 0, run.stderr
        for path in (data, *data.iterdir()):
            os.chown(path, 65534, 65534)
        (data / "imbalance.db").chmod(0o400)
        data.chmod(0o500)
        code, said = _as_nobody(["sessions", "delete", "1", "--yes"], data)
        assert code == 1, said
        assert "read-only" in said or "cannot open" in said, said
        assert "move it aside" not in said and "internal error" not in said
        assert stat.S_IMODE(data.stat().st_mode) == 0o500
        with sqlite3.connect(f"file:{data / 'imbalance.db'}?mode=ro", uri=True) as db:
            assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def _import_what_they_need(commands: tuple[list[str], ...], data: Path, tmp_path: Path) -> None:
    """Run the commands once as root on a copy of the store, so every module they import is
    loaded before the child that becomes nobody runs them (nobody cannot read this Python's
    files)."""
    import shutil

    from imbalance_cli.cli import main

    copy = tmp_path / "warm"
    shutil.copytree(data, copy)
    os.environ["IMBALANCE_DATA_DIR"] = str(copy)
    for args in commands:
        main([a.replace(str(data.parent / "out"), str(tmp_path)) for a in args])


def test_a_read_only_store_still_serves_the_commands_that_only_read(tmp_path: Path) -> None:
    """As a user who cannot write the store or its folder (nobody): `sessions list`, `show`,
    `export`, `clients list`, `compare` and `progress` work; a command that writes says the
    store is read-only and why."""
    if os.geteuid() != 0:
        pytest.skip("becoming another user needs root")
    folder = Path(tempfile.mkdtemp(prefix="imbalance-ro-"))
    try:
        folder.chmod(0o755)
        data = folder / "data"
        for _ in range(2):
            run = imbalance(
                "run", "--answers", PERSONA, "--no-input", "--client", "Ana",
                env={"IMBALANCE_DATA_DIR": str(data)},
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
        for path in (data, *data.iterdir()):
            os.chown(path, 65534, 65534)
            path.chmod(0o500 if path.is_dir() else 0o400)
        out = folder / "out"
        out.mkdir()
        os.chown(out, 65534, 65534)
        commands = (
            ["sessions", "list", "--json"],
            ["sessions", "show", "1", "--json"],
            ["sessions", "export", "1", "--format", "json", "--out", str(out / "one.json")],
            ["clients", "list", "--json"],
            ["compare", "1", "2", "--out", str(out / "compare.md")],
            ["progress", "Ana", "--json"],
        )
        _import_what_they_need(commands, data, tmp_path)
        bundled = folder / "bundled"
        shutil.copytree(resources.bundled_dir(), bundled)
        for path in (bundled, *bundled.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        for args in commands:
            code, said = _as_nobody(args, data, bundled)
            assert code == 0, (args, said)
        assert json.loads((out / "one.json").read_text())["answers"]
        code, said = _as_nobody(["clients", "rename", "Ana", "Ann"], data)
        assert code == 1 and "is read-only: the file cannot be written" in said, said
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_a_store_on_a_read_only_mount_says_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite says only "unable to open database file" for a store on a read-only mount; the
    message says read-only, and why."""
    from imbalance_cli.store.sqlite import store_error

    class ReadOnlyMount:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnlyMount())
    problem = store_error(
        Path("/mnt/usb/data/imbalance.db"), sqlite3.OperationalError("unable to open database file")
    )
    assert "is read-only: it is on a read-only file system" in problem.message
    assert "Commands that only read it (sessions list" in problem.message
    assert "move it aside" not in problem.message


def test_a_real_read_only_mount_is_read_and_named(tmp_path: Path) -> None:
    """Where this machine lets the tests mount a file system (as root), a store on a tmpfs
    remounted read-only lists its sessions and refuses to change, saying read-only."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a file system here")
    try:
        data = mount / "data"
        env = {"IMBALANCE_DATA_DIR": str(data)}
        assert imbalance("run", "--answers", PERSONA, "--no-input", env=env).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        listed = imbalance("sessions", "list", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 1
        run = imbalance("run", "--answers", PERSONA, "--no-input", env=env)
        assert run.returncode == 1
        assert "read-only: it is on a read-only file system" in run.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@given(
    age=st.integers(min_value=12, max_value=110),
    swelling=st.booleans(),
    ticked=st.lists(
        st.sampled_from(["sitting", "stairs", "walking", "exercise"]), unique=True, min_size=1
    ),
    hours=st.integers(min_value=0, max_value=24),
)
@settings(max_examples=60, deadline=None, derandomize=True)
def test_any_json_answer_of_the_right_type_loads_back_unchanged(
    age: int, swelling: bool, ticked: list[str], hours: int
) -> None:
    intake = _intake()
    given_answers = {
        "age": age, "knee_swelling": swelling, "worse_with.knee.left": ticked, "sitting_hours": hours,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.json"
        path.write_text(json.dumps(given_answers))
        loaded = read_answers(path, intake)
    order = [c.id for c in intake.question("worse_with.knee.left").choices]  # type: ignore[union-attr]
    assert loaded == {
        **given_answers,
        "worse_with.knee.left": tuple(sorted(ticked, key=order.index)),
    }


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ('{"age": ' + "1" * 5000 + "}", "a.json:1:9: a number of 5,000 digits is far too long"),
        (
            '{"age": 40,\n "notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "a.json:2:110: the JSON is nested more than 100 levels deep here",
        ),
    ],
    ids=["5000-digit-integer", "nested-100000-deep"],
)
def test_json_answers_python_cannot_parse_are_located_problems(
    tmp_path: Path, content: str, shown: str
) -> None:
    """What the JSON parser fails on without saying where (an integer longer than Python
    converts, nesting past its recursion limit) is a located problem, as it is in YAML."""
    path = tmp_path / "a.json"
    path.write_text(content)
    run = imbalance("run", "--answers", str(path), "--no-input", "--no-save", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert shown in run.stderr.replace(str(tmp_path) + "/", "")
    assert "internal error" not in run.stderr


def test_an_output_that_fails_after_the_session_is_saved_says_how_to_write_it_again(
    tmp_path: Path,
) -> None:
    """The answers are saved before the outputs are written: when one output fails (a full
    disk; /dev/full here), the others are still written, and the message names the saved
    session and the command that writes the failed output from it."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    run = imbalance(
        "run", "--answers", PERSONA, "--no-input", "--client", "Ana Lee", "--audience", "client",
        "--out", "ok.md", "--json", "/dev/full", "--html", "my report.html", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    said = run.stderr
    assert "imbalance: error: cannot write '/dev/full': No space left on device" in said
    assert "written all the same: ok.md, my report.html" in said
    assert "the session is saved as session 1; write what failed again with:" in said
    assert "imbalance sessions export 1 --format json --out /dev/full" in said
    assert "internal error" not in said
    assert (
        (tmp_path / "ok.md")
        .read_text()
        .startswith("# Your muscle imbalance self-assessment summary")
    )
    assert (tmp_path / "my report.html").is_file()
    with open_store(tmp_path / "data") as store:
        assert store.session(1).status == "complete"
    again = imbalance("sessions", "export", "1", "--format", "json", "--out", "again.json",
                      cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0 and json.loads((tmp_path / "again.json").read_text())


def test_a_questionnaire_id_is_found_from_a_folder_the_user_cannot_look_into(
    tmp_path: Path,
) -> None:
    """A bare id ('intake') is first tried as a file in the current folder; a folder nobody may
    look into (run from a checkout only root can enter) must not turn that into 'Permission
    denied (intake)': the id is looked up among the questionnaires."""
    if os.geteuid() != 0:
        pytest.skip("becoming another user needs root")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o700)
    bundled = Path(tempfile.mkdtemp(prefix="imbalance-bundled-"))
    try:
        shutil.copytree(resources.bundled_dir(), bundled / "q")
        for path in (bundled, *bundled.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: nobody, standing in a folder it cannot look into
            found = "none"
            try:
                os.close(read)
                os.chdir(locked)
                os.setgid(65534)
                os.setuid(65534)
                resources.bundled_dir = lambda: bundled / "q"  # type: ignore[assignment]
                os.environ["IMBALANCE_DATA_DIR"] = str(bundled / "data")
                found = str(resources.resolve("intake"))
            except BaseException as exc:
                found = f"error: {exc}"
            os.write(write, found.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            said = pipe.read()
        os.waitpid(pid, 0)
        assert said == str(bundled / "q" / "intake.yaml"), said
    finally:
        subprocess.run(["rm", "-rf", str(bundled)], check=False)
