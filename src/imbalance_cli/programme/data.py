"""The library's ``programme:`` settings read from located YAML nodes: sizes, the sensations and
warning signs a log entry asks about, and the dose rules, each problem reported where it is."""

from __future__ import annotations

from imbalance_cli.model import Dose
from imbalance_cli.programme.model import (
    ACTIONS,
    DONE,
    LEVELS,
    MORNINGS,
    TIMEFRAMES,
    DoseRule,
    LogWarning,
    ProgrammeRules,
    Sensation,
)
from imbalance_cli.shapes import content_id, question_id, text_field, text_list
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Node, Shape, Sink, as_bool, as_list, as_number, as_str, fields

PROGRAMME_FIELDS = (
    "size", "max_size", "log_weeks", "step", "steps_before_harder", "progress_every_days",
    "default_says", "stop",
    "sensations", "warnings", "rules", "sources",
)  # fmt: skip
SENSATION_FIELDS = ("id", "label", "says", "per_exercise", "article")
WARNING_FIELDS = ("id", "label", "level", "timeframe", "message", "action", "situations", "words")
DOSE_RULE_FIELDS = (
    "id", "action", "says", "over", "count", "pain_above", "pain_at_most", "mornings",
    "sensation", "done", "gap_days",
)  # fmt: skip
STEP_FIELDS = ("reps", "hold", "minutes")
PROGRAMME = Shape(PROGRAMME_FIELDS, ("sensations", "warnings", "rules"))
SENSATION = Shape(SENSATION_FIELDS, ("id", "label", "says"))
WARNING = Shape(WARNING_FIELDS, ("id", "label", "level", "message", "action"))
DOSE_RULE = Shape(DOSE_RULE_FIELDS, ("id", "action", "says"))
STEP = Shape(STEP_FIELDS)


def programme(node: Node, sink: Sink) -> ProgrammeRules | None:
    from imbalance_cli.library_items import sources

    f = fields(node, sink, "programme", PROGRAMME)
    if f is None:
        return None
    numbers: dict[str, int] = {}
    for key, low, high in (
        ("size", 1, 10), ("max_size", 1, 10), ("log_weeks", 1, 4), ("steps_before_harder", 0, 10),
        ("progress_every_days", 0, 60),
    ):  # fmt: skip
        if key in f:
            value = _whole(f[key], sink, key, low, high)
            if value is not None:
                numbers[key] = value
    if numbers.get("size", 3) > numbers.get("max_size", 5):
        sink.add(f.get("size") or node, "'size' is more than 'max_size'")
    step = _step(f["step"], sink) if "step" in f else Dose(reps=2, hold=5, minutes=5)
    sensations = _list(f, "sensations", sink, _sensation)
    warnings = _list(f, "warnings", sink, _warning)
    known = {s.id for s in sensations}
    rules = _list(f, "rules", sink, lambda n, s: _rule(n, s, known))
    rules_out = ProgrammeRules(
        size=numbers.get("size", 3),
        max_size=numbers.get("max_size", 5),
        log_weeks=numbers.get("log_weeks", 2),
        step=step or Dose(),
        steps_before_harder=numbers.get("steps_before_harder", 2),
        progress_every_days=numbers.get("progress_every_days", 7),
        stop=text_list(f, "stop", sink, "programme"),
        sensations=tuple(sensations),
        warnings=tuple(warnings),
        rules=tuple(rules),
        sources=sources(f, sink, "the programme") if "sources" in f else (),
        location=sink.at(node),
    )
    default = text_field(f, "default_says", sink, "programme")
    if default is not None:
        from dataclasses import replace

        rules_out = replace(rules_out, default_says=default)
    return rules_out


def _one_of(f: dict[str, Node], key: str, allowed: tuple[str, ...], sink: Sink) -> str | None:
    """A field that names one of ``allowed``; anything else is reported where it is."""
    value = as_str(f[key], sink, key) if key in f else None
    if value is not None and value not in allowed:
        sink.add(
            f[key],
            f"unknown {key} '{value}'{suggest(value, allowed)} (one of: {', '.join(allowed)})",
        )
        return None
    return value


def _whole(node: Node, sink: Sink, what: str, low: int, high: int) -> int | None:
    number = as_number(node, sink, what)
    if number is None:
        return None
    if number != int(number) or not low <= number <= high:
        sink.add(node, f"'{what}' is a whole number from {low} to {high}")
        return None
    return int(number)


def _list(f: dict[str, Node], key: str, sink: Sink, read: object) -> list:  # type: ignore[type-arg]
    out: list = []  # type: ignore[type-arg]
    seen: dict[str, Node] = {}
    for item in (as_list(f[key], sink, key) or ()) if key in f else ():
        value = read(item, sink)  # type: ignore[operator]
        if value is None:
            continue
        if value.id in seen:
            sink.add(item, f"'{value.id}' is used twice in '{key}'; keep one")
            continue
        seen[value.id] = item
        out.append(value)
    return out


def _step(node: Node, sink: Sink) -> Dose | None:
    f = fields(node, sink, "the progress step", STEP)
    if f is None:
        return None
    values = {k: _whole(f[k], sink, k, 1, 60) for k in STEP_FIELDS if k in f}
    return Dose(reps=values.get("reps"), hold=values.get("hold"), minutes=values.get("minutes"))


def _sensation(node: Node, sink: Sink) -> Sensation | None:
    f = fields(node, sink, "a sensation", SENSATION)
    if f is None:
        return None
    sid = question_id(f.get("id"), sink, "sensation")
    label = text_field(f, "label", sink, "sensation", required=True)
    says = text_field(f, "says", sink, "sensation", required=True)
    per = bool(as_bool(f["per_exercise"], sink, "per_exercise")) if "per_exercise" in f else False
    article = content_id(f.get("article"), sink, "article")
    if sid is None or label is None or says is None:
        return None
    return Sensation(sid, label, says, per, article, sink.at(node))


def _warning(node: Node, sink: Sink) -> LogWarning | None:
    f = fields(node, sink, "a log warning sign", WARNING)
    if f is None:
        return None
    wid = question_id(f.get("id"), sink, "warning sign")
    texts = {
        k: text_field(f, k, sink, "warning sign", required=True)
        for k in ("label", "message", "action")
    }
    level = _one_of(f, "level", LEVELS, sink)
    timeframe = as_str(f["timeframe"], sink, "timeframe") if "timeframe" in f else None
    if timeframe is not None and timeframe not in TIMEFRAMES:
        sink.add(
            f["timeframe"], f"unknown timeframe '{timeframe}' (one of: {', '.join(TIMEFRAMES)})"
        )
        timeframe = None
    situations = tuple(
        x for x in (question_id(n, sink, "situation") for n in as_list(f["situations"], sink, "situations") or ())
        if x is not None
    ) if "situations" in f else ()  # fmt: skip
    words = tuple(
        x for x in (as_str(n, sink, "a word list id") for n in as_list(f["words"], sink, "words") or ())
        if x is not None
    ) if "words" in f else ()  # fmt: skip
    if wid is None or level is None or None in texts.values():
        return None
    return LogWarning(
        wid, texts["label"] or "", level, texts["message"] or "", texts["action"] or "",
        sink.at(node), timeframe, situations, words,
    )  # fmt: skip


def _rule(node: Node, sink: Sink, sensations: set[str]) -> DoseRule | None:
    f = fields(node, sink, "a dose rule", DOSE_RULE)
    if f is None:
        return None
    rid = content_id(f.get("id"), sink, "dose rule")
    says = text_field(f, "says", sink, "dose rule", required=True)
    action = _one_of(f, "action", ACTIONS, sink)
    over: int | None = 1
    if "over" in f:
        said = (
            as_str(f["over"], sink, "over")
            if type(f["over"]).__name__ == "Scalar" and f["over"].value == "all"
            else None
        )
        over = None if said == "all" else _whole(f["over"], sink, "over", 1, 14)
        if said != "all" and over is None:
            return None
    count = _whole(f["count"], sink, "count", 1, 14) if "count" in f else None
    if over is not None and count is not None and count > over:
        sink.add(f["count"], f"'count' ({count}) is more than 'over' ({over}): it could never hold")
    pain_above = _whole(f["pain_above"], sink, "pain_above", 0, 9) if "pain_above" in f else None
    pain_at_most = (
        _whole(f["pain_at_most"], sink, "pain_at_most", 0, 10) if "pain_at_most" in f else None
    )
    if pain_above is not None and pain_at_most is not None and pain_at_most <= pain_above:
        sink.add(node, "'pain_at_most' is not above 'pain_above': no pain could match both")
    mornings = _choices(f.get("mornings"), sink, "mornings", MORNINGS)
    done = _choices(f.get("done"), sink, "done", DONE)
    sensation = as_str(f["sensation"], sink, "sensation") if "sensation" in f else None
    if sensation is not None and sensation not in sensations:
        sink.add(
            f["sensation"],
            f"unknown sensation '{sensation}'{suggest(sensation, sorted(sensations))} "
            f"(the programme's sensations: {', '.join(sorted(sensations))})",
        )
        sensation = None
    gap = _whole(f["gap_days"], sink, "gap_days", 1, 365) if "gap_days" in f else None
    tests = (pain_above, pain_at_most, sensation, gap)
    if all(t is None for t in tests) and not mornings and not done:
        sink.add(
            node,
            "a dose rule needs a test: pain_above, pain_at_most, mornings, sensation, done or gap_days",
        )
    if rid is None or says is None or action is None:
        return None
    return DoseRule(
        rid, action, says, over, count, pain_above, pain_at_most, mornings, sensation, done, gap,
        sink.at(node),
    )  # fmt: skip


def _choices(node: Node | None, sink: Sink, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for item in (as_list(node, sink, key) or ()) if node is not None else ():
        value = as_str(item, sink, f"an item of '{key}'")
        if value is None:
            continue
        if value not in allowed:
            sink.add(
                item,
                f"unknown value '{value}'{suggest(value, allowed)} (one of: {', '.join(allowed)})",
            )
        elif value not in out:
            out.append(value)
    return tuple(out)
