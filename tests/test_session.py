"""A sitting: asks in order, goes back, shows warning signs at once, saves, and keeps answers on Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from imbalance_cli.errors import Interrupted
from imbalance_cli.model import AnswerValue, Question, Questionnaire
from imbalance_cli.prompts import BACK, Reply, ScriptedPrompter, ScriptSteps
from imbalance_cli.session import run_session

Q = """
id: sit
title: Sit
version: "1"
sections:
  - id: safety
    title: Safety
    questions:
      - id: flags
        type: multi
        text: Flags?
        choices: [{id: saddle, label: Saddle}, {id: none, label: None, exclusive: true}]
  - id: pain
    title: Pain
    questions:
      - {id: regions, type: body_regions, text: Where?}
      - {id: knee_worst, type: scale, text: Knee?, when: {question: regions, includes: knee}}
      - {id: note, type: text, text: Note?, required: false}
alerts:
  - {id: saddle, level: emergency, when: {question: flags, includes: saddle}, message: Go now, action: Call}
"""


@pytest.fixture
def q(load: Callable[..., Questionnaire]) -> Questionnaire:
    return load(Q)


def test_asks_visible_questions_in_order_and_returns_answers(q: Questionnaire) -> None:
    prompter = ScriptedPrompter(
        {"flags": ["none"], "regions": ["knee.left"], "knee_worst": 6, "note": ""}
    )
    answers = run_session(q, prompter)
    assert answers == {"flags": ("none",), "regions": ("knee.left",), "knee_worst": 6, "note": None}
    assert prompter.asked == ["flags", "regions", "knee_worst", "note"]
    assert prompter.sections == ["safety", "pain"]
    assert [(p.position, p.total) for p in prompter.progress] == [(1, 3), (2, 3), (3, 4), (4, 4)]


def test_back_reasks_the_previous_question_with_its_answer_as_default(q: Questionnaire) -> None:
    """Going back from the knee question to regions and choosing the neck drops the knee question."""
    prompter = ScriptedPrompter(
        {
            "flags": ["none"],
            "regions": ScriptSteps([["knee.left"], ["neck"]]),
            "knee_worst": ScriptSteps([BACK]),
            "note": "fine",
        }
    )
    answers = run_session(q, prompter)
    assert prompter.asked == ["flags", "regions", "knee_worst", "regions", "note"]
    assert prompter.defaults["regions"] == ("knee.left",)
    assert answers == {"flags": ("none",), "regions": ("neck",), "note": "fine"}


def test_back_on_the_first_question_says_so(q: Questionnaire) -> None:
    prompter = ScriptedPrompter(
        {"flags": ScriptSteps([BACK, ["none"]]), "regions": ["neck"], "note": ""}
    )
    run_session(q, prompter)
    assert prompter.notices == ["This is the first question; there is nothing to go back to."]


def test_emergency_alert_is_shown_the_moment_it_is_answered(q: Questionnaire) -> None:
    shown_when: list[list[str]] = []

    class Watching(ScriptedPrompter):
        def ask(self, question, **kwargs):  # type: ignore[no-untyped-def, override]
            shown_when.append(list(self.alerts))
            return super().ask(question, **kwargs)

    prompter = Watching(
        {"flags": ["saddle"], "regions": ["neck"], "note": ""}, stop_on_emergency=False
    )
    run_session(q, prompter)
    assert shown_when[0] == [] and shown_when[1] == ["saddle"]
    assert prompter.alerts == ["saddle"]
    assert prompter.offers == [("saddle",)]  # offered once, and the person went on


def test_an_emergency_offers_to_stop_and_stopping_ends_the_intake(q: Questionnaire) -> None:
    """Stopping (the default) returns the answers so far; nothing more is asked."""
    prompter = ScriptedPrompter({"flags": ["saddle"], "regions": ["neck"], "note": ""})
    answers = run_session(q, prompter)
    assert prompter.offers == [("saddle",)]
    assert prompter.asked == ["flags"]
    assert answers == {"flags": ("saddle",)}


def test_going_back_at_the_emergency_offer_undoes_a_mistaken_tick(q: Questionnaire) -> None:
    prompter = ScriptedPrompter(
        {"flags": ScriptSteps([["saddle"], ["none"]]), "regions": ["neck"], "note": ""},
        stop_on_emergency=BACK,
    )
    answers = run_session(q, prompter)
    assert prompter.offers == [("saddle",)]
    assert prompter.asked == ["flags", "flags", "regions", "note"]
    assert answers["flags"] == ("none",)


def test_an_emergency_in_prefilled_answers_is_offered_before_the_first_question(
    q: Questionnaire,
) -> None:
    prompter = ScriptedPrompter({"regions": ["neck"], "note": ""})
    assert run_session(q, prompter, {"flags": ("saddle",)}) == {"flags": ("saddle",)}
    assert prompter.asked == [] and prompter.alerts == ["saddle"]


def test_ctrl_c_raises_interrupted_with_the_answers_so_far(q: Questionnaire) -> None:
    prompter = ScriptedPrompter({"flags": ["none"], "regions": KeyboardInterrupt()})
    with pytest.raises(Interrupted) as info:
        run_session(q, prompter)
    assert info.value.answers == {"flags": ("none",)}
    assert info.value.exit_code == 130


def test_every_change_reaches_the_save_hook(q: Questionnaire) -> None:
    saved: list[Mapping[str, AnswerValue]] = []
    prompter = ScriptedPrompter(
        {"flags": ["none"], "regions": ScriptSteps([["neck"]]), "note": ScriptSteps([BACK, "x"])}
    )
    prompter.script["regions"] = [["neck"], ["neck"]]
    run_session(q, prompter, on_change=lambda a: saved.append(dict(a)))
    assert saved[0] == {"flags": ("none",)}
    # Going back to 'regions' and keeping its answer changes nothing, so nothing is saved.
    assert saved[1:] == [
        {"flags": ("none",), "regions": ("neck",)},
        {"flags": ("none",), "regions": ("neck",), "note": "x"},
    ]


def test_going_back_keeps_every_answer_until_it_is_changed(q: Questionnaire) -> None:
    """Going back three questions and stopping there loses nothing: the answers gone back over
    stay saved (and in the interruption) until the person changes one; changing regions then
    drops only what no longer applies."""
    saved: list[Mapping[str, AnswerValue]] = []
    prompter = ScriptedPrompter(
        {
            "flags": ScriptSteps([["none"], KeyboardInterrupt()]),
            "regions": ScriptSteps([["knee.left"], BACK]),
            "knee_worst": ScriptSteps([6, BACK]),
            "note": ScriptSteps([BACK]),
        }
    )
    with pytest.raises(Interrupted) as info:
        run_session(q, prompter, on_change=lambda a: saved.append(dict(a)))
    everything = {"flags": ("none",), "regions": ("knee.left",), "knee_worst": 6}
    assert prompter.asked == [
        "flags",
        "regions",
        "knee_worst",
        "note",
        "knee_worst",
        "regions",
        "flags",
    ]
    assert info.value.answers == everything
    assert saved[-1] == everything
    assert prompter.defaults["knee_worst"] == 6 and prompter.defaults["regions"] == ("knee.left",)

    changed = ScriptedPrompter(
        {
            "flags": ["none"],
            "regions": ScriptSteps([["knee.left"], ["neck"]]),
            "knee_worst": ScriptSteps([6, BACK]),
            "note": ScriptSteps([BACK, ""]),
        }
    )
    saved.clear()
    answers = run_session(q, changed, on_change=lambda a: saved.append(dict(a)))
    assert answers == {"flags": ("none",), "regions": ("neck",), "note": None}
    assert {"flags": ("none",), "regions": ("neck",)} in saved  # the knee answer dropped on change


def test_prefilled_answers_are_not_asked(q: Questionnaire) -> None:
    prompter = ScriptedPrompter({"note": ""})
    answers = run_session(q, prompter, {"flags": ("none",), "regions": ("neck",)})
    assert prompter.asked == ["note"]
    assert answers["regions"] == ("neck",)


def _persona_run(
    intake: Questionnaire, name: str, more: Mapping[str, object] | None = None, **kwargs: object
) -> ScriptedPrompter:
    from conftest import EXAMPLES
    from imbalance_cli.answers import read_answers

    answers: dict[str, object] = {**read_answers(EXAMPLES / name, intake), **(more or {})}
    for question in intake.questions:
        answers.setdefault(question.id, None)  # an optional question left blank: skipped
    prompter = ScriptedPrompter(answers)  # an emergency stops the intake, as by default
    run_session(intake, prompter, **kwargs)  # type: ignore[arg-type]
    return prompter


def test_the_count_shown_moves_only_for_a_real_change(intake: Questionnaire) -> None:
    """Through every persona's intake the total shown ("12 of ~47") moves at most four times
    (once the regions are chosen, once when a set of follow-up questions opens, such as the
    questions that tell two kinds of numb hands apart, and twice as it settles over the last
    questions): the estimate's wander by a question or two, as answers come in, no longer makes
    it grow and shrink (49, 53, 50)."""
    from conftest import PERSONA_FILES

    for path in PERSONA_FILES:
        prompter = _persona_run(intake, path.name)
        totals = [p.total for p in prompter.progress]
        moves = [b - a for a, b in pairwise(totals) if a != b]
        assert len(moves) <= 4, (path.name, totals)
        assert all(p.position <= p.total for p in prompter.progress)
        positions = [p.position for p in prompter.progress]
        assert positions == list(range(1, len(positions) + 1)), path.name


def test_a_reassessment_counts_only_what_it_asks(intake: Questionnaire) -> None:
    """Answers a re-assessment carries over are filled in without asking: the count goes 1, 2,
    3... over the questions asked, never jumping past its own estimate, and ends near it."""
    from conftest import EXAMPLES
    from imbalance_cli.answers import read_answers
    from imbalance_cli.model import Reassess

    before = read_answers(EXAMPLES / "desk-worker-neck-shoulder.yaml", intake)
    carried = {
        qid: value
        for qid, value in before.items()
        if (question := intake.question(qid)) is not None and question.reassess is Reassess.KEEP
    }
    prompter = _persona_run(
        intake, "desk-worker-neck-shoulder.yaml", {"since_last": ["plan_most_weeks"]},
        reassessment=True, carried=carried,
    )  # fmt: skip
    positions = [p.position for p in prompter.progress]
    assert positions == list(range(1, len(prompter.asked) + 1))
    assert len(prompter.asked) < len(before)
    assert prompter.progress[-1].total - prompter.progress[-1].position <= 3
    assert all(p.total <= len(prompter.asked) + 8 for p in prompter.progress[7:])


def test_an_answer_changed_by_another_writer_is_shown_and_asked_again(
    q: Questionnaire, tmp_path: Path
) -> None:
    """A save based on older revisions is refused by the store: the person sees the newer
    answer, is asked again with it chosen, and what they answer then is what is kept."""
    from imbalance_cli.store import Writer, open_store
    from imbalance_cli.workflow import Saver

    class Elsewhere(ScriptedPrompter):
        """While the knee question is on screen, another writer (one that ignores the lease)
        stores an answer to it."""

        def ask(self, question: Question, **kwargs: Any) -> Reply:
            if question.id == "knee_worst" and "knee_worst" not in self.asked:
                with open_store(tmp_path / "store") as other:
                    other.db.execute("BEGIN IMMEDIATE")
                    other.db.execute(
                        "INSERT INTO answers(session_id, question_id, position, value_json, answered_at, revision) VALUES (?, 'knee_worst', 2, '9', 't', 99)",
                        (sid,),
                    )
                    other.db.execute("COMMIT")
            return super().ask(question, **kwargs)

    writer = Writer.here()
    with open_store(tmp_path / "store") as store:
        sid = store.start(
            questionnaire_id=q.id, version=q.version, sha256=q.sha256, source=q.path,
            client=None, writer=writer,
        )  # fmt: skip
        saver = Saver(store, sid, q, writer=writer, base={})
        prompter = Elsewhere(
            {"flags": ["none"], "regions": ["knee.left"], "knee_worst": ScriptSteps([6, 7]),
             "note": "ok"}
        )  # fmt: skip
        answers = run_session(q, prompter, None, saver)
        assert prompter.asked == ["flags", "regions", "knee_worst", "knee_worst", "note"]
        assert prompter.defaults["knee_worst"] == 9  # the newer answer, chosen
        assert any(
            "'Knee?' was answered in another imbalance meanwhile: 9/10" in n
            for n in prompter.notices
        ), prompter.notices
        assert answers["knee_worst"] == 7
        assert store.answers(sid) == {
            "flags": ["none"], "regions": ["knee.left"], "knee_worst": 7, "note": "ok",
        }  # fmt: skip


def test_an_answer_removed_by_another_writer_is_not_written_back_unseen(
    q: Questionnaire, tmp_path: Path
) -> None:
    """Another writer clears an answer this one had read: the next save is refused, the person
    is told, and the question is asked again since it still applies."""
    from imbalance_cli.store import Writer, open_store
    from imbalance_cli.workflow import Saver

    class Elsewhere(ScriptedPrompter):
        def ask(self, question: Question, **kwargs: Any) -> Reply:
            if question.id == "note" and "note" not in self.asked:
                with open_store(tmp_path / "store") as other:
                    other.db.execute("DELETE FROM answers WHERE question_id = 'knee_worst'")
            return super().ask(question, **kwargs)

    writer = Writer.here()
    with open_store(tmp_path / "store") as store:
        sid = store.start(
            questionnaire_id=q.id, version=q.version, sha256=q.sha256, source=q.path,
            client=None, writer=writer,
        )  # fmt: skip
        saver = Saver(store, sid, q, writer=writer, base={})
        prompter = Elsewhere(
            {"flags": ["none"], "regions": ["knee.left"], "knee_worst": 4, "note": "ok"}
        )
        run_session(q, prompter, None, saver)
        assert prompter.asked == ["flags", "regions", "knee_worst", "note", "knee_worst"]
        assert any("'Knee?' was cleared in another imbalance" in n for n in prompter.notices)
        assert store.answers(sid)["knee_worst"] == 4


def test_the_treatments_question_names_the_areas_and_helped_some_is_built_on(
    intake: Questionnaire,
) -> None:
    """With two painful areas, "What have you already tried" says for which (it asked "for
    this?"), and a physio that "helped some" is an answer of its own, acknowledged in the plan
    as one that helped (issue 23, item 6)."""
    from conftest import EXAMPLES
    from imbalance_cli.answers import read_answers
    from imbalance_cli.engine import personalise
    from imbalance_cli.library import load_library
    from imbalance_cli.resources import library_paths
    from imbalance_cli.rules import assess

    answers = read_answers(EXAMPLES / "desk-worker-neck-shoulder.yaml", intake)
    question = intake.question("treatments")
    assert question is not None
    text = personalise(question, answers, intake).text
    assert text == "What have you already tried for your neck and right shoulder?"
    outcome = intake.question("physio_outcome")
    assert outcome is not None
    assert "Helped some" in [c.label for c in outcome.choices]
    answers = {**answers, "treatments": ("physio",), "physio_outcome": "some"}
    result = assess(intake, answers, load_library(library_paths()), started_at="", completed_at="t")
    assert "physio_helped" in {hit.rule for hit in result.trace}


def test_answers_given_before_the_run_are_not_counted_as_asked(intake: Questionnaire) -> None:
    """Answers filled in before the run (an answers file, what the store knows of the client,
    their programme) are not asked: the first question asked is "1 of ~N", and the count goes
    1, 2, 3... over the questions asked, as in a re-assessment."""
    from conftest import EXAMPLES
    from imbalance_cli.answers import read_answers

    before = read_answers(EXAMPLES / "desk-worker-neck-shoulder.yaml", intake)
    given = {qid: before[qid] for qid in list(before)[:3]}
    prompter = _persona_run(intake, "desk-worker-neck-shoulder.yaml", prefilled=given)
    positions = [p.position for p in prompter.progress]
    assert positions == list(range(1, len(prompter.asked) + 1))
    assert not set(given) & set(prompter.asked)
