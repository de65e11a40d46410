"""The markdown summary: alerts first, then the answers section by section, then what to read
and what to try, each with its reason, and a closing line that this is not a diagnosis.

Everything that came from a questionnaire or an answer goes through ``md()`` so it renders as
plain text: no heading, link, image, HTML, code, table or list item can be smuggled in.
"""

from __future__ import annotations

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import (
    AlertLevel,
    BodyMap,
    Library,
    Question,
    QuestionType,
    Recommendation,
    Result,
    Role,
    Section,
)
from imbalance_cli.rules import describe_answer
from imbalance_cli.symmetry import format_value, reading, symmetries
from imbalance_cli.text import md

DISCLAIMER = (
    "This summary is education, not a diagnosis or medical advice. It does not rule any cause "
    "in or out. If something in it worries you, or your symptoms change, see a clinician."
)


AUDIENCES = ("trainer", "client")

#: The closing advice, by the most urgent alert that stands: it never contradicts an alert.
NEXT_STEPS: dict[AlertLevel | None, str] = {
    AlertLevel.EMERGENCY: (
        "Act on the emergency warning sign above first: get medical help now, as it says. Do not "
        "start or continue exercise for this until a clinician has seen you; reading and exercise "
        "strategies are held back until then."
    ),
    AlertLevel.URGENT: (
        "See a doctor about the warning signs above, within the time each one gives, before "
        "starting the exercise strategies, and take this summary with you. Advice that assumes "
        "there are no warning signs is held back until a doctor has checked you."
    ),
    AlertLevel.ADVISORY: (
        "Mention the points above to a clinician. Meanwhile start small and keep it steady: a "
        "little, often, beats a lot, once. Use the 0-10 pain rule to judge each session, and "
        "re-rate your goal activities in a few weeks to see how far you have come."
    ),
    None: (
        "Start small and keep it steady: a little, often, beats a lot, once. Let any pain during "
        "or after a session guide the dose, and re-rate your goal activities in a few weeks to "
        "see how far you have come. If a warning sign appears later, stop and see a clinician."
    ),
}


def next_steps(result: Result) -> str:
    """The closing advice for this result, following from its most urgent alert."""
    return NEXT_STEPS[result.top_level]


def _bodymap(result: Result) -> BodyMap:
    return result.questionnaire.bodymap or bodymaps.default()


def render(result: Result, audience: str = "trainer") -> str:
    """The summary for a trainer (every answer and the rule trace) or for the client (shorter,
    plain, the same warning signs on top)."""
    if audience == "client":
        return _client(result)
    q = result.questionnaire
    lines: list[str] = [f"# {md(q.title)}", ""]
    meta = []
    if result.client:
        meta.append(f"**Client:** {md(result.client)}")
    meta.append(f"**Date:** {_date(result.completed_at or result.started_at)}")
    if result.session is not None:
        meta.append(f"**Session:** {result.session}")
    meta.append(f"**Questionnaire:** {md(q.id)} {md(q.version)}")
    if result.completed_at is None:
        meta.append("**Status:** unfinished")
    lines += ["  \n".join(meta), ""]

    lines += _alerts(result)
    lines += _stopped(result)
    lines += _answers(result)
    lines += _articles(result)
    lines += _strategies(result)
    lines += _held(result)
    lines += ["## Next steps", "", next_steps(result), ""]
    lines += _trace(result)
    lines += ["---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(lines)


def _stopped(result: Result) -> list[str]:
    if not result.not_asked:
        return []
    return [
        "*The intake was stopped after the emergency warning sign above; the remaining "
        "questions were not asked.*",
        "",
    ]


def _count(items: tuple[Recommendation, ...]) -> str:
    articles = sum(1 for r in items if r.kind == "article")
    strategies = len(items) - articles
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((articles, "article"), (strategies, "exercise strategy"))
        if n
    ]
    return " and ".join(parts).replace("strategys", "strategies")


def _held(result: Result) -> list[str]:
    """Says that content was held back, without showing any of it."""
    if not result.withheld:
        return []
    return [
        "## Held back for now",
        "",
        f"{_count(result.withheld)} matched these answers but "
        f"{'is' if len(result.withheld) == 1 else 'are'} held back until a clinician has checked "
        "the warning signs above. Run the intake again after that check.",
        "",
    ]


def _client(result: Result) -> str:
    lines = ["# Your self-assessment summary", ""]
    day = _date(result.completed_at or result.started_at)
    line = f"{md(result.client)}, {day}" if result.client else day
    if result.session is not None:
        line += f" (session {result.session})"
    lines += [line, ""]
    lines += _alerts(result)
    lines += _stopped(result)
    pain = _pain_overview(result)
    if pain:
        lines += ["## Where it hurts", "", *pain, ""]
    else:
        nowhere = [
            q.none_label
            for q in result.questionnaire.questions
            if q.none_label and result.answers.get(q.id) == ("none",)
        ]
        if nowhere:
            lines += ["## Where it hurts", "", md(nowhere[0]) + ".", ""]
    goals = _goals(result)
    if goals:
        lines += ["## Your goals", "", *goals, ""]
    sides = symmetry_table(result)
    if sides:
        lines += ["## Left and right", "", *sides, ""]
    lines += _articles(result, plain=True)
    lines += _strategies(result, plain=True)
    lines += _held(result)
    lines += [
        "## Next steps",
        "",
        next_steps(result),
        "",
        "---",
        "",
        f"*{DISCLAIMER}*",
        "",
    ]
    return "\n".join(lines)


def _pain_overview(result: Result) -> list[str]:
    rows = []
    for section in result.questionnaire.sections:
        if section.region is None:
            continue
        by_role = {q.role: q.id for q in section.questions if q.role is not None}
        now = result.answers.get(by_role.get(Role.PAIN_NOW, ""))
        worst = result.answers.get(by_role.get(Role.PAIN_WORST, ""))
        if now is None and worst is None:
            continue
        parts = []
        if isinstance(now, (int, float)):
            parts.append(f"{now:g}/10 now")
        if isinstance(worst, (int, float)):
            parts.append(f"{worst:g}/10 at worst")
        rows.append(f"- **{md(_bodymap(result).describe(section.region))}:** {', '.join(parts)}")
    return rows


def _goals(result: Result) -> list[str]:
    rows = []
    for goal, rating_question in result.questionnaire.goals():
        text = result.answers.get(goal.id)
        if text is None:
            continue
        rating = result.answers.get(rating_question.id) if rating_question else None
        shown = f" (today: {rating:g}/10)" if isinstance(rating, (int, float)) else ""
        rows.append(f"- {md(str(text))}{shown}")
    return rows


def _trace(result: Result) -> list[str]:
    """For the trainer: every rule that fired, what it chose, and the answers behind it. A rule
    whose every choice is held back by the warning signs shows no reason text, since its reason
    is part of the advice held back."""
    if not result.trace:
        return []
    held = {r.id for r in result.withheld}
    out = ["## Rule trace", ""]
    for hit in result.trace:
        # Ids are validated to [a-z0-9_-], so they are safe inside code spans.
        ids = (*hit.articles, *hit.strategies)
        chosen = ", ".join(f"`{i}`" for i in ids)
        if ids and all(i in held for i in ids):
            out.append(f"- `{hit.rule}` → {chosen}: held back by the warning signs")
        else:
            out.append(f"- `{hit.rule}` → {chosen}: {md(hit.because)}")
        out += [f"  - {md(fact)}" for fact in hit.facts]
    return [*out, ""]


def _date(stamp: str) -> str:
    """The day of an ISO timestamp we wrote ourselves (digits and dashes only)."""
    day = stamp[:10]
    return day if all(c.isdigit() or c == "-" for c in day) else md(day)


def _alerts(result: Result) -> list[str]:
    if not result.alerts:
        return [
            "## Warning signs",
            "",
            "None of the warning signs in the safety check were reported.",
            "",
        ]
    out = ["## ⚠ Warning signs: act on these first", ""]
    for fired in result.alerts:
        a = fired.alert
        icon = "🚨" if a.level is AlertLevel.EMERGENCY else "⚠"
        out += [f"### {icon} {a.level.heading}", "", f"**{md(a.message)}**", ""]
        out += [f"**What to do:** {md(a.action)}", ""]
        if fired.because:
            out += ["Because you answered:", ""]
            out += [f"- {md(b)}" for b in fired.because]
            out.append("")
    return out


def _answers(result: Result) -> list[str]:
    out: list[str] = []
    sections = result.questionnaire.sections
    done: set[str] = set()
    for section in sections:
        if section.region is not None:
            base = section.id.split(".", 1)[0]
            if base in done:
                continue
            done.add(base)
            copies = [s for s in sections if s.region and s.id.split(".", 1)[0] == base]
            out += _region_table(section, copies, result)
            continue
        rows = [
            f"- **{md(q.short)}:** {md(describe_answer(q, result.answers[q.id], _bodymap(result)))}"
            for q in section.questions
            if result.answers.get(q.id) is not None and q.type is not QuestionType.PAIRED
        ]
        table = symmetry_table(result, section)
        if rows or table:
            out += [
                f"## {md(section.title)}",
                "",
                *rows,
                *([""] if rows and table else []),
                *table,
                "",
            ]
    return out


def symmetry_table(result: Result, section: Section | None = None) -> list[str]:
    """The paired tests (of one section, or all) as a table: each side, the limb symmetry index
    and whether the gap is more than the test's day-to-day noise."""
    tests = [
        s
        for s in symmetries(result.questionnaire, result.answers)
        if section is None
        or any(q.pair == s.test and q.section == section.id for q in section.questions)
    ]
    if not tests:
        return []
    out = [
        "| Test | Left | Right | Symmetry index | Reading |",
        "|---|---|---|---|---|",
    ]
    for s in tests:
        lsi = f"{s.lsi:g}%" if s.lsi is not None else "–"
        cells = [
            md(s.label),
            md(format_value(s.left, s.unit)),
            md(format_value(s.right, s.unit)),
            lsi,
            md(reading(s)),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _region_table(first: Section, copies: list[Section], result: Result) -> list[str]:
    """A section repeated per region becomes one table: a row a region, a column a question."""
    answered = [s for s in copies if any(q.id in result.answers for q in s.questions)]
    if not answered:
        return []
    columns: list[Question] = []
    for position in range(len(first.questions)):
        if any(s.questions[position].id in result.answers for s in answered):
            columns.append(first.questions[position])
    bodymap = _bodymap(result)
    title = (
        first.title.replace(bodymap.describe(first.region or ""), "").strip(" :-—") or "By region"
    )
    header = "| Region | " + " | ".join(md(_column(q, bodymap)) for q in columns) + " |"
    rule = "|---|" + "---|" * len(columns)
    out = [f"## {md(title)}", "", header, rule]
    for s in answered:
        cells = []
        for q in columns:
            twin = s.questions[first.questions.index(q)]
            value = result.answers.get(twin.id)
            cells.append(
                md(describe_answer(twin, value, bodymap)) if twin.id in result.answers else "–"
            )
        out.append(f"| {md(bodymap.describe(s.region or ''))} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _column(q: Question, bodymap: BodyMap) -> str:
    label = q.short
    if q.region:
        label = label.replace(bodymap.phrase(q.region), "").replace(bodymap.describe(q.region), "")
    return " ".join(label.split())


def _library(result: Result) -> Library | None:
    return result.library


def _articles(result: Result, plain: bool = False) -> list[str]:
    items = [r for r in result.recommendations if r.kind == "article"]
    if not items:
        return []
    library = _library(result)
    out = ["## Suggested reading", ""]
    for rec in items:
        article = library.articles.get(rec.id) if library else None
        out += [f"### {md(rec.title)}", ""]
        if article:
            out += [md(article.summary), ""]
            if article.opinion:
                out += [f"*Practitioner opinion:* {md(article.opinion)}", ""]
            for source in article.sources:
                link = f" <{source.url}>" if source.url else ""
                out.append(f"- *{source.kind.label}:* {md(source.citation)}{link}")
            out.append("")
        out += _because(rec.reasons if plain else rec.because)
    return out


def _strategies(result: Result, plain: bool = False) -> list[str]:
    items = [r for r in result.recommendations if r.kind == "strategy"]
    if not items:
        return []
    library = _library(result)
    out = ["## Exercise strategies to try", ""]
    if any(r.after_clinician for r in items):
        out += [
            "> **Start these only after you have been checked by a clinician** about the "
            "warning signs above.",
            "",
        ]
    for rec in items:
        strategy = library.strategies.get(rec.id) if library else None
        suffix = " (after you have been checked by a clinician)" if rec.after_clinician else ""
        out += [f"### {md(rec.title)}{suffix}", ""]
        if strategy:
            out += [md(strategy.summary), ""]
            out += [f"{n}. {md(step)}" for n, step in enumerate(strategy.steps, 1)]
            out += [
                "",
                f"- **How much:** {md(strategy.dose)}",
                f"- **Signs it is working:** {md(strategy.progress)}",
                f"- **When to stop:** {md(strategy.stop)}",
                "",
            ]
        out += _because(rec.reasons if plain else rec.because)
    return out


def _because(reasons: tuple[str, ...]) -> list[str]:
    if len(reasons) == 1:
        return [f"*Why this was chosen:* {md(reasons[0])}", ""]
    return ["*Why this was chosen:*", "", *(f"- {md(r)}" for r in reasons), ""]
