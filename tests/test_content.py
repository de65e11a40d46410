"""The bundled content: complete, sourced, reachable, in our own words, and never diagnostic."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT
from imbalance_cli import loader, resources
from imbalance_cli.model import Library, Op, Questionnaire, QuestionType
from imbalance_cli.rules import fired_alerts

SEEDS = ROOT.parent / "shared" / "seeds"
DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def test_library_size_and_sources(library: Library) -> None:
    """Every article, strategy and exercise is sourced, and every source can be followed: its
    authors, year, its own title, and a DOI, PMID or https address (a web page that shows no
    date may go without a year; its citation then says n.d.)."""
    assert len(library.articles) >= 40
    assert len(library.strategies) >= 40
    assert len(library.exercises) >= 60
    items = [*library.articles.values(), *library.strategies.values(), *library.exercises.values()]
    for item in items:
        assert item.sources, item.id
        for source in item.sources:
            assert source.authors and source.title, (item.id, source.citation)
            assert source.doi or source.pmid or source.url, (item.id, source.citation)
            assert source.doi is None or DOI.match(source.doi), (item.id, source.doi)
            assert source.url is None or source.url.startswith("https://"), (item.id, source.url)
            web_page = source.url and not (source.doi or source.pmid)
            assert source.year or web_page, (item.id, source.citation)
            assert source.year or "n.d." in source.citation
    for article in library.articles.values():
        opinions = [s for s in article.sources if s.kind.value == "opinion"]
        if opinions:
            said = article.summary.lower()
            labelled = ("practice", "opinion", "proposed", "leaflet", "trainers")
            assert article.opinion or any(w in said for w in labelled), (
                f"{article.id} cites opinion but does not label it"
            )


def test_plans_say_how_to_make_them_easier_and_harder(library: Library) -> None:
    """Every plan of exercises says how to make it easier and how to make it harder, and every
    exercise's easier and harder versions exist."""
    for strategy in library.strategies.values():
        if strategy.exercises and not strategy.general:
            assert strategy.easier and strategy.harder, strategy.id
    for exercise in library.exercises.values():
        for other in (exercise.easier, exercise.harder):
            assert other is None or other in library.exercises, (exercise.id, other)


def test_a_source_about_another_part_or_group_says_so(library: Library) -> None:
    """The pain-monitoring rule comes from Achilles tendon research: wherever it is cited, the
    citation's scope says so, and the text near it names where the rule comes from."""
    items = [*library.articles.values(), *library.strategies.values(), *library.exercises.values()]
    for item in items:
        for source in item.sources:
            if "Silbernagel" in (source.authors or "") and "Achilles" not in source.title:
                continue
            silbernagel = "Silbernagel" in (source.authors or "")
            if silbernagel and item.regions != ("ankle_foot",) and "achilles" not in item.id:
                assert source.scope and "Achilles" in source.scope, item.id


def test_client_text_reads_at_about_grade_eight(library: Library, intake: Questionnaire) -> None:
    """The reading level of every article, strategy, exercise, situation note and alert keeps
    to the library's limit (guidance: max_grade), and no sentence is longer than its limit."""
    from imbalance_cli.library_lint import lint_alerts, lint_library

    paths = {str(p) for p in resources.library_paths()}
    found = lint_library(library, paths) + lint_alerts(intake, library.guidance)
    assert [str(p) for p in found if p.rule in ("reading-level", "long-sentence")] == []


def test_no_ten_percent_rule(library: Library) -> None:
    """A fixed "+10% a week" was tested in new runners and did not cut injuries (Buist 2008):
    no plan gives it as a rule."""
    for strategy in library.strategies.values():
        text = " ".join([strategy.summary, *strategy.steps, strategy.dose, strategy.progress])
        assert not re.search(r"10 ?(%|percent) (a|each|per) week", text), strategy.id


def test_every_article_and_strategy_is_reachable_by_a_rule(
    intake: Questionnaire, library: Library
) -> None:
    side_to_side = loader.load_questionnaire(resources.bundled_dir() / "side-to-side.yaml", library)
    rules = (*intake.rules, *side_to_side.rules)
    used_articles = {a for r in rules for a in r.articles}
    used_strategies = {s for r in rules for s in r.strategies}
    assert set(library.articles) <= used_articles, set(library.articles) - used_articles
    assert set(library.strategies) <= used_strategies, set(library.strategies) - used_strategies
    assert len(intake.rules) >= 25


def test_every_warning_sign_choice_fires_an_alert(intake: Questionnaire) -> None:
    """Each choice of the two warning-sign questions, ticked alone, raises its own alert."""
    for qid in ("red_flags_now", "red_flags_days"):
        question = intake.question(qid)
        assert question is not None and question.type is QuestionType.MULTI
        for choice in question.choices:
            fired = fired_alerts(intake, {qid: (choice.id,)})
            if choice.exclusive:
                assert fired == (), choice.id
            else:
                assert [f.alert.id for f in fired] == [choice.id], choice.id
    now = intake.question("red_flags_now")
    assert now is not None
    assert all(
        f.alert.level.value == "emergency"
        for c in now.choices if not c.exclusive
        for f in fired_alerts(intake, {"red_flags_now": (c.id,)})
    )  # fmt: skip


def test_safety_screen_comes_first(intake: Questionnaire) -> None:
    assert intake.sections[0].id == "safety"
    assert [q.id for q in intake.questions[:2]] == ["red_flags_now", "red_flags_days"]
    alert_questions = {leaf_q for a in intake.alerts for leaf_q in _questions(a.when)}
    assert "red_flags_now" in alert_questions


def _questions(condition) -> set[str]:  # type: ignore[no-untyped-def]
    if hasattr(condition, "op"):
        return set(condition.questions)
    items = getattr(condition, "items", None) or (condition.item,)
    return set().union(*(_questions(c) for c in items))


def test_every_region_and_side_gets_the_repeated_pain_questions(intake: Questionnaire) -> None:
    """Every region of the body map, each side on its own, is rated now / best / worst and asked
    the pain profile; the regions with a safety module are gated on that region."""
    bodymap = intake.bodymap
    assert bodymap is not None and len(bodymap.regions) >= 17
    for token in bodymap.tokens():
        for base in (
            "pain_now", "pain_best", "pain_worst", "duration", "onset", "worse_with",
            "better_with", "daily_pattern", "course",
        ):  # fmt: skip
            assert intake.question(f"{base}.{token}") is not None, f"{base}.{token}"
    for region in (
        "head", "jaw", "neck", "shoulder", "chest", "upper_back", "elbow", "wrist_hand",
        "lower_back", "hip", "knee", "shin_calf", "ankle_foot",
    ):  # fmt: skip
        gated = [
            s
            for s in intake.sections
            if s.region is None and s.when is not None and f"'{region}'" in repr(s.when)
        ]
        assert gated, f"no module for {region}"


def test_no_content_diagnoses(intake: Questionnaire, library: Library) -> None:
    """No "you have X" and no claim that a serious cause is ruled out."""
    texts = [a.message + " " + a.action for a in intake.alerts]
    texts += [r.because for r in intake.rules]
    texts += [a.summary + " " + (a.opinion or "") for a in library.articles.values()]
    texts += [s.summary + " " + " ".join(s.steps) for s in library.strategies.values()]
    banned = re.compile(
        r"\byou (have|are suffering from) (a |an )?(disc|hernia|sciatica|arthritis|tendinitis|tendinopathy|cancer|fracture|stenosis|spondyl)|\bruled out\b(?! by a clinician)|\bnothing serious\b",
        re.I,
    )
    offenders = [t for t in texts if banned.search(t)]
    assert offenders == []


def test_no_sentence_of_the_seed_excerpts_is_copied() -> None:
    """Facts may carry over; sentences may not (checked like the before-stop hook does)."""
    seeds = list(SEEDS.glob("*.txt"))
    if not seeds:
        return
    text = " ".join(p.read_text() for p in seeds)
    sentences = [
        s.strip()
        for s in re.split(r"(?<=[.?!])\s+", text.replace("\n", " "))
        if len(s.strip()) >= 45
    ]
    ours = "\n".join(p.read_text() for p in (ROOT / "questionnaires").rglob("*.yaml"))
    ours += (
        "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
        + (ROOT / "README.md").read_text()
    )
    assert [s for s in sentences if s in ours] == []


def test_repeated_pain_scale_uses_nprs_range(intake: Questionnaire) -> None:
    q = intake.question("pain_worst.knee.left")
    assert q is not None and (q.minimum, q.maximum) == (0, 10)
    assert dict(q.anchors) == {0: "no pain", 10: "worst imaginable"}


def test_no_copyrighted_instrument_names_in_questions(intake: Questionnaire) -> None:
    words = " ".join(q.text for q in intake.questions)
    for name in ("Oswestry", "Neck Disability Index", "QuickDASH", "LEFS", "STarT Back", "PROMIS"):
        assert name not in words


def test_ops_used_in_intake_cover_the_documented_set(intake: Questionnaire) -> None:
    seen: set[Op] = set()

    def walk(c) -> None:  # type: ignore[no-untyped-def]
        if hasattr(c, "op"):
            seen.add(c.op)
        for i in getattr(c, "items", ()):
            walk(i)
        if hasattr(c, "item"):
            walk(c.item)

    for r in intake.rules:
        walk(r.when)
    for q in intake.questions:
        if q.when:
            walk(q.when)
    assert {Op.INCLUDES, Op.EQUALS, Op.IN, Op.GTE, Op.ANSWERED} <= seen


def test_paths_exist() -> None:
    assert Path(ROOT / "questionnaires" / "intake.yaml").is_file()


def test_a_step_says_the_dose_the_client_has_not_a_fixed_number(library: Library) -> None:
    """A hold or a count in a step is the dose's ({hold}, {reps}), so a step never disagrees
    with a dose the programme's rules changed."""
    from dataclasses import replace

    press = library.exercises["hip-abduction-wall-press"]
    assert "for 30 seconds" in " ".join(press.steps_for())  # the library's dose
    longer = replace(press.dose, hold=45)
    assert "for 45 seconds" in " ".join(press.steps_for(longer))
    stand = library.exercises["single-leg-stand"]
    assert "Hold steady for 1 minute" in " ".join(stand.steps_for())
    assert "Hold steady for 90 seconds" in " ".join(stand.steps_for(replace(stand.dose, hold=90)))
    # No step of the library keeps a placeholder once filled.
    for exercise in library.exercises.values():
        assert "{" not in " ".join(exercise.steps_for()), exercise.id


def test_a_dose_word_in_a_step_is_checked(tmp_path: Path) -> None:
    from imbalance_cli.errors import LibraryError

    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "exercises:\n  - id: my-press\n    name: My press\n    trains: the hip\n"
        "    steps:\n      - Push for {hold}, {sets} times.\n      - Then {reps} more.\n"
        "    dose: {hold: 20, days: 7}\n"
        "    sources: [{kind: research, authors: A B, title: T, year: 2020, url: 'https://example.org'}]\n",
        encoding="utf-8",
    )
    try:
        loader.load_library([bad])
    except LibraryError as exc:
        text = str(exc)
    else:  # pragma: no cover - the test fails below
        text = ""
    assert f"{bad}:6:9: '{{sets}}' in a step is not a part of the dose" in text
    assert f"{bad}:7:9: '{{reps}}' in a step, and the dose has no 'reps'" in text
