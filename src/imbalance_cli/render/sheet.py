"""The programme's printable sheet: one page on A4 or Letter with whose it is and their goal,
when to stop, each exercise with its picture (drawn from the library's joint angles), dose,
steps and note, and a log grid for two weeks to fill in by hand. Self-contained HTML (inline CSS
and SVG, no scripts); everything from YAML or answers escaped."""

from __future__ import annotations

from html import escape

from imbalance_cli.model import Exercise, Library
from imbalance_cli.programme.model import Programme, ProgrammeRules
from imbalance_cli.render.programme import (
    adaptations,
    name_of,
    situation_line,
    situation_notes,
)

CSS = """
@page { size: auto; margin: 9mm 10mm; }
* { box-sizing: border-box; }
body { font: 8.6pt/1.28 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 13pt; margin: 0 0 1mm; }
h2 { font-size: 9.5pt; margin: 2mm 0 1mm; }
p, ul, ol { margin: 0.5mm 0 1mm; }
.who { margin: 0 0 1.5mm; }
.stop { border: 2px solid #b00020; border-radius: 3px; padding: 1mm 2mm; margin: 1mm 0 2mm;
        background: #fdecee; }
.cards { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1.5mm 2.5mm; }
.card { border: 1px solid #999; border-radius: 3px; padding: 1mm 1.6mm; break-inside: avoid;
        font-size: 7.9pt; line-height: 1.22; }
.card .pic { color: #111; text-align: center; }
.card .pic svg { width: 44mm; height: auto; }
.card h3 { font-size: 8.6pt; margin: 0 0 0.4mm; }
.card .dose { font-weight: bold; margin: 0 0 0.4mm; }
.card ol { padding-left: 3.5mm; margin: 0; }
.card .note { font-style: italic; }
.stop ul, .habits ul.wide { margin: 0; padding-left: 4mm; columns: 2; column-gap: 6mm; }
.stop li { font-size: 8pt; line-height: 1.2; }
.habits ul { margin: 0; padding-left: 3.5mm; }
.span2 { grid-column: span 2; } .span3 { grid-column: span 3; }
.weeks { display: flex; gap: 4mm; }
.weeks table.log { flex: 1 1 0; }
table.log caption { text-align: left; font-weight: bold; }
.howto, .key { margin: 0.5mm 0; }
table.log { border-collapse: collapse; width: 100%; margin-top: 1mm; }
table.log th, table.log td { border: 1px solid #888; padding: 0.3mm 1mm; height: 6mm;
                             font-size: 7.6pt; text-align: center; }
table.log th { background: #eee; }
table.log tbody th { white-space: nowrap; width: 8mm; }
.footer { color: #444; font-size: 7.4pt; margin-top: 1.5mm; }
.stopped { border: 3px solid #b00020; padding: 2mm 3mm; background: #fdecee; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _picture(exercise: Exercise | None) -> str:
    """The exercise's start and end positions; the steps beside it are what a screen reader
    reads, so the drawing is hidden from it."""
    from imbalance_cli.render.figure import exercise_svg

    drawn = exercise_svg(exercise) if exercise is not None else ""
    return f'<div class="pic" aria-hidden="true">{drawn}</div>' if drawn else ""


def sheet(programme: Programme, library: Library, client: str, rules: ProgrammeRules | None) -> str:
    title = f"Home programme – {client} – {programme.created_at[:10]}"
    from imbalance_cli.render.html import head

    out = [
        head(title, CSS),
        f"<h1>Home programme for {_e(client)}</h1>",
    ]
    if programme.stopped is not None:
        out.append(
            '<section class="stopped" role="alert"><h2>Stopped: do not do these exercises</h2>'
        )
        for alert in programme.stopped.alerts:
            out.append(f"<p><strong>{_e(str(alert.get('heading', '')).capitalize())}:</strong> "
                       f"{_e(alert.get('message', ''))}</p>")  # fmt: skip
            out.append(f"<p><strong>What to do:</strong> {_e(alert.get('action', ''))}</p>")
        out += ["</section>", "</body></html>"]
        return "\n".join(out)
    who = []
    if programme.areas:
        who.append(f"<strong>For:</strong> {_e('; '.join(programme.areas))}")
    if programme.goal:
        who.append(f"<strong>Your goal:</strong> {_e(programme.goal)}")
    who.append(f"<strong>From:</strong> {_e(programme.created_at[:10])}")
    out.append(f'<p class="who">{" · ".join(who)}</p>')
    situations = situation_line(programme, library)
    if situations:
        out.append(f"<p><strong>{_e(situations)}.</strong> "
                   + " ".join(_e(n) for n in situation_notes(programme, library)) + "</p>")  # fmt: skip
    if programme.after_clinician:
        out.append("<p><strong>Start after you have been checked by a clinician.</strong></p>")
    stops = list(rules.stop) if rules is not None else []
    if rules is not None:
        # The warning signs of the client's own situations (pregnancy, osteoporosis).
        held = set(programme.situations)
        stops += [f"{w.label}: {w.action}" for w in rules.warnings
                  if w.situations and held & set(w.situations)]  # fmt: skip
    # The body part's own (a hip that locks, a knee hot and swollen): the sheet is what the
    # client keeps, and the plan that says them is not.
    stops += _own_stops(programme, library)
    if stops:
        out.append('<section class="stop"><h2>When to stop</h2><ul>')
        out += [f"<li>{_e(line)}</li>" for line in stops]
        out.append("</ul></section>")
    out.append('<h2>Your exercises</h2><div class="cards">')
    for n, item in enumerate(programme.items, start=1):
        exercise = library.exercises.get(item.exercise)
        out.append('<section class="card">')
        out.append(_picture(exercise))
        out.append(f"<h3>{n}. {_e(name_of(library, item.exercise))}</h3>")
        out.append(f'<p class="dose">{_e(item.dose.text)}</p>')
        if exercise is not None:
            steps = exercise.steps_for(item.dose)
            out.append("<ol>" + "".join(f"<li>{_e(s)}</li>" for s in steps) + "</ol>")
        for label, how in adaptations(programme, item.exercise, library):
            out.append(f'<p class="note">{_e(label)}: {_e(how)}</p>')
        if item.note:
            out.append(f'<p class="note">{_e(item.note)}</p>')
        out.append("</section>")
    out += _habits(programme, library)
    out.append("</div>")
    out += _grid(programme, library, rules.log_weeks if rules else 2)
    out.append(
        '<p class="footer">Pain during: 0 none, 3 fine, 5 acceptable, above 5 too much. Next '
        "morning: better, same or worse than usual. Log it with your trainer or with "
        "imbalance log. Education, not a diagnosis or medical advice.</p>"
    )
    out.append("</body></html>")
    return "\n".join(out)


#: The cards in a row of the sheet (.cards' columns), and the most steps of the programme's
#: strategies a card of one column has room for (of more columns, half as many again).
ROW, HABITS = 3, 4


def _habits(programme: Programme, library: Library) -> list[str]:
    """What the programme's strategies say to do besides their exercises (lift a baby with both
    hands scooped under; a splint for painful tasks): for many, the change that matters most.
    A card in the rest of the exercises' last row (the page has no room for another row), each
    step once, as many as it holds, with where the rest are."""
    steps: list[str] = []
    for item in programme.items:
        strategy = library.strategies.get(item.strategy or "")
        if strategy is not None:
            steps += [s for s in strategy.steps if s not in steps]
    if not steps:
        return []
    span = ROW - len(programme.items) % ROW
    room = HABITS if span == 1 else HABITS + HABITS // 2
    out = [f'<section class="card habits span{span}">',
           "<h3>Besides the exercises</h3>",
           f'<ul class="{"wide" if span > 1 else "narrow"}">']  # fmt: skip
    out += [f"<li>{_e(s)}</li>" for s in steps[:room]]
    out.append("</ul>")
    if len(steps) > room:
        more = len(steps) - room
        out.append(f'<p class="note">{more} more {"step" if more == 1 else "steps"} in your '
                   "plan (your summary from the assessment).</p>")  # fmt: skip
    out.append("</section>")
    return out


def _own_stops(programme: Programme, library: Library) -> list[str]:
    """When to stop, as each of the programme's strategies says it, each once."""
    found: list[str] = []
    for item in programme.items:
        strategy = library.strategies.get(item.strategy or "")
        if strategy is not None and strategy.stop and strategy.stop not in found:
            found.append(strategy.stop)
    return found


def _grid(programme: Programme, library: Library, weeks: int) -> list[str]:
    """A week per table, side by side: a row per day, a cell per exercise to tick it and write
    the pain during it, and how the next morning felt."""
    count = len(programme.items)
    out = [f"<h2>Log: {weeks} weeks</h2>",
           '<p class="howto">For each exercise done, tick and write the pain during it (0-10), '
           "as &#10003;2. Next morning: better, same or worse than usual.</p>",
           '<div class="weeks">']  # fmt: skip
    for week in range(weeks):
        out.append('<table class="log">')
        out.append(f"<caption>Week {week + 1}</caption>")
        out.append('<thead><tr><th scope="col">Day</th>')
        out += [f'<th scope="col" title="{_e(name_of(library, i.exercise))}">{n}</th>'
                for n, i in enumerate(programme.items, start=1)]  # fmt: skip
        out.append('<th scope="col">Next morning</th></tr></thead><tbody>')
        for day in range(week * 7 + 1, week * 7 + 8):
            cells = "".join("<td></td>" for _ in range(count + 1))
            out.append(f'<tr><th scope="row">{day}</th>{cells}</tr>')
        out.append("</tbody></table>")
    out.append("</div>")
    out.append('<p class="key">' + " · ".join(
        f"{n} = {_e(name_of(library, i.exercise))}" for n, i in enumerate(programme.items, start=1)
    ) + "</p>")  # fmt: skip
    return out
