"""``imbalance plan`` and ``imbalance log`` end to end: a programme from an intake, logs that
change the doses with their reasons, a warning sign in a log that stops the programme in every
output, the programme store on both engines, and the printed sheet on one page (Chromium and
pypdf)."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from conftest import EXAMPLES
from imbalance_cli.cli import main

GOOD = """
warnings: [none]
done_1: as_planned
pain_1: 2
done_2: as_planned
pain_2: 3
done_3: not_done
morning: usual
sensations: [burning]
"""
WARNING = GOOD.replace("warnings: [none]", "warnings: [hot_joint]")


def _intake(client: str = "Ana") -> None:
    answers = EXAMPLES / "climber-wrist.yaml"
    assert main(["run", "--answers", str(answers), "--no-input", "--client", client,
                 "--out", "/dev/null"]) == 0  # fmt: skip


def _log(tmp_path: Path, text: str, day: str, client: str = "Ana") -> int:
    path = tmp_path / f"log-{day}.yaml"
    path.write_text(text, encoding="utf-8")
    return main(["log", client, "--answers", str(path), "--no-input", "--date", day])


def test_a_programme_from_the_intake_then_logs_change_the_doses_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _intake()
    capsys.readouterr()
    assert (
        main(
            [
                "plan",
                "Ana",
                "--no-input",
                "--date",
                "2026-11-20",
                "--json",
                str(tmp_path / "p.json"),
            ]
        )
        == 0
    )
    shown = capsys.readouterr().out
    assert "Home programme for Ana (version 1)" in shown
    assert "Goal: Climb V5 again without wrist pain" in shown  # their goal, their words
    first = json.loads((tmp_path / "p.json").read_text())
    assert 1 <= len(first["items"]) <= 3
    assert all(i["why"] for i in first["items"])  # each says what chose it
    lift = first["items"][0]
    assert _log(tmp_path, GOOD, "2026-11-21") == 0
    assert _log(tmp_path, GOOD, "2026-11-23") == 0
    capsys.readouterr()
    # Going well, but a dose is kept a week before it goes up.
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-24"]) == 0
    assert "a little more from 2026-11-27" in " ".join(capsys.readouterr().out.split())
    # Without acceptance nothing changes: the trainer sees the proposal and its log entries.
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-28"]) == 0
    out = capsys.readouterr()
    assert "a little more" in out.out and "[log 2026-11-21, 2026-11-23]" in out.out
    assert "muscle working hard" in out.out  # burning that fades is fatigue, said so
    assert "Nothing changed" in out.err
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-28", "--accept", "all",
                 "--json", str(tmp_path / "p2.json")]) == 0  # fmt: skip
    second = json.loads((tmp_path / "p2.json").read_text())
    assert second["items"][0]["exercise"] == lift["exercise"]
    assert second["items"][0]["dose"] != lift["dose"]
    change = next(c for c in second["changes"] if c["exercise"] == lift["exercise"])
    assert change["action"] == "progress" and change["rule"] == "settled-and-easy"
    assert len(change["entries"]) == 2  # the log entries that caused it


def test_a_warning_sign_in_a_log_stops_the_programme_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _intake()
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-20"]) == 0
    capsys.readouterr()
    assert _log(tmp_path, WARNING, "2026-11-22") == 1
    logged = capsys.readouterr().out
    assert "STOPPED by a warning sign" in logged and "Get medical help now" in logged
    sheet, doc = tmp_path / "sheet.html", tmp_path / "p.json"
    assert main(["plan", "Ana", "--no-input", "--html", str(sheet), "--json", str(doc)]) == 1
    out = capsys.readouterr().out
    assert out.index("STOPPED") < out.index("1. ")  # the alert before anything else
    assert "not to be done" in out
    page = sheet.read_text()
    assert "Stopped: do not do these exercises" in page and "Your exercises" not in page
    assert json.loads(doc.read_text())["stopped"]["alerts"][0]["level"] == "emergency"
    # The client cannot log against a stopped programme, and no new one starts from the
    # assessment made before the stop.
    assert _log(tmp_path, GOOD, "2026-11-23") == 1
    assert "STOPPED" in capsys.readouterr().err
    assert main(["plan", "Ana", "--new", "--no-input"]) == 1
    assert "assessment made after it" in capsys.readouterr().err


def test_a_programme_file_sets_exercises_and_doses_and_is_checked_with_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _intake()
    good = tmp_path / "prog.yaml"
    good.write_text("exercises:\n  - id: wrist-extension-hold\n    dose: {reps: 5, hold: 30}\n"
                    "    note: Half range to start\n", encoding="utf-8")  # fmt: skip
    assert main(["plan", "Ana", "--from", str(good), "--no-input"]) == 0
    out = capsys.readouterr().out
    assert "5 holds of 30 seconds" in out and "Note: Half range to start" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("exercises:\n  - id: wrist-extention-hold\n", encoding="utf-8")
    assert main(["plan", "Ana", "--from", str(bad), "--no-input"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "did you mean 'wrist-extension-hold'" in err


def test_plan_needs_a_completed_session_and_log_needs_a_programme(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _intake("Bo")
    assert main(["log", "Bo", "--no-input"]) == 2
    assert "has no programme yet" in capsys.readouterr().err
    assert main(["plan", "Nobody", "--no-input"]) == 2


def test_programmes_and_logs_on_both_engines(store) -> None:  # type: ignore[no-untyped-def]
    client = store.client_id("Ana", create=True)
    first = store.save_programme(client, None, '{"items": []}', "2026-12-01T00:00:00+00:00")
    second = store.save_programme(client, None, '{"items": [1]}', "2026-12-02T00:00:00+00:00")
    assert [r.status for r in store.programmes(client)] == ["replaced", "active"]
    assert store.current_programme(client).id == second
    assert store.programmes(client)[1].previous_id == first
    entry = store.add_log(
        client, second, "2026-12-03", "{}", "urgent", lambda i: f'{{"entry": {i}}}'
    )
    assert store.current_programme(client).status == "stopped"
    assert store.current_programme(client).document == f'{{"entry": {entry}}}'
    assert [r.warning for r in store.logs(client)] == ["urgent"]
    other = store.client_id("Ana B", create=True)
    store.merge_clients("Ana", "Ana B")
    assert len(store.programmes(other)) == 2 and len(store.logs(other)) == 1
    store.delete_client("Ana B")
    assert store.logs(other) == [] and store.programmes(other) == []


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (.ci/run installs it)")


def _printed(sheet: Path, tmp_path: Path) -> Path:
    """The sheet as headless Chromium prints it to PDF."""
    pdf = tmp_path / "sheet.pdf"
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", sheet.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return pdf


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_sheet_prints_on_one_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], paper: str
) -> None:
    pypdf = pytest.importorskip("pypdf")
    _intake()
    prog = tmp_path / "prog.yaml"  # the most a programme holds: five exercises
    prog.write_text("exercises:\n" + "".join(f"  - id: {e}\n" for e in (
        "wrist-extension-hold", "wrist-extension-lift", "wall-push-up", "hammer-turn",
        "finger-tendon-glides")) + "    note: Keep the fingers relaxed and the range small to start\n",
        encoding="utf-8")  # fmt: skip
    sheet = tmp_path / "sheet.html"
    assert main(["plan", "Ana", "--from", str(prog), "--no-input", "--html", str(sheet)]) == 0
    page = sheet.read_text().replace("@page {", f"@page {{ size: {paper};", 1)
    sheet.write_text(page, encoding="utf-8")
    reader = pypdf.PdfReader(str(_printed(sheet, tmp_path)))
    assert len(reader.pages) == 1
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert "Home programme for Ana" in text and "When to stop" in text
    assert "Climb V5 again" in text
    assert "Week 1" in text and "Week 2" in text and "14" in text  # both weeks of the grid
    assert "Keep the fingers relaxed" in text
    assert "Besides the exercises" in text  # in the last row's free place


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_sheet_carries_what_to_do_besides_the_exercises_on_its_one_page(
    tmp_path: Path, paper: str
) -> None:
    """A new parent's programme sheet held the thumb exercise and not how to lift her baby,
    the change her plan puts first: the programme's strategies' steps are on the sheet, each
    once, and the page is still one."""
    pypdf = pytest.importorskip("pypdf")
    answers = EXAMPLES / "new-parent-thumb-wrist.yaml"
    assert main(["run", "--answers", str(answers), "--no-input", "--client", "Mia",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    sheet = tmp_path / "sheet.html"
    assert main(["plan", "Mia", "--no-input", "--html", str(sheet)]) == 0
    page = sheet.read_text()
    assert "<h3>Besides the exercises</h3>" in page and "Lift your baby with both hands" in page
    assert page.count("Lift your baby with both hands") == 1
    # Her strategy's own "when to stop" is in the sheet's stop box, not only in the plan.
    stop_box = page.split('<section class="stop">', 1)[1].split("</section>", 1)[0]
    assert "Get checked for numbness in the thumb or index finger" in stop_box
    sheet.write_text(page.replace("@page {", f"@page {{ size: {paper};", 1), encoding="utf-8")
    reader = pypdf.PdfReader(str(_printed(sheet, tmp_path)))
    assert len(reader.pages) == 1
    text = " ".join(unicodedata.normalize("NFKC", reader.pages[0].extract_text()).split())
    assert "Besides the exercises" in text and "Week 2" in text


def test_progress_shows_adherence_doses_and_pain_against_the_next_morning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import xml.etree.ElementTree as ET

    _intake()
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-20"]) == 0
    assert _log(tmp_path, GOOD, "2026-11-21") == 0
    assert _log(tmp_path, GOOD, "2026-11-22") == 0
    assert main(["plan", "Ana", "--no-input", "--accept", "all", "--date", "2026-11-27"]) == 0
    assert _log(tmp_path, GOOD.replace("morning: usual", "morning: worse"), "2026-11-28") == 0
    capsys.readouterr()
    page = tmp_path / "progress.html"
    assert main(["progress", "Ana", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "Home programme: 2 version(s)" in out and "planned sessions logged" in out
    assert "Pain during / next morning: 11-21 3/usual, 11-22 3/usual, 11-28 3/worse" in out
    text = page.read_text()
    assert (
        "Home sessions: pain during" in text
        and "Next morning: 0 better" in text
        and "Dose per version, % of where each exercise started" in text
    )
    for svg in text.split("<svg")[1:]:  # every chart is well-formed SVG
        ET.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")


def test_fhir_careplan_and_csv_of_the_log_pass_outside_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fhir_check

    fhir_check.available()
    pandas = pytest.importorskip("pandas")
    _intake()
    assert main(["plan", "Ana", "--no-input", "--date", "2026-11-20"]) == 0
    assert _log(tmp_path, GOOD.replace("note:", "x:") + "note: =HYPERLINK(1)\n", "2026-11-21") == 0
    out = tmp_path / "plan.json"
    assert (
        main(["plan", "Ana", "--no-input", "--fhir", str(out), "--csv", str(tmp_path / "log.csv")])
        == 0
    )
    exported = json.loads(out.read_text())
    assert fhir_check.problems(exported) == []
    assert fhir_check.check_files([out]) == ""
    plan = exported["entry"][0]["resource"]
    assert plan["resourceType"] == "CarePlan" and plan["status"] == "active"
    wrong = json.loads(json.dumps(plan))
    wrong["activity"][0]["reference"] = {"reference": "urn:uuid:0"}  # cpl-3: detail or reference
    wrong["intent"] = 5
    found = " ".join(fhir_check.problems(wrong))
    assert "intent" in found and "cpl-3" in found
    assert plan["activity"][0]["progress"][0]["text"].startswith("Log 2026-11-21: done as planned")
    frame = pandas.read_csv(tmp_path / "log.csv")
    assert list(frame["pain_during"].dropna()) == [2, 3]
    assert frame["note"][0] == "'=HYPERLINK(1)"  # never a formula
    # Stopped by a warning sign: on hold, every activity on hold, a Flag says why.
    assert _log(tmp_path, WARNING, "2026-11-22") == 1
    assert main(["plan", "Ana", "--no-input", "--fhir", str(out), "--force"]) == 1
    stopped = json.loads(out.read_text())
    assert fhir_check.problems(stopped) == []
    plan = stopped["entry"][0]["resource"]
    assert plan["status"] == "on-hold"
    assert {a["detail"]["status"] for a in plan["activity"]} == {"on-hold"}
    flags = [e["resource"] for e in stopped["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flags and "Get medical help now" in flags[0]["code"]["text"]
    capsys.readouterr()


def test_compare_tells_what_the_programme_did_between_two_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    today = date.today().isoformat()
    _intake()
    assert main(["plan", "Ana", "--no-input"]) == 0
    assert _log(tmp_path, GOOD, today) == 0
    assert _log(tmp_path, GOOD.replace("pain_1: 2", "pain_1: 1"), today) == 0
    _intake()
    capsys.readouterr()
    assert main(["compare", "--client", "Ana"]) == 0
    out = capsys.readouterr().out
    assert "## Home programme between these sessions" in out
    assert "Sessions logged: 1" in out  # two entries for one day are one session
    assert "Pain during, worst exercise: 3 on" in out


def _log_signs(client: str) -> list[str]:
    """The warning signs the log of the client's current programme asks about."""
    from imbalance_cli import resources
    from imbalance_cli.store import open_store
    from imbalance_cli.workflow import load_library
    from imbalance_cli.workflow.programme import load, log_questionnaire

    with open_store(resources.store_location()) as store:
        current = load(store, client).current
    assert current is not None
    q = log_questionnaire(current, load_library())
    return [c.id for c in q.question("warnings").choices]


def _note_asked_then_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: str, note: str, word: str,
    sign: str,
) -> str:  # fmt: skip
    """A log of nothing done with ``note``: the word in it asks about the sign (headless, that
    answer is required, so the log is refused naming it); answered ``sign``, the log's output."""
    from imbalance_cli import resources
    from imbalance_cli.store import open_store
    from imbalance_cli.workflow.programme import load

    with open_store(resources.store_location()) as store:
        current = load(store, client).current
    assert current is not None
    done = "".join(f"done_{n}: not_done\n" for n in range(1, len(current.items) + 1))
    path = tmp_path / "log.yaml"
    path.write_text("warnings: [none]\n" + done + "morning: usual\nsensations: [none]\n"
                    f"note: {note}\n", encoding="utf-8")  # fmt: skip
    log = ["log", client, "--answers", str(path), "--no-input", "--date", "2026-11-21"]
    capsys.readouterr()
    assert main(log) == 1
    assert f"check_note: You wrote '{word}'" in capsys.readouterr().err
    with path.open("a", encoding="utf-8") as more:
        more.write(f"check_note: [{sign}]\n")
    assert main(log) == 1
    return capsys.readouterr().out


def test_a_pregnant_clients_log_asks_her_warning_signs_and_reads_her_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = EXAMPLES / "pregnant-28-weeks-back.yaml"
    assert main(["run", "--answers", str(answers), "--no-input", "--client", "Pia",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    assert (
        main(
            [
                "plan",
                "Pia",
                "--no-input",
                "--date",
                "2026-11-20",
                "--json",
                str(tmp_path / "p.json"),
            ]
        )
        == 0
    )
    programme = json.loads((tmp_path / "p.json").read_text())
    assert "pregnancy" in programme["situations"]
    sheet = tmp_path / "pia.html"
    assert main(["plan", "Pia", "--no-input", "--html", str(sheet)]) == 0
    page = sheet.read_text()
    assert "Chosen to suit: pregnancy" in page
    assert "Pregnant: bleeding or fluid leaking" in page  # her own reasons to stop, on the sheet
    assert "Check with your midwife or doctor" in page  # what her situation means, on the sheet
    signs = _log_signs("Pia")
    assert "pregnancy_stop" in signs and "bone_pain" not in signs
    # The word in her note asks about the sign; headless, that answer is required.
    out = _note_asked_then_confirmed(
        tmp_path, capsys, "Pia", "Some light spotting after the walk", "spotting", "pregnancy_stop"
    )
    assert "STOPPED" in out and "midwife or maternity unit today" in out


def test_a_client_with_high_blood_pressure_is_told_when_to_stop_on_the_sheet_and_in_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Faint, dizzy, chest or arm pain, very short of breath, an uneven heartbeat: the sheet's
    stop box names them for a client with high blood pressure, and 'dizzy' written in a log asks
    about them and, confirmed, stops the programme with help now."""
    answers = EXAMPLES / "back-pain-mri-bulge.yaml"  # high blood pressure among her conditions
    assert main(["run", "--answers", str(answers), "--no-input", "--client", "Bea",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    sheet = tmp_path / "bea.html"
    assert main(["plan", "Bea", "--no-input", "--date", "2026-11-20", "--html", str(sheet)]) == 0
    page = sheet.read_text()
    assert "High blood pressure: faint or dizzy, pain or tightness in the chest" in page
    assert "180/100" in page  # what her situation means, on the sheet
    signs = _log_signs("Bea")
    assert "blood_pressure_unwell" in signs and "pregnancy_stop" not in signs
    out = _note_asked_then_confirmed(
        tmp_path, capsys, "Bea", "Felt dizzy halfway through the bridges", "dizzy",
        "blood_pressure_unwell",
    )  # fmt: skip
    assert "STOPPED" in out and "get medical help now" in out


def test_a_log_with_no_programme_after_a_warning_sign_says_why_not_make_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After an intake that found a warning sign, `log` said "make one with: imbalance plan",
    which then refused: it says what holds it and what comes next."""
    answers = EXAMPLES / "hot-swollen-knee-fever.yaml"
    main(["run", "--answers", str(answers), "--no-input", "--client", "Hal", "--out", "/dev/null"])
    capsys.readouterr()
    assert main(["log", "Hal", "--no-input"]) == 1
    err = capsys.readouterr().err
    assert "Hal has no programme yet, and an assessment of Hal" in err, err
    assert "found a warning sign (emergency)" in err and "reassess 'Hal'" in err
    assert "make one with" not in err


def test_a_baby_moving_less_written_in_a_log_is_asked_about_and_means_call_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'Baby is moving less today' in a pregnant client's log note was quoted back with no
    choice that fitted it; she chose None and nothing was said. The question offers it, and
    it stops the programme: the maternity unit now, not the next day."""
    answers = EXAMPLES / "pregnant-28-weeks-back.yaml"
    assert main(["run", "--answers", str(answers), "--no-input", "--client", "Pia",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    assert main(["plan", "Pia", "--no-input", "--date", "2026-11-20"]) == 0
    assert "baby_movements" in _log_signs("Pia")
    out = _note_asked_then_confirmed(
        tmp_path, capsys, "Pia", "Baby is moving less today", "Baby is moving less",
        "baby_movements",
    )  # fmt: skip
    assert "STOPPED" in out and "maternity unit now" in out and "next day" in out


def test_plan_json_to_stdout_is_json_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """'-' for --json puts the JSON alone on stdout: the programme's text goes to stderr."""
    _intake()
    assert main(["plan", "Ana", "--no-input", "--json", "-"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["items"] and "Home programme for Ana" in out.err


def test_a_log_offers_no_day_before_the_programme_started() -> None:
    """Asked, the day offers today and the two days before, none before the programme began
    (such a day was refused after every other answer, and the answers were lost)."""
    from datetime import date

    from imbalance_cli.programme.model import Programme
    from imbalance_cli.workflow.programme import log_days

    today = date(2026, 12, 3)
    days = [
        [d["id"] for d in log_days(Programme(items=(), created_at=f"{start}T09:00:00"), today)]
        for start in ("2026-11-20", "2026-12-02", "2026-12-03")
    ]
    assert days == [["today", "yesterday", "two_days_ago"], ["today", "yesterday"], ["today"]]


def test_a_log_counts_less_than_planned_and_says_when_a_day_is_logged_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "2 of 3 done" read as all done as planned when one was done less; a second log of the
    same day was added without a word, though the review reads the two as one session."""
    from datetime import date

    _intake()
    assert main(["plan", "Ana", "--no-input"]) == 0
    capsys.readouterr()
    today = date.today().isoformat()
    assert _log(tmp_path, GOOD.replace("done_2: as_planned", "done_2: less"), today) == 0
    first = " ".join(capsys.readouterr().out.split())
    assert "exercises done (1 less than planned)." in first
    assert "was logged before" not in first
    assert _log(tmp_path, GOOD, today) == 0
    second = " ".join(capsys.readouterr().out.split())
    assert "2 of 3 exercises done. " in second
    assert (
        f"{today} was logged before (1 entry)" in second
        and "reads that day's logs as one" in second
    )


def test_the_next_morning_question_names_the_programmes_areas() -> None:
    """ "The sore area" read as either of two: the question names the area, or each of them
    (without the patterns found there) and says which to answer for."""
    from imbalance_cli.programme.model import Item, Programme
    from imbalance_cli.workflow import load_library
    from imbalance_cli.workflow.programme import log_questionnaire

    library = load_library()
    item = Item("chin-nod-lying", library.exercises["chin-nod-lying"].dose)

    def morning(*areas: str) -> tuple[str, str | None]:
        q = log_questionnaire(Programme(items=(item,), areas=areas), library)
        found = next(x for x in q.questions if x.id == "morning")
        return found.text, found.help

    text, help_ = morning("right wrist and hand (pain on the thumb side)")
    assert "how did your right wrist and hand feel" in text and help_ is None
    text, help_ = morning("neck", "right wrist and hand (pain on the thumb side)")
    assert "how did your neck and your right wrist and hand feel" in text
    assert help_ is not None and "Worse than usual" in help_
    assert "your sore areas" in morning("neck", "back", "left knee", "right hip")[0]
    assert "the sore area" in morning()[0]


def test_a_warning_sign_in_a_later_assessment_puts_the_programme_on_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rosa's programme was saved; her next intake raised an emergency (a hot, swollen knee
    with a fever), and `plan` still showed and printed the programme as if nothing happened,
    while `plan --new` was refused. Now `plan` and `log` refuse it and say why and what next."""
    _intake("Rosa")
    assert main(["plan", "Rosa", "--no-input"]) == 0
    answers = EXAMPLES / "hot-swollen-knee-fever.yaml"
    assert main(["run", "--answers", str(answers), "--no-input", "--client", "Rosa",
                 "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    sheet = tmp_path / "sheet.html"
    assert main(["plan", "Rosa", "--no-input", "--html", str(sheet)]) != 0
    said = " ".join(capsys.readouterr().err.split())
    assert "the programme of Rosa is on hold" in said and "until a clinician has checked" in said
    assert not sheet.exists()
    assert _log(tmp_path, GOOD, date.today().isoformat(), client="Rosa") != 0
    assert "on hold" in " ".join(capsys.readouterr().err.split())
    # Not around it: a programme from the clean session before the sign is refused too.
    assert main(["plan", "Rosa", "--session", "1", "--no-input"]) != 0
    assert "no programme from session 1" in " ".join(capsys.readouterr().err.split())
    # A clean assessment afterwards does not release the old programme (it asked about its own
    # time only); a programme proposed from it is a new one, and is not on hold.
    assert main(["run", "--answers", str(EXAMPLES / "climber-wrist.yaml"), "--no-input",
                 "--client", "Rosa", "--out", "/dev/null"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["plan", "Rosa", "--no-input"]) != 0
    assert "on hold" in " ".join(capsys.readouterr().err.split())
    assert main(["plan", "Rosa", "--new", "--no-input"]) == 0
    assert main(["plan", "Rosa", "--no-input"]) == 0


def test_before_any_log_the_review_does_not_say_from_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review printed "From the log:" above its keep-the-dose lines before anything was
    logged; it says nothing is logged yet, and "From the log:" once something is."""
    _intake()
    assert main(["plan", "Ana", "--no-input"]) == 0
    capsys.readouterr()
    assert main(["plan", "Ana", "--no-input"]) == 0
    first = capsys.readouterr().out
    assert "Nothing logged yet for this version:" in first and "From the log:" not in first
    assert _log(tmp_path, GOOD, date.today().isoformat()) == 0
    capsys.readouterr()
    assert main(["plan", "Ana", "--no-input"]) == 0
    assert "From the log:" in capsys.readouterr().out
