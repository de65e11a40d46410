"""At a clinic's scale: each questionnaire version parsed once per process however many sessions
use it, results rebuilt one session at a time, and long lists and histories paged on a terminal
while --json and pipes get everything. (Speed itself is measured in benchmarks/, not here.)"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import EXAMPLES, installed_command
from imbalance_cli import loader, resources
from imbalance_cli.errors import ImbalanceError
from imbalance_cli.store import open_store
from imbalance_cli.workflow import Loaded, Sources, cache, client_snapshots, load, saved

PERSONA = EXAMPLES / "desk-worker-neck-shoulder.yaml"


def cli(data: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IMBALANCE_DATA_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "imbalance_cli", "--data-dir", str(data), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**env, "COLUMNS": str(columns)},
    )  # fmt: skip


def many_sessions(
    data: Path, count: int, *, client: str = "Sam", warning_in: int | None = None
) -> None:
    """``count`` completed intakes of one client: one real run, then copies a day apart, each
    with its neck pain at worst changed (so no two rebuild alike). ``warning_in``: that copy
    is recorded with an urgent warning sign."""
    run = cli(data, "run", "--answers", str(PERSONA), "--no-input", "--client", client)
    assert run.returncode == 0, run.stderr
    db = sqlite3.connect(data / "imbalance.db")
    with db:
        (first,) = db.execute("SELECT id FROM sessions").fetchone()
        for n in range(1, count):
            # in the past, so the real run comes last in time and no date of a bundle exported
            # from here is in the future (an import refuses those)
            day = f"2020-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T09:00:00+00:00"
            new = db.execute(
                """INSERT INTO sessions(client_id, questionnaire_id, questionnaire_version,
                   questionnaire_sha256, questionnaire_source, status, started_at, updated_at,
                   completed_at, worst_pain, result_json, warning)
                   SELECT client_id, questionnaire_id, questionnaire_version, questionnaire_sha256,
                   questionnaire_source, status, ?, ?, ?, worst_pain, result_json, ?
                   FROM sessions WHERE id = ?""",
                (day, day, day, "urgent" if n == warning_in else "none", first),
            ).lastrowid
            db.execute(
                """INSERT INTO answers(session_id, question_id, position, value_json, answered_at)
                   SELECT ?, question_id, position,
                   CASE question_id WHEN 'pain_worst.neck' THEN ? ELSE value_json END,
                   answered_at FROM answers WHERE session_id = ?""",
                (new, str(n % 11), first),
            )
    db.close()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How often the loader parsed a questionnaire and a library file set, from a clean cache."""
    counts = {"questionnaire": 0, "library": 0}
    real_q, real_l = loader.load_questionnaire, loader.load_library

    def load_questionnaire(*args: object, **kwargs: object) -> object:
        counts["questionnaire"] += 1
        return real_q(*args, **kwargs)  # type: ignore[arg-type]

    def load_library(*args: object, **kwargs: object) -> object:
        counts["library"] += 1
        return real_l(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_questionnaire", load_questionnaire)
    monkeypatch.setattr(loader, "load_library", load_library)
    cache.clear()
    yield counts
    cache.clear()


# -- each questionnaire version parsed once ---------------------------------------------------


def test_a_client_history_parses_its_questionnaire_and_the_library_once(
    tmp_path: Path, parses: dict[str, int]
) -> None:
    data = tmp_path / "store"
    many_sessions(data, 12)
    with open_store(data) as store:
        results = list(client_snapshots(store, "Sam"))
        assert len(results) == 12
        assert parses == {"questionnaire": 1, "library": 1}
        again = list(client_snapshots(store, "Sam"))  # a second command in the same process
    assert parses == {"questionnaire": 1, "library": 1}
    assert [r.answers["pain_worst.neck"] for r in again] == [
        r.answers["pain_worst.neck"] for r in results
    ]
    assert results[0].questionnaire is results[-1].questionnaire


def test_a_questionnaire_rewritten_on_disk_is_read_again(
    write: Callable[..., Path], parses: dict[str, int]
) -> None:
    """The cache goes by content: a rewrite of the same size within one clock tick (which
    leaves the modification time as it was) still brings the new version."""
    text = """
        id: tiny
        title: Tiny
        version: "1"
        sections:
          - id: s
            title: S
            questions:
              - {id: a, type: yes_no, text: A?}
        """
    path = write(text, "tiny.yaml")
    first = load(str(path))[0]
    assert load(str(path))[0] is first and parses["questionnaire"] == 1
    stamp = path.stat().st_mtime_ns
    write(text.replace('version: "1"', 'version: "2"'), "tiny.yaml")
    os.utime(path, ns=(stamp, stamp))
    assert load(str(path))[0].version == "2" and parses["questionnaire"] == 2


def test_a_changed_library_checks_the_questionnaire_again(
    tmp_path: Path, write: Callable[..., Path], parses: dict[str, int]
) -> None:
    """A questionnaire is kept per library: an article an author adds is known at once, and one
    removed is an error again, not a reference the cache still believes in."""
    own = resources.user_library_dir()
    own.mkdir(parents=True)
    article = own / "mine.yaml"
    article.write_text(
        "articles:\n  - {id: my-article, title: Mine, summary: S, "
        "sources: [{kind: research, citation: C}]}\n"
    )
    path = write(
        """
        id: tiny
        title: Tiny
        version: "1"
        sections:
          - id: s
            title: S
            questions:
              - {id: a, type: yes_no, text: A?}
        recommendations:
          - {id: r, when: {question: a, equals: true}, because: B, articles: [my-article]}
        """
    )
    assert load(str(path))[0].rules[0].articles == ("my-article",)
    article.write_text("articles: []\n")
    with pytest.raises(ImbalanceError, match="my-article"):
        load(str(path))
    assert parses == {"questionnaire": 2, "library": 2}


def test_a_file_with_problems_is_read_again_once_fixed(
    write: Callable[..., Path], parses: dict[str, int]
) -> None:
    path = write("id: tiny\ntitle: Tiny\n", "tiny.yaml")
    for _ in range(2):
        with pytest.raises(ImbalanceError, match="version"):
            load(str(path))
    write(
        'id: tiny\ntitle: Tiny\nversion: "1"\nsections:\n  - id: s\n    title: S\n    questions:\n'
        "      - {id: a, type: yes_no, text: A?}\n",
        "tiny.yaml",
    )
    assert load(str(path))[0].id == "tiny"
    assert parses["questionnaire"] == 3


def test_sessions_of_a_missing_questionnaire_each_say_so_from_one_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "store"
    many_sessions(data, 5)
    sqlite3.connect(data / "imbalance.db").execute(
        "UPDATE sessions SET questionnaire_source = 'gone'"
    ).connection.commit()
    looked: list[str] = []
    real = resources.resolve
    monkeypatch.setattr(resources, "resolve", lambda name: looked.append(name) or real(name))
    with open_store(data) as store:
        rows = store.sessions("Sam")
        got = list(saved(store, rows, Sources()))
    assert looked == ["gone"]
    assert all(isinstance(g, ImbalanceError) for g in got)
    assert [str(g).split(" used ")[0] for g in got] == [f"session {r.id}" for r in rows]


def test_results_come_one_at_a_time_and_are_not_held(tmp_path: Path) -> None:
    """A long history streams: once the next result is asked for, nothing of the last one is
    kept, so memory does not grow with the number of sessions."""
    data = tmp_path / "store"
    many_sessions(data, 4)
    with open_store(data) as store:
        results = client_snapshots(store, "Sam")
        first = weakref.ref(next(results))
        second = next(results)
        gc.collect()
        assert first() is None
        assert second.session is not None


def test_loaded_sessions_match_one_at_a_time_loading(tmp_path: Path) -> None:
    """Reading many sessions' answers in a few queries gives what reading each alone gives."""
    from imbalance_cli.workflow import load_session

    data = tmp_path / "store"
    many_sessions(data, 7)
    with open_store(data) as store:
        rows = store.sessions("Sam")
        together = [g for g in saved(store, rows) if isinstance(g, Loaded)]
        alone = [load_session(store, r.id) for r in rows]
        one_by_one = [next(iter(store.answers_of([r.id], chunk=1)))[0] for r in rows]
        assert one_by_one == [r.id for r in rows]
        assert list(store.answers_of([])) == []
    assert [(g.row.id, g.answers, g.warnings) for g in together] == [
        (a.row.id, a.answers, a.warnings) for a in alone
    ]


# -- progress: the latest sessions in the table, all of them for machines --------------------


def test_progress_table_shows_the_latest_sessions_and_the_warning_signs_of_earlier_ones(
    tmp_path: Path,
) -> None:
    data = tmp_path / "store"
    many_sessions(data, 12, warning_in=2)
    table = cli(data, "progress", "Sam")
    assert table.returncode == 0, table.stderr
    text = table.stdout
    assert "The latest 8 of 12 sessions; every one: --all" in text
    assert "Warning signs in earlier sessions: S3 01-03 URGENT." in text
    assert "S12 " in text and "S5 " not in text and "S4 " not in text
    both = cli(data, "progress", "Sam", "--all", "--limit", "3")
    assert both.returncode == 2 and "--all or --limit" in both.stderr
    latest = cli(data, "progress", "Sam", "--limit", "3").stdout
    assert "The latest 3 of 12 sessions" in latest and "S11 " in latest and "S10 " not in latest


def test_progress_json_and_all_cover_every_session(tmp_path: Path) -> None:
    data = tmp_path / "store"
    many_sessions(data, 11)
    series = json.loads(cli(data, "progress", "Sam", "--json").stdout)
    assert len(series["sessions"]) == 11
    neck = next(s for s in series["pain_worst"] if s["name"] == "Neck")
    assert neck["values"][:3] == [1.0, 2.0, 3.0]
    assert (
        len(json.loads(cli(data, "progress", "Sam", "--json", "--limit", "4").stdout)["sessions"])
        == 4
    )
    everything = cli(data, "progress", "Sam", "--all", columns=300)
    assert everything.returncode == 0 and "The latest" not in everything.stdout
    assert "S2 " in everything.stdout


# -- sessions list: a page on a terminal, everything for --json and pipes ---------------------


def test_sessions_list_gives_a_pipe_and_json_every_session(tmp_path: Path) -> None:
    data = tmp_path / "store"
    many_sessions(data, 60)
    piped = cli(data, "sessions", "list")
    assert piped.returncode == 0
    assert len(piped.stdout.splitlines()) == 61 and "more" not in piped.stderr
    assert len(json.loads(cli(data, "sessions", "list", "--json").stdout)) == 60
    limited = cli(data, "sessions", "list", "--limit", "5")
    assert len(limited.stdout.splitlines()) == 6
    assert len(json.loads(cli(data, "sessions", "list", "--json", "--limit", "5").stdout)) == 5
    both = cli(data, "sessions", "list", "--all", "--limit", "5")
    assert both.returncode == 2 and "--all or --limit" in both.stderr


def test_sessions_list_pages_on_a_terminal(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    data = tmp_path / "store"
    many_sessions(data, 60)

    def screen(*args: str) -> str:
        child = pexpect.spawn(
            installed_command(), ["--data-dir", str(data), "sessions", "list", *args],
            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"}, encoding="utf-8",
            timeout=60, dimensions=(200, 120),
        )  # fmt: skip
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        return str(child.before).replace("\r\n", "\n")

    paged = screen()
    rows = [line for line in paged.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 50 and rows[0].split()[0] == "1"  # the real run is the newest
    assert "The latest 50 of 60 sessions; 10 more: add --all to list every one" in " ".join(
        paged.split()
    )
    every = screen("--all")
    assert len([line for line in every.splitlines() if line.strip()[:1].isdigit()]) == 60
    assert "more" not in every


def test_a_bundle_written_a_session_at_a_time_is_the_one_document(tmp_path: Path) -> None:
    """The bundle is written session by session, and its text is exactly what writing the
    whole document at once gives (so nothing reading bundles can tell)."""
    from imbalance_cli.text import dumps

    data = tmp_path / "store"
    many_sessions(data, 5)
    text = cli(data, "sessions", "export", "--format", "bundle").stdout
    document = json.loads(text)
    assert text == dumps(document)
    assert [s["ref"] for s in document["sessions"]] == [2, 3, 4, 5, 1]
    assert all(s["answers"] and s["result"]["answers"] for s in document["sessions"])
    other = tmp_path / "other"
    bundle = tmp_path / "bundle.json"
    bundle.write_text(text)
    assert cli(other, "sessions", "import", str(bundle)).returncode == 0
    again = json.loads(cli(other, "sessions", "export", "--format", "bundle").stdout)
    assert [s["answers"] for s in again["sessions"]] == [s["answers"] for s in document["sessions"]]


# -- parses kept on disk for the next command ----------------------------------------------------


def _load_bundled() -> tuple[object, object]:
    library = cache.library(resources.library_paths())
    return library, cache.questionnaire(resources.bundled_dir() / "intake.yaml", library)


def test_the_next_command_reads_the_parse_this_one_kept(
    tmp_path: Path, parses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command keeps its parse in the cache folder; the next (a new process: nothing in
    memory) reads it back instead of parsing, and it is the same questionnaire."""
    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(tmp_path / "cache"))
    cache.use_disk()
    library, intake = _load_bundled()
    assert parses == {"questionnaire": 1, "library": 1}
    assert len(list((tmp_path / "cache" / "parsed").glob("*.pickle"))) == 2
    cache.clear()  # a new process
    cache.use_disk()
    again_library, again = _load_bundled()
    assert parses == {"questionnaire": 1, "library": 1}, "read back, not parsed"
    assert again == intake and again_library == library


def test_an_edited_file_a_new_imbalance_or_a_damaged_parse_is_parsed_again(
    tmp_path: Path, parses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept parse is named by the files' bytes and imbalance's own code: an edit or an
    upgrade never meets an old parse, and a file cut short is parsed again, without a word."""
    folder = tmp_path / "cache" / "parsed"
    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "intake.yaml"
    source.write_bytes((resources.bundled_dir() / "intake.yaml").read_bytes())
    library = cache.library(resources.library_paths())
    cache.clear()
    cache.use_disk()
    library = cache.library(resources.library_paths())
    first = cache.questionnaire(source, library)
    assert parses["questionnaire"] == 1
    text = source.read_text()
    source.write_text(text.replace(f"version: {first.version}", "version: 99.0.0", 1))
    cache.clear()
    cache.use_disk()
    edited = cache.questionnaire(source, cache.library(resources.library_paths()))
    assert parses["questionnaire"] == 2 and edited.version == "99.0.0" != first.version
    for kept in folder.glob("*.pickle"):
        kept.write_bytes(kept.read_bytes()[:100])  # cut short
    cache.clear()
    cache.use_disk()
    assert cache.questionnaire(source, cache.library(resources.library_paths())) == edited
    assert parses["questionnaire"] == 3 and parses["library"] == 3
    monkeypatch.setattr(cache, "_code_digest", lambda: b"another imbalance")
    cache.clear()
    cache.use_disk()
    cache.questionnaire(source, cache.library(resources.library_paths()))
    assert parses["questionnaire"] == 4, "a new imbalance parses again"


def test_a_cache_folder_that_cannot_be_written_is_not_used(
    tmp_path: Path, parses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(blocker))
    cache.use_disk()
    _, intake = _load_bundled()
    assert intake.id == "intake" and parses["questionnaire"] == 1


def test_an_install_that_cannot_be_read_to_name_a_parse_keeps_none(
    tmp_path: Path, parses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run by a user who cannot list imbalance's own files (another account, a folder only root
    enters), the cache is not used: the command parses and says nothing about it."""

    def unreadable() -> bytes:
        raise PermissionError(13, "Permission denied", "imbalance_cli")

    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_code_digest", unreadable)
    cache.use_disk()
    _, intake = _load_bundled()
    assert intake.id == "intake" and parses["questionnaire"] == 1
    assert not (tmp_path / "cache").exists()


def test_a_library_read_back_is_read_when_first_used_and_is_then_the_library(
    tmp_path: Path, parses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next command gets the kept library unread (an intake asks its questions first); the
    first use reads it, and the same object is from then on the library, equal to the parse."""
    from dataclasses import replace

    from imbalance_cli.model import Library

    monkeypatch.setenv("IMBALANCE_CACHE_DIR", str(tmp_path / "cache"))
    cache.use_disk()
    parsed, _ = _load_bundled()
    cache.clear()  # a new process
    cache.use_disk()
    again, _ = _load_bundled()
    assert not isinstance(again, Library), "not read to ask the questions"
    assert again.articles == parsed.articles and isinstance(again, Library)
    assert again == parsed and replace(again, articles={}).articles == {}
    assert parses == {"questionnaire": 1, "library": 1}
    for kept in (tmp_path / "cache" / "parsed").glob("library-*.pickle"):
        kept.write_bytes(b"not a pickle.")  # damaged, but whole as far as its last byte says
    cache.clear()
    cache.use_disk()
    damaged, _ = _load_bundled()
    assert parses["library"] == 1, "read when used"
    assert damaged.strategies == parsed.strategies and damaged == parsed
    assert parses["library"] == 2, "parsed again when it could not be read"


def test_an_intake_asks_its_first_question_without_reading_the_library(tmp_path: Path) -> None:
    """With the parses kept by an earlier command, ``imbalance run`` reaches its first question
    without the content library's classes, the loader or the result's classes: they are
    imported when the library is used or the answers assessed (model.py, lazy.py), which an
    intake does after its questions. Of the command groups only its own is imported."""
    script = (
        "import io, sys\n"
        "from imbalance_cli.cli import main, ui\n"
        "sys.stdin = type('Tty', (io.StringIO,), {'isatty': lambda self: True})()\n"
        "def prompter(self, questionnaire, whole=False):\n"
        "    print(' '.join(sorted(m for m in sys.modules if m.startswith('imbalance_cli'))))\n"
        "    raise SystemExit(0)\n"
        "ui.PlainUi.prompter = prompter\n"
        "sys.exit(main(['--plain', 'run', '--no-save']))\n"
    )
    env = {**os.environ, "IMBALANCE_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first command keeps the parses, the second starts from them
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
    imported = set(done.stdout.split())
    assert {"imbalance_cli.model", "imbalance_cli.engine", "imbalance_cli.rules"} <= imported
    later = {"content", "loader", "results", "rank", "profile", "findings"}
    assert not imported & {f"imbalance_cli.{name}" for name in later}
    groups = {m for m in imported if m.startswith("imbalance_cli.cli.")}
    assert groups <= {
        "imbalance_cli.cli.intake",
        "imbalance_cli.cli.ui",
        "imbalance_cli.cli.complete",
    }


def test_a_library_that_cannot_be_read_or_parsed_says_why_each_time_it_is_used() -> None:
    """The stand-in dropped what it needed before parsing: when the parse failed (a file
    broken since start), every later use said only "AttributeError: articles"."""
    from imbalance_cli.lazy import LazyLibrary

    def parse() -> object:
        raise OSError("library.yaml: broken since the command started")

    stand_in = LazyLibrary(b"not a pickle.", parse)
    for _ in range(2):
        with pytest.raises(OSError, match="broken since"):
            _ = stand_in.articles  # type: ignore[attr-defined]
