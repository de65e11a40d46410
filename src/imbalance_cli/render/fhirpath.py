"""Conditions as FHIRPath, for the FHIR export's ``enableWhenExpression`` where ``enableWhen``
cannot say it (``not``, nested ``all``/``any``, sides, zones, left/right tests).

Each expression is read against the QuestionnaireResponse being filled in (``%resource``) and is
always true or false, never empty: a test on a question with no answer is false, as in the
engine. Every answer is found by its linkId anywhere in the response (questions sit in the
groups of their sections).
"""

from __future__ import annotations

import re

from imbalance_cli import bodymap as body
from imbalance_cli.model import (
    NO_PAIN,
    AllOf,
    Condition,
    Leaf,
    Not,
    Op,
    Questionnaire,
    QuestionType,
)


def quote(text: str) -> str:
    """A FHIRPath string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _answers(ids: tuple[str, ...]) -> str:
    if len(ids) == 1:
        where = f"linkId = {quote(ids[0])}"
    else:
        where = "linkId in (" + " | ".join(quote(i) for i in ids) + ")"
    return f"%resource.repeat(item).where({where}).answer.value"


def expression(condition: Condition, q: Questionnaire) -> str:
    """The condition as one FHIRPath expression that is true exactly when the engine's is."""
    if isinstance(condition, Leaf):
        return _leaf(condition, q)
    if isinstance(condition, Not):
        return f"({expression(condition.item, q)}).not()"
    parts = [f"({expression(c, q)})" for c in condition.items]
    return (" and " if isinstance(condition, AllOf) else " or ").join(parts)


def _leaf(leaf: Leaf, q: Questionnaire) -> str:
    ids = leaf.questions or (leaf.question,)
    question = q.question(ids[0])
    qtype = question.type if question is not None else None
    value = leaf.value
    if leaf.op is Op.ANSWERED:
        # Any copy answered (or, for false, any copy left unanswered), as the engine reads it.
        test = "exists()" if value else "empty()"
        return " or ".join(f"{_answers((i,))}.{test}" for i in ids)
    if leaf.op in (Op.LSI_BELOW, Op.WEAKER):
        return _paired(leaf)
    found = _answers(ids)
    if leaf.op is Op.SIDE:
        return _side(found, str(value))
    if leaf.op is Op.ZONES:
        return _zones(found, leaf)
    if leaf.op is Op.MENTIONS:
        return _mentions(found, leaf.words)
    coded = qtype is not None and (qtype.has_choices or qtype is QuestionType.BODY_REGIONS)
    if leaf.op is Op.INCLUDES:
        codes = [str(value)]
        if qtype is QuestionType.BODY_REGIONS:
            bodymap = q.bodymap or body.default()
            offered = (*bodymap.tokens(), NO_PAIN)
            codes = [t for t in offered if body.matches((t,), str(value))]
        return _coded(found, codes)
    if leaf.op is Op.EQUALS:
        if coded:
            return _coded(found, [str(value)])
        return f"{found}.where($this = {_literal(value)}).exists()"
    if leaf.op is Op.IN:
        items = value if isinstance(value, tuple) else (value,)
        if coded:
            return _coded(found, [str(v) for v in items])
        listed = " | ".join(_literal(v) for v in items)
        return f"{found}.where($this in ({listed})).exists()"
    if leaf.op in (Op.GTE, Op.LTE):
        sign = ">=" if leaf.op is Op.GTE else "<="
        return f"{found}.where($this {sign} {_literal(value)}).exists()"
    raise ValueError(f"no FHIRPath for the test '{leaf.op.value}'")


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number(value)
    return quote(str(value))


def _coded(found: str, codes: list[str]) -> str:
    if not codes:
        return "false"
    if len(codes) == 1:
        return f"{found}.where(code = {quote(codes[0])}).exists()"
    listed = " | ".join(quote(c) for c in codes)
    return f"{found}.where(code in ({listed})).exists()"


def _side(found: str, side: str) -> str:
    left = f"{found}.where(code.endsWith('.left')).exists()"
    right = f"{found}.where(code.endsWith('.right')).exists()"
    if side == "both":
        return f"{left} and {right}"
    return f"{left} and {right}.not()" if side == "left" else f"{right} and {left}.not()"


def _zones(found: str, leaf: Leaf) -> str:
    by_zone: dict[str, list[str]] = {}
    for token, zone in leaf.zones.items():
        by_zone.setdefault(zone, []).append(token)
    counted = [
        f"iif({_coded(found, sorted(tokens))}, 1, 0)" for _, tokens in sorted(by_zone.items())
    ]
    total = " + ".join(counted) if counted else "0"
    return f"({total}) >= {number(float(str(leaf.value)))}"


def _mentions(found: str, words: tuple[str, ...]) -> str:
    """Free text holding a word of the list, as words.find reads it: any case, whole words (a
    stem with ``*`` any ending), a phrase's words apart by spaces or hyphens, curly apostrophes
    as straight ones. Written without lookarounds, which not every FHIRPath engine has."""
    if not words:
        return "false"
    parts = []
    for entry in words:
        stem = entry.endswith("*")
        tokens = (entry[:-1] if stem else entry).split()
        body = "[\\s-]+".join(re.escape(t).replace("\\-", "-").replace("\\'", "'") for t in tokens)
        parts.append(body + ("\\w*" if stem else ""))
    pattern = "(^|[^\\w])(" + "|".join(parts) + ")([^\\w]|$)"
    text = "$this.lower().replace('\u2019', '\\'')"
    return f"{found}.where({text}.matches({quote(pattern)})).exists()"


def _paired(leaf: Leaf) -> str:
    """``lsi_below`` and ``weaker``: both sides answered, the gap beyond the test's noise, and
    the index (smaller over larger x 100, to one decimal) under the value / the named side the
    weaker one (the lower value, or the higher when lower is better)."""
    left_id, right_id = leaf.questions
    better, noise = leaf.paired or ("higher", None)
    left, right = f"{_answers((left_id,))}.first()", f"{_answers((right_id,))}.first()"
    both = f"{_answers((left_id,))}.exists() and {_answers((right_id,))}.exists()"
    gap = f"({left} - {right}).abs()"
    beyond = f"{gap} > {number(noise)}" if noise is not None else f"{gap} > 0"
    if leaf.op is Op.WEAKER:
        left_worse = f"{left} < {right}" if better == "higher" else f"{left} > {right}"
        right_worse = f"{right} < {left}" if better == "higher" else f"{right} > {left}"
        worse = left_worse if leaf.value == "left" else right_worse
        return f"({both}) and ({worse}) and ({beyond})"
    low = f"iif({left} < {right}, {left}, {right})"
    high = f"iif({left} < {right}, {right}, {left})"
    index = f"(({low}) / ({high}) * 100).round(1)"
    threshold = number(float(str(leaf.value)))
    return f"({both}) and (({high}) > 0) and ({index} < {threshold}) and ({beyond})"
