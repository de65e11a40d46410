"""Answers: checking one value against its question, and reading an answers file.

An answers file is a YAML or JSON mapping ``{question_id: value}``. Values are checked like typed
answers, and problems are reported with their line and column, all at once.
"""

from __future__ import annotations

from pathlib import Path

from imbalance_cli import bodymap as body
from imbalance_cli.errors import AnswersError, SourceLocation
from imbalance_cli.model import AnswerValue, Question, Questionnaire, QuestionType
from imbalance_cli.text import one_line, suggest
from imbalance_cli.yamlsrc import (
    BOOL,
    NULL,
    Map,
    Node,
    Scalar,
    Seq,
    Sink,
    as_mapping,
    compose,
    pairs,
    read_text,
)

MAX_ANSWER_BYTES = 8 * 1024 * 1024
MAX_TEXT = 4000
MAX_KEYS = 60_000


#: What to do about an answers file over the limit: no option raises it, since one person's
#: answers to the largest questionnaire take well under a megabyte.
TOO_BIG = (
    "one person's answers are far smaller than that: check that it is the answers file you "
    "meant (YAML or JSON, {question_id: value})"
)


class InvalidAnswer(ValueError):
    """A value that does not fit its question; the message says what would."""


def check(question: Question, raw: object) -> AnswerValue:
    """Return the answer in its canonical form, or raise InvalidAnswer saying what fits."""
    return check_noting(question, raw)[0]


def check_noting(question: Question, raw: object) -> tuple[AnswerValue, str | None]:
    """Like ``check``, with a note when the answer was changed to keep it safe: an exclusive
    choice ("None of these", "No pain at the moment") ticked together with others is dropped and
    the others are kept, so a warning sign ticked beside "None" still counts."""
    t = question.type
    if t.is_list and raw is not None:
        return _list(question, raw)
    return _check(question, raw), None


def _check(question: Question, raw: object) -> AnswerValue:
    t = question.type
    if raw is None:
        if question.required:
            raise InvalidAnswer("an answer is required")
        return None
    if t is QuestionType.YES_NO:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("yes", "y", "true", "no", "n", "false"):
            return raw.strip().lower() in ("yes", "y", "true")
        raise InvalidAnswer("answer yes or no (true or false)")
    if t.is_numeric:
        return _number(question, raw)
    if t is QuestionType.TEXT:
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise InvalidAnswer("answer with text")
        text = str(raw).strip()
        if len(text) > MAX_TEXT:
            raise InvalidAnswer(f"keep it under {MAX_TEXT:,} characters")
        if not text:
            if question.required:
                raise InvalidAnswer("an answer is required")
            return None
        return text
    if t is QuestionType.SINGLE:
        ids = [c.id for c in question.choices]
        if not isinstance(raw, str) or raw not in ids:
            shown = raw if isinstance(raw, (str, int, float)) else type(raw).__name__
            raise InvalidAnswer(
                f"'{_quote(shown)}' is not a choice{_hint(raw, ids)}; choices: {', '.join(ids)}"
            )
        return raw
    raise AssertionError(f"unhandled question type {t}")  # pragma: no cover


def _list(question: Question, raw: object) -> tuple[AnswerValue, str | None]:
    t = question.type
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    if not all(isinstance(i, str) for i in items):
        raise InvalidAnswer("answer with a list of ids")
    strings = [str(i) for i in items]
    note = None
    if t is QuestionType.BODY_REGIONS:
        regions = body.default()
        allow_none = question.none_label is not None
        for token in strings:
            problem = regions.check_token(token, question.regions, none=allow_none)
            if problem:
                raise InvalidAnswer(one_line(problem))
        tokens = regions.normalise(tuple(strings))
        if "none" in strings and tokens != ("none",) and question.none_label:
            note = (
                f"'{question.none_label}' was dropped: regions were ticked too, and they are kept"
            )
    else:
        ids = [c.id for c in question.choices]
        for item in strings:
            if item not in ids:
                raise InvalidAnswer(
                    f"'{_quote(item)}' is not a choice{_hint(item, ids)}; choices: {', '.join(ids)}"
                )
        tokens = tuple(c.id for c in question.choices if c.id in strings)
        exclusive = [c for c in question.choices if c.exclusive and c.id in tokens]
        others = [c for c in question.choices if not c.exclusive and c.id in tokens]
        if exclusive and others:
            tokens = tuple(c.id for c in others)
            kept = "; ".join(f"'{c.label}'" for c in others)
            note = f"Kept {kept} and dropped '{exclusive[0].label}', since both cannot be true"
        elif len(exclusive) > 1:
            raise InvalidAnswer(
                f"'{exclusive[0].label}' and '{exclusive[1].label}' cannot be combined; choose one"
            )
    if not tokens and question.required:
        raise InvalidAnswer("choose at least one")
    return tokens, note


def _quote(value: object) -> str:
    """A value as quoted in a message: on one line, and not too long."""
    text = one_line(str(value))
    return text if len(text) <= 80 else text[:79] + "…"


def _hint(raw: object, ids: list[str]) -> str:
    return suggest(raw, ids) if isinstance(raw, str) else ""


def _number(question: Question, raw: object) -> int | float:
    if isinstance(raw, bool):
        raise InvalidAnswer("answer with a number")
    value: int | float
    if isinstance(raw, (int, float)):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            value = int(text) if text.lstrip("+-").isdigit() and len(text) < 20 else float(text)
        except ValueError:
            raise InvalidAnswer("answer with a number") from None
    else:
        raise InvalidAnswer("answer with a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidAnswer("answer with a number")
    if question.integer or question.type is QuestionType.SCALE:
        if value != int(value):
            raise InvalidAnswer("answer with a whole number")
        value = int(value)
    lo, hi = question.minimum, question.maximum
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            raise InvalidAnswer(f"answer with a number from {lo:g} to {hi:g}")
        raise InvalidAnswer(
            f"answer with a number {'at least' if lo is not None else 'at most'} {lo if lo is not None else hi:g}"
        )
    return value


def _plain(node: Node, sink: Sink) -> object:
    """A scalar or a list of scalars, as Python values (strings stay as written)."""
    if isinstance(node, Seq):
        out: list[object] = []
        for item in node.value:
            if not isinstance(item, Scalar):
                sink.add(item, "a list of answers holds plain values only")
                return _BAD
            out.append(_plain(item, sink))
        return out
    if isinstance(node, Map):
        sink.add(node, "an answer is a value or a list of values, not a mapping")
        return _BAD
    tag, text = node.tag, str(node.value)
    if tag == NULL:
        return None
    if tag == BOOL:  # YAML 1.2: only true and false
        return text.lower() == "true"
    # Numbers stay as written ("1.10", "007"): the question decides what they are.
    return text


_BAD = object()


def _is_pair(questionnaire: Questionnaire, key: str) -> bool:
    """Is ``key`` a paired question's own id (its answers are ``key.left`` and ``key.right``)?"""
    left = questionnaire.question(f"{key}.left")
    return questionnaire.question(key) is None and left is not None and left.pair == key


def _plain_pair(node: Node, sink: Sink) -> object:
    if not isinstance(node, Map):
        return node.value if isinstance(node, Scalar) else None
    out: dict[str, object] = {}
    for key_node, value_node in node.value:
        if not isinstance(value_node, Scalar):
            sink.add(value_node, "each side of a paired answer is one number")
            return _BAD
        out[str(key_node.value)] = _plain(value_node, sink)
    return out


def _fill_pair(
    answers: dict[str, AnswerValue],
    questionnaire: Questionnaire,
    key: str,
    raw: object,
    where: SourceLocation,
    sink: Sink,
    notes: list[str] | None,
) -> None:
    """``grip: {left: 31, right: 28}``: each side checked into its own question."""
    if not isinstance(raw, dict):
        sink.add_at(
            where,
            f"'{key}' is a left/right test: answer {{left: number, right: number}} (or give "
            f"'{key}.left' and '{key}.right')",
        )
        return
    for side, value in raw.items():
        if side not in ("left", "right"):
            sink.add_at(where, f"'{key}': '{_quote(side)}' is not a side; use left and right")
            continue
        _fill(answers, questionnaire, f"{key}.{side}", (f"{key}.{side}",), value, where, sink,
              notes, None)  # fmt: skip


def _read_json(
    text: str,
    sink: Sink,
    questionnaire: Questionnaire,
    notes: list[str] | None,
    expanded: set[str] | None,
) -> dict[str, AnswerValue]:
    """A .json answers file, read by a JSON parser: what json.dumps writes (surrogate-pair
    escapes, DEL, U+FFFF) loads back unchanged; syntax errors and duplicate keys are located."""

    def pairs_hook(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in items:
            if key in seen:
                sink.add_at(
                    _json_place(text, key, sink.path, 2),
                    f"duplicate key '{one_line(key)}'; keep one",
                )
            seen[key] = value
        return seen

    from imbalance_cli.jsonsrc import JsonProblem, loads

    try:
        data = loads(text, object_pairs_hook=pairs_hook)
    except JsonProblem as exc:
        sink.add_at(SourceLocation(sink.path, exc.line, exc.column), exc.message)
        return {}
    if not isinstance(data, dict):
        sink.add_at(
            SourceLocation(sink.path, 1, 1),
            "an answers file must be a mapping {question_id: value}",
        )
        return {}
    if len(data) > MAX_KEYS:
        sink.add_at(
            SourceLocation(sink.path, 1, 1),
            f"{len(data):,} answers is more than any questionnaire here asks ({MAX_KEYS:,} at most)",
        )
        return {}
    answers: dict[str, AnswerValue] = {}
    known = [q.id for q in questionnaire.questions]
    for key, raw in data.items():
        where = _json_place(text, key, sink.path)
        targets = legacy_ids(questionnaire, key)
        if not targets:
            sink.add_at(
                where,
                f"'{_quote(key)}' is not a question of '{questionnaire.id}'{suggest(key, known)}",
            )
            continue
        if _is_pair(questionnaire, key):
            _fill_pair(answers, questionnaire, key, raw, where, sink, notes)
            continue
        if isinstance(raw, dict) or (
            isinstance(raw, list)
            and not all(isinstance(i, (str, int, float, bool)) or i is None for i in raw)
        ):
            sink.add_at(where, "an answer is a value or a list of values, not a mapping")
            continue
        _fill(answers, questionnaire, key, targets, raw, where, sink, notes, expanded)
    return answers


def _fill(
    answers: dict[str, AnswerValue],
    questionnaire: Questionnaire,
    key: str,
    targets: tuple[str, ...],
    raw: object,
    where: SourceLocation,
    sink: Sink,
    notes: list[str] | None,
    expanded: set[str] | None,
) -> None:
    """Check one answer of a file into ``answers``: under its own id, or under every id an old
    key stands for (an explicit per-side answer then wins)."""
    for target in targets:
        question = questionnaire.question(target)
        assert question is not None
        try:
            value, note = check_noting(question, raw)
        except InvalidAnswer as exc:
            sink.add_at(where, f"'{key}': {exc}")
            return
        if target == key:
            answers[target] = value
        else:
            answers.setdefault(target, value)
            if expanded is not None:
                expanded.add(target)
        if note and notes is not None:
            notes.append(f"{where}: '{key}': {note}")


def _json_place(text: str, key: str, path: str, nth: int = 1) -> SourceLocation:
    """Where a key stands in JSON text (its nth occurrence), for messages; the file's start when
    it cannot be found (a key written with escapes)."""
    import json

    needle = json.dumps(key)
    at = -1
    for _ in range(nth):
        at = text.find(needle, at + 1)
        if at < 0:
            return SourceLocation(path, 1, 1)
    line = text.count("\n", 0, at) + 1
    return SourceLocation(path, line, at - (text.rfind("\n", 0, at) + 1) + 1)


def legacy_ids(questionnaire: Questionnaire, key: str) -> tuple[str, ...]:
    """Question ids an old key stands for: ``pain_now.knee``, written before left and right were
    rated apart, means every side's copy (``pain_now.knee.left``, ``pain_now.knee.right``)."""
    if questionnaire.question(key) is not None:
        return (key,)
    return tuple(
        f"{key}.{side}" for side in ("left", "right") if questionnaire.question(f"{key}.{side}")
    )


def read_answers(
    path: Path,
    questionnaire: Questionnaire,
    display_path: str | None = None,
    notes: list[str] | None = None,
    expanded: set[str] | None = None,
) -> dict[str, AnswerValue]:
    """Read an answers file for this questionnaire. Raises AnswersError with every problem.
    Answers changed to keep them safe (see ``check_noting``) are reported in ``notes``; ids filled
    from an old key for both sides (``pain_now.knee``) are added to ``expanded``."""
    sink = Sink(display_path or str(path))
    text = read_text(path, sink, MAX_ANSWER_BYTES, TOO_BIG)
    if text is not None and path.suffix.lower() == ".json":
        answers_json = _read_json(text, sink, questionnaire, notes, expanded)
        if sink.problems:
            raise AnswersError(sink.problems)
        return answers_json
    root = compose(text, sink, tags=False) if text is not None else None
    answers = (
        answers_from_node(root, questionnaire, sink, notes, expanded) if root is not None else {}
    )
    if sink.problems:
        raise AnswersError(sink.problems)
    return answers


def answers_from_node(
    root: Node,
    questionnaire: Questionnaire,
    sink: Sink,
    notes: list[str] | None = None,
    expanded: set[str] | None = None,
) -> dict[str, AnswerValue]:
    """The answers of one YAML mapping (an answers file, or a fixture's ``answers:``), each
    problem recorded in ``sink`` with its place."""
    answers: dict[str, AnswerValue] = {}
    mapping = as_mapping(root, sink, "an answers file")
    if mapping is None:
        return answers
    if len(mapping.value) > MAX_KEYS:
        sink.add(
            mapping,
            f"{len(mapping.value):,} answers is more than any questionnaire here asks ({MAX_KEYS:,} at most)",
        )
        return answers
    known = [q.id for q in questionnaire.questions]
    keys = {str(key.value) for key, _ in mapping.value}
    if "expect" in keys and keys & {"answers", "questionnaire"} and not keys & set(known):
        named = next(
            (v.value for k, v in mapping.value if k.value == "answers" and isinstance(v, Scalar)),
            None,
        )
        sink.add(
            mapping,
            "this looks like an 'imbalance test' fixture (questionnaire, answers, expect), not "
            "an answers file: run it with 'imbalance test FILE', or give --answers the answers "
            "file it names" + (f" ({named})" if isinstance(named, str) else ""),
        )
        return answers
    for key, key_node, value_node in pairs(mapping, sink):
        targets = legacy_ids(questionnaire, key)
        if not targets:
            sink.add(
                key_node,
                f"'{key}' is not a question of '{questionnaire.id}'{suggest(key, known)}",
            )
            continue
        where = sink.at(value_node)
        if _is_pair(questionnaire, key):
            sides = _plain_pair(value_node, sink)
            if sides is not _BAD:
                _fill_pair(answers, questionnaire, key, sides, where, sink, notes)
            continue
        raw = _plain(value_node, sink)
        if raw is _BAD:
            continue
        _fill(answers, questionnaire, key, targets, raw, where, sink, notes, expanded)
    return answers
