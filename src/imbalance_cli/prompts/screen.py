"""What the terminal prompter has printed since each answer, counted in terminal rows, so that
going back (Esc) can erase the question left behind and the old answer of the question asked
again, instead of leaving both above the repeated question. Pure bookkeeping: the prompter
prints and erases.

Each answered question is a block: the lines printed before its prompt (a section's heading and
introduction, the question's help) and the line that echoes the answer. Anything else printed
(a warning sign, a note) is a barrier: blocks before it are never erased, so a warning sign
stays on screen whatever is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Block:
    rows: int
    #: The section whose heading was the last on screen when the block began.
    section_before: str | None


@dataclass
class Screen:
    """Rows printed per answered question; ``tracking`` is off when what is printed does not
    reach the terminal the prompts are on (stderr redirected), and nothing is then erased."""

    tracking: bool
    #: The section whose heading is the last on screen.
    open_section: str | None = None
    _blocks: list[_Block] = field(default_factory=list)
    _pending: _Block = field(default_factory=lambda: _Block(0, None))

    def printed(self, rows: int) -> None:
        """Rows printed before the next prompt (a heading, help)."""
        if self._pending.rows == 0:
            self._pending.section_before = self.open_section
        self._pending.rows += rows

    def answered(self, rows: int) -> None:
        """The answer's echo was printed: the pending rows and it make one block."""
        if self._pending.rows == 0:
            self._pending.section_before = self.open_section
        self._pending.rows += rows
        self._blocks.append(self._pending)
        self._pending = _Block(0, self.open_section)

    def barrier(self) -> None:
        """Something that must stay was printed: nothing before it is erased."""
        self._blocks.clear()
        self._pending = _Block(0, self.open_section)

    def back(self, height: int) -> int:
        """Going back a question: the rows to erase (the abandoned question's lines and the
        last answered block), or 0 when nothing can be erased (nothing tracked, a barrier, or
        more rows than the terminal's ``height`` shows)."""
        last = self._blocks[-1] if self._blocks else _Block(0, self._pending.section_before)
        rows = self._pending.rows + last.rows
        if not self.tracking or rows >= height:
            self.barrier()
            return 0
        if self._blocks:
            self._blocks.pop()
        if rows:
            self.open_section = last.section_before
        self._pending = _Block(0, self.open_section)
        return rows
