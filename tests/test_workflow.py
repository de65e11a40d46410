"""The trainer workflow on the command line: saved sessions, clients, exports, compare, resume."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from conftest import EXAMPLES
from test_cli import imbalance

INTAKE = EXAMPLES / "desk-worker-neck-shoulder.yaml"


def reassessment(tmp_path: Path, **changes: object) -> Path:
    answers = yaml.safe_load(INTAKE.read_text())
    answers.update(changes)
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(answers))
    return path


def two_sessions(tmp_path: Path) -> None:
    first = imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", "Ana")
    assert first.returncode == 0, first.stderr
    later = reassessment(
        tmp_path,
        **{"pain_now.neck": 1, "pain_worst.neck": 3, "pain_worst.shoulder": 4, "goal_1_rating": 8,
           "regions": ["neck", "shoulder.right", "knee.left"], "pain_now.knee": 2, "pain_best.knee": 1,
           "pain_worst.knee": 3, "duration.knee": "under_6_weeks", "onset.knee": "load_change",
           "worse_with.knee": ["stairs"], "better_with.knee": ["rest"], "daily_pattern.knee": "activity_dependent",
           "knee_location": "front", "knee_swelling": False, "knee_instability": False, "hand_pattern": ["none"], "cord_features": ["none"],
           "course.knee": "better", "daily_nerve": ["tingling"], "nerve_where": ["right_arm"],
           "nerve_duration": "under_6_weeks", "nerve_course": "better"},
    )  # fmt: skip
    second = imbalance("run", "--answers", str(later), "--no-input", "--client", "Ana")
    assert second.returncode == 0, second.stderr


def test_every_run_is_saved_and_listed(tmp_path: Path) -> None:
    two_sessions(tmp_path)
    listed = json.loads(imbalance("sessions", "list", "--json").stdout)
    assert [s["id"] for s in listed] == [2, 1]
    assert all(s["status"] == "complete" and s["client"] == "Ana" for s in listed)
    assert [s["worst_pain"] for s in listed] == [4, 6]
    assert listed[0]["questionnaire"] == {"id": "intake", "version": "3.2.3"}
    table = imbalance("sessions", "list", "--client", "Ana")
    assert "complete" in table.stdout and "6/10" in table.stdout
    clients = json.loads(imbalance("clients", "list", "--json").stdout)
    assert clients[0]["name"] == "Ana" and clients[0]["sessions"] == 2


def test_no_save_keeps_nothing(tmp_path: Path) -> None:
    run = imbalance("run", "--answers", str(INTAKE), "--no-input", "--no-save")
    assert run.returncode == 0
    assert json.loads(imbalance("sessions", "list", "--json").stdout) == []


def test_data_dir_option_and_variable(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert (
        imbalance(
            "--data-dir", str(other), "run", "--answers", str(INTAKE), "--no-input"
        ).returncode
        == 0
    )
    assert (other / "imbalance.db").is_file()
    assert json.loads(imbalance("sessions", "list", "--json").stdout) == []
    listed = json.loads(
        imbalance("sessions", "list", "--json", env={"IMBALANCE_DATA_DIR": str(other)}).stdout
    )
    assert len(listed) == 1


def test_export_for_trainer_and_client(tmp_path: Path) -> None:
    two_sessions(tmp_path)
    trainer = imbalance("sessions", "export", "1", "--format", "md").stdout
    client = imbalance("sessions", "export", "1", "--format", "md", "--audience", "client").stdout
    assert "## Rule trace" in trainer and "massage_faded_neck" in trainer
    assert "- **Hours at a screen:** 9 hours" in trainer
    assert client.startswith("# Your muscle imbalance self-assessment summary")
    # The client's version has no trace and no list of every answer: their plan names only
    # the answers that chose each item.
    assert "## Rule trace" not in client and "- **Hours at a screen:**" not in client
    assert "## Your plan" in client and "*Why:*" in client
    assert "- **Neck:** 4/10 now, 6/10 at worst" in client
    assert "Work a full day at the desk without a headache (today 4/10)" in client
    assert len(client) < len(trainer)
    document = json.loads(imbalance("sessions", "export", "1", "--format", "json").stdout)
    assert document["client"] == "Ana" and document["answers"]["massage_outcome"] == "faded"
    out = tmp_path / "ana.md"
    assert imbalance("sessions", "export", "1", "--out", str(out)).returncode == 0
    assert imbalance("sessions", "export", "1", "--out", str(out)).returncode == 1


def test_show_a_session(tmp_path: Path) -> None:
    two_sessions(tmp_path)
    shown = imbalance("sessions", "show", "2")
    assert shown.returncode == 0 and "Session 2" in shown.stdout and "Rule trace" in shown.stdout
    data = json.loads(imbalance("sessions", "show", "2", "--json").stdout)
    assert data["session"]["id"] == 2 and data["result"]["answers"]["pain_worst.neck"] == 3
    missing = imbalance("sessions", "show", "9")
    assert missing.returncode == 2 and "no session 9" in missing.stderr


def test_compare_marks_meaningful_changes(tmp_path: Path) -> None:
    two_sessions(tmp_path)
    run = imbalance("compare", "1", "2")
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert "| Neck | Now | 4 | 1 | **-3 (better, meaningful)** |" in text
    assert "| Neck | At worst | 6 | 3 | **-3 (better, meaningful)** |" in text
    assert "| Shoulder (right) | At worst | 5 | 4 | -1 (within day-to-day variation) |" in text
    assert "- **New regions:** Knee (left)" in text
    assert "- **Regions no longer reported:** none" in text
    assert "- **Nerve-like, in daily life:** appeared: Tingling or pins and needles" in text
    assert (
        "| Work a full day at the desk without a headache | 4 | 8 | **+4 (better, meaningful)** |"
        in text
    )
    assert "None reported, then or now." in text


def test_delete_needs_confirmation(tmp_path: Path) -> None:
    two_sessions(tmp_path)
    refused = imbalance("sessions", "delete", "1")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert imbalance("sessions", "delete", "1", "--yes").returncode == 0
    assert [s["id"] for s in json.loads(imbalance("sessions", "list", "--json").stdout)] == [2]
    assert imbalance("clients", "delete", "Ana").returncode == 2
    assert imbalance("clients", "delete", "Ana", "--yes").returncode == 0
    assert json.loads(imbalance("sessions", "list", "--json").stdout) == []
    assert json.loads(imbalance("clients", "list", "--json").stdout) == []
    assert imbalance("clients", "delete", "Nobody", "--yes").returncode == 2


def test_resume_needs_an_unfinished_session_and_a_terminal(tmp_path: Path) -> None:
    none = imbalance("resume")
    assert none.returncode == 1 and "no unfinished session" in none.stderr
    from imbalance_cli.store import open_store

    with open_store(tmp_path / "data") as store:
        sid = store.start(
            questionnaire_id="intake", version="1.0.0", sha256="old", source="intake", client=None
        )
        store.save_answers(sid, {"red_flags_now": ("none",)}, {})
    run = imbalance("resume")
    assert run.returncode == 2 and "needs a terminal" in run.stderr
    assert "has changed since session 1" in run.stderr
    two_sessions(tmp_path)
    done = imbalance("resume", "2")
    assert done.returncode == 1 and "is complete" in done.stderr


def test_compare_matches_goals_by_wording_not_position(tmp_path: Path) -> None:
    first = imbalance("run", "--answers", str(INTAKE), "--no-input")
    assert first.returncode == 0
    later = reassessment(
        tmp_path,
        goal_1="Swim front crawl for 20 minutes",
        goal_1_rating=6,
        goal_2="Carry shopping home",
        goal_2_rating=7,
    )
    assert imbalance("run", "--answers", str(later), "--no-input").returncode == 0
    text = imbalance("compare", "1", "2").stdout
    assert "| Swim front crawl for 20 minutes | 3 | 6 | **+3 (better, meaningful)** |" in text
    assert "| Work a full day at the desk without a headache | 4 | – | – |" in text
    assert "| Carry shopping home | – | 7 | – |" in text


def test_sessions_list_shows_the_warning_signs_and_summaries_name_the_session(
    tmp_path: Path,
) -> None:
    """A warning-sign column in the list (table and JSON), and the session id in every summary."""
    calm = imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", "Ana")
    assert calm.returncode == 0, calm.stderr
    urgent = EXAMPLES / "tingling-fingers-outside-screen.yaml"
    assert (
        imbalance("run", "--answers", str(urgent), "--no-input", "--client", "Bo").returncode == 0
    )
    table = imbalance("sessions", "list").stdout
    assert "warning signs" in table.splitlines()[0]
    rows = {line.split()[0]: line for line in table.splitlines()[1:]}
    assert "URGENT" in rows["2"] and " none " in rows["1"]
    listed = json.loads(imbalance("sessions", "list", "--json").stdout)
    assert [r["warning"] for r in listed] == ["urgent", "none"]
    for audience in ("trainer", "client"):
        text = imbalance("sessions", "export", "2", "--audience", audience).stdout
        assert "**Session:** 2" in text or "(session 2)" in text


def test_a_run_remembers_its_outputs_for_resume(tmp_path: Path) -> None:
    from imbalance_cli.store import open_store

    out = tmp_path / "sam.md"
    run = imbalance(
        "run", "--answers", str(INTAKE), "--no-input", "--out", str(out), "--audience", "client"
    )
    assert run.returncode == 0, run.stderr
    with open_store(tmp_path / "data") as store:
        remembered = store.session(1).outputs
    assert remembered["out"] == str(out.resolve()) and remembered["audience"] == "client"


def test_clients_can_be_renamed_merged_and_given_an_unnamed_session() -> None:
    for client in ("Ana", "Anna K"):
        assert (
            imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", client).returncode
            == 0
        )
    assert imbalance("run", "--answers", str(INTAKE), "--no-input").returncode == 0  # no client
    attach = imbalance("sessions", "attach", "3", "anna k")
    assert attach.returncode == 0 and "Session 3 is now Anna K's" in attach.stderr
    clash = imbalance("clients", "rename", "Ana", "ANNA K")
    assert clash.returncode == 2 and "imbalance clients merge" in clash.stderr
    merge = imbalance("clients", "merge", "Anna K", "Ana")
    assert merge.returncode == 0 and "Moved 2 session(s) from 'Anna K' to 'Ana'" in merge.stderr
    assert imbalance("clients", "rename", "ana", "Ana Kowalski").returncode == 0
    clients = json.loads(imbalance("clients", "list", "--json").stdout)
    assert [(c["name"], c["sessions"]) for c in clients] == [("Ana Kowalski", 3)]
    assert {r["client"] for r in json.loads(imbalance("sessions", "list", "--json").stdout)} == {
        "Ana Kowalski"
    }


def test_lists_and_summaries_read_answers_by_role_not_by_id(tmp_path: Path) -> None:
    """A questionnaire whose questions have other ids still gives the worst pain in the list,
    the pain lines and the goals in the summary, because they carry roles."""
    questionnaire = tmp_path / "own.yaml"
    questionnaire.write_text(
        """
id: own
title: Own
version: "1"
sections:
  - id: where
    title: Where
    questions:
      - {id: areas, type: body_regions, text: Where?, regions: [knee]}
  - id: each
    title: "{region}"
    repeat: areas
    questions:
      - {id: hurts_today, type: scale, text: Today?, role: pain_now}
      - {id: hurts_most, type: scale, text: At most?, role: pain_worst}
  - id: aims
    title: Aims
    questions:
      - {id: aim, type: text, text: An aim?, role: goal}
      - {id: aim_score, type: scale, text: How well?, role: goal_rating, when: {question: aim, answered: true}}
"""
    )
    answers = tmp_path / "a.yaml"
    answers.write_text(
        "areas: [knee.right]\nhurts_today.knee.right: 3\nhurts_most.knee.right: 8\n"
        "aim: Cycle to work\naim_score: 4\n"
    )
    run = imbalance(
        "run", str(questionnaire), "--answers", str(answers), "--no-input", "--audience", "client"
    )
    assert run.returncode == 0, run.stderr
    assert "- **Knee (right):** 3/10 now, 8/10 at worst" in run.stdout
    assert "## Your goals\n\n- Cycle to work (today 4/10)" in run.stdout
    listed = json.loads(imbalance("sessions", "list", "--json").stdout)
    assert listed[0]["worst_pain"] == 8


def test_a_client_that_does_not_exist_is_named_so_with_the_nearest_names() -> None:
    """`progress NAME` (and the other commands that take a client) for a name not in the store
    says there is no such client, never "has no completed sessions", and suggests the names a
    trainer probably meant: a first name alone, or a typo."""
    made = imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", "Sam Rivera")
    assert made.returncode == 0, made.stderr
    for typed in ("sam", "Sma Rivera"):
        run = imbalance("progress", typed)
        assert run.returncode == 2, run.stderr
        assert f"there is no client called '{typed}'; did you mean 'Sam Rivera'?" in run.stderr
        assert "no completed sessions" not in run.stderr
    unknown = imbalance("progress", "Noor")
    assert unknown.returncode == 2
    assert "there is no client called 'Noor' (see: imbalance clients list)" in unknown.stderr
    for args in (("reassess", "sam"), ("clients", "delete", "sam", "--yes")):
        run = imbalance(*args)
        assert run.returncode == 2 and "did you mean 'Sam Rivera'?" in run.stderr, run.stderr


def test_compare_lists_each_region_s_changed_answers_and_takes_a_client(tmp_path: Path) -> None:
    """The course of each region ("about the same" -> "getting better") and the region's other
    changed answers are listed, as the README promises; `compare --client NAME` compares the
    client's last two sessions of one questionnaire and says which, and what else there is."""
    first = imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", "Ana")
    assert first.returncode == 0, first.stderr
    later = reassessment(
        tmp_path, **{"course.neck": "better", "worse_with.neck": ["sitting", "lifting"]}
    )
    assert (
        imbalance("run", "--answers", str(later), "--no-input", "--client", "Ana").returncode == 0
    )
    side = EXAMPLES / "side-to-side-heel-raise-gap.test.yaml"
    side_answers = tmp_path / "side.yaml"
    side_answers.write_text(yaml.safe_dump(yaml.safe_load(side.read_text())["answers"]))
    for _ in range(2):
        run = imbalance(
            "run", "side-to-side", "--answers", str(side_answers), "--no-input", "--client", "Ana"
        )
        assert run.returncode == 0, run.stderr

    by_ids = imbalance("compare", "1", "2")
    assert by_ids.returncode == 0, by_ids.stderr
    assert "| Neck | Course | About the same | Getting better |" in by_ids.stdout
    assert "| Neck | Worse with | Sitting | Sitting; Lifting |" in by_ids.stdout
    assert "| Shoulder (right) | Course |" not in by_ids.stdout  # unchanged: not listed

    by_client = imbalance("compare", "--client", "ana")
    assert by_client.returncode == 0, by_client.stderr
    said = " ".join(by_client.stderr.split())
    assert "Comparing Ana's last two sessions of side-to-side: session 3" in said
    assert "and session 4" in said
    assert "Also done twice: intake; compare with: imbalance compare 1 2" in said
    assert by_client.stdout.startswith("# Progress: session 3")

    for args, shown in (
        (("compare",), "give two session ids (see: imbalance sessions list), or --client NAME"),
        (("compare", "1"), "give two session ids"),
        (("compare", "1", "2", "--client", "Ana"), "give two session ids or --client, not both"),
        (("compare", "--client", "Anna"), "did you mean 'Ana'?"),
    ):
        run = imbalance(*args)
        assert run.returncode == 2 and shown in run.stderr, (args, run.stderr)
    imbalance("run", "--answers", str(INTAKE), "--no-input", "--client", "Bo")
    once = imbalance("compare", "--client", "Bo")
    assert once.returncode == 1 and "Bo has no questionnaire completed twice" in once.stderr


def test_age_and_writing_hand_are_asked_once_for_a_client(tmp_path: Path) -> None:
    """The side-to-side check after an intake does not ask the client's age or writing hand
    again: they come from the intake (and it says so); past the questionnaire's window
    (``known_for_days``) they are asked again."""
    import sqlite3

    intake_answers = (EXAMPLES / "runner-knee.yaml").read_text()
    intake_answers = re.sub(r"(?m)^writing_hand: .*$", "writing_hand: left", intake_answers)
    first = tmp_path / "intake.yaml"
    first.write_text(intake_answers)
    run = imbalance("run", "--answers", str(first), "--no-input", "--client", "Ann Lee",
                    "--out", str(tmp_path / "i.md"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    age = re.search(r"(?m)^age: (\d+)$", intake_answers)
    assert age is not None
    check = tmp_path / "check.yaml"
    check.write_text(
        "check_today: [none]\ngrip_meter: false\nsingle_leg_stance: {left: 30, right: 28}\n"
        "heel_raise: {left: 25, right: 15}\nsingle_leg_bridge: {left: 12, right: 11}\n"
        "side_plank: {left: 40, right: 38}\nsit_to_stand: 13\n"
    )
    out = tmp_path / "s.json"
    run = imbalance("run", "side-to-side", "--answers", str(check), "--no-input",
                    "--client", "ann lee", "--json", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    said = " ".join(run.stderr.split())
    assert "Already known about Ann Lee, so not asked again" in said
    assert "Writing hand: Left (session 1 of " in said
    doc = json.loads(out.read_text())
    assert doc["answers"]["age"] == int(age.group(1))
    assert doc["answers"]["writing_hand"] == "left"
    # A year later the facts are stale: --no-input now stops on them, named.
    with sqlite3.connect(tmp_path / "data" / "imbalance.db") as db:
        db.execute("UPDATE sessions SET started_at = '2025-01-02T09:00:00+00:00', "
                   "completed_at = '2025-01-02T09:20:00+00:00'")  # fmt: skip
    run = imbalance("run", "side-to-side", "--answers", str(check), "--no-input",
                    "--client", "Ann Lee", "--no-save")  # fmt: skip
    assert run.returncode != 0
    assert "age: " in run.stderr and "writing_hand: " in run.stderr
