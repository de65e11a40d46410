"""Findings: what the person told us, read from every answer. Pure.

- the situations that hold (pregnancy, recent surgery, under 18...), by the questionnaire's
  ``situations`` over the library's vocabulary, with the library's note for the reader;
- the region patterns that hold (``outer elbow pain that gripping brings on``), with the painful
  region tokens they are about (``elbow.right``);
- the words of the library's word lists found in each free-text answer.

Rules and ranking read findings, never raw free text: a warning word only ever brings a
confirmation question (the questionnaire's ``mentions`` tests), and an activity word links a
goal to its steps back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imbalance_cli import bodymap as body
from imbalance_cli.facts import describe_facts, trace
from imbalance_cli.model import (
    Answers,
    Questionnaire,
    QuestionType,
    split_token,
)
from imbalance_cli.words import find as find_words
from imbalance_cli.words import pieces as word_pieces
from imbalance_cli.words import spans as word_spans
from imbalance_cli.words import within_longer

if TYPE_CHECKING:
    from imbalance_cli.content import Library
    from imbalance_cli.results import Findings, Found, WordHit


def find(questionnaire: Questionnaire, answers: Answers, library: Library | None) -> Findings:
    from imbalance_cli.results import Findings, Found, WordHit  # not needed to ask (model.py)

    types = {q.id: q.type for q in questionnaire.questions}
    situations: list[Found] = []
    for rule in questionnaire.situations:
        ok, facts = trace(rule.when, answers, questionnaire, types)
        if not ok:
            continue
        vocab = library.situations.get(rule.id) if library is not None else None
        bounded: tuple[str, ...] = ()
        if rule.regions is not None:
            value = answers.get(rule.regions)
            bodymap = questionnaire.bodymap or body.default()
            if isinstance(value, tuple):
                bounded = tuple(t for t in bodymap.normalise(value) if t != "none")
        situations.append(
            Found(
                rule.id,
                vocab.label if vocab else rule.id.replace("_", " "),
                describe_facts(facts, questionnaire),
                bounded,
                note=vocab.note if vocab else None,
            )
        )
    chosen = _painful(questionnaire, answers)
    patterns: list[Found] = []
    for pattern in questionnaire.patterns:
        ok, facts = trace(pattern.when, answers, questionnaire, types)
        if ok:
            tokens = tuple(t for t in chosen if split_token(t)[0] == pattern.region)
            patterns.append(
                Found(pattern.id, pattern.label, describe_facts(facts, questionnaire), tokens)
            )
    words: list[WordHit] = []
    read: list[str] = []
    held = {found.id for found in situations}
    lists = library.word_lists.values() if library is not None else ()
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if question.type is not QuestionType.TEXT or not isinstance(value, str):
            continue
        read.append(question.id)
        activities: dict[str, tuple[tuple[int, int, str], ...]] = {}
        for word_list in lists:
            if word_list.situations and not held & set(word_list.situations):
                continue
            if word_list.kind == "activity":
                activities[word_list.id] = word_spans(value, word_list.words)
                continue
            found = find_words(value, word_list.words)
            if found:
                words.append(
                    WordHit(question.id, word_list.id, word_list.label, word_list.kind, found)
                )
        # An activity named by a longer phrase of another list is that one's alone ("climb the
        # stairs" is walking, not climbing). Warning words are never dropped.
        for list_id, matches in within_longer(activities).items():
            if matches and library is not None:
                label = library.word_lists[list_id].label
                words.append(WordHit(question.id, list_id, label, "activity", word_pieces(matches)))
    return Findings(tuple(patterns), tuple(situations), tuple(words), tuple(read))


def _painful(questionnaire: Questionnaire, answers: Answers) -> tuple[str, ...]:
    """Every region token chosen as painful, in body order."""
    chosen: list[str] = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if question.type is QuestionType.BODY_REGIONS and isinstance(value, tuple):
            regions = questionnaire.bodymap or body.default()
            for token in regions.normalise(value):
                if token != "none" and token not in chosen:
                    chosen.append(token)
            break  # the first body-regions question is where it hurts
    return tuple(chosen)


def followed_up(q: Questionnaire) -> set[tuple[str, str]]:
    """(free-text question, word list) pairs a question's condition reads with ``mentions``:
    a warning word found there brings a question about it."""
    from imbalance_cli.model import AllOf, AnyOf, Leaf, Not, Op

    out: set[tuple[str, str]] = set()

    def walk(condition: object) -> None:
        if isinstance(condition, (AllOf, AnyOf)):
            for part in condition.items:
                walk(part)
        elif isinstance(condition, Not):
            walk(condition.item)
        elif isinstance(condition, Leaf) and condition.op is Op.MENTIONS:
            for qid in condition.questions or (condition.question,):
                out.add((qid, str(condition.value)))

    for question in q.questions:
        if question.when is not None:
            walk(question.when)
    for section in q.sections:
        if section.when is not None:
            walk(section.when)
    return out
