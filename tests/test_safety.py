"""Safety of the guidance: every alert by every route (and not without it), nothing that
contradicts an alert, content relevant to the body part, and input that cannot record the wrong
thing. The matrix of routes is tests/fixtures/safety-matrix.yaml."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from conftest import EXAMPLES, PERSONA_FILES, ROOT
from imbalance_cli import bodymap
from imbalance_cli.answers import check, legacy_ids, read_answers
from imbalance_cli.engine import Flow, evaluate
from imbalance_cli.errors import QuestionnaireError
from imbalance_cli.model import (
    AlertLevel,
    AnswerValue,
    AnyOf,
    Condition,
    Library,
    Questionnaire,
    Result,
)
from imbalance_cli.prompts import ScriptedPrompter
from imbalance_cli.render import markdown, terminal
from imbalance_cli.rules import assess
from imbalance_cli.session import run_session
from test_cli import imbalance

MATRIX: dict[str, Any] = yaml.safe_load(
    (ROOT / "tests" / "fixtures" / "safety-matrix.yaml").read_text()
)
CASES = [
    (alert, route, answers)
    for alert, entry in MATRIX["alerts"].items()
    for route, answers in entry["routes"].items()
]


def answers_of(intake: Questionnaire, overrides: dict[str, Any]) -> dict[str, AnswerValue]:
    """The base persona's answers with these changed, each checked like a typed answer."""
    answers = read_answers(EXAMPLES / MATRIX["base"], intake)
    for key, raw in overrides.items():
        for target in legacy_ids(intake, key):
            question = intake.question(target)
            assert question is not None, key
            answers[target] = check(question, raw)
        assert legacy_ids(intake, key), f"unknown question {key}"
    return answers


def result_of(intake: Questionnaire, library: Library, overrides: dict[str, Any]) -> Result:
    return assess(
        intake, answers_of(intake, overrides), library, started_at="t0", completed_at="t1"
    )


@pytest.mark.parametrize(
    ("alert", "route", "overrides"), CASES, ids=[f"{a}-{r}" for a, r, _ in CASES]
)
def test_every_alert_fires_by_each_of_its_routes(
    intake: Questionnaire, library: Library, alert: str, route: str, overrides: dict[str, Any]
) -> None:
    fired = {f.alert.id: f for f in result_of(intake, library, overrides).alerts}
    assert alert in fired, f"{alert} did not fire by route {route}"
    assert fired[alert].because, "an alert names the answers that raised it"


QUIET = [
    (alert, case, answers)
    for alert, entry in MATRIX["alerts"].items()
    for case, answers in entry["quiet"].items()
]


@pytest.mark.parametrize(
    ("alert", "case", "overrides"), QUIET, ids=[f"{a}-{c}" for a, c, _ in QUIET]
)
def test_no_alert_fires_in_its_close_cases(
    intake: Questionnaire, library: Library, alert: str, case: str, overrides: dict[str, Any]
) -> None:
    """Close cases stay quiet: the same words answered "None of these", the night pattern of
    numb hands, the same answers in different regions, the age just under a threshold."""
    assert alert not in {f.alert.id for f in result_of(intake, library, overrides).alerts}


def test_the_base_persona_raises_no_alert(intake: Questionnaire, library: Library) -> None:
    assert result_of(intake, library, {}).alerts == ()


def _branches(condition: Condition) -> tuple[Condition, ...]:
    return condition.items if isinstance(condition, AnyOf) else (condition,)


def test_every_alert_and_every_branch_of_it_has_a_route(intake: Questionnaire) -> None:
    """Each alert is in the matrix, and each part of its top-level 'any' is raised by a route,
    so no way of reporting a warning sign goes untested."""
    assert sorted(MATRIX["alerts"]) == sorted(a.id for a in intake.alerts)
    types = {q.id: q.type for q in intake.questions}
    for alert in intake.alerts:
        routes = MATRIX["alerts"][alert.id]["routes"].values()
        flow = Flow(intake)
        kept = [flow.prune(answers_of(intake, r)) for r in routes]
        for n, branch in enumerate(_branches(alert.when)):
            assert any(evaluate(branch, a, types) for a in kept), f"{alert.id}: branch {n} untested"


#: What the first sentence of an action says, by time frame.
FIRST = {"now": "now", "today": "today", "days": "within the next few days", "mention": "mention"}
TIME_WORDS = ("now", "today", "same day", "within", "hours", "at once", "soon", "urgent")


@pytest.mark.parametrize("name", ["intake", "side-to-side", "checkin"])
def test_each_alert_gives_one_time_frame(
    name: str, intake: Questionnaire, library: Library
) -> None:
    """The heading, the message and the action agree: the action's first sentence says the
    alert's time frame ("today" under a heading that says today), the message says what and
    why with no time of its own, and an emergency never comes with a slower first step."""
    from imbalance_cli import loader, resources

    q = intake if name == "intake" else loader.load_questionnaire(resources.resolve(name), library)
    for alert in q.alerts:
        frame = alert.when_to_act.value
        first = alert.action.split(". ")[0].lower()
        assert FIRST[frame] in first, (alert.id, first)
        assert frame in ("now",) or "now" not in first.split(), alert.id
        words = f" {alert.message.lower()} "
        assert not any(f" {w} " in words or f" {w}." in words for w in TIME_WORDS), alert.id
        assert alert.heading.lower().startswith(
            {"now": "emergency", "today": "urgent", "days": "soon", "mention": "mention"}[frame]
        )
    calf = next((a for a in q.alerts if a.id == "calf_swelling"), None)
    if calf is not None:  # a suspected clot is assessed within hours
        assert calf.when_to_act.value == "today"


def test_an_emergency_and_an_urgent_alert_about_the_same_thing_merge(
    intake: Questionnaire, library: Library
) -> None:
    """Weakness in both legs raises the leg-weakness emergency and the nerve alerts: the person
    reads one alert, go now, with every answer that raised any of them."""
    result = result_of(
        intake,
        library,
        {"daily_nerve": ["weakness"], "nerve_where": ["left_leg", "right_leg"],
         "nerve_duration": "weeks_6_to_12", "nerve_course": "worse"},
    )  # fmt: skip
    ids = [f.alert.id for f in result.alerts]
    assert ids == ["leg_weakness"], ids
    fired = result.alerts[0]
    assert set(fired.merged) == {"nerve_both_legs", "nerve_worsening", "limb_numbness"}
    assert any("6 to 12 weeks" in b for b in fired.because)
    text = markdown.render(result, "client")
    assert "within the next few days" not in text and "today" not in text


# -- nothing contradicts an alert -------------------------------------------------------------


def _texts_of(library: Library, item_id: str) -> list[str]:
    article = library.articles.get(item_id)
    if article is not None:
        return [article.title, article.summary, *([article.opinion] if article.opinion else [])]
    strategy = library.strategies[item_id]
    return [strategy.title, strategy.summary, *strategy.steps, strategy.dose, strategy.progress]


def _summaries(result: Result) -> dict[str, str]:
    console = Console(file=StringIO(), width=100, color_system=None)
    console.print(terminal.summary(result))
    return {
        "trainer": markdown.render(result, "trainer"),
        "client": markdown.render(result, "client"),
        "terminal": console.file.getvalue(),  # type: ignore[attr-defined]
    }


def _flat(text: str) -> str:
    return " ".join(text.replace("\\", "").split())


SERIOUS_CASES = [
    (alert, route, answers)
    for alert, route, answers in CASES
    if alert
    in {
        "saddle_numbness", "bladder_bowel", "leg_weakness", "cancer_nerve_signs", "exertional_chest",
        "cord_signs", "limb_numbness", "calf_swelling", "cancer_history", "weight_loss_night_pain",
        "fragility_fracture", "progressive_constant", "headache_over_50", "nerve_worsening",
    }
]  # fmt: skip


@pytest.mark.parametrize(
    ("alert", "route", "overrides"), SERIOUS_CASES, ids=[f"{a}-{r}" for a, r, _ in SERIOUS_CASES]
)
def test_no_summary_with_a_serious_alert_contains_withheld_content(
    intake: Questionnaire, library: Library, alert: str, route: str, overrides: dict[str, Any]
) -> None:
    """Under an urgent or emergency alert, content that assumes no warning signs (and its
    rule's reasons) appears in no summary; under an emergency no article, strategy or exercise
    advice does; the closing advice follows the alert."""
    # The runner asks for reassuring content too: a recent, painful flare-up.
    result = result_of(
        intake,
        library,
        {**overrides, "duration.knee.left": "under_6_weeks", "pain_worst.knee.left": 8},
    )
    top = result.top_level
    assert top is not None and top.holds_back
    assert result.withheld, "the reassuring content these answers ask for is held back"
    held = {r.id for r in result.withheld}
    emergency = top is AlertLevel.EMERGENCY
    for audience, text in _summaries(result).items():
        flat = _flat(text)
        for item in held:
            for piece in _texts_of(library, item):
                assert _flat(piece) not in flat, (audience, item)
        for hit in result.trace:
            if set((*hit.articles, *hit.strategies)) <= held:
                assert _flat(hit.because) not in flat, (audience, hit.rule)
        assert _flat(markdown.NEXT_STEPS[None]) not in flat, audience
        assert _flat(markdown.NEXT_STEPS[top]) in flat, audience
        if emergency:
            assert result.recommendations == ()
            assert "0-10 pain rule" not in flat and "Exercise strategies" not in flat, audience
            for strategy in library.strategies.values():
                assert f"### {strategy.title}" not in text, (audience, strategy.id)


def test_a_flare_up_is_not_called_harmless_beside_a_nerve_alert(
    intake: Questionnaire, library: Library
) -> None:
    """The desk worker with eight weeks of tingling, who ticked None on the screen."""
    answers = read_answers(EXAMPLES / "tingling-fingers-outside-screen.yaml", intake)
    result = assess(intake, answers, library, started_at="a", completed_at="b")
    assert [f.alert.id for f in result.alerts] == ["limb_numbness"]
    because = " ".join(result.alerts[0].because)
    assert "How the nerve-like feelings have lasted" not in because
    assert "How long the nerve-like feelings have lasted: 6 to 12 weeks" in because
    for text in _summaries(result).values():
        assert "rarely means new damage" not in text and "often settle with time" not in text


# -- relevant to the body part ----------------------------------------------------------------


def test_imaging_articles_follow_the_area_scanned(intake: Questionnaire, library: Library) -> None:
    def chosen(persona: str) -> set[str]:
        answers = read_answers(EXAMPLES / f"{persona}.yaml", intake)
        result = assess(intake, answers, library, started_at="a", completed_at="b")
        return {r.id for r in result.recommendations}

    knee = chosen("knee-mri-tear")
    assert "imaging-knee" in knee and "mri-findings-by-age" not in knee
    assert "exercise-first-line" not in knee  # back and neck evidence, not for a knee
    shoulder = chosen("shoulder-xray-normal")
    assert "imaging-shoulder" in shoulder and "when-imaging-helps" not in shoulder
    back = chosen("back-pain-mri-bulge")
    assert {"mri-findings-by-age", "when-imaging-helps"} <= back and "imaging-knee" not in back
    runner = chosen("runner-knee")
    assert not runner & {"exercise-first-line", "mri-findings-by-age", "when-imaging-helps"}


def test_every_region_specific_item_is_only_chosen_for_its_region(
    intake: Questionnaire, library: Library
) -> None:
    """Across every persona and matrix case, an article or strategy that names regions is only
    recommended when one of them was chosen."""
    cases = [read_answers(p, intake) for p in PERSONA_FILES]
    cases += [answers_of(intake, o) for _, _, o in CASES]
    for answers in cases:
        result = assess(intake, answers, library, started_at="a", completed_at="b")
        regions = {bodymap.split_token(t)[0] for t in result.answers.get("regions") or ()}  # type: ignore[union-attr]
        scanned = {
            bodymap.split_token(t)[0]
            for q in ("mri_area", "xray_area")
            for t in result.answers.get(q) or ()  # type: ignore[union-attr]
        }
        for rec in (*result.recommendations, *result.withheld):
            item = library.articles.get(rec.id) or library.strategies.get(rec.id)
            assert item is not None
            if item.regions:
                assert set(item.regions) & (regions | scanned), (rec.id, regions)


def test_validate_refuses_a_rule_that_gives_a_knee_article_for_any_pain(
    write: Callable[..., Path], library: Library
) -> None:
    path = write(
        """
        id: careless
        title: Careless
        version: "1"
        sections:
          - id: s
            title: S
            questions:
              - {id: regions, type: body_regions, text: Where?}
              - {id: worst, type: scale, text: Worst?}
        recommendations:
          - id: any_pain
            when: {question: worst, gte: 3}
            because: It hurts
            articles: [imaging-knee]
          - id: knee_pain
            when: {all: [{question: regions, includes: knee}, {question: worst, gte: 3}]}
            because: Your knee hurts
            articles: [imaging-knee]
        """
    )
    from imbalance_cli import loader

    with pytest.raises(QuestionnaireError) as info:
        loader.load_questionnaire(path, library)
    (problem,) = info.value.problems
    assert problem.location.line == 11
    assert (
        "recommendation 'any_pain' names article 'imaging-knee', which is about knee"
        in problem.message
    )


# -- the body map and sides -------------------------------------------------------------------


def test_two_knees_are_rated_apart_and_old_answers_still_load(
    intake: Questionnaire, write: Callable[..., Path]
) -> None:
    answers = read_answers(EXAMPLES / "two-knees-different.yaml", intake)
    assert answers["pain_worst.knee.left"] == 7 and answers["pain_worst.knee.right"] == 2
    old = write("regions: [knee.both]\npain_worst.knee: 6\npain_worst.knee.right: 3\n", "old.yaml")
    loaded = read_answers(old, intake)
    assert loaded["regions"] == ("knee.left", "knee.right")
    assert (loaded["pain_worst.knee.left"], loaded["pain_worst.knee.right"]) == (6, 3)


def test_one_side_is_asked_only_for_pain_in_the_neck_back_or_chest(intake: Questionnaire) -> None:
    flow = Flow(intake)
    asked = {q.id for q in flow.visible({"regions": ("knee.left", "knee.right")})}
    assert "one_side" not in asked
    assert "one_side" in {q.id for q in flow.visible({"regions": ("lower_back",)})}


def test_the_bundled_body_map_has_the_regions_the_intake_needs() -> None:
    regions = bodymap.default()
    ids = set(regions.ids)
    assert {
        "head", "jaw", "neck", "shoulder", "upper_arm", "elbow", "forearm", "wrist_hand", "chest",
        "upper_back", "lower_back", "buttock", "hip", "thigh", "knee", "shin_calf", "ankle_foot",
    } <= ids  # fmt: skip
    for region in regions.regions:
        assert region.views and set(region.views) <= {"front", "back"}
    assert (
        regions.describe("knee.left") == "Knee (left)"
        and regions.phrase("hip.right") == "right hip and groin"
    )


def test_a_broken_body_map_is_a_located_problem(write: Callable[..., Path]) -> None:
    path = write(
        """
        regions:
          - {id: knee, label: Knee, sided: true, group: leg, views: [front], zone: lower}
          - {id: knee, label: Knee again, sided: true, group: leg, views: [front], zone: lower}
          - {id: none, label: Nothing, sided: maybe, group: x, views: [side], zone: middle}
        """,
        "bodymap.yaml",
    )
    with pytest.raises(QuestionnaireError) as info:
        bodymap.load(path)
    found = [str(p) for p in info.value.problems]
    assert any(":3:5: region id 'knee' is used twice" in p for p in found), found
    assert any("region id 'none'" in p for p in found)
    assert any("sided must be true or false" in p for p in found)
    assert any("unknown view 'side'" in p for p in found)
    assert any("unknown zone 'middle'" in p for p in found)
    run = imbalance("validate", str(path))
    assert run.returncode == 1 and "is used twice" in run.stdout


# -- no pain, and None ticked with a warning sign ----------------------------------------------


def test_no_pain_is_an_answer_that_skips_the_pain_detail(
    intake: Questionnaire, library: Library
) -> None:
    answers = read_answers(EXAMPLES / "no-pain.yaml", intake)
    flow = Flow(intake)
    asked = {q.id for q in flow.visible(answers)}
    assert not any(q.startswith(("pain_now", "treatments", "one_side")) for q in asked)
    assert flow.missing_required(answers) == []
    result = assess(intake, answers, library, started_at="a", completed_at="b")
    client = markdown.render(result, "client")
    assert "## Where it hurts\n\nNo pain at the moment." in client
    # Their plan is their goal's, not a plan for a region that does not hurt.
    assert "**Your goal:** Deadlift my body weight" in client
    assert "**For:**" not in client
    assert not any(
        r.chosen_by == ("region",) or "pattern" in r.chosen_by for r in result.recommendations
    )


def test_none_ticked_with_a_warning_sign_keeps_the_sign_and_says_so(tmp_path: Path) -> None:
    answers = (
        (EXAMPLES / "runner-knee.yaml")
        .read_text()
        .replace("red_flags_now: [none]", "red_flags_now: [none, saddle_numbness]")
    )
    path = tmp_path / "a.yaml"
    path.write_text(answers)
    run = imbalance("run", "--answers", str(path), "--no-input", "--json", str(tmp_path / "r.json"))
    assert run.returncode == 0, run.stderr
    said = " ".join(run.stderr.split())
    assert "Kept 'Numbness or pins and needles between the legs" in said
    assert "and dropped 'None of these', since both cannot be true" in said
    doc = yaml.safe_load((tmp_path / "r.json").read_text())
    assert doc["answers"]["red_flags_now"] == ["saddle_numbness"]
    assert doc["alerts"][0]["id"] == "saddle_numbness"


# -- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["runner-knee", "several-regions-no-flags", "no-pain"])
def test_the_progress_estimate_stays_honest(intake: Questionnaire, persona: str) -> None:
    """Replaying a persona: once the painful regions are known, every estimate is within a
    quarter of the questions finally asked, and the last one is exact. (Before that, nobody can
    know: the estimate assumes one or two regions.)"""
    given = read_answers(EXAMPLES / f"{persona}.yaml", intake)
    script: dict[str, Any] = {q.id: None for q in intake.questions if not q.required}
    script.update({k: list(v) if isinstance(v, tuple) else v for k, v in given.items()})
    prompter = ScriptedPrompter(script)
    run_session(intake, prompter)
    asked = len(prompter.asked)
    totals = [p.total for p in prompter.progress]
    after_regions = totals[prompter.asked.index("regions") + 1 :]
    assert all(abs(t - asked) <= asked / 4 for t in after_regions), (asked, totals)
    assert totals[-1] == asked
    if persona == "runner-knee":
        assert abs(totals[0] - asked) <= asked / 3, (asked, totals)


# -- labels are never cut ---------------------------------------------------------------------


@pytest.mark.parametrize("columns", [60, 80, 100])
@pytest.mark.parametrize("qid", ["red_flags_now", "red_flags_days"])
def test_warning_signs_wrap_and_are_never_cut(
    intake: Questionnaire, qid: str, columns: int
) -> None:
    """The warning-sign screen on a 60, 80 and 100 column terminal (rendered by the pyte
    terminal emulator): every label, and the help of each choice when it is highlighted, is on
    screen word for word."""
    from prompt_toolkit.output import DummyOutput

    from imbalance_cli.engine import Progress
    from imbalance_cli.prompts.terminal import TerminalPrompter, _add_back_keys
    from imbalance_cli.prompts.widgets import wrap_choices
    from screen import screen_lines

    question = intake.question(qid)
    assert question is not None
    prompter = TerminalPrompter(Console(file=StringIO()), output=DummyOutput())

    def build() -> Any:
        prompt = prompter._build(question, None, Progress(1, 40), True)
        wrap_choices(prompt.application)
        _add_back_keys(prompt.application, arrows=True)
        return prompt

    down = "\x1b[B"
    for n, choice in enumerate(question.choices):
        screen = screen_lines(build, down * n, columns=columns, rows=60)
        flat = " ".join(" ".join(screen).split())
        assert " ".join(choice.label.split()) in flat, (columns, choice.id, screen)
        if choice.help:
            assert " ".join(choice.help.split()) in flat, (columns, choice.id, screen)
        assert " ".join(question.text.split()) in flat


def test_only_an_emergency_makes_a_completed_result_stopped(
    intake: Questionnaire, library: Library
) -> None:
    """A session saved under an older intake lacks the newer questions: not a stop."""
    answers = read_answers(EXAMPLES / "runner-knee.yaml", intake)
    del answers["cancer_history"], answers["course.knee.left"]
    older = assess(intake, answers, library, started_at="a", completed_at="b")
    assert older.not_asked == () and "was stopped" not in markdown.render(older)
    answers["red_flags_now"] = ("saddle_numbness",)
    stopped = assess(intake, answers, library, started_at="a", completed_at="b")
    assert stopped.not_asked and "stopped after the emergency" in markdown.render(stopped)


def test_the_warning_sign_a_session_is_listed_by_is_the_most_urgent_alert_that_fires(
    intake: Questionnaire,
) -> None:
    """Saving and importing work out the listed warning sign without building the alerts'
    explanations (thousands of sessions an import): it must be the level the full rules give,
    for every route of the matrix, every close case and every persona."""
    from imbalance_cli.rules import fired_alerts
    from imbalance_cli.workflow import Reading

    reading = Reading(intake)
    cases = [answers_of(intake, overrides) for _, _, overrides in CASES]
    cases += [answers_of(intake, overrides) for _, _, overrides in QUIET]
    cases += [read_answers(path, intake) for path in PERSONA_FILES]
    seen = set()
    for answers in cases:
        fired = fired_alerts(intake, answers)
        expected = min(f.alert.level.rank for f in fired) if fired else None
        top, _ = reading.listed(answers)
        assert top == (
            next(lv.value for lv in AlertLevel if lv.rank == expected) if fired else "none"
        )
        seen.add(top)
    assert seen >= {"emergency", "urgent", "none"}


@pytest.mark.parametrize(("weeks", "rule"), [(8, "pregnancy"), (35, "after_birth")])
def test_a_birth_in_the_past_year_changes_the_guidance_at_any_week(
    intake: Questionnaire, library: Library, weeks: int, rule: str
) -> None:
    """Eight months after a birth, the answer changed nothing and the person was not told why:
    past the early weeks the article on exercise after birth is still chosen, for that reason."""
    result = result_of(
        intake, library, {"health_conditions": ["postpartum"], "weeks_since_birth": weeks}
    )
    chosen = {r.id: r for r in result.recommendations}
    assert "exercise-in-pregnancy" in chosen
    assert rule in chosen["exercise-in-pregnancy"].rules
    assert ("pregnancy-active" in chosen) is (rule == "pregnancy")


def test_warning_words_followed_up_and_answered_none_are_still_told_to_every_reader(
    intake: Questionnaire, library: Library
) -> None:
    """Rosa wrote in her notes that her knee "went hot and swollen last week and I had a
    temperature". The follow-up asked whether any sign applied "now", so None was a fair answer,
    and every summary then said no warning signs. The follow-up asks about the past few weeks,
    and a None to it still tells each reader what was written and what to do if it comes back."""
    from imbalance_cli.render import html
    from imbalance_cli.render import markdown as md_render
    from imbalance_cli.render.terminal import summary

    note = "My knee went hot and swollen last week and I had a temperature"
    result = result_of(intake, library, {"notes": note, "check_infection_later": ["none"]})
    assert not result.alerts
    asked = intake.question("check_infection_later")
    assert asked is not None and "past few weeks" in asked.text
    assert "Most people choose None" not in (asked.help or "")
    for audience in ("client", "trainer"):
        text = " ".join(md_render.render(result, audience).split())
        assert "you chose none of the warning signs that can go with it" in text, audience
        assert "see a doctor before you exercise" in text
    assert "Asked about it, you chose none" in html.render(result)
    console = Console(file=StringIO(), width=100)
    console.print(summary(result))
    assert "Asked about it, you chose" in " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]
    # Never said of a follow-up that was not answered (a session cut short): the words are then
    # told as not asked about, with the full advice.
    cut = assess(intake, {k: v for k, v in result.answers.items() if k != "check_infection_later"},
                 library, started_at="t0", completed_at=None)  # fmt: skip
    text = " ".join(md_render.render(cut, "client").split())
    assert "Asked about it" not in text and "did not ask about" in text
    # A sign ticked in the follow-up raises its alert instead.
    ticked = result_of(
        intake, library, {"notes": note, "check_infection_later": ["hot_joint", "fever"]}
    )
    assert ticked.alerts and "Asked about it" not in md_render.render(ticked, "client")


def test_an_alert_from_written_words_quotes_them_and_says_what_to_do_either_way(
    intake: Questionnaire, library: Library
) -> None:
    """Frank wrote "my chest feels tight walking up the hill on the 9th" and ticked the effort
    sign in the follow-up. The alert's reason was the follow-up's label ("Follow-up on words in
    your goals and notes"), not his words, and the HTML box gave none; its action said to call
    the emergency number if it "keeps coming back", and nothing for pain that settled on rest."""
    from imbalance_cli.render import html
    from imbalance_cli.render import markdown as md_render

    note = "Sometimes my chest feels tight walking up the hill on the 9th"
    result = result_of(intake, library, {"notes": note, "check_heart_later": ["effort"]})
    (fired,) = [f for f in result.alerts if f.alert.id == "exertional_chest"]
    assert "In your own words: 'chest feels tight'" in fired.because, fired.because
    assert "has not eased after a few minutes of rest" in fired.alert.action
    assert "settled with rest, see a doctor today" in fired.alert.action
    assert "In your own words: &#x27;chest feels tight&#x27;" in html.render(result)
    trainer = md_render.render(result, "trainer")
    assert "In your own words: 'chest feels tight'" in trainer
    # The screen's "None of these" under the alert boxes says where the sign came from.
    assert trainer.count("None of these was chosen here; the warning signs at the top") == 1
    calm = md_render.render(result_of(intake, library, {}), "trainer")
    assert "None of these was chosen here" not in calm


def test_a_sharp_pain_after_a_lift_with_fragile_bones_is_asked_about(
    intake: Questionnaire, library: Library
) -> None:
    """With osteoporosis, "a sharp pain in my back after lifting a heavy pot" in the notes is a
    possible fracture: the injury follow-up asks about it, and "a minor strain with fragile
    bones" raises the fracture alert. The same words from someone without fragile bones ask
    nothing and tell nothing (they said "see a doctor today" to a pregnant woman's goal)."""
    from imbalance_cli.engine import Flow
    from imbalance_cli.render.signs import unasked_words

    note = "I had a sharp pain in my back after lifting a heavy pot, it's eased a bit"
    fragile = {"notes": note, "health_conditions": ["osteoporosis"]}
    result = result_of(intake, library, fragile)
    assert "check_injury_later" in {q.id for q in Flow(intake).visible(result.answers)}
    assert any("sharp pain" in t for t in unasked_words(result))  # not answered: told in full
    ticked = result_of(intake, library, {**fragile, "check_injury_later": ["fragile"]})
    assert "fragility_fracture" in {f.alert.id for f in ticked.alerts}
    plain = result_of(intake, library, {"notes": note})
    assert "check_injury_later" not in {q.id for q in Flow(intake).visible(plain.answers)}
    assert not unasked_words(plain)
    # While the possible fracture stands, the bone-loading plan (impact, heavier lifts) waits.
    assert "bone-strength" in {r.id for r in ticked.withheld}
    assert "bone-strength" in {r.id for r in result.recommendations}  # without the sign


def test_hip_pain_without_a_pinch_is_not_planned_as_a_pinch(
    intake: Questionnaire, library: Library
) -> None:
    """Rosa's stiff hip, with no pinch (she answered no), got "Hip with a pinch at the front":
    the strategy every painful hip gets is titled for every hip."""
    from imbalance_cli.rank import plan

    result = result_of(intake, library, {"regions": ["hip.right"], "hip_pinch": False})
    assert "hip_pinch" not in {f.id for f in result.findings.patterns}
    titles = [item.title for item in plan(result)]
    assert any(r.id == "hip-start" for r in result.recommendations)
    assert not [t for t in titles if "pinch at the front" in t.lower()]
