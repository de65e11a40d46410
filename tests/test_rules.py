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
    when: {question: worst.*, gte: 7}
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
        "worst.lower_back": 5,
        "worst.knee": 8,
    }
    recs = recommend(q, answers, library, ())
    mri = next(r for r in recs if r.id == "mri-findings-by-age")
    assert mri.rules == ("mri_back", "bad_somewhere")
    assert mri.because == (
        "You had an MRI for back pain (Where?: Lower back; Tried?: MRI scan)",
        "Your pain gets severe (Worst pain (knee): 8/10)",
    )
    assert [r.kind for r in recs] == ["article", "article", "strategy", "strategy"]
    assert not any(r.after_clinician for r in recs)


def test_strategies_wait_for_a_clinician_after_an_urgent_alert(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    answers = {"flags": ("cancer",), "regions": ("knee.left",), "tried": ("none",), "worst.knee": 9}
    result = assess(q, answers, library, started_at="t0", completed_at="t1")
    assert [a.alert.id for a in result.alerts] == ["cancer"]
    strategies = [r for r in result.recommendations if r.kind == "strategy"]
    articles = [r for r in result.recommendations if r.kind == "article"]
    assert strategies and all(r.after_clinician for r in strategies)
    assert articles and not any(r.after_clinician for r in articles)


def test_no_rule_fires_without_its_answers(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    assert (
        recommend(
            q,
            {"flags": ("none",), "regions": ("neck",), "tried": ("none",), "worst.neck": 3},
            library,
            (),
        )
        == ()
    )


def test_assess_prunes_answers_to_hidden_questions(
    load: Callable[..., Questionnaire], library: Library
) -> None:
    q = load(Q)
    result = assess(
        q,
        {"flags": ("none",), "regions": ("neck",), "tried": ("none",), "worst.knee": 9},
        library,
        started_at="a",
        completed_at="b",
    )
    assert "worst.knee" not in result.answers
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
