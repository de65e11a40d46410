"""Editing a programme on the terminal: accept or refuse each change the log calls for, drop an
exercise, swap it for its easier or harder version, change its dose, add a note or an exercise,
then save. One menu at a time (arrows and Enter, or numbers in plain mode)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from imbalance_cli.errors import Interrupted
from imbalance_cli.programme.dose import step_down, step_up
from imbalance_cli.programme.model import Decision, Item, Programme
from imbalance_cli.render.programme import change_line, name_of

if TYPE_CHECKING:
    from imbalance_cli.model import Library, Result
    from imbalance_cli.workflow.intake import Ui


def edit(
    draft: Programme,
    decisions: list[Decision],
    library: Library,
    result: Result | None,
    ui: Ui,
    client: str,
) -> tuple[Programme, list[Decision]]:
    """The programme as the trainer leaves it, and the changes they accepted."""
    from imbalance_cli.render.programme import text

    pending = [d for d in decisions if d.changes or d.action == "change"]
    accepted: dict[str, bool] = {d.exercise: True for d in pending}
    while True:
        ui.say(text(draft, library, client))
        options: list[tuple[str, str]] = [("save", "Save this programme")]
        for d in pending:
            mark = "Accept" if not accepted[d.exercise] else "Refuse"
            state = "accepted" if accepted[d.exercise] else "refused"
            options.append(
                (f"toggle:{d.exercise}", f"{mark} ({state} now): {change_line(d, library)}")
            )
        options += [(f"item:{n}", f"Change {name_of(library, i.exercise)} ({i.dose.text})")
                    for n, i in enumerate(draft.items)]  # fmt: skip
        size = library.programme.max_size if library.programme else 5
        if len(draft.items) < size:
            options.append(("add", "Add an exercise"))
        options.append(("cancel", "Leave without saving"))
        try:
            choice = ui.choose("What next?", options, "save")
        except KeyboardInterrupt:
            raise Interrupted({}, "stopped; the programme was not changed") from None
        if choice == "save":
            return draft, [d for d in pending if accepted[d.exercise]]
        if choice == "cancel":
            raise Interrupted({}, "left without saving; the programme was not changed")
        if choice.startswith("toggle:"):
            key = choice.split(":", 1)[1]
            accepted[key] = not accepted[key]
        elif choice.startswith("item:"):
            draft = _change_item(draft, int(choice.split(":", 1)[1]), library, ui)
        elif choice == "add":
            draft = _add(draft, library, result, ui)


def _change_item(draft: Programme, n: int, library: Library, ui: Ui) -> Programme:
    item = draft.items[n]
    exercise = library.exercises.get(item.exercise)
    step = library.programme.step if library.programme else None
    options: list[tuple[str, str]] = []
    if exercise is not None and exercise.easier in library.exercises:
        options.append(
            ("easier", f"Swap for the easier version: {name_of(library, exercise.easier or '')}")
        )
    if exercise is not None and exercise.harder in library.exercises:
        options.append(
            ("harder", f"Swap for the harder version: {name_of(library, exercise.harder or '')}")
        )
    if step is not None:
        options.append(("less", f"Less: {step_down(item.dose, step).text}"))
        options.append(("more", f"More: {step_up(item.dose, step).text}"))
    if exercise is not None and item.dose != exercise.dose:
        options.append(("base", f"Back to the library's dose: {exercise.dose.text}"))
    options += [("note", "Add or change a note"), ("drop", "Drop it from the programme"),
                ("back", "Back")]  # fmt: skip
    what = ui.choose(f"{name_of(library, item.exercise)} ({item.dose.text})", options, "back")
    items = list(draft.items)
    if what in ("easier", "harder") and exercise is not None:
        other = library.exercises[getattr(exercise, what)]
        items[n] = replace(item, exercise=other.id, dose=other.dose, steps=0)
    elif what in ("less", "more") and step is not None:
        items[n] = replace(item, dose=(step_down if what == "less" else step_up)(item.dose, step))
    elif what == "base" and exercise is not None:
        items[n] = replace(item, dose=exercise.dose, steps=0)
    elif what == "note":
        typed = ask_text(ui, f"A note for {name_of(library, item.exercise)} (Enter: none)")
        items[n] = replace(item, note=typed or None)
    elif what == "drop" and len(items) > 1:
        del items[n]
    elif what == "drop":
        ui.note("A programme keeps at least one exercise; add another first.")
    return replace(draft, items=tuple(items))


def _add(draft: Programme, library: Library, result: Result | None, ui: Ui) -> Programme:
    from imbalance_cli.programme.propose import candidates

    ids = candidates(result, library, draft)
    if not ids:
        ui.note("No other exercise fits this client's plan.")
        return draft
    options = [(e, f"{name_of(library, e)} ({library.exercises[e].dose.text})") for e in ids[:20]]
    options.append(("back", "Back"))
    chosen = ui.choose("Which exercise?", options, options[0][0])
    if chosen == "back":
        return draft
    exercise = library.exercises[chosen]
    return replace(
        draft, items=(*draft.items, Item(exercise.id, exercise.dose, "Added by the trainer"))
    )


def ask_text(ui: Ui, message: str) -> str:
    asker = getattr(ui, "text", None)
    if callable(asker):
        return str(asker(message)).strip()
    return ""
