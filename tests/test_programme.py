"""The home programme's pure parts: the dose rules as a table (log histories in, decision and
reason out), including missing days and conflicting entries; the proposal from a result."""

from __future__ import annotations

from datetime import date

import pytest

from imbalance_cli.model import Dose
from imbalance_cli.programme.dose import applied, decide, decisions, merged_by_day
from imbalance_cli.programme.model import Entry, Item, Programme
from imbalance_cli.workflow import load_library

LIB = load_library()
RULES = LIB.programme
assert RULES is not None
EX = "box-squat"  # has an easier and a harder version
TODAY = date(2026, 12, 14)


def e(n: int, day: str, *, done: str = "as_planned", pain: int | None = 2, morning: str = "usual",
      sensations: tuple[str, ...] = (), where: tuple[str, ...] = (EX,), ex: str = EX) -> Entry:  # fmt: skip
    return Entry(
        day=day,
        done=((ex, done),),
        pain=((ex, pain),) if pain is not None and done != "not_done" else (),
        morning=morning,
        sensations=sensations,
        where=tuple((s, where) for s in sensations),
        id=n,
        logged_at=f"{day}T20:00:00+00:00",
    )


def item(exercise: str = EX, steps: int = 0) -> Item:
    return Item(exercise, LIB.exercises[exercise].dose, steps=steps)


# (name, entries, expected action, expected rule, expected entries that caused it)
TABLE = [
    ("nothing logged", [], "hold", "", ()),
    ("one good session", [e(1, "2026-12-10")], "hold", "", (1,)),
    ("two good sessions", [e(1, "2026-12-10"), e(2, "2026-12-12")], "progress", "settled-and-easy", (1, 2)),
    ("good, but less than planned", [e(1, "2026-12-10"), e(2, "2026-12-12", done="less")], "hold", "", (1, 2)),
    ("a missed day between two good ones", [e(1, "2026-12-10"), e(2, "2026-12-11", done="not_done"), e(3, "2026-12-12")],
     "progress", "settled-and-easy", (1, 3)),
    ("morning not known yet", [e(1, "2026-12-10"), e(2, "2026-12-12", morning="unknown")], "hold", "", (1, 2)),
    ("pain 4 during", [e(1, "2026-12-10"), e(2, "2026-12-12", pain=4)], "hold", "acceptable-pain", (2,)),
    ("pain 5 during", [e(1, "2026-12-12", pain=5)], "hold", "acceptable-pain", (1,)),
    ("pain 6 during", [e(1, "2026-12-12", pain=6)], "regress", "too-much-pain", (1,)),
    ("worse next morning once", [e(1, "2026-12-10"), e(2, "2026-12-12", morning="worse")], "hold", "not-settled", (2,)),
    ("worse next morning twice in three", [e(1, "2026-12-08", morning="worse"), e(2, "2026-12-10"), e(3, "2026-12-12", morning="worse")],
     "regress", "worse-next-morning-twice", (1, 3)),
    ("pinching", [e(1, "2026-12-10"), e(2, "2026-12-12", sensations=("pinching",))], "change", "pinch", (2,)),
    ("pinching in another exercise", [e(1, "2026-12-10"), e(2, "2026-12-12", sensations=("pinching",), where=("band-side-step",))],
     "progress", "settled-and-easy", (1, 2)),
    ("nerve-like feeling", [e(1, "2026-12-12", sensations=("nerve",))], "stop", "nerve-feeling", (1,)),
    ("nerve beats low pain", [e(1, "2026-12-10"), e(2, "2026-12-12", pain=1, sensations=("nerve",))], "stop", "nerve-feeling", (2,)),
    ("burning that fades changes nothing", [e(1, "2026-12-10", sensations=("burning",)), e(2, "2026-12-12", sensations=("burning",))],
     "progress", "settled-and-easy", (1, 2)),
    ("a long break", [e(1, "2026-11-30"), e(2, "2026-12-02")], "hold", "long-break", (2,)),
    # Two entries for one day that disagree: read cautiously (the higher pain decides).
    ("conflicting entries for a day", [e(1, "2026-12-10"), e(2, "2026-12-12", pain=1), e(3, "2026-12-12", pain=7)],
     "regress", "too-much-pain", (2, 3)),
    ("conflicting mornings for a day", [e(1, "2026-12-10"), e(2, "2026-12-12"), e(3, "2026-12-12", morning="worse")],
     "hold", "not-settled", (2, 3)),
    ("done and not done on one day", [e(1, "2026-12-10"), e(2, "2026-12-12", done="not_done"), e(3, "2026-12-12", pain=2)],
     "hold", "", (1, 2, 3)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "entries", "action", "rule", "caused"), TABLE, ids=[t[0] for t in TABLE]
)
def test_dose_rules(
    name: str, entries: list[Entry], action: str, rule: str, caused: tuple[int, ...]
) -> None:
    got = decide(item(), entries, RULES, LIB, TODAY)
    assert (got.action, got.rule, got.entries) == (action, rule, caused), name
    assert got.says  # every decision says why


def test_progress_adds_a_step_then_offers_the_harder_version() -> None:
    good = [e(1, "2026-12-10"), e(2, "2026-12-12")]
    first = decide(item(), good, RULES, LIB, TODAY)
    base = LIB.exercises[EX].dose
    assert first.to_exercise is None and first.to_dose is not None
    assert first.to_dose != base
    later = decide(item(steps=RULES.steps_before_harder), good, RULES, LIB, TODAY)
    assert later.to_exercise == LIB.exercises[EX].harder


def test_regress_swaps_for_the_easier_version() -> None:
    got = decide(item(), [e(1, "2026-12-12", pain=8)], RULES, LIB, TODAY)
    assert got.to_exercise == LIB.exercises[EX].easier


def test_sensation_notes_are_kept_with_the_decision() -> None:
    got = decide(item(), [e(1, "2026-12-12", sensations=("burning",))], RULES, LIB, TODAY)
    assert any("muscle working hard" in n for n in got.notes)


def test_a_pinch_with_too_much_pain_keeps_the_pinch_advice() -> None:
    """A bridge at 6 of 10 with a pinch: the pain rule decides (less), and the pinch's own
    advice (change the angle, a smaller movement) came with nothing: it is kept as a note."""
    got = decide(item(), [e(1, "2026-12-12", pain=6, sensations=("pinching",))], RULES, LIB, TODAY)
    assert got.rule == "too-much-pain"
    assert any("make the movement smaller" in n for n in got.notes), got.notes
    alone = decide(item(), [e(1, "2026-12-12", sensations=("pinching",))], RULES, LIB, TODAY)
    assert alone.rule == "pinch" and not alone.notes  # its own words say it once


def test_merged_by_day_reads_cautiously() -> None:
    days = merged_by_day([e(1, "2026-12-12", pain=1), e(2, "2026-12-12", pain=7, morning="worse")])
    assert len(days) == 1
    assert days[0].pain_of(EX) == 7 and days[0].morning == "worse"


def test_applied_changes_dose_and_drops_a_stopped_exercise() -> None:
    prog = Programme(
        items=(item(), item("band-side-step")), created_at="2026-12-01T00:00:00+00:00", id=4
    )
    entries = [e(1, "2026-12-10"), e(2, "2026-12-12"),
               e(3, "2026-12-12", ex="band-side-step", sensations=("nerve",), where=("band-side-step",))]  # fmt: skip
    chosen = decisions(prog, entries, RULES, LIB, TODAY)
    assert [d.action for d in chosen] == ["progress", "stop"]
    nxt = applied(prog, chosen, "2026-12-14T09:00:00+00:00")
    assert [i.exercise for i in nxt.items] == [EX]
    assert nxt.items[0].dose != LIB.exercises[EX].dose and nxt.items[0].steps == 1
    assert nxt.previous == 4 and nxt.changes == tuple(chosen)


def test_entries_before_the_current_version_do_not_count() -> None:
    prog = Programme(items=(item(),), created_at="2026-12-11T00:00:00+00:00")
    got = decisions(prog, [e(1, "2026-12-10"), e(2, "2026-12-12")], RULES, LIB, TODAY)
    assert got[0].action == "hold"
    assert Dose(reps=1).text  # the dose text used on the sheet never fails on a bare dose


def test_a_trainer_is_offered_each_movement_once_and_none_already_in_the_programme() -> None:
    """The library has a "Row with a band" for pain (band-row) and one for general strength
    (g-band-row): a programme holding one is not offered the other, and a list with both offers
    the first alone. With no plan to draw from, the exercises for the programme's body parts are
    offered, the same way, and none that does not suit the client's situations."""
    from imbalance_cli.programme.propose import candidates

    assert LIB.exercises["band-row"].name == LIB.exercises["g-band-row"].name
    has_row = Programme(items=(item("band-row"),))
    offered = candidates(None, LIB, has_row)
    assert offered and "g-band-row" not in offered and "band-row" not in offered
    names = [LIB.exercises[e].name.lower() for e in offered]
    assert len(names) == len(set(names))
    other = Programme(items=(item("chin-nod-lying"),))
    assert "band-row" in candidates(None, LIB, other) or "g-band-row" in candidates(
        None, LIB, other
    )
    after_surgery = Programme(items=(item("chin-nod-lying"),), situations=("recent_surgery",))
    assert "g-band-row" not in candidates(None, LIB, after_surgery)
