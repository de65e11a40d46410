"""What a test on one question's answer can and cannot be: the values a question can take, a
test that can never hold (``in: [11]`` on 0-10), one whose exclusive choice clashes, and the
leaves of a condition. The lint (lint.py) asks these of every condition it walks."""

from __future__ import annotations

import math
from collections.abc import Iterator

from imbalance_cli.model import (
    AllOf,
    Condition,
    Leaf,
    Not,
    Op,
    Question,
    QuestionType,
)

#: The tests on a number's value, and the types whose answer is a number (as sets: these are
#: asked of every test the lint walks).
_RANGE_TESTS = frozenset((Op.EQUALS, Op.IN, Op.GTE, Op.LTE))
_NUMERIC = frozenset(t for t in QuestionType if t.is_numeric)


def impossible(leaf: Leaf, question: Question) -> str | None:
    """Why no answer to this question can pass this test, or None when one can."""
    if leaf.op in _RANGE_TESTS and question.type in _NUMERIC:
        if _some_value(question, [leaf]):
            return None
        return f"{_describe(leaf)} is never true of '{leaf.question}', {_domain(question)}"
    if leaf.op is Op.ZONES and isinstance(leaf.value, int) and not isinstance(leaf.value, bool):
        zones = len(set(leaf.zones.values()))
        if leaf.value > zones:
            return (
                f"'zones: {leaf.value}' is never true of '{leaf.question}': the regions it "
                f"offers cover {zones} zone(s)"
            )
    return None


def _can_fail(leaf: Leaf, question: Question) -> bool:
    """Is there an answer to the question that fails this test? (Only the clear cases say no:
    ``gte`` at or below the least answer, ``lte`` at or above the greatest, ``in`` listing every
    choice; anything else is taken to be able to fail.)"""
    value = leaf.value
    if question.type.has_choices and leaf.op is Op.IN and isinstance(value, tuple):
        return question.type is QuestionType.MULTI or not {c.id for c in question.choices} <= {
            str(v) for v in value
        }
    if question.type not in _NUMERIC or isinstance(value, bool):
        return True
    whole = question.integer or question.type is QuestionType.SCALE
    low = question.minimum if question.minimum is not None else -math.inf
    high = question.maximum if question.maximum is not None else math.inf
    if whole:
        low, high = math.ceil(low), math.floor(high)
    if leaf.op is Op.GTE and isinstance(value, (int, float)):
        return low < value
    if leaf.op is Op.LTE and isinstance(value, (int, float)):
        return high > value
    if leaf.op is Op.IN and isinstance(value, tuple) and whole and math.isfinite(high - low):
        listed = {float(v) for v in value if isinstance(v, (int, float))}
        return high - low > 1000 or any(
            float(n) not in listed for n in range(int(low), int(high) + 1)
        )
    return True


def _some_value(question: Question, tests: list[Leaf]) -> bool:
    """Is there one answer to the question that passes every test?"""
    if question.type not in _NUMERIC:
        equals = {repr(t.value) for t in tests if t.op is Op.EQUALS}
        if len(equals) > 1:
            return False
        wanted = [t.value for t in tests if t.op is Op.EQUALS]
        for test in tests:
            if (
                test.op is Op.IN
                and isinstance(test.value, tuple)
                and wanted
                and wanted[0] not in test.value
            ):
                return False
        return True
    low = question.minimum if question.minimum is not None else -math.inf
    high = question.maximum if question.maximum is not None else math.inf
    candidates: set[float] | None = None
    for test in tests:
        value = test.value
        if test.op is Op.GTE and isinstance(value, (int, float)):
            low = max(low, float(value))
        elif test.op is Op.LTE and isinstance(value, (int, float)):
            high = min(high, float(value))
        elif test.op is Op.EQUALS and isinstance(value, (int, float)):
            here = {float(value)}
            candidates = here if candidates is None else candidates & here
        elif test.op is Op.IN and isinstance(value, tuple):
            here = {float(v) for v in value if isinstance(v, (int, float))}
            candidates = here if candidates is None else candidates & here
    whole = question.integer or question.type is QuestionType.SCALE
    if candidates is not None:
        return any(low <= v <= high and (not whole or v == int(v)) for v in candidates)
    if whole:
        return (
            math.ceil(low) <= math.floor(high)
            if math.isfinite(low) or math.isfinite(high)
            else True
        )
    return low <= high


def _domain(question: Question) -> str:
    whole = question.integer or question.type is QuestionType.SCALE
    kind = "whole numbers" if whole else "numbers"
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return f"which takes {kind} from {low:g} to {high:g}"
    if low is not None:
        return f"which takes {kind} from {low:g}"
    if high is not None:
        return f"which takes {kind} up to {high:g}"
    return f"which takes {kind}"


def _describe(leaf: Leaf) -> str:
    value = leaf.value
    if isinstance(value, tuple):
        shown = "[" + ", ".join(_plain(v) for v in value) + "]"
    else:
        shown = _plain(value)
    return f"'{leaf.op.value}: {shown}'"


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _never_shown(leaf: Leaf) -> str:
    return f"'{leaf.question}' is never shown, so it is never answered"


def _signed_leaves(condition: Condition, negated: bool) -> Iterator[tuple[Leaf, bool]]:
    """Every test with whether it sits under an odd number of ``not``."""
    if isinstance(condition, Leaf):
        yield condition, negated
    elif isinstance(condition, Not):
        yield from _signed_leaves(condition.item, not negated)
    else:
        for item in condition.items:
            yield from _signed_leaves(item, negated)


def _some(ids: list[str]) -> str:
    shown = ", ".join(f"'{i}'" for i in ids[:3])
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    return f"{shown}{more}"


def _leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, Not):
        yield from _leaves(condition.item)
    else:
        for item in condition.items:
            yield from _leaves(item)


_CURLY_OPEN = "\u201c\u2018\u201e\u00ab"
_CURLY_CLOSE = "\u201d\u2019\u201c\u00bb"


def _needs_answer(leaf: Leaf) -> bool:
    """Does the test hold only on an answered question?"""
    return not (leaf.op is Op.ANSWERED and not leaf.value)


def _flat(condition: Condition | None) -> list[Leaf]:
    """The tests a condition makes all of: itself, or the tests of a plain ``all``."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, AllOf):
        return [c for c in condition.items if isinstance(c, Leaf)]
    return []


def _exclusive_clash(question: Question, tests: list[Leaf]) -> str | None:
    """``includes`` of an exclusive choice ("None of these", no pain) together with another:
    an answer never holds both (the exclusive one is dropped when ticked with others)."""
    if not question.type.is_list:
        return None
    included = [str(t.value) for t in tests if t.op is Op.INCLUDES]
    if question.type is QuestionType.BODY_REGIONS:
        exclusive = {"none"}
    else:
        exclusive = {c.id for c in question.choices if c.exclusive}
    alone = [v for v in included if v in exclusive]
    others = [v for v in included if v not in exclusive]
    if alone and others:
        return (
            f"'{question.id}' cannot include '{alone[0]}', which excludes every other answer, "
            f"and '{others[0]}' at once"
        )
    return None


def _never_in(leaf: Leaf, question: Question) -> str:
    """The values of an ``in`` the question can never take (the others can), as written."""
    assert isinstance(leaf.value, tuple)
    never = [
        _plain(v)
        for v in leaf.value
        if isinstance(v, (int, float))
        and not _some_value(question, [Leaf(leaf.question, Op.EQUALS, v)])
    ]
    return ", ".join(never)
