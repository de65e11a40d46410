"""Warning signs a summary must not call "none": a choice of the safety screen that no alert
reads, and warning words written in free text that no question followed up. Each is told to
every reader (the client's handout, the trainer's summary, the HTML report and the terminal),
never only to the trainer."""

from __future__ import annotations

from imbalance_cli.model import Result

#: What the reader is told of warning words no question asked about (in our words): the
#: questionnaire could not confirm them, so the safe course is said in full.
WROTE = (
    "You wrote {words}, which can go with a warning sign that this questionnaire did not ask "
    "about. Tell your trainer before you exercise again, and see a doctor about it today; if it "
    "came on suddenly or is quickly getting worse, get emergency help now."
)


def unasked_words(result: Result) -> list[str]:
    """Warning words found in free text that no question followed up (none asks about them,
    or the one that does was not answered: a session cut short), as written, with what they
    can mean ("'numb between my legs' (numbness between the legs)")."""
    asks = _asks(result)
    return [
        f"{', '.join(repr(w) for w in hit.words)} ({hit.label})"
        for hit in result.findings.words
        if hit.kind == "warning" and not asks.get((hit.question, hit.list_id))
    ]


def _asks(result: Result) -> dict[tuple[str, str], list[str]]:
    """For each (free-text question, word list) a question follows up, the follow-up
    questions that were answered."""
    from imbalance_cli.model import AllOf, AnyOf, Leaf, Not, Op

    def pairs(condition: object) -> set[tuple[str, str]]:
        if isinstance(condition, (AllOf, AnyOf)):
            return {p for part in condition.items for p in pairs(part)}
        if isinstance(condition, Not):
            return pairs(condition.item)
        if isinstance(condition, Leaf) and condition.op is Op.MENTIONS:
            return {
                (qid, str(condition.value)) for qid in condition.questions or (condition.question,)
            }
        return set()

    out: dict[tuple[str, str], list[str]] = {}
    for question in result.questionnaire.questions:
        for pair in pairs(question.when) if question.when is not None else ():
            answered = out.setdefault(pair, [])
            if question.id in result.answers:
                answered.append(question.id)
    return out


#: What the reader is told of warning words a question did follow up, when no alert came of the
#: answer (a hot, swollen knee with a fever "last week", the follow-up answered None).
CHECKED = (
    "You wrote {words}. Asked about it, you chose none of the warning signs that can go with "
    "it. If one of them happened in the past few weeks, or comes back, tell your trainer and see "
    "a doctor before you exercise."
)


def checked_line(result: Result) -> str | None:
    """The sentence about warning words whose follow-up was answered with "None of these"
    (or the like: only a choice that excludes the others), or None. Under an alert that holds
    advice back, that alert leads and says what to do."""
    top = result.top_level
    if top is not None and top.holds_back:
        return None
    q = result.questionnaire
    asks = _asks(result)
    words: list[str] = []
    for hit in result.findings.words:
        answered = asks.get((hit.question, hit.list_id)) or []
        if hit.kind != "warning" or not answered:
            continue
        if all(_only_none(q.question(qid), result.answers.get(qid)) for qid in answered):
            words.append(", ".join(repr(w) for w in hit.words))
    return CHECKED.format(words="; ".join(dict.fromkeys(words))) if words else None


def _only_none(question: object, value: object) -> bool:
    """Was this follow-up answered with only its exclusive choice (None of these), or no?"""
    if value is False:
        return True
    exclusive = {c.id for c in getattr(question, "choices", ()) if c.exclusive}
    return isinstance(value, tuple) and bool(value) and set(value) <= exclusive


def wrote_line(result: Result) -> str | None:
    """The sentence about unasked warning words, or None when there are none."""
    words = unasked_words(result)
    return WROTE.format(words="; ".join(words)) if words else None


def quiet_signs(result: Result) -> list[str]:
    """Choices the person ticked in the safety screen (the first section, which DESIGN puts
    first) in a question whose other choices raise alerts, that no alert reads ("Question:
    choice"): what a summary must not call "none of the warning signs"."""
    from imbalance_cli.model import AllOf, AnyOf, Leaf, Not, Op

    alerting: dict[str, set[str]] = {}

    def walk(condition: object) -> None:
        if isinstance(condition, (AllOf, AnyOf)):
            for part in condition.items:
                walk(part)
        elif isinstance(condition, Not):
            return  # "anything but none" names no sign
        elif isinstance(condition, Leaf) and condition.op in (Op.INCLUDES, Op.EQUALS, Op.IN):
            value = condition.value
            named = {str(v) for v in value} if isinstance(value, tuple) else {str(value)}
            for qid in condition.questions or (condition.question,):
                alerting.setdefault(qid, set()).update(named)

    q = result.questionnaire
    for alert in q.alerts:
        walk(alert.when)
    screen = {x.id for x in q.sections[0].questions} if q.sections else set()
    out = []
    for qid, named in alerting.items():
        question = q.question(qid) if qid in screen else None
        value = result.answers.get(qid)
        if question is None or question.type.value != "multi" or not isinstance(value, tuple):
            continue
        for choice in question.choices:
            if choice.id in value and choice.id not in named and not choice.exclusive:
                out.append(f"{question.short}: {choice.label}")
    return out
