"""A programme file (YAML): the exercises a trainer chose, with doses and notes, for a headless
``imbalance plan --from FILE``. Checked as every file is: each problem with its place."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from imbalance_cli.errors import DEFAULT_MAX_BYTES, ProblemsError
from imbalance_cli.model import Library
from imbalance_cli.programme.model import Item, Programme
from imbalance_cli.shapes import text_field
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import Shape, Sink, as_list, as_str, compose, fields, read_text

FILE = Shape(("exercises", "note"), ("exercises",))
ITEM = Shape(("id", "dose", "note"), ("id",))


def read_programme_file(path: Path, draft: Programme, library: Library) -> Programme:
    """The draft with the file's exercises (those of the draft keep why they were chosen)."""
    from imbalance_cli.library_items import _dose

    sink = Sink(str(path))
    text = read_text(path, sink, DEFAULT_MAX_BYTES)
    root = compose(text, sink) if text is not None else None
    top = fields(root, sink, "a programme file", FILE) if root is not None else None
    items: list[Item] = []
    if top is not None:
        before = {i.exercise: i for i in draft.items}
        for node in (
            as_list(top["exercises"], sink, "exercises") or () if "exercises" in top else ()
        ):
            f = fields(node, sink, "an exercise of the programme", ITEM)
            if f is None or "id" not in f:
                continue
            eid = as_str(f["id"], sink, "exercise id")
            exercise = library.exercises.get(eid) if eid is not None else None
            if eid is not None and exercise is None:
                sink.add(
                    f["id"],
                    f"unknown exercise '{eid}'{suggest(eid, library.exercises)} (see: imbalance library --exercises)",
                )
                continue
            if exercise is None:
                continue
            clash = sorted(set(exercise.not_for) & set(draft.situations))
            if clash:
                sink.add(f["id"], f"'{exercise.id}' does not suit this client ({', '.join(clash)}: "
                         "its not_for in the library); choose another")  # fmt: skip
                continue
            dose = _dose(f["dose"], sink) if "dose" in f else None
            note = text_field(f, "note", sink, "exercise")
            base = before.get(exercise.id) or Item(
                exercise.id, exercise.dose, "Chosen by the trainer"
            )
            items.append(replace(base, dose=dose or base.dose, note=note or base.note))
        if not items and not sink.problems:
            sink.add(top["exercises"], "a programme needs at least one exercise")
        size = library.programme.max_size if library.programme else 5
        if len(items) > size:
            sink.add(
                top["exercises"], f"{len(items)} exercises; a programme keeps to {size} at most"
            )
    if sink.problems:
        raise ProblemsError(sink.problems, what="the programme file")
    note = text_field(top, "note", sink, "programme") if top else None
    return replace(draft, items=tuple(items), note=note or draft.note)
