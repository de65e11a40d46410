"""Comparing two sessions (intake and re-assessment) as markdown: per region pain now / best /
worst with the change, flagged when it reaches the minimal clinically important difference of
2 points on the 0-10 scale (Farrar 2001), and every other answer about the region that changed
(its course, what makes it worse...); regions new and resolved; sensations that appeared or
went; goal ratings; side-to-side tests; every other answer that changed; alerts then and now."""

from __future__ import annotations

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import Questionnaire, QuestionType, Result, Role
from imbalance_cli.render.markdown import DISCLAIMER
from imbalance_cli.rules import describe_answer
from imbalance_cli.symmetry import Symmetry, format_value, symmetries
from imbalance_cli.text import md

MCID = 2
PAIN = ((Role.PAIN_NOW, "Now"), (Role.PAIN_BEST, "At best"), (Role.PAIN_WORST, "At worst"))


def _regions(result: Result) -> dict[str, str]:
    """region token (``knee.left``) -> description, from the sections repeated per region that
    were asked, in body order."""
    bodymap = result.questionnaire.bodymap or bodymaps.default()
    asked = {
        s.region
        for s in result.questionnaire.sections
        if s.region is not None and any(q.id in result.answers for q in s.questions)
    }
    return {t: bodymap.describe(t) for t in bodymap.tokens() if t in asked}


def _number(result: Result, qid: str) -> float | None:
    value = result.answers.get(qid)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _change(before: float | None, after: float | None, *, lower_is_better: bool) -> str:
    if before is None or after is None:
        return "–"
    delta = after - before
    if delta == 0:
        return "no change"
    better = delta < 0 if lower_is_better else delta > 0
    text = f"{delta:+g}"
    if abs(delta) >= MCID:
        return f"**{text} ({'better' if better else 'worse'}, meaningful)**"
    return f"{text} (within day-to-day variation)"


def _sensations(q: Questionnaire, result: Result) -> dict[str, set[str]]:
    """Sensation question -> choice labels ticked (ids of multi questions about sensations)."""
    out: dict[str, set[str]] = {}
    for question in q.questions:
        if question.section != "sensations" or question.type is not QuestionType.MULTI:
            continue
        value = result.answers.get(question.id)
        chosen = value if isinstance(value, tuple) else ()
        labels = {c.label for c in question.choices if c.id in chosen and not c.exclusive}
        out[question.short] = labels
    return out


def _goals(result: Result) -> dict[str, tuple[str, float | None]]:
    """Goal activities by their wording (case and spacing ignored), with their 0-10 rating, so a
    goal is compared with the same goal even if the list order changed."""
    out: dict[str, tuple[str, float | None]] = {}
    for goal, rating in result.questionnaire.goals():
        text = result.answers.get(goal.id)
        if isinstance(text, str) and text.strip():
            out[" ".join(text.lower().split())] = (
                text,
                _number(result, rating.id) if rating else None,
            )
    return out


def _rates_regions(q: Questionnaire) -> bool:
    return any(s.region is not None for s in q.sections)


def _chosen_regions(result: Result) -> dict[str, str]:
    """Where it hurts as chosen in the body-region questions (not rated one by one)."""
    bodymap = result.questionnaire.bodymap or bodymaps.default()
    chosen: set[str] = set()
    for question in result.questionnaire.questions:
        value = result.answers.get(question.id)
        if question.type is QuestionType.BODY_REGIONS and isinstance(value, tuple):
            chosen |= {t for t in value if t != "none"}
    return {t: bodymap.describe(t) for t in bodymap.tokens() if t in chosen}


def _asks_regions(q: Questionnaire) -> bool:
    return any(s.region is not None for s in q.sections) or any(
        x.type is QuestionType.BODY_REGIONS for x in q.questions
    )


def _ratings(before: Result, after: Result, label_before: str, label_after: str) -> list[str]:
    """The ratings asked outside regions (pain during exercise, days exercised): then, now,
    and the change, marked meaningful for a 0-10 pain rating that moved 2 points or more."""
    from imbalance_cli.measures import measures, shown

    then = {m.name: m for m in measures(before.questionnaire, before.answers)}
    now = {m.name: m for m in measures(after.questionnaire, after.answers)}
    rows = []
    names = list(dict.fromkeys([*then, *now]))
    if before.questionnaire.id != after.questionnaire.id:
        names = [n for n in names if n in then and n in now]  # only what both asked
    for name in names:
        a, b = then.get(name), now.get(name)
        m = b or a
        assert m is not None
        x, y = (a.value if a else None), (b.value if b else None)
        if x is None and y is None:
            continue
        if m.pain:
            change = _change(x, y, lower_is_better=True)
        elif x is None or y is None or x == y:
            change = "–" if x is None or y is None else "no change"
        else:
            better = (y < x) if m.lower_is_better else (y > x)
            change = f"{y - x:+g} ({'better' if better else 'worse'})"
        rows.append(
            f"| {md(name)} | {md(shown(x, m.unit, m.maximum))} | {md(shown(y, m.unit, m.maximum))} | {change} |"
        )
    if not rows:
        return []
    return [
        "## Ratings",
        "",
        f"| What | {md(label_before)} | {md(label_after)} | Change |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def _pain_id(result: Result, region: str, role: Role) -> str:
    """The id of the question with this role in the section repeated for this region."""
    for section in result.questionnaire.sections:
        if section.region == region:
            for question in section.questions:
                if question.role is role:
                    return question.id
    return ""


def render(before: Result, after: Result, label_before: str, label_after: str) -> str:
    q = after.questionnaire
    lines = [
        f"# Progress: {md(label_before)} → {md(label_after)}",
        "",
    ]
    if after.client or before.client:
        lines += [f"**Client:** {md(after.client or before.client or '')}", ""]
    lines += [
        f"Changes of {MCID} points or more on a 0-10 pain rating are marked as meaningful; smaller "
        "changes are within ordinary day-to-day variation.",
        "",
    ]

    then_q = before.questionnaire
    if then_q.id != q.id:
        lines += [
            f"These are sessions of two questionnaires ({md(then_q.id)} {md(then_q.version)} and "
            f"{md(q.id)} {md(q.version)}): only what both asked is compared.",
            "",
        ]
    then_regions, now_regions = _regions(before), _regions(after)
    if not _rates_regions(then_q) or not _rates_regions(q):
        # One of them does not rate regions one by one (a check-in that takes where it hurts
        # from the intake): compare where it hurts as both answered it, if both asked.
        then_regions, now_regions = _chosen_regions(before), _chosen_regions(after)
    # Only what both questionnaires ask: a check-in that asks no regions, sensations or goals
    # gets no "New regions: none" or "No goal activities were rated".
    asks_regions = _asks_regions(then_q) and _asks_regions(q)
    if asks_regions:
        lines += ["## Pain by region", ""]
        order = list(dict.fromkeys([*then_regions, *now_regions]))
        shared = [r for r in order if r in then_regions and r in now_regions]
        if shared and _rates_regions(then_q) and _rates_regions(q):
            lines += [
                "| Region | Rating | " + f"{md(label_before)} | {md(label_after)} | Change |",
                "|---|---|---|---|---|",
            ]
            for region in shared:
                for role, name in PAIN:
                    a = _number(before, _pain_id(before, region, role))
                    b = _number(after, _pain_id(after, region, role))
                    if a is None and b is None:
                        continue
                    lines.append(
                        f"| {md(now_regions[region])} | {name} | {_fmt(a)} | {_fmt(b)} | {_change(a, b, lower_is_better=True)} |"
                    )
            lines.append("")
        lines += _region_answers(before, after, shared, now_regions, label_before, label_after)
        new = [now_regions[r] for r in order if r in now_regions and r not in then_regions]
        gone = [then_regions[r] for r in order if r in then_regions and r not in now_regions]
        lines.append(f"- **New regions:** {md(', '.join(new)) if new else 'none'}")
        lines.append(f"- **Regions no longer reported:** {md(', '.join(gone)) if gone else 'none'}")
        lines.append("")

    then_s, now_s = _sensations(before.questionnaire, before), _sensations(q, after)
    if then_s and now_s:
        lines += ["## Sensations", ""]
        any_change = False
        for name in now_s:
            appeared = sorted(now_s.get(name, set()) - then_s.get(name, set()))
            went = sorted(then_s.get(name, set()) - now_s.get(name, set()))
            if appeared or went:
                any_change = True
                parts = []
                if appeared:
                    parts.append(f"appeared: {md(', '.join(appeared))}")
                if went:
                    parts.append(f"gone: {md(', '.join(went))}")
                lines.append(f"- **{md(name)}:** " + "; ".join(parts))
        if not any_change:
            lines.append("No change in the sensations reported.")
        lines.append("")

    then_goals, now_goals = _goals(before), _goals(after)
    goal_rows = []
    for key in dict.fromkeys([*then_goals, *now_goals]):
        name, a = then_goals.get(key, ("", None))
        later_name, b = now_goals.get(key, ("", None))
        goal_rows.append(
            f"| {md(later_name or name)} | {_fmt(a)} | {_fmt(b)} | {_change(a, b, lower_is_better=False)} |"
        )
    if before.questionnaire.goals() and q.goals():
        lines += ["## Goal activities (0 = cannot do, 10 = as before)", ""]
        if goal_rows:
            lines += [
                f"| Activity | {md(label_before)} | {md(label_after)} | Change |",
                "|---|---|---|---|",
                *goal_rows,
                "",
            ]
        else:
            lines += ["No goal activities were rated.", ""]

    lines += _ratings(before, after, label_before, label_after)
    lines += _tests(before, after, label_before, label_after)
    lines += _other_answers(before, after, label_before, label_after)

    lines += ["## Warning signs", ""]
    then_a = {f.alert.id: f for f in before.alerts}
    now_a = {f.alert.id: f for f in after.alerts}
    if not then_a and not now_a:
        lines.append("None reported, then or now.")
    for aid, fired in now_a.items():
        state = "still reported" if aid in then_a else "**new**"
        lines.append(f"- {state}: {md(fired.alert.heading)}: {md(fired.alert.message)}")
    for aid, fired in then_a.items():
        if aid not in now_a:
            lines.append(f"- no longer reported: {md(fired.alert.message)}")
    lines += ["", "---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(lines)


def _region_answers(
    before: Result,
    after: Result,
    regions: list[str],
    names: dict[str, str],
    label_before: str,
    label_after: str,
) -> list[str]:
    """Every other answer about a region reported both times that changed: its course
    ("about the same" -> "getting better"), how long, what makes it worse or better..."""
    rows = []
    for region in regions:
        for section in after.questionnaire.sections:
            if section.region != region:
                continue
            for question in section.questions:
                if question.role is not None:
                    continue  # the pain ratings, in the table above
                a, b = before.answers.get(question.id), after.answers.get(question.id)
                if a == b or question.id not in before.answers or question.id not in after.answers:
                    continue
                then_q = before.questionnaire.question(question.id) or question
                rows.append(
                    f"| {md(names[region])} | {md(_generic(question.short, names[region]))} | "
                    f"{md(describe_answer(then_q, a))} | {md(describe_answer(question, b))} |"
                )
    if not rows:
        return []
    return [
        "Other answers about each region that changed:",
        "",
        f"| Region | Question | {md(label_before)} | {md(label_after)} |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def _generic(label: str, region: str) -> str:
    """A per-region question's label without its region, which the row names already."""
    return label.replace(f" ({region.lower()})", "").replace(f" ({region})", "")


def _side_change(a: float | None, b: float | None, s: Symmetry) -> str:
    """A change in one side of a test, marked when it is more than the test's noise."""
    if a is None or b is None:
        return "–"
    delta = b - a
    if delta == 0:
        return "no change"
    better = delta > 0 if s.better == "higher" else delta < 0
    text = f"{delta:+g}"
    if s.noise is None:
        return f"{text} (no day-to-day noise figure for this test)"
    if abs(delta) > s.noise:
        return f"**{text} ({'better' if better else 'worse'}, more than the noise of {s.noise:g})**"
    return f"{text} (within the noise of {s.noise:g})"


def _tests(before: Result, after: Result, label_before: str, label_after: str) -> list[str]:
    then = {s.test: s for s in symmetries(before.questionnaire, before.answers)}
    now = {s.test: s for s in symmetries(after.questionnaire, after.answers)}
    if not then and not now:
        return []
    out = [
        "## Side-to-side tests",
        "",
        f"| Test | Side | {md(label_before)} | {md(label_after)} | Change |",
        "|---|---|---|---|---|",
    ]
    sources: list[str] = []
    for test in dict.fromkeys([*then, *now]):
        a, b = then.get(test), now.get(test)
        s = b or a
        assert s is not None
        for side in ("left", "right"):
            va = getattr(a, side) if a else None
            vb = getattr(b, side) if b else None
            out.append(
                f"| {md(s.label)} | {side} | {md(format_value(va, s.unit))} | "
                f"{md(format_value(vb, s.unit))} | {_side_change(va, vb, s)} |"
            )
        lsi_a = a.lsi if a else None
        lsi_b = b.lsi if b else None
        out.append(
            f"| {md(s.label)} | symmetry index | {_fmt(lsi_a)}{'%' if lsi_a is not None else ''} | "
            f"{_fmt(lsi_b)}{'%' if lsi_b is not None else ''} | "
            f"{'–' if lsi_a is None or lsi_b is None else f'{lsi_b - lsi_a:+.1f} points'} |"
        )
        if s.noise_source and s.noise_source not in sources:
            sources.append(s.noise_source)
    out.append("")
    for source in sources:
        out += [f"*Noise figure:* {md(source)}", ""]
    return out


def _other_answers(before: Result, after: Result, label_before: str, label_after: str) -> list[str]:
    """Every other answer that changed (treatments, sleep, stress, worry about movement, what
    was done since...), 0-10 ratings marked when they move 2 points or more."""
    q = after.questionnaire
    rows = []
    for question in q.questions:
        if (
            question.role is not None
            or question.region is not None
            or question.pair is not None
            or question.section == "sensations"
            or question.type is QuestionType.BODY_REGIONS
        ):
            continue
        then_q = before.questionnaire.question(question.id)
        if then_q is None and before.questionnaire.id != q.id:
            continue  # the other questionnaire does not ask it
        a = before.answers.get(question.id)
        b = after.answers.get(question.id)
        if a == b or (a is None and b is None):
            continue
        shown_a = describe_answer(then_q or question, a) if question.id in before.answers else "–"
        shown_b = describe_answer(question, b) if question.id in after.answers else "–"
        change = ""
        if question.type is QuestionType.SCALE and question.maximum == 10 and question.minimum == 0:
            change = _change(_number(before, question.id), _number(after, question.id),
                             lower_is_better=False).replace("better", "higher").replace("worse", "lower")  # fmt: skip
        rows.append(f"| {md(question.short)} | {md(shown_a)} | {md(shown_b)} | {change} |")
    if not rows:
        return []
    return [
        "## Other answers that changed",
        "",
        f"| Question | {md(label_before)} | {md(label_after)} | Change |",
        "|---|---|---|---|",
        *rows,
        "",
    ]
