"""Rules: alerts and recommendations fire from answers, each with the answers that fired it."""

from __future__ import annotations

from collections.abc import Callable

from imbalance_cli.model import AlertLevel, Library, Questionnaire
from imbalance_cli.rules import assess, describe_answer, fired_alerts, recommend

Q = """
id: rules
title: Rules
version: "1"
sections:
  - id: s
    title: S
    questions:
      - id: flags
        type: multi
        text: Flags?
        choices:
          - {id: saddle, label: Saddle numbness}
          - {id: cancer, label: Cancer history}
          - {id: none, label: None, exclusive: true}
      - {id: regions, type: body_regions, text: Where?}
      - id: tried
        type: multi
        text: Tried?
        choices: [{id: mri, label: MRI scan}, {id: none, label: Nothing, exclusive: true}]
  - id: detail
    title: "{region}"
    repeat: regions
    questions:
      - {id: worst, type: scale, text: Worst?, label: Worst pain}
alerts:
  - {id: cancer, level: urgent, when: {question: flags, includes: cancer}, message: M2, action: A2}
  - {id: saddle, level: emergency, when: {question: flags, includes: saddle}, message: M1, action: A1}
recommendations:
  - id: mri_back
    when: {all: [{question: regions, includes: lower_back}, {question: tried, includes: mri}]}
    because: You had an MRI for back pain
    articles: [mri-findings-by-age]
    strategies: [gradual-loading]
  - id: bad_somewhere
    when: {question: worst.lower_back, gte: 7}
    because: Your pain gets severe
    articles: [pain-flare-ups, mri-findings-by-age]
    strategies: [flare-up-plan]
"""


def test_alerts_fire_most_urgent_first_with_their_because(
    load: Callable[..., Questionnaire],
) -> None:
    q = load(Q)
    fired = fired_alerts(q, {"flags": ("saddle", "cancer")})
    assert [f.alert.id for f in fired] == ["saddle", "cancer"]
    assert fired[0].alert.level is AlertLevel.EMERGENCY
    assert fired[0].because == ("Flags?: Saddle numbness",)


def test_recommendations_merge_reasons_and_name_the_region(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    """An article chosen by two rules appears once, with both reasons and the answers behind them."""
    q = load(Q)
    answers = {
        "flags": ("none",),
        "regions": ("lower_back", "knee.left"),
        "tried": ("mri",),
        "worst.lower_back": 8,
        "worst.knee.left": 5,
    }
    recs, withheld = recommend(q, answers, library, ())
    assert withheld == ()
    mri = next(r for r in recs if r.id == "mri-findings-by-age")
    assert mri.rules == ("mri_back", "bad_somewhere")
    assert mri.because == (
        "You had an MRI for back pain (Where?: Lower back; Tried?: MRI scan)",
        "Your pain gets severe (Worst pain (lower back): 8/10)",
    )
    assert [r.kind for r in recs] == ["article", "article", "strategy", "strategy"]
    assert not any(r.after_clinician for r in recs)


def test_an_urgent_alert_holds_back_reassurance_and_strategies_wait_for_a_clinician(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    """While an urgent alert stands, content declared assumes_no_warning_signs is withheld,
    whatever the rule's condition says, and the other strategies wait for a clinician."""
    q = load(Q)
    answers = {
        "flags": ("cancer",),
        "regions": ("lower_back",),
        "tried": ("mri",),
        "worst.lower_back": 9,
    }
    result = assess(q, answers, library, started_at="t0", completed_at="t1")
    assert [a.alert.id for a in result.alerts] == ["cancer"]
    assert [r.id for r in result.recommendations] == ["gradual-loading"]
    assert result.recommendations[0].after_clinician
    assert [r.id for r in result.withheld] == [
        "mri-findings-by-age",
        "pain-flare-ups",
        "flare-up-plan",
    ]
    assert all(
        library.articles.get(r.id, library.strategies.get(r.id)).assumes_no_warning_signs
        for r in result.withheld
    )  # type: ignore[union-attr]


def test_an_emergency_holds_back_every_article_and_strategy(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    answers = {
        "flags": ("saddle",),
        "regions": ("lower_back",),
        "tried": ("mri",),
        "worst.lower_back": 9,
    }
    result = assess(q, answers, library, started_at="t0", completed_at="t1")
    assert result.recommendations == ()
    assert {r.id for r in result.withheld} == {
        "pain-flare-ups", "mri-findings-by-age", "gradual-loading", "flare-up-plan",
    }  # fmt: skip
    assert all(r.withheld and "emergency" in r.withheld for r in result.withheld)


def test_no_rule_fires_without_its_answers(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    assert recommend(
        q,
        {"flags": ("none",), "regions": ("neck",), "tried": ("none",), "worst.neck": 3},
        library,
        (),
    ) == ((), ())


def test_assess_prunes_answers_to_hidden_questions(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    result = assess(
        q,
        {"flags": ("none",), "regions": ("neck",), "tried": ("none",), "worst.knee.left": 9},
        library,
        started_at="a",
        completed_at="b",
    )
    assert "worst.knee.left" not in result.answers
    assert result.recommendations == ()


def test_describe_answer_uses_labels(intake: Questionnaire) -> None:
    regions = intake.question("regions")
    treatments = intake.question("treatments")
    assert regions is not None and treatments is not None
    assert describe_answer(regions, ("knee.both", "neck")) == "Knee (both sides), Neck"
    assert (
        describe_answer(treatments, ("mri", "physio"))
        == "MRI scan; Physical therapy (physiotherapy)"
    )
