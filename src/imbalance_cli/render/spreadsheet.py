"""Sessions as CSV, one row per session and a column per question, for a spreadsheet or pandas.

The columns, in order:

- ``session``, ``client``, ``client_id`` (the client's stable id), ``questionnaire``,
  ``version``, ``status`` (complete; stopped, when
  an emergency ended the intake early; in_progress; interrupted), ``started_at``,
  ``completed_at``, ``previous`` (the session it re-assesses), ``warning`` (the most urgent
  alert: emergency, urgent, advisory, or none; empty for an unfinished session without one),
  ``alerts`` and ``recommended`` (ids);
- then a column per question in questionnaire order, named by its id: a section repeated per
  body region gives one per region and side (``pain_worst.knee.left``), a left/right test one
  per side (``grip.left``, ``grip.right``) followed by ``grip.lsi``, the limb symmetry index.
  When sessions of several questionnaires are exported together, each questionnaire's columns
  follow in turn, named ``<questionnaire>:<question>``, and stay empty in the other's rows.

Cells: several ids (a multi answer, regions, alerts) are joined by ``;`` (ids never hold one);
yes/no is ``true``/``false``; numbers are plain (``7``, ``31.5``); a question not asked or
skipped is empty. Text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading ``'``, as OWASP advises for CSV
injection; numbers are never changed. Rows end with CRLF, as RFC 4180 has it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from imbalance_cli.model import AnswerValue, Question, Questionnaire, Result
from imbalance_cli.symmetry import paired_tests, symmetries

FIXED = (
    "session", "client", "client_id", "questionnaire", "version", "status", "started_at",
    "completed_at",
    "previous", "warning", "alerts", "recommended",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    """One session: its stored status, its result, and its client's stable id."""

    status: str
    result: Result
    client_id: str | None = None


def _columns(q: Questionnaire) -> list[tuple[str, Question | None]]:
    """(column, question) in order; a left/right test's index follows its right side."""
    pairs = {right.id: left.pair or "" for left, right in paired_tests(q)}
    out: list[tuple[str, Question | None]] = []
    for question in q.questions:
        out.append((question.id, question))
        if question.id in pairs:
            out.append((f"{pairs[question.id]}.lsi", None))
    return out


def render(rows: Iterable[Row], questionnaires: Sequence[Questionnaire] | None = None) -> str:
    """The CSV text of these sessions (a header only when there are none). Given the
    questionnaires the rows use (in the order their columns come), the rows are read one at a
    time, as they stream in; without, they are read twice to find them."""
    if questionnaires is None:
        rows = list(rows)
        questionnaires = [r.result.questionnaire for r in rows]
    by_id: dict[str, Questionnaire] = {}
    for q in questionnaires:
        by_id.setdefault(q.id, q)  # the first of an id gives the columns of all its sessions
    several = len(by_id) > 1
    header = list(FIXED)
    layout: list[tuple[str, str, Question | None]] = []
    for qid, q in by_id.items():
        for column, question in _columns(q):
            layout.append((qid, column, question))
            header.append(f"{qid}:{column}" if several else column)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_row(row, layout))
    return buffer.getvalue()


def _row(row: Row, layout: list[tuple[str, str, Question | None]]) -> list[str]:
    result = row.result
    q = result.questionnaire
    top = result.top_level
    lsi = {f"{s.test}.lsi": s.lsi for s in symmetries(q, result.answers)}
    cells = [
        "" if result.session is None else str(result.session),
        _text(result.client or ""),
        row.client_id or "",
        q.id,
        q.version,
        "stopped" if row.status == "complete" and result.not_asked else row.status,
        result.started_at,
        result.completed_at or "",
        "" if result.previous is None else str(result.previous),
        # "none" only where the whole run was read: an unfinished one may not have reached
        # the warning-sign questions yet
        top.value if top is not None else ("none" if row.status == "complete" else ""),
        ";".join(f.alert.id for f in result.alerts),
        ";".join(r.id for r in result.recommendations),
    ]
    for qid, column, question in layout:
        if qid != q.id:
            cells.append("")
        elif question is None:
            cells.append(_cell(lsi.get(column)))
        else:
            cells.append(_cell(result.answers.get(question.id)))
    return cells


def _cell(value: AnswerValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return _text(value)


def _text(text: str) -> str:
    """Free text as a spreadsheet shows it, never as a formula it would run."""
    return "'" + text if text.startswith(_FORMULA) else text
