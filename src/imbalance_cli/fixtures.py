"""``imbalance test``: answer fixtures, each run through a questionnaire without saving.

A fixture is a YAML file (by convention ``NAME.test.yaml``, in an ``examples/`` folder beside its
questionnaire)::

    questionnaire: ../knee-check.yaml    # an id, or a path from this file
    answers: runner.yaml                 # an answers file beside this one, or the mapping itself
    expect:
      asked: [swelling]                  # shown in this run
      not_asked: [runs_per_week]         # never shown
      alerts: {hot_knee: emergency}      # exactly these alerts, at these levels ({} for none)
      recommended: [knee-start]          # articles and strategies chosen ([] for none at all)
      not_recommended: [gradual-loading] # not chosen (held back counts as not chosen)
      withheld: [fix-muscle-imbalance]   # held back because a warning sign stands
      plan: [knee-start, return-running] # "Your plan" on page one: exactly these, in this order

Every part of ``expect`` is optional. A run is headless: required answers that are missing fail
the fixture, unless an emergency alert stands (a person would be offered to stop there, as
``run --no-input`` does). Every id in ``expect`` is checked against the questionnaire and the
library, and every finding is located in the fixture file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from imbalance_cli import loader, resources
from imbalance_cli.answers import answers_from_node, read_answers
from imbalance_cli.engine import Flow
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    AnswersError,
    ImbalanceError,
    Problem,
    QuestionnaireError,
)
from imbalance_cli.model import AlertLevel, AnswerValue, Library, Questionnaire, Result
from imbalance_cli.rank import plan
from imbalance_cli.rules import assess
from imbalance_cli.text import suggest
from imbalance_cli.yamlsrc import (
    Node,
    Scalar,
    Seq,
    Shape,
    Sink,
    as_list,
    as_mapping,
    as_str,
    compose,
    fields,
    pairs,
)
from imbalance_cli.yamlsrc import read_text as read_yaml_text

FIXTURE = Shape(("questionnaire", "answers", "expect", "description"), ("questionnaire", "expect"))
EXPECT_FIELDS = (
    "asked", "not_asked", "alerts", "recommended", "not_recommended", "withheld", "plan",
)  # fmt: skip
EXPECT = Shape(EXPECT_FIELDS)


@dataclass
class Outcome:
    """One fixture's run: passed when no failure was found."""

    path: str
    questionnaire: str = ""
    failures: list[Problem] = field(default_factory=list)
    asked: int = 0
    alerts: int = 0
    recommended: int = 0
    #: Articles and strategies a warning sign held back (not counted as recommended).
    withheld: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """The fixture files meant by the command's arguments: a fixture file itself, every fixture
    in a folder (and below it), or, for a questionnaire (an id or a file), the fixtures in the
    ``examples/`` folder beside it that name it. No argument: the bundled fixtures and the
    user's (``<data dir>/questionnaires/examples``)."""
    out: list[Path] = []
    given = list(paths)
    if not given:
        given = [resources.bundled_dir() / "examples", resources.user_dir() / "examples"]
        given = [p for p in given if Path(p).is_dir()]
    for item in given:
        path = Path(item)
        if path.is_dir():
            out += _in_folder(path)
        elif path.is_file() and resources.kind_of_file(path) == "fixture":
            out.append(path)
        else:
            target = resources.resolve(str(item)).resolve()
            out += [f for f in _in_folder(target.parent / "examples") if _names(f, target)]
    return list(dict.fromkeys(out))


def _in_folder(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file() and resources.kind_of_file(p) == "fixture"
    )


def _names(fixture: Path, questionnaire: Path) -> bool:
    """Does this fixture run this questionnaire file?"""
    sink = Sink(str(fixture))
    text = read_yaml_text(fixture, sink, DEFAULT_MAX_BYTES)
    root = compose(text, sink) if text is not None else None
    top = fields(root, sink, "a fixture", FIXTURE) if root is not None else None
    name = (
        as_str(top["questionnaire"], sink, "questionnaire")
        if top and "questionnaire" in top
        else None
    )
    if name is None:
        return False
    try:
        return _questionnaire_path(name, fixture).resolve() == questionnaire
    except ImbalanceError:
        return False


def _questionnaire_path(name: str, fixture: Path) -> Path:
    """A fixture's ``questionnaire``: a path from the fixture's folder, else an id."""
    beside = fixture.parent / name
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return beside
    return resources.resolve(name)


def run_fixture(path: Path, library: Library, max_bytes: int = DEFAULT_MAX_BYTES) -> Outcome:
    """Run one fixture without saving anything; every failure located in the fixture."""
    shown = _display(path)
    outcome = Outcome(shown)
    sink = Sink(shown)
    text = read_yaml_text(path, sink, max_bytes)
    root = compose(text, sink) if text is not None else None
    top = fields(root, sink, "a fixture", FIXTURE) if root is not None else None
    if top is None or sink.problems:
        outcome.failures += sink.problems
        return outcome
    name = as_str(top["questionnaire"], sink, "questionnaire")
    if name is None:
        outcome.failures += sink.problems
        return outcome
    try:
        q_path = _questionnaire_path(name, path)
        questionnaire = loader.load_questionnaire(q_path, library, max_bytes)
    except QuestionnaireError as exc:
        sink.add(top["questionnaire"], f"questionnaire '{name}' does not load:")
        outcome.failures += sink.problems + list(exc.problems)
        return outcome
    except ImbalanceError as exc:
        sink.add(top["questionnaire"], exc.message)
        outcome.failures += sink.problems
        return outcome
    outcome.questionnaire = f"{questionnaire.id} {questionnaire.version}"
    answers = _answers(top.get("answers"), path, questionnaire, sink)
    if answers is None:
        outcome.failures += sink.problems
        return outcome
    # An answer that does not fit is reported, and the expectations are still checked with the
    # answers that do: one failure does not hide the next.
    flow = Flow(questionnaire)
    result = assess(questionnaire, answers, library, started_at="", completed_at="fixture")
    emergency = any(f.alert.level is AlertLevel.EMERGENCY for f in result.alerts)
    missing = [q.id for q in flow.missing_required(answers)]
    if missing and not emergency:
        sink.add(
            top.get("answers") or root,
            f"{len(missing)} required answer(s) missing, so the run would stop and ask: "
            + ", ".join(missing[:8])
            + (" ..." if len(missing) > 8 else ""),
        )
    stopped = set(result.not_asked)
    asked = {q.id for q in flow.visible(answers) if q.id not in stopped}
    outcome.asked = len(asked)
    outcome.alerts = len(result.alerts)
    outcome.recommended = len(result.recommendations)
    outcome.withheld = len(result.withheld)
    expect = fields(top["expect"], sink, "expect", EXPECT)
    if expect is not None:
        _check(expect, questionnaire, library, result, asked, sink)
    outcome.failures += sink.problems
    return outcome


def _display(path: Path) -> str:
    """A fixture's path as messages show it: from the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _answers(
    node: Node | None, fixture: Path, questionnaire: Questionnaire, sink: Sink
) -> dict[str, AnswerValue] | None:
    if node is None:
        return {}
    if isinstance(node, Scalar):
        name = as_str(node, sink, "answers (a file name, or the answers themselves)")
        if name is None:
            return None
        try:
            return read_answers(fixture.parent / name, questionnaire)
        except AnswersError as exc:
            sink.add(node, f"the answers file '{name}' does not fit '{questionnaire.id}':")
            sink.problems += exc.problems
            return None
    return answers_from_node(node, questionnaire, sink)


def _check(
    expect: dict[str, Node],
    questionnaire: Questionnaire,
    library: Library,
    result: Result,
    asked: set[str],
    sink: Sink,
) -> None:
    for key, shown in (("asked", True), ("not_asked", False)):
        for node, qid in _ids(expect.get(key), sink, key):
            copies = _copies(questionnaire, qid)
            if not copies:
                known = [q.id for q in questionnaire.questions]
                sink.add(
                    node, f"'{qid}' is not a question of '{questionnaire.id}'{suggest(qid, known)}"
                )
            elif shown and not asked & copies:
                sink.add(node, f"expected '{qid}' to be asked; it was not shown in this run")
            elif not shown and asked & copies:
                sink.add(
                    node,
                    f"expected '{qid}' not to be asked; it was shown ({', '.join(sorted(asked & copies))})",
                )
    if "alerts" in expect:
        _check_alerts(expect["alerts"], questionnaire, result, sink)
    chosen = {r.id for r in result.recommendations}
    held = {r.id for r in result.withheld}
    content = {**library.articles, **library.strategies}
    listed = expect.get("recommended")
    if isinstance(listed, Seq) and not listed.value and chosen:
        sink.add(
            listed,
            f"expected nothing to be recommended; {len(chosen)} were: "
            + ", ".join(r.id for r in result.recommendations[:6]),
        )
    for key in ("recommended", "not_recommended", "withheld"):
        for node, cid in _ids(expect.get(key), sink, key):
            if cid not in content:
                sink.add(
                    node,
                    f"'{cid}' is not an article or strategy of the library{suggest(cid, content)}",
                )
            elif key == "recommended" and cid not in chosen:
                why = " (it was held back: a warning sign stands)" if cid in held else ""
                made = ", ".join(r.id for r in result.recommendations[:8]) or "nothing"
                more = " ..." if len(result.recommendations) > 8 else ""
                sink.add(
                    node,
                    f"expected '{cid}' to be recommended; it was not{why} (recommended: "
                    f"{made}{more})",
                )
            elif key == "not_recommended" and cid in chosen:
                sink.add(node, f"expected '{cid}' not to be recommended; it was")
            elif key == "withheld" and cid not in held:
                sink.add(node, f"expected '{cid}' to be held back; it was not")
    _check_plan(expect.get("plan"), content, result, sink)


def _check_plan(
    node: Node | None, content: Mapping[str, object], result: Result, sink: Sink
) -> None:
    """``plan``: page one's "Your plan", exactly and in order ([] while a warning sign holds it
    back, or when nothing is chosen)."""
    if node is None:
        return
    wanted = _ids(node, sink, "plan")
    for item, cid in wanted:
        if cid not in content:
            sink.add(
                item, f"'{cid}' is not an article or strategy of the library{suggest(cid, content)}"
            )
    made = [item.id for item in plan(result)]
    if [cid for _, cid in wanted] != made:
        sink.add(node, f"expected the plan to be {[c for _, c in wanted]}; it was {made}")


def _check_alerts(node: Node, questionnaire: Questionnaire, result: Result, sink: Sink) -> None:
    mapping = as_mapping(node, sink, "alerts (alert id: level)")
    if mapping is None:
        return
    raised = {f.alert.id: f.alert.level.value for f in result.alerts}
    known = {a.id for a in questionnaire.alerts}
    levels = [lv.value for lv in AlertLevel]
    wanted: set[str] = set()
    for aid, key_node, level_node in pairs(mapping, sink):
        level = as_str(level_node, sink, "an alert level")
        if aid not in known:
            sink.add(
                key_node, f"'{aid}' is not an alert of '{questionnaire.id}'{suggest(aid, known)}"
            )
            continue
        if level not in levels:
            sink.add(level_node, f"an alert level is one of {', '.join(levels)}, not '{level}'")
            continue
        wanted.add(aid)
        if aid not in raised:
            sink.add(key_node, f"expected alert '{aid}' ({level}); it was not raised")
        elif raised[aid] != level:
            sink.add(level_node, f"alert '{aid}' was raised as {raised[aid]}, not {level}")
    for aid in sorted(set(raised) - wanted):
        sink.add(
            mapping,
            f"alert '{aid}' ({raised[aid]}) was raised but is not expected; add it to 'alerts'",
        )


def _ids(node: Node | None, sink: Sink, key: str) -> list[tuple[Node, str]]:
    if node is None:
        return []
    out: list[tuple[Node, str]] = []
    for item in as_list(node, sink, key) or ():
        text = as_str(item, sink, f"an id in '{key}'")
        if text is not None:
            out.append((item, text))
    return out


def _copies(questionnaire: Questionnaire, qid: str) -> set[str]:
    """The questions an id in ``asked`` means: itself, or every region's copy / both sides."""
    if questionnaire.question(qid) is not None:
        return {qid}
    prefix = qid + "."
    return {q.id for q in questionnaire.questions if q.id.startswith(prefix)}
