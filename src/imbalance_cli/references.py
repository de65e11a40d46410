"""Checks of ``from: QUESTIONNAIRE`` on a question: the questionnaire it names exists (bundled
or the user's), has a question of the same id and type, and every answer that question can
give is one this question accepts, so an answer carried over is always valid here."""

from __future__ import annotations

from imbalance_cli.errors import DEFAULT_MAX_BYTES, ImbalanceError, Problem
from imbalance_cli.model import FROM_PROGRAMME, Library, Questionnaire, QuestionType
from imbalance_cli.text import suggest


def check_from(
    q: Questionnaire, library: Library | None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Problem]:
    from imbalance_cli import loader, resources

    out: list[Problem] = []
    others: dict[str, Questionnaire | None] = {}
    for question in q.questions:
        name = question.from_questionnaire
        if name is None or (question.region is not None and question.id != question.written_id):
            continue
        if name == FROM_PROGRAMME:
            continue  # the client's home programme, not a questionnaire (repeats.py)
        if name == q.id:
            out.append(
                Problem(question.location, f"'from: {name}' names this questionnaire itself")
            )
            continue
        if name not in others:
            try:
                others[name] = loader.load_questionnaire(
                    resources.resolve(name), library, max_bytes
                )
            except ImbalanceError:
                others[name] = None
        other = others[name]
        if other is None:
            known = sorted(resources.catalogue().known)
            close = suggest(name, known).removeprefix("; ")
            out.append(Problem(question.location, f"'from: {name}': there is no questionnaire "
                               f"'{name}' that loads{' (' + close + ')' if close else ''}; the "
                               f"questionnaires are: {', '.join(known)} (imbalance list)"))  # fmt: skip
            continue
        there = other.question(question.id)
        if there is None:
            out.append(Problem(question.location, f"'from: {name}': {name} has no question "
                               f"'{question.id}', and the answer is taken from the question of the "
                               f"same id; see its ids with: imbalance show {name}"))  # fmt: skip
            continue
        if there.type is not question.type:
            out.append(Problem(question.location, f"'from: {name}': '{question.id}' is "
                               f"{there.type.value} there and {question.type.value} here"))  # fmt: skip
            continue
        if question.type in (QuestionType.SINGLE, QuestionType.MULTI):
            missing = [c.id for c in there.choices if question.choice(c.id) is None]
            if missing:
                out.append(Problem(question.location, f"'from: {name}': choices of '{question.id}' "
                                   f"there that this question lacks: {', '.join(missing)}"))  # fmt: skip
        if question.type is QuestionType.BODY_REGIONS and question.regions:
            wider = [r for r in (there.regions or ()) if r not in question.regions]
            if not there.regions or wider:
                beyond = "every region of the body map" if not there.regions else ", ".join(wider)
                out.append(Problem(question.location, f"'from: {name}': '{question.id}' there "
                                   f"can be {beyond}, which this question's 'regions' leaves out; "
                                   "remove 'regions:' here, or list those too"))  # fmt: skip
    return out
