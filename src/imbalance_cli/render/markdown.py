"""The markdown summary: alerts first, then the answers section by section, then what to read
and what to try, each with its reason, and a closing line that this is not a diagnosis.

Everything that came from a questionnaire or an answer goes through ``md()`` so it renders as
plain text: no heading, link, image, HTML, code, table or list item can be smuggled in.
"""

from __future__ import annotations

import re

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.findings import followed_up as _followed_up
from imbalance_cli.model import (
    AlertLevel,
    BodyMap,
    Library,
    Questionnaire,
    Recommendation,
    Result,
    Role,
    Wording,
)
from imbalance_cli.rank import plan
from imbalance_cli.render import plan as plans
from imbalance_cli.render.answer_tables import answers, symmetry_table
from imbalance_cli.render.signs import checked_line, quiet_signs, wrote_line
from imbalance_cli.text import md

DISCLAIMER = (
    "This summary is education, not a diagnosis or medical advice. It does not rule any cause "
    "in or out. If something in it worries you, or your symptoms change, see a clinician."
)


AUDIENCES = ("trainer", "client")

#: The closing advice, by the most urgent alert that stands: it never contradicts an alert.
#: Under an urgent or emergency alert it is always this; otherwise the questionnaire's
#: ``wording`` may set it (``closing``, ``closing_advisory``), and these are the defaults.
NEXT_STEPS: dict[AlertLevel | None, str] = {
    AlertLevel.EMERGENCY: (
        "Act on the emergency warning sign above first: get medical help now, as it says. Do not "
        "start or continue exercise for this until a clinician has seen you; reading and exercise "
        "strategies are held back until then."
    ),
    AlertLevel.URGENT: (
        "See a doctor about the warning signs above, within the time each one gives, before "
        "starting any new exercise, and take this summary with you. Advice that assumes there "
        "are no warning signs is held back until a doctor has checked you."
    ),
    AlertLevel.ADVISORY: Wording().closing_advisory,
    None: Wording().closing,
}
#: The closing advice when free text holds warning words no question asked about.
UNASKED_FIRST = (
    "First tell your trainer what you wrote above, and see a doctor about it, before you start "
    "or continue exercise. The advice here assumes there are no warning signs."
)


def handout_title(q: Questionnaire) -> str:
    """The client's handout's title, after the questionnaire they answered: "Your weekly
    check-in summary" (a title starting with an acronym keeps its capitals)."""
    title = q.title
    if title[:1].isupper() and title[1:2].islower():
        title = title[0].lower() + title[1:]
    return f"Your {title} summary"


def next_steps(result: Result) -> str:
    """The closing advice for this result, following from its most urgent alert: the
    questionnaire's own wording when no alert holds content back."""
    level = result.top_level
    wording = result.questionnaire.wording.fitted(result.questionnaire)
    if level in (None, AlertLevel.ADVISORY) and wrote_line(result):
        return UNASKED_FIRST  # never "start small" before what was written is checked
    if level is None:
        return wording.closing
    if level is AlertLevel.ADVISORY:
        return wording.closing_advisory
    return NEXT_STEPS[level]


def _bodymap(result: Result) -> BodyMap:
    return result.questionnaire.bodymap or bodymaps.default()


def render(result: Result, audience: str = "trainer", *, embedded: bool = False) -> str:
    """The summary for a trainer (every answer, the findings and the rule trace with scores)
    or for the client (their plan first, short and plain, the same warning signs on top, the
    details after as an appendix). ``embedded``: inside the HTML report, whose first page
    already shows the warning signs, the plan and where it hurts."""
    if audience == "client":
        return client(result, embedded)[0]
    q = result.questionnaire
    lines: list[str] = [] if embedded else [f"# {md(q.title)}", ""]
    meta = []
    if result.client:
        meta.append(f"**Client:** {md(result.client)}")
    meta.append(f"**Date:** {_date(result.completed_at or result.started_at)}")
    if result.session is not None:
        meta.append(f"**Session:** {result.session}")
    meta.append(f"**Questionnaire:** {md(q.id)} {md(q.version)}")
    if result.completed_at is None:
        meta.append("**Status:** unfinished")
    if not embedded:
        lines += ["  \n".join(meta), ""]
        lines += _alerts(result)
        lines += _stopped(result)
        lines += plans.section(result)
        lines += plans.how_to(result)
    lines += answers(result)
    lines += findings_section(result)
    lines += _articles(result)
    lines += _strategies(result)
    lines += _held(result, trainer=True)
    lines += ["## Next steps", "", md(next_steps(result)), ""]
    lines += _trace(result)
    lines += ["---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(lines)


def _stopped(result: Result) -> list[str]:
    if not result.not_asked:
        return []
    return [f"*{md(result.questionnaire.wording.fitted(result.questionnaire).stopped)}*", ""]


def _count(items: tuple[Recommendation, ...]) -> str:
    articles = sum(1 for r in items if r.kind == "article")
    strategies = len(items) - articles
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((articles, "article"), (strategies, "exercise strategy"))
        if n
    ]
    return " and ".join(parts).replace("strategys", "strategies")


def _held(result: Result, trainer: bool = False) -> list[str]:
    """Says that content was held back, and why, without showing any of it; the trainer's
    version names each item and its reason."""
    if not result.withheld:
        return []
    by_warning = [
        r
        for r in result.withheld
        if not (r.withheld or "").startswith("held back: it does not suit")
    ]
    by_situation = [r for r in result.withheld if r not in by_warning]
    out = ["## Held back for now", ""]
    if by_warning:
        out += [
            f"{_count(tuple(by_warning))} matched these answers but "
            f"{'is' if len(by_warning) == 1 else 'are'} held back until a doctor has checked "
            f"the warning signs above. {md(result.questionnaire.wording.fitted(result.questionnaire).held_back)}",
            "",
        ]
    if by_situation:
        reasons = sorted({(r.withheld or "").removeprefix("held back: ") for r in by_situation})
        out += [
            f"{_count(tuple(by_situation))} "
            f"{'was' if len(by_situation) == 1 else 'were'} left out because "
            + "; ".join(md(x) for x in reasons).replace(
                "it does not suit",
                "it does not suit" if len(by_situation) == 1 else "they do not suit",
            )
            + ".",
            "",
        ]
    if trainer:
        out += _held_items(result)
    return out


def _held_items(result: Result) -> list[str]:
    """For the trainer: each item held back, the rules that chose it and why it is held back.
    Named by title when only a situation holds it back; while a warning sign holds advice back,
    by id only, since a title ("Exercise first for back pain") is part of that advice."""
    under_warning = plans.holding(result)
    out = []
    for r in result.withheld:
        # Ids are validated to [a-z0-9_-], so they are safe inside code spans.
        rules = ", ".join(f"`{rule}`" for rule in r.rules)
        chosen = f", chosen by {rules}" if rules else ""
        name = f"`{r.id}` ({r.kind}{chosen})"
        if not under_warning:
            name = f"**{md(r.title)}** (`{r.id}`, {r.kind}{chosen})"
        out.append(f"- {name}: {md(r.withheld or '')}")
    if under_warning:
        out += [
            "",
            "*By id only while a warning sign holds advice back: a title is part of that "
            "advice. `imbalance library` lists each.*",
        ]
    return [*out, ""]


def findings_section(result: Result) -> list[str]:
    """For the trainer: the patterns and situations found, and what the free text was read for
    and found (each word only ever brings a question; the answers to those are above)."""
    f = result.findings
    out: list[str] = []
    if f.patterns or f.situations:
        out += ["## What the answers show", ""]
        out += [f"- **Pattern:** {md(p.label)} ({md('; '.join(p.facts))})" for p in f.patterns]
        out += [f"- **Situation:** {md(s.label)} ({md('; '.join(s.facts))})" for s in f.situations]
        out.append("")
    if f.text_read:
        goals = {g.id for g, _ in result.questionnaire.goals()}
        followed = _followed_up(result.questionnaire)
        out += ["## Free text read for warning signs", ""]
        for qid in f.text_read:
            question = result.questionnaire.question(qid)
            name = question.short if question else qid
            hits = [h for h in f.words if h.question == qid and h.kind == "warning"]
            asked = [h for h in hits if (qid, h.list_id) in followed]
            unasked = [h for h in hits if (qid, h.list_id) not in followed]
            parts = []
            if asked:
                parts.append("found " + "; ".join(
                    f"{', '.join(repr(w) for w in h.words)} ({h.label})" for h in asked
                ) + ", so a question asked about it")  # fmt: skip
            if unasked:
                parts.append("found " + "; ".join(
                    f"{', '.join(repr(w) for w in h.words)} ({h.label})" for h in unasked
                ) + ", which no question here follows up: ask the client about it")  # fmt: skip
            said = "; ".join(parts) if parts else "no warning words"
            links = [h for h in f.words if h.question == qid and h.kind == "activity"]
            if qid in goals and links:
                said += "; goal read as " + "; ".join(
                    f"{h.label} ({', '.join(repr(w) for w in h.words)})" for h in links
                )
            out.append(f"- **{md(name)}:** {md(said)}")
        out.append("")
    return out


def client(result: Result, embedded: bool = False) -> tuple[str, list[Recommendation]]:
    """The client's handout: their plan first, then where it hurts, the next steps, and the
    details of the plan and the reading as an appendix, most relevant first. With it, the
    items whose content it shows (the only ones its sources may cite)."""
    lines: list[str] = []
    if not embedded:
        day = _date(result.completed_at or result.started_at)
        line = f"{md(result.client)}, {day}" if result.client else day
        if result.session is not None:
            line += f" (session {result.session})"
        lines += [f"# {md(handout_title(result.questionnaire))}", "", line, ""]
        lines += _alerts(result)
        lines += _stopped(result)
        lines += plans.section(result)
        lines += plans.how_to(result)
        pain = _pain_overview(result)
        if pain:
            lines += ["## Where it hurts", "", *pain, ""]
        elif (nowhere := _nowhere(result)) is not None:
            lines += ["## Where it hurts", "", md(nowhere) + ".", ""]
        rated = _ratings(result)
        if rated:
            lines += ["## Your ratings", "", *rated, ""]
        sides = symmetry_table(result)
        if sides:
            lines += ["## Left and right", "", *sides, ""]
    lines += _held(result)
    lines += ["## Next steps", "", md(next_steps(result)), ""]
    closing = ["---", "", f"*{DISCLAIMER}*", ""]
    more, detailed = appendix(result, CLIENT_WORDS - words("\n".join(lines + closing)))
    lines += more + closing
    shown = [] if plans.holding(result) else [r for r in result.recommendations if r.general]
    in_plan = {(item.kind, item.id) for item in plan(result)}
    shown += [r for r in result.recommendations if (r.kind, r.id) in in_plan]
    shown += [r for r in detailed if r not in shown]
    return "\n".join(lines), shown


#: The most words a client's handout has, appendix included: long enough to hold the plan in
#: full, short enough to be read to the end.
CLIENT_WORDS = 1500
#: The heading the client's appendix starts with (the HTML handout starts a page there).
APPENDIX = "Appendix: the details"


def words(text: str) -> int:
    r"""Words as a reader (and ``wc``-style counting of ``\w+``) sees them."""
    return len(re.findall(r"\w+", text))


def appendix(result: Result, budget: int) -> tuple[list[str], list[Recommendation]]:
    """The client's appendix, in relevance order within ``budget`` words: the plan's
    items in full, then the reading; whatever does not fit is named, for the trainer to
    hand over. With it, the items it shows in full."""
    library = result.library
    ranked = [r for r in result.recommendations if not r.general]
    if plans.holding(result):
        # Under a warning sign only reading that does not assume there is none is shown.
        ranked = [r for r in ranked if r.kind == "article"]
    if library is None or not ranked:
        return [], []
    in_plan = {(item.kind, item.id) for item in plan(result)}
    order = [r for r in ranked if (r.kind, r.id) in in_plan]
    order += [r for r in ranked if r.kind == "article" and (r.kind, r.id) not in in_plan]
    head = [f"## {APPENDIX}", ""]
    parts: list[str] = []
    detailed: list[Recommendation] = []
    for rec in order:
        block = _detail(rec, library)
        if not block:
            continue
        rest = [r for r in ranked if r is not rec and r not in detailed]
        tail = _not_shown(rest, in_plan)
        if words("\n".join(head + parts + block + tail)) > budget:
            continue
        parts += block
        detailed.append(rec)
    rest = [r for r in ranked if r not in detailed]
    return (head + parts + _not_shown(rest, in_plan) if parts or rest else []), detailed


def _not_shown(rest: list[Recommendation], in_plan: set[tuple[str, str]]) -> list[str]:
    """What the appendix could not print in full: a step of the plan named as such (it was
    also listed as "also chosen", beside the plan that names it), then the rest."""
    steps = [r for r in rest if (r.kind, r.id) in in_plan]
    out = [f"*{md(r.title)}*, a step of your plan: ask your trainer for it in full." for r in steps]
    out += [""] if steps else []
    return out + _also([r for r in rest if (r.kind, r.id) not in in_plan])


def _detail(rec: Recommendation, library: Library) -> list[str]:
    if rec.kind == "strategy":
        strategy = library.strategies.get(rec.id)
        if strategy is None:
            return []
        return [
            f"### {md(rec.title)}",
            "",
            *plans.strategy_detail(rec, strategy, library, plain=True),
        ]
    article = library.articles.get(rec.id)
    if article is None:
        return []
    out = [f"### {md(rec.title)}", "", md(article.summary), ""]
    for label, text in rec.adapted:
        out += [f"*For {md(label)}:* {md(text)}", ""]
    return out


def _also(rest: list[Recommendation]) -> list[str]:
    if not rest:
        return []
    return [
        "**Also chosen for you** (ask your trainer for these):",
        "",
        *(f"- {md(r.title)}" for r in rest),
        "",
    ]


def _nowhere(result: Result) -> str | None:
    for q in result.questionnaire.questions:
        if q.none_label and result.answers.get(q.id) == ("none",):
            return q.none_label
    return None


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


def _ratings(result: Result) -> list[str]:
    """The ratings asked outside regions (pain during exercise, days exercised), as asked."""
    from imbalance_cli.measures import measures, shown

    return [
        f"- **{md(m.name)}:** {md(shown(m.value, m.unit, m.maximum))}"
        for m in measures(result.questionnaire, result.answers)
        if m.value is not None
    ]


def _trace(result: Result) -> list[str]:
    """For the trainer: how relevant each item is and why (its score), then every rule that
    fired, what it chose, and the answers behind it. A rule whose every choice is held back
    shows why (a warning sign, or a situation it does not suit) instead of its reason text,
    which is part of the advice held back."""
    if not result.trace:
        return []
    held = {r.id: r.withheld or "held back by the warning signs" for r in result.withheld}
    out = ["## Rule trace", ""]
    scored = [r for r in result.recommendations if not r.general]
    if scored:
        out += ["Relevance, most relevant first:", ""]
        out += [f"- `{r.id}`: {r.score} ({md('; '.join(r.score_why))})" for r in scored]
        out.append("")
    for hit in result.trace:
        # Ids are validated to [a-z0-9_-], so they are safe inside code spans.
        ids = (*hit.articles, *hit.strategies)
        # A rule that only adds a note to the plan chose no item: no arrow to nothing.
        chosen = ", ".join(f"`{i}`" for i in ids) or "a note"
        if ids and all(i in held for i in ids):
            why = "; ".join(dict.fromkeys(held[i] for i in ids))
            out.append(f"- `{hit.rule}` → {chosen}: {md(why)}")
        elif not ids and plans.holding(result):
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
    wrote = wrote_line(result)
    said = [f"**⚠ {md(wrote)}**", ""] if wrote else []
    checked = checked_line(result)
    if not result.alerts:
        others = quiet_signs(result)
        if others:
            # A choice of a warning-sign question that no alert reads: say what was chosen,
            # never "none reported".
            return [
                "## ⚠ Warning signs" if wrote else "## Warning signs",
                "",
                "No answer raised a warning-sign alert. You also chose "
                + "; ".join(md(o) for o in others)
                + ": no alert here reads it, so tell your trainer, and see a clinician if it is "
                "new or getting worse.",
                "",
                *said,
                *([f"**{md(checked)}**", ""] if checked and not wrote else []),
            ]
        if wrote:
            return ["## ⚠ Warning signs", "", "No answer raised a warning-sign alert.", "", *said]
        return [
            "## Warning signs",
            "",
            "None of the warning signs in the safety check were reported.",
            "",
            *([f"**{md(checked)}**", ""] if checked else []),
        ]
    out = ["## ⚠ Warning signs: act on these first", ""]
    for fired in result.alerts:
        a = fired.alert
        icon = "🚨" if a.level is AlertLevel.EMERGENCY else "⚠"
        out += [f"### {icon} {a.heading}", "", f"**{md(a.message)}**", ""]
        out += [f"**What to do:** {md(a.action)}", ""]
        if fired.because:
            out += ["Because you answered:", ""]
            out += [f"- {md(b)}" for b in fired.because]
            out.append("")
    return out + said + ([f"**{md(checked)}**", ""] if checked and not wrote else [])


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
            out += [f"*For {md(label)}:* {md(text)}" for label, text in rec.adapted]
            if rec.adapted:
                out.append("")
            out += plans.source_lines(plans.cited(article.sources, rec, library))
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
        if strategy and library:
            out += plans.strategy_detail(rec, strategy, library, plain)
        out += _because(rec.reasons if plain else rec.because)
    return out


def _because(reasons: tuple[str, ...]) -> list[str]:
    if len(reasons) == 1:
        return [f"*Why this was chosen:* {md(reasons[0])}", ""]
    return ["*Why this was chosen:*", "", *(f"- {md(r)}" for r in reasons), ""]
