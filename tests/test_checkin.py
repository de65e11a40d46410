"""A check-in beside the intake (issue 27): ratings by role outside regions (pain during
exercise, a measure of the author's own), answers taken from the client's intake (`from:`),
and outputs that show what the questionnaire asked and never claim "no pain" or "no goals"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES
from imbalance_cli.cli import main

WEEK = """
red_flags_now: [none]
days_exercised: {days}
pain_exercise: {pain}
next_morning: {morning}
felt: [pinching]
"""


def _week(tmp_path: Path, name: str, days: int, pain: int, morning: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(WEEK.format(days=days, pain=pain, morning=morning), encoding="utf-8")
    return path


def test_a_check_in_takes_where_it_hurts_from_the_intake_and_reports_truthfully(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input",
                 "--client", "Rae", "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    first = _week(tmp_path, "a", 3, 6, "worse")
    html = tmp_path / "a.html"
    assert main(["run", "checkin", "--answers", str(first), "--no-input", "--client", "Rae",
                 "--html", str(html), "--json", str(tmp_path / "a.json"), "--out", "/dev/null"]) == 0  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert "not asked again: Health conditions: None of these (from intake, session 1" in err
    assert "; Where it hurts: Knee (left) (from intake, session 1" in err
    document = json.loads((tmp_path / "a.json").read_text())
    assert document["answers"]["regions"] == ["knee.left"]
    # The knee's advice, chosen by the region carried from the intake.
    assert "knee-start" in [r["id"] for r in document["recommendations"]]
    page = html.read_text()
    assert "No pain reported" not in page
    assert "<h2>Ratings</h2>" in page and "Pain during exercise" in page and "6/10" in page
    assert "<p>Knee (left)</p>" in page and "<th>At worst</th>" not in page  # not rated here
    second = _week(tmp_path, "b", 5, 3, "usual")
    assert main(["run", "checkin", "--answers", str(second), "--no-input", "--client", "Rae",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()

    assert main(["compare", "--client", "Rae"]) == 0
    out = capsys.readouterr().out
    assert "| Days exercised | 3 | 5 | +2 (better) |" in out
    assert "| Pain during exercise | 6/10 | 3/10 | **-3 (better, meaningful)** |" in out
    # It asks no goals and has no "sensations" section: nothing is said about either.
    assert "goal" not in out.lower() and "No change in the sensations" not in out

    assert main(["progress", "Rae", "--json"]) == 0
    series = json.loads(capsys.readouterr().out)
    assert series["pain_ratings"] == [{"name": "Pain during exercise", "values": [None, 6, 3]}]
    assert series["measures"] == [{"name": "Days exercised", "values": [None, 3, 5]}]
    assert main(["sessions", "list", "--client", "Rae", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(s["worst_pain"] for s in listed if s["questionnaire"]["id"] == "checkin") == [
        3,
        6,
    ]


def test_without_an_intake_the_carried_question_is_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    week = _week(tmp_path, "a", 2, 1, "usual")
    assert main(["run", "checkin", "--answers", str(week), "--no-input", "--client", "Kim"]) == 1
    assert "regions" in capsys.readouterr().err  # missing: nothing to take it from


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("from: intke", "there is no questionnaire 'intke' that loads (did you mean 'intake'?)"),
        (
            "from: side-to-side",
            "side-to-side has no question 'regions', and the answer is taken "
            "from the question of the same id; see its ids with: imbalance show side-to-side",
        ),
    ],
)
def test_from_is_checked_against_the_questionnaire_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, message: str
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        f"      - id: regions\n        type: body_regions\n        text: Where?\n        {field}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr()
    assert f"{own}:8:9: 'from: " in out.out + out.err
    assert message in out.out + out.err


def test_from_type_and_choice_mismatches_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: regions, type: text, text: Where?, from: intake}\n"
        "      - {id: red_flags_now, type: multi, text: Any?, from: intake, choices: "
        "[{id: saddle_numbness, label: Saddle}, {id: none, label: None, exclusive: true}]}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"{own}:8:9: 'from: intake': 'regions' is body_regions there and text here" in text
    assert (
        f"{own}:9:9: 'from: intake': choices of 'red_flags_now' there that this question lacks"
        in text
    )


def test_roles_outside_regions_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: pain, type: scale, text: Pain?, role: pain_exercise}\n"
        "      - {id: pain2, type: scale, text: Pain again?, role: pain_exercise}\n"
        "      - {id: walked, type: text, text: Minutes?, role: measure}\n"
        "      - {id: effort, type: scale, text: Effort?, better: lower}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert (
        "role 'pain_exercise' is given twice in this section (also 'pain'); summaries read one answer"
        in text
    )
    assert "role 'measure' is for scale or number questions; 'walked' is text" in text
    assert "'better' is for left/right tests and measures (role: measure)" in text


OWN = """
id: own
title: Own check
version: "1"
sections:
  - id: safety
    title: Safety
    questions:
      - id: new_signs
        type: multi
        text: Any of these?
        choices:
          - {id: saddle, label: Saddle numbness}
          - {id: arm_numb, label: Numbness spreading down the arm}
          - {id: none, label: None of these, exclusive: true}
  - id: week
    title: Week
    questions:
      - {id: note, type: text, text: Anything else?, required: false}
alerts:
  - {id: saddle, level: emergency, when: {question: new_signs, includes: saddle}, message: Saddle numbness can mean nerve pressure., action: Go to an emergency department now.}
recommendations:
  - id: arm
    when: {question: new_signs, includes: arm_numb}
    because: Your arm feels numb
    articles: [nerve-like-sensations]
"""


def test_a_warning_choice_no_alert_reads_is_flagged_and_never_called_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(OWN, encoding="utf-8")
    assert main(["validate", str(own), "--strict"]) == 1
    assert (
        "choice 'arm_numb' of warning-sign question 'new_signs' in the safety screen raises no alert"
        in capsys.readouterr().out
    )
    answers = tmp_path / "a.yaml"
    answers.write_text("new_signs: [arm_numb]\nnote: Felt a bit dizzy once\n", encoding="utf-8")
    assert (
        main(
            [
                "run",
                str(own),
                "--answers",
                str(answers),
                "--no-input",
                "--no-save",
                "--out",
                str(tmp_path / "o.md"),
            ]
        )
        == 0
    )
    text = " ".join((tmp_path / "o.md").read_text().split())
    assert "None of the warning signs" not in text
    assert (
        "No answer raised a warning-sign alert. You also chose Any of these?: Numbness spreading down the arm"
        in text
    )
    # A warning word in free text that no question follows up is said to be so.
    assert "which no question here follows up: ask the client about it" in text
    assert "so a question asked about it" not in text


def test_compare_of_an_intake_and_a_check_in_compares_only_what_both_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input",
                 "--client", "Rae", "--out", "/dev/null"]) == 0  # fmt: skip
    week = _week(tmp_path, "a", 3, 2, "usual")
    assert main(["run", "checkin", "--answers", str(week), "--no-input", "--client", "Rae",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["compare", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert "two questionnaires (intake 3.2.3 and checkin 1.2.2)" in out
    # The knee was carried into the check-in: it is not "no longer reported".
    assert "**Regions no longer reported:** none" in out
    assert "Sensations" not in out and "Goal activities" not in out
    assert "Days exercised" not in out  # the intake never asked it


def _exercise_week(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "exercise-week.yaml"
    path.write_text(WEEK.format(days=3, pain=4, morning="usual") + extra, encoding="utf-8")
    return path


def _rae_with_a_programme() -> None:
    """Rae's knee intake and the programme proposed from it (the wall sit and the easy walk)."""
    assert main(["run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input",
                 "--client", "Rae", "--out", "/dev/null"]) == 0  # fmt: skip
    assert main(["plan", "Rae", "--accept", "all"]) == 0


def test_a_check_in_asks_about_each_exercise_of_the_clients_programme_and_no_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rae_with_a_programme()
    capsys.readouterr()
    # Rae's programme holds the wall sit and the easy walk (from her knee intake).
    answers = _exercise_week(
        tmp_path,
        "how_much.wall-sit: as_planned\nhow_it_went.wall-sit: easy\n"
        "how_much.walk-easy: less\nhow_it_went.walk-easy: hurt\n",
    )
    doc = tmp_path / "week.json"
    assert main(["run", "checkin", "--answers", str(answers), "--no-input", "--client", "Rae",
                 "--json", str(doc), "--out", str(tmp_path / "week.md")]) == 0  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert "From the home programme of " in err and ": Wall sit, Easy walk" in err
    document = json.loads(doc.read_text())
    assert document["answers"]["programme"] == ["walk-easy", "wall-sit"]  # the library's order
    asked = {k for k in document["answers"] if k.startswith(("how_much.", "how_it_went."))}
    assert asked == {"how_much.wall-sit", "how_it_went.wall-sit", "how_much.walk-easy",
                     "how_it_went.walk-easy"}  # fmt: skip
    fired = {rule for r in document["recommendations"] for rule in r["rules"]}
    assert {"exercise_hurt", "exercise_needs_a_step"} <= fired
    summary = (tmp_path / "week.md").read_text()
    assert "| Exercise | How much | How it went |" in summary
    assert "| Wall sit | All of it, as planned | Easy: I could have done more |" in summary
    assert "| Easy walk | Less than planned | It hurt more than 5 of 10" in summary


def test_without_a_programme_no_exercise_is_asked_and_the_person_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--answers", str(EXAMPLES / "runner-knee.yaml"), "--no-input",
                 "--client", "Lou", "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    doc = tmp_path / "week.json"
    answers = _exercise_week(tmp_path, "")
    assert main(["run", "checkin", "--answers", str(answers), "--no-input", "--client", "Lou",
                 "--json", str(doc), "--out", "/dev/null"]) == 0  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert "No home programme saved for this client (imbalance plan makes one)" in err
    answers_given = json.loads(doc.read_text())["answers"]
    assert answers_given.get("programme") is None
    assert not [k for k in answers_given if k.startswith("how_much.")]
    # Without a client, the same: never asked, and said why.
    assert main(["run", "checkin", "--answers", str(answers), "--no-input", "--no-save",
                 "--out", "/dev/null"]) == 1  # regions: nothing to take them from  # fmt: skip
    said = " ".join(capsys.readouterr().err.split())
    assert (
        "No home programme to read (none is saved yet, or no client was named with --client)"
        in said
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("{id: programme, type: multi, text: Which?, from: programme}",
         (10, "question 'programme' reads the client's programme, which a warning sign in its "
          "log can stop: raise an alert when it includes 'stopped'")),
        ("{id: programme, type: single, text: Which?, from: programme, choices: [{id: a, label: A}]}",
         (10, "'from: programme' is for a multi question (the exercises of the client's "
         "programme), and question 'programme' is single")),
        ("{id: programme, type: multi, text: Which?, from: programme, choices: [{id: a, label: A}]}",
         (10, "question 'programme' is 'from: programme': its choices are the library's "
         "exercises; remove 'choices'")),
        ("{id: programme, type: multi, text: Which?, from: programme, required: true}",
         (10, "question 'programme' takes its answer from the client's programme and is never "
         "asked, so it is never required; remove 'required'")),
        ("{id: programme, type: multi, text: Which?, choices: [{id: a, label: A}]}",
         (13, "'repeat' must name an earlier body_regions question, or an earlier multi "
         "question 'from: programme'")),
    ],
)  # fmt: skip
def test_a_repeat_per_exercise_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], question: str, message: tuple[int, str]
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: days, type: number, text: Days?, min: 0, max: 7}\n"
        f"      - {{id: x, type: yes_no, text: X?}}\n      - {question}\n"
        "  - id: each\n    title: '{exercise}'\n    repeat: programme\n    questions:\n"
        "      - {id: went, type: yes_no, text: 'Did {exercise} go well?'}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr()
    located = [line for line in (out.out + out.err).splitlines() if line.startswith(str(own))]
    line_no, text = message
    assert any(f"{own}:{line_no}:" in line and text in line for line in located), located


def test_a_repeat_per_exercise_is_one_block_in_show_and_the_graph(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # one line per node of the tree
    assert main(["graph", "checkin"]) == 0
    graph = capsys.readouterr().out
    assert graph.count("subgraph s_each_exercise") == 1
    assert '"each_exercise: {exercise} (for each exercise in programme)"' in graph
    assert "how_much: {exercise}: how much" in graph
    assert main(["show", "checkin"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert (
        "{exercise} (each_exercise) repeated for each exercise of the client's programme" in shown
    )
    assert "the exercises of the client's current programme, never asked" in shown
    assert 'how_much single This week, how much of "{exercise}" did you do?' in shown
    assert "how_much." not in shown  # one block, as written, not one copy per exercise


def test_a_reassessment_never_carries_a_warning_sign_over_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever its ``reassess`` (here the default, keep), a question an emergency alert reads
    is asked again; one no alert reads, and a fact kept for a while, are carried over."""
    from imbalance_cli import resources
    from imbalance_cli.store import open_store
    from imbalance_cli.workflow import reassessment

    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: chest, type: yes_no, text: Chest pain on effort?}\n"
        "      - {id: age, type: number, text: Age?, min: 0, max: 120, known_for_days: 180}\n"
        "      - {id: sport, type: yes_no, text: Any sport?, for_reader: the trainer plans with it}\n"
        "alerts:\n  - {id: chest, level: emergency, when: {all: [{question: chest, equals: true},"
        " {question: age, gte: 40}]}, message: It can be the heart., action: Call your emergency"
        " number now.}\n",
        encoding="utf-8",
    )
    answers = tmp_path / "a.yaml"
    answers.write_text("chest: false\nage: 52\nsport: true\n", encoding="utf-8")
    assert main(["run", str(own), "--answers", str(answers), "--no-input", "--client", "Al",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    with open_store(resources.store_location()) as store:
        start = reassessment(store, "Al", "own")
    assert start.carried == {"age": 52, "sport": True}
    assert "chest" in start.asked_again


@pytest.mark.parametrize(
    ("sign", "answer", "alert", "said"),
    [
        # A hot joint is an emergency in the log: the check-in says so too, not "today".
        ("hot_joint", "stopped_now", "programme_stopped_now", "Get medical help now"),
        ("night_pain", "stopped", "programme_stopped", "See a doctor today"),
    ],
)
def test_while_a_warning_sign_has_stopped_the_programme_the_check_in_says_so_first(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sign: str,
    answer: str,
    alert: str,
    said: str,
) -> None:
    _rae_with_a_programme()
    log = tmp_path / "log.yaml"
    log.write_text(
        f"warnings: [{sign}]\ndone_1: as_planned\npain_1: 2\ndone_2: as_planned\npain_2: 1\n"
        "morning: usual\nsensations: [none]\n",
        encoding="utf-8",
    )
    assert main(["log", "Rae", "--answers", str(log), "--no-input"]) == 1  # stopped
    capsys.readouterr()
    doc, client = tmp_path / "week.json", tmp_path / "client.md"
    answers = _exercise_week(tmp_path, "")
    assert main(["run", "checkin", "--answers", str(answers), "--no-input", "--client", "Rae",
                 "--json", str(doc), "--out", str(client), "--audience", "client"]) == 0  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("STOPPED by a warning sign in the log of ")
    assert "The questions asked per exercise are left out." in err
    document = json.loads(doc.read_text())
    assert document["answers"]["programme"] == [answer]
    assert not [k for k in document["answers"] if k.startswith("how_much.")]
    # The summary leads with it, at the log's own level, and no exercise advice is given.
    assert [a["id"] for a in document["alerts"]] == [alert]
    page = client.read_text()
    first = page.index("## ⚠ Warning signs")
    block = page[first : page.index("\n## ", first)]
    assert said in block
    if answer == "stopped_now":
        assert "EMERGENCY" in block.upper() and "today" not in block


def test_a_questionnaire_reading_the_programme_must_say_get_help_now_for_an_emergency_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An alert on 'stopped' is not enough: a stop by a sign needing help now ('stopped_now')
    needs an emergency alert of its own, or the summary would say "today"."""
    own = tmp_path / "own.yaml"
    base = (
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: programme, type: multi, text: Which?, from: programme}\n"
        "  - id: each\n    title: '{exercise}'\n    repeat: programme\n    questions:\n"
        "      - {id: went, type: yes_no, text: 'Did {exercise} go well?'}\n"
        "alerts:\n  - {id: stop, level: urgent, when: {question: programme, includes: stopped}, "
        "message: Stopped., action: See a doctor today.}\n"
    )
    own.write_text(base, encoding="utf-8")
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr()
    assert f"{own}:8:9: question 'programme' reads the client's programme" in out.out + out.err
    assert "raise an emergency alert when it includes 'stopped_now'" in out.out + out.err
    # At urgent level it is still refused; at emergency level, accepted.
    now = ("  - {id: now, level: LEVEL, when: {question: programme, includes: stopped_now}, "
           "message: Stopped., action: Get medical help now.}\n")  # fmt: skip
    own.write_text(base + now.replace("LEVEL", "urgent"), encoding="utf-8")
    assert main(["validate", str(own)]) == 1
    capsys.readouterr()
    own.write_text(base + now.replace("LEVEL", "emergency"), encoding="utf-8")
    assert main(["validate", str(own)]) == 0, capsys.readouterr()


NOTE_ONLY = """
id: note-only
title: Note only
version: "1"
sections:
  - id: s
    title: S
    questions:
      - id: flags
        type: multi
        text: Any of these?
        choices: [{id: chest, label: Chest pain on effort}, {id: none, label: None of these, exclusive: true}]
      - {id: notes, type: text, text: Anything else?, required: false}
alerts:
  - {id: chest, level: emergency, when: {question: flags, includes: chest}, message: It can be the heart., action: Call your emergency number now.}
"""


def test_warning_words_no_question_asked_about_are_told_to_every_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A warning sign written in free text that the questionnaire never follows up: the client
    is not told "no warning signs", but what they wrote and to see a doctor first; validate
    warns the author."""
    own = tmp_path / "note-only.yaml"
    own.write_text(NOTE_ONLY, encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("flags: [none]\nnotes: Numb between my legs since Tuesday.\n")
    html = tmp_path / "r.html"
    assert main(["run", str(own), "--answers", str(answers), "--no-input", "--no-save",
                 "--audience", "client", "--out", str(tmp_path / "r.md"), "--html", str(html)]) == 0  # fmt: skip
    text = " ".join((tmp_path / "r.md").read_text().split())
    assert "None of the warning signs" not in text
    assert ("You wrote 'Numb between my legs' (numbness between the legs)" in text
            and "see a doctor about it today" in text)  # fmt: skip
    assert "First tell your trainer what you wrote above" in text  # not "start small"
    page = html.read_text()
    assert "none reported" not in page and "You wrote &#x27;Numb between my legs&#x27;" in page
    capsys.readouterr()
    assert main(["validate", "--strict", str(own)]) == 1
    assert (
        f"{own}:13:9: warning: free text 'notes' is read for warning words, but no question "
        "follows them up"
    ) in capsys.readouterr().out


def test_general_guidance_a_personal_answer_chose_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pain rule chosen because an exercise of the programme hurt says so in "How to use
    this plan", where general guidance is otherwise short."""
    answers = tmp_path / "w.yaml"
    answers.write_text(
        WEEK.format(days=3, pain=4, morning="usual").replace("[pinching]", "[none]")
        + "regions: [knee.left]\nprogramme: [wall-sit]\n"
        "how_much.wall-sit: as_planned\nhow_it_went.wall-sit: hurt\n",
        encoding="utf-8",
    )
    assert main(["run", "checkin", "--answers", str(answers), "--no-input", "--no-save",
                 "--audience", "client", "--out", str(tmp_path / "w.md")]) == 0  # fmt: skip
    text = " ".join((tmp_path / "w.md").read_text().split())
    box = text[text.index("## How to use this plan") :]
    assert (
        "**Let pain guide the dose:**" in box
        and "*Why:* An exercise of your programme hurt more than 5 of 10" in box
        and "(Wall sit: how it went: It hurt more than 5 of 10" in box
    )


def test_a_placeholder_nothing_fills_in_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "id: own\ntitle: Own\nversion: '1'\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: days, type: number, text: 'Days you did {exercise}?', min: 0, max: 7}\n"
        "  - id: t\n    title: 'About your {region}'\n    questions:\n"
        "      - {id: ok, type: yes_no, text: All well?}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(own)]) == 1
    out = capsys.readouterr().out
    assert (f"{own}:8:9: '{{exercise}}' in question 'days' is filled in only in a section "
            "repeated per exercise") in out  # fmt: skip
    assert (f"{own}:9:5: '{{region}}' in the section's title is filled in only in a section "
            "repeated per region") in out  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "note", "alerts"),
    [
        ("[calf_clot]", "", ["calf_clot"]),
        # Breathless with the swollen calf: the emergency, which says what the urgent one would.
        ("[calf_clot, chest_breathless]", "", ["chest_breathless"]),
        # Told in the note only: the follow-up asks, and the same alert is raised.
        ("[none]", "notes: my calf is puffy and warm since Monday\ncheck_notes: [calf_clot]\n",
         ["calf_clot"]),
    ],
)  # fmt: skip
def test_a_swollen_calf_in_the_week_is_a_warning_sign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: str, note: str, alerts: list[str]
) -> None:
    """A clot in the leg after surgery or travel can start between sessions: the check-in asks
    about it (the intake did, the check-in did not)."""
    week = tmp_path / "week.yaml"
    week.write_text(
        WEEK.format(days=3, pain=2, morning="usual").replace("[none]", flags, 1)
        + "regions: [knee.left]\n"
        + note,
        encoding="utf-8",
    )
    doc = tmp_path / "week.json"
    assert main(["run", "checkin", "--answers", str(week), "--no-input", "--no-save",
                 "--json", str(doc), "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    assert [a["id"] for a in json.loads(doc.read_text())["alerts"]] == alerts


def test_a_swollen_calf_in_the_log_stops_the_programme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rae_with_a_programme()
    log = tmp_path / "log.yaml"
    log.write_text(
        "warnings: [calf]\ndone_1: as_planned\npain_1: 2\ndone_2: as_planned\npain_2: 1\n"
        "morning: usual\nsensations: [none]\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["log", "Rae", "--answers", str(log), "--no-input"]) == 1  # stopped
    out = " ".join(capsys.readouterr().out.split())
    assert "STOPPED by a warning sign" in out and "blood clot" in out
    assert "If you become short of breath or have chest pain, call an ambulance now." in out


def test_the_pain_and_morning_questions_say_which_area_to_answer_for() -> None:
    """Rosa, with a knee and a hip, could not tell which "it" the worst pain asked about."""
    from imbalance_cli.workflow import load

    checkin, _ = load("checkin")
    for qid in ("pain_exercise", "next_morning"):
        question = checkin.question(qid)
        assert question is not None and "more than one sore area" in (question.help or "")


def test_a_pregnant_clients_check_in_asks_the_reasons_to_stop_in_pregnancy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check-in asked a pregnant client nothing about her pregnancy (only the log did): it
    reads her health conditions from the intake and asks each week; a baby moving less than
    usual is an emergency (the maternity unit now)."""
    assert main(["run", "--answers", str(EXAMPLES / "pregnant-28-weeks-back.yaml"), "--no-input",
                 "--client", "Pia", "--out", "/dev/null"]) == 0  # fmt: skip
    week = _week(tmp_path, "p", 3, 2, "usual")
    capsys.readouterr()
    assert main(["run", "checkin", "--answers", str(week), "--no-input", "--client", "Pia",
                 "--out", "/dev/null"]) == 1  # fmt: skip
    assert "pregnancy_signs: Warning signs in this pregnancy" in capsys.readouterr().err
    with week.open("a", encoding="utf-8") as more:
        more.write("pregnancy_signs: [movements]\n")
    out = tmp_path / "p.md"
    assert main(["run", "checkin", "--answers", str(week), "--no-input", "--client", "Pia",
                 "--out", str(out)]) == 0  # fmt: skip
    text = " ".join(out.read_text().split())
    assert "Call your midwife or maternity unit now" in text
