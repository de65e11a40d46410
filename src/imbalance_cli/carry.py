"""What a re-assessment may carry over unasked. A question an emergency or urgent alert reads
is a warning sign, and one that appeared since last time must be seen: it is asked again,
whatever its ``reassess`` says (``confirm`` shows last time's answer, anything else asks
afresh). Facts the store keeps for a while (``known_for_days``: age) and answers taken ``from:``
elsewhere are not asked here."""

from __future__ import annotations

from imbalance_cli.lint_values import _leaves
from imbalance_cli.model import AlertLevel, Questionnaire


def warning_sign_questions(q: Questionnaire) -> frozenset[str]:
    """The ids of the questions (every copy) an emergency or urgent alert reads, that a
    re-assessment must ask again."""
    out: set[str] = set()
    for alert in q.alerts:
        if alert.level not in (AlertLevel.EMERGENCY, AlertLevel.URGENT):
            continue
        for leaf in _leaves(alert.when):
            for qid in leaf.questions or (leaf.question,):
                question = q.question(qid)
                if question is None or question.known_for_days or question.from_questionnaire:
                    continue
                out.add(qid)
    return frozenset(out)
