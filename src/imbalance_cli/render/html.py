"""The printable report: one self-contained HTML file (inline CSS and SVG, no scripts, nothing
fetched) for A4 or Letter. Page one is the overview: who and when, warning signs first with what
to do, the body map, the pain table, goals, left and right, and the top three things to do. Then
the detail (the markdown summary, rendered by markdown-it-py with raw HTML off), then sources.

Text from answers and from YAML reaches the page only through ``escape`` or through markdown
whose text was escaped by ``text.md``: never pasted into HTML as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from imbalance_cli import bodymap as bodymaps
from imbalance_cli.model import (
    AlertLevel,
    Questionnaire,
    QuestionType,
    Recommendation,
    Result,
)
from imbalance_cli.profile import pain_by_region
from imbalance_cli.rank import plan
from imbalance_cli.render import markdown
from imbalance_cli.render import plan as plans
from imbalance_cli.render.signs import checked_line, quiet_signs, wrote_line
from imbalance_cli.render.svg import body_map
from imbalance_cli.symmetry import format_value, reading, symmetries

CSS = """
@page { margin: 13mm 14mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0 auto;
       max-width: 186mm; padding: 6mm 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; }
p, ul, ol { margin: 1mm 0 2mm; }
.meta { color: #333; margin-bottom: 3mm; }
.appendix, .sources { break-before: page; }
.alert { border: 2px solid #a0522d; border-radius: 3px; padding: 2mm 3mm; margin: 2mm 0;
         background: #fff6ea; break-inside: avoid; }
.alert.emergency { border-color: #b00020; background: #fdecee; }
.alert.urgent { border-color: #c2410c; background: #fff1e6; }
.alert h3 { margin: 0 0 1mm; }
.alert .what { font-weight: bold; }
.row { display: flex; gap: 5mm; align-items: flex-start; }
.row .map { flex: 0 0 48mm; }
.row .map svg { width: 48mm; height: auto; }
.row .facts { flex: 1 1 auto; }
table { border-collapse: collapse; margin: 1mm 0 2mm; }
th, td { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #f1f1f1; }
.top3 li { margin-bottom: 1.5mm; }
.plan .whose { font-size: 10.5pt; }
.howto { border: 1px solid #bbb; border-radius: 3px; padding: 1mm 3mm; margin: 2mm 0;
         background: #f7f7f7; break-inside: avoid; }
.howto h3 { margin: 1mm 0; }
.detail h1 { font-size: 13pt; }
.chart svg { width: 160mm; height: auto; }
.footer { color: #444; font-style: italic; margin-top: 4mm; }
@media screen { body { padding: 8mm; } }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _date(stamp: str) -> str:
    return stamp[:10]


def _plan(result: Result) -> list[str]:
    """Page one's "Your plan": whose plan (their areas and goals), then what the warning signs
    ask first, or the most relevant things to do, each with the answer that chose it, its first
    step and how much; the notes their answers call for; what changed the plan."""
    out = ['<section class="plan">', "<h2>Your plan</h2>"]
    areas, goals = plans.whose(result)
    lines = []
    if areas:
        lines.append(f"<strong>For:</strong> {_e('; '.join(areas))}")
    if goals:
        lines.append(
            f"<strong>Your goal{'s' if len(goals) > 1 else ''}:</strong> {_e('; '.join(goals))}"
        )
    if lines:
        out.append(f'<p class="whose">{"<br>".join(lines)}</p>')
    items = plan(result)
    top = result.top_level
    if top is not None and top.holds_back:
        out.append(
            f'<p class="first"><strong>First:</strong> {_e(result.alerts[0].alert.action)}</p>'
        )
        out.append(f"<p>{_e(markdown.next_steps(result))}</p>")
    elif items:
        out.append('<ol class="top3">')
        for item in items:
            title = _e(item.title)
            if item.after_clinician:
                title += " (after a clinician has checked you)"
            parts = [f"<strong>{title}</strong>"]
            if item.goal:
                parts.append(
                    f'<span class="goal">Your goal: {_e(item.goal)}. {_e(item.rung or "")}.</span>'
                )
            why = item.why + (f" ({'; '.join(item.facts)})" if item.facts else "")
            if why:
                parts.append(f'<span class="why"><em>Why:</em> {_e(why)}</span>')
            parts.append(f"<span><em>Start with:</em> {_e(item.first)}</span>")
            if item.how_much:
                parts.append(f"<span><em>How much:</em> {_e(item.how_much)}</span>")
            parts += [
                f"<span><em>For {_e(label)}:</em> {_e(text)}</span>" for label, text in item.adapted
            ]
            parts += [f"<span><em>Changed for you:</em> {_e(swap)}</span>" for swap in item.swaps]
            out.append("<li>" + "<br>".join(parts) + "</li>")
        out.append("</ol>")
    else:
        out.append(f"<p>{_e(markdown.next_steps(result))}</p>")
    notes = plans.plan_notes(result)
    if notes:
        out.append("<h3>From your answers</h3><ul>")
        out += [f"<li>{_e(n)}</li>" for n in notes]
        out.append("</ul>")
    situations = [f for f in result.findings.situations if f.note]
    if situations and not (top is not None and top.holds_back):
        out.append("<h3>What changed the plan</h3><ul>")
        out += [f"<li>{_e(f.note or '')}</li>" for f in situations]
        out.append("</ul>")
    general = [r for r in result.recommendations if r.general]
    if general and result.library is not None and not (top is not None and top.holds_back):
        out.append('<div class="howto"><h3>How to use this plan</h3><ul>')
        for rec in general:
            strategy = result.library.strategies.get(rec.id)
            text = strategy.summary if strategy else ""
            reason = plans.personal_why(rec)
            said = f" <em>Why:</em> {_e(reason)}" if reason else ""
            out.append(f"<li><strong>{_e(rec.title)}:</strong> {_e(text)}{said}</li>")
        out.append("</ul></div>")
    out.append("</section>")
    return out


def _asks_about_pain(q: Questionnaire) -> bool:
    """Whether it asks where it hurts: regions, or pain rated per region."""
    return any(
        (x.role is not None and x.role.is_region_pain and x.region is not None)
        or x.type is QuestionType.BODY_REGIONS
        for x in q.questions
    )


def _ratings(result: Result) -> list[str]:
    """The ratings asked outside regions (pain during exercise, days exercised...), as asked."""
    from imbalance_cli.measures import measures, shown

    found = [m for m in measures(result.questionnaire, result.answers) if m.value is not None]
    if not found:
        return []
    rows = "".join(
        f"<tr><td>{_e(m.name)}</td><td>{_e(shown(m.value, m.unit, m.maximum))}</td></tr>"
        for m in found
    )
    return [
        "<h2>Ratings</h2>",
        f'<table class="ratings"><thead><tr><th>What</th><th>Answer</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>",
    ]


def _overview(result: Result, audience: str) -> list[str]:
    q = result.questionnaire
    bodymap = q.bodymap or bodymaps.default()
    title = q.title if audience == "trainer" else markdown.handout_title(q)
    meta = []
    if result.client:
        meta.append(f"<strong>Client:</strong> {_e(result.client)}")
    meta.append(f"<strong>Date:</strong> {_e(_date(result.completed_at or result.started_at))}")
    if result.session is not None:
        meta.append(f"<strong>Session:</strong> {result.session}")
    if result.previous is not None:
        meta.append(f"<strong>Re-assessment of session</strong> {result.previous}")
    out = ['<section class="overview">', f"<h1>{_e(title)}</h1>"]
    out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if result.alerts:
        out.append("<h2>⚠ Warning signs: act on these first</h2>")
        for fired in sorted(result.alerts, key=lambda f: f.alert.level.rank):
            level = fired.alert.level
            out.append(
                f'<div class="alert {level.value}" role="alert"><h3>⚠ {_e(fired.alert.heading)}</h3>'
                f"<p>{_e(fired.alert.message)}</p>"
                f'<p class="what">What to do: {_e(fired.alert.action)}</p>'
                + (
                    f'<p class="because">Because: {_e("; ".join(fired.because))}</p>'
                    if fired.because and level.holds_back  # an advisory's would crowd page one
                    else ""
                )
                + "</div>"
            )
    elif quiet_signs(result):
        out.append(
            "<p><strong>Warning signs:</strong> no answer raised an alert. Also chosen: "
            + _e("; ".join(quiet_signs(result)))
            + ". No alert here reads it: tell your trainer, and see a clinician if it is new or "
            "getting worse.</p>"
        )
    elif not wrote_line(result):
        out.append(
            "<p><strong>Warning signs:</strong> none reported. If one appears later, stop and "
            "see a clinician.</p>"
        )
    if wrote_line(result):
        out.append(
            f'<div class="alert urgent" role="alert"><p>⚠ {_e(wrote_line(result) or "")}</p></div>'
        )
    elif checked_line(result):
        out.append(f"<p><strong>⚠ {_e(checked_line(result) or '')}</strong></p>")
    out += _plan(result)
    pain = pain_by_region(q, result.answers)
    if pain or result.top_level is not AlertLevel.EMERGENCY:
        rows = []
        for token, r in pain.items():
            cells = [f"{v:g}/10" if v is not None else "–" for v in (r.now, r.best, r.worst)]
            rows.append(
                f"<tr><td>{_e(bodymap.describe(token))}</td>"
                + "".join(f"<td>{c}</td>" for c in cells)
                + "</tr>"
            )
        table = (
            '<table class="pain"><thead><tr><th>Where</th><th>Now</th><th>At best</th>'
            "<th>At worst</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            if rows
            else "<p>No pain reported.</p>"
        )
        facts = ["<h2>Where it hurts</h2>", table]
        if pain and not any(v is not None for r in pain.values() for v in (r.now, r.best, r.worst)):
            # Where it hurts, not rated here (a check-in takes it from the intake): the areas,
            # not a table of dashes.
            facts = ["<h2>Where it hurts</h2>",
                     "<p>" + _e("; ".join(bodymap.describe(t) for t in pain)) + "</p>"]  # fmt: skip
        ratings = _ratings(result)
        if not rows and not _asks_about_pain(q):
            # A questionnaire that does not ask where it hurts (the side-to-side check, a
            # check-in) never says "No pain reported": it shows the ratings it asked, or says
            # where pain is recorded.
            facts = ratings or [
                f"<p><strong>Pain:</strong> not asked in the {_e(q.title.lower())}; see the "
                "client's intake for where it hurts.</p>"
            ]
        elif ratings:
            facts += ratings
        out.append('<div class="row">')
        if any(r.draw for r in bodymap.regions) and pain:
            out.append(
                f'<div class="map">{body_map(bodymap, pain, title="Where it hurts: body map")}</div>'
            )
        out.append(f'<div class="facts">{"".join(facts)}</div></div>')
    sides = symmetries(q, result.answers)
    if sides:
        out.append("<h2>Left and right</h2>")
        out.append(
            '<table class="sides"><thead><tr><th>Test</th><th>Left</th><th>Right</th>'
            "<th>Symmetry index</th><th>Reading</th></tr></thead><tbody>"
        )
        for s in sides:
            lsi = f"{s.lsi:g}%" if s.lsi is not None else "–"
            out.append(
                f"<tr><td>{_e(s.label)}</td><td>{_e(format_value(s.left, s.unit))}</td>"
                f"<td>{_e(format_value(s.right, s.unit))}</td><td>{lsi}</td>"
                f"<td>{_e(reading(s))}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append(f'<p class="footer">{_e(markdown.DISCLAIMER)}</p>')
    out.append("</section>")
    return out


def _sources(result: Result, shown: Sequence[Recommendation]) -> list[str]:
    """The sources of the items the report shows (a client's handout cites nothing it holds
    back or leaves to the trainer)."""
    library = result.library
    cited: list[str] = []
    for rec in shown:
        if library is None:
            break
        item_sources = list(
            plans.cited(library.articles[rec.id].sources, rec, library)
            if rec.kind == "article" and rec.id in library.articles
            else plans.cited(library.strategies[rec.id].sources, rec, library)
            if rec.id in library.strategies
            else ()
        )
        for eid in rec.exercises:
            if eid in library.exercises:
                item_sources += plans.cited(library.exercises[eid].sources, rec, library)
        for source in item_sources:
            address = source.link
            link = (
                f' <a href="{_e(address)}">{_e(address)}</a>'
                if address and address.startswith("https://")
                else ""
            )
            item = f"<li><em>{_e(source.kind.label)}:</em> {_e(source.citation)}{link}</li>"
            if item not in cited:
                cited.append(item)
    for s in symmetries(result.questionnaire, result.answers):
        if s.noise_source:
            item = (
                f"<li><em>Day-to-day noise of {_e(s.label.lower())}:</em> {_e(s.noise_source)}</li>"
            )
            if item not in cited:
                cited.append(item)
    if not cited:
        return []
    return ['<section class="sources">', "<h2>Sources</h2>", "<ol>", *cited, "</ol>", "</section>"]


def head(title: str, css: str) -> str:
    """A page's start, up to its body: English, UTF-8, its title and its own inline CSS."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{css}</style></head><body>",
        ]
    )


def render(result: Result, audience: str = "trainer", charts: Sequence[str] = ()) -> str:
    """The whole report. ``charts`` are SVG progress charts (render.progress) to include."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    if audience == "client":
        text, cited = markdown.client(result, embedded=True)
    else:
        text, cited = markdown.render(result, audience, embedded=True), list(result.recommendations)
    # The handout is the first pages; the appendix (each item in full) starts on a page of its
    # own, so a reader can print the plan alone.
    lead, mark, tail = text.partition(f"\n## {markdown.APPENDIX}\n")
    detail = parser.render(lead)
    if mark:
        detail += '<section class="appendix">' + parser.render(mark + tail) + "</section>"
    title = (
        f"{result.questionnaire.title} – {result.client or 'summary'} – {_date(result.started_at)}"
    )
    out = [head(title, CSS), *_overview(result, audience)]
    if charts:
        out += ['<section class="progress">', "<h2>Progress over time</h2>"]
        out += [f'<div class="chart">{chart}</div>' for chart in charts]
        out.append("</section>")
    out += ['<section class="detail">', detail, "</section>"]
    out += _sources(result, cited)
    out.append("</body></html>")
    return "\n".join(out)


def page(title: str, charts: Sequence[str], lead: str = "") -> str:
    """A page of charts alone (imbalance progress --html); ``lead`` is HTML put before them
    (the warning signs of the sessions), made by our own renderers with everything escaped."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_e(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            f"<h1>{_e(title)}</h1>",
            lead,
            *[f'<div class="chart">{chart}</div>' for chart in charts],
            f'<p class="footer">{_e(markdown.DISCLAIMER)}</p>',
            "</body></html>",
        ]
    )
