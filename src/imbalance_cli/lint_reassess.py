"""What a re-assessment carries over unasked (``reassess: keep``, the default): a question an
emergency or urgent alert reads is a warning sign, and one that appeared since last time must
be asked again, never taken from the last session. Facts the store keeps for a while
(``known_for_days``: age) and questions asked with last time's answer shown (``confirm``) are
fine. The lint (lint.py) reports each such question once."""

from __future__ import annotations

from collections.abc import Iterator

from imbalance_cli.lint_values import _leaves
from imbalance_cli.model import AlertLevel, Question, Questionnaire, Reassess


def carried_warning_signs(q: Questionnaire) -> Iterator[tuple[Question, str]]:
    """Each question (as its author wrote it) an emergency or urgent alert reads that a
    re-assessment carries over unasked, with the message to show."""
    said: set[str] = set()
    for alert in q.alerts:
        if alert.level not in (AlertLevel.EMERGENCY, AlertLevel.URGENT):
            continue
        for leaf in _leaves(alert.when):
            for qid in leaf.questions or (leaf.question,):
                question = q.question(qid)
                if (
                    question is None
                    or question.written_id in said
                    or question.reassess is not Reassess.KEEP
                    or question.known_for_days
                    or question.from_questionnaire
                ):
                    continue
                said.add(question.written_id)
                yield (
                    question,
                    (
                        f"question '{question.written_id}' is read by the {alert.level.value} alert "
                        f"'{alert.id}', and a re-assessment carries it over unasked (reassess: keep, "
                        "the default): a warning sign that appeared since would go unseen; add "
                        "'reassess: ask' (or 'confirm') to it or its section"
                    ),
                )
