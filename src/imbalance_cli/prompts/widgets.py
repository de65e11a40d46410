"""Additions to questionary's prompts, applied to a built prompt's application, so questionary's
own code is reused, never copied: keys that make the body-region list filter as you type
without ticking, and word wrapping of long choice labels, descriptions and question lines, so a
warning sign is never cut at the terminal's edge; and prompt_toolkit's default key bindings
built once per process, not three times per question. Imported only by ``prompts.terminal``.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, cast

from prompt_toolkit.application import Application, get_app
from prompt_toolkit.filters import Condition, to_filter
from prompt_toolkit.formatted_text import StyleAndTextTuples, to_formatted_text
from prompt_toolkit.formatted_text.utils import fragment_list_to_text, split_lines
from prompt_toolkit.key_binding import (
    KeyBindings,
    KeyBindingsBase,
    KeyPressEvent,
    merge_key_bindings,
)
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import ScrollOffsets, Window
from prompt_toolkit.utils import get_cwidth
from questionary.constants import (
    DEFAULT_SELECTED_POINTER,
    INDICATOR_SELECTED,
    INDICATOR_UNSELECTED,
)
from questionary.prompts.common import InquirerControl

# -- the default key bindings, built once -------------------------------------------------


def share_default_bindings() -> None:
    """Build prompt_toolkit's default key bindings (about 600: editing, Emacs, Vi, mouse) once
    per process instead of for every Application. A questionary prompt makes three (its own
    and two PromptSessions it borrows layouts from), so each question rebuilt them three times:
    two thirds of setting a prompt up. The bindings hold no state of their own: their filters
    and handlers read the application running at the time, so one set serves every prompt.

    They are built when a key is first looked up, not here: drawing the first question needs
    none of them, so it is on screen before they are made (a key typed meanwhile waits in the
    terminal until the prompt reads it, then finds them)."""
    from prompt_toolkit.application import application
    from prompt_toolkit.key_binding import DynamicKeyBindings, defaults

    if getattr(application, "load_key_bindings", None) is not defaults.load_key_bindings:
        return  # shared already (or a prompt_toolkit that builds them some other way)
    built: list[KeyBindingsBase] = []

    def bindings() -> KeyBindingsBase:
        if not built:
            built.append(defaults.load_key_bindings())
        return built[0]

    shared = DynamicKeyBindings(bindings)
    # Application.__init__ calls the name it imported from defaults: that name is replaced.
    setattr(application, "load_key_bindings", lambda: shared)  # noqa: B010


def _choice_window(app: Application[Any]) -> Window:
    for window in app.layout.find_all_windows():
        if isinstance(window.content, InquirerControl):
            return window
    raise LookupError("not a questionary select or checkbox")


def choice_list(app: Application[Any]) -> InquirerControl:
    """The list control of a questionary select/checkbox."""
    return cast(InquirerControl, _choice_window(app).content)


def _add_keys(app: Application[Any], keys: KeyBindings) -> None:
    existing = app.key_bindings
    app.key_bindings = merge_key_bindings([existing, keys]) if existing else keys


# -- the ends of a list -------------------------------------------------------------------


#: Set on a list's control when the pointer was moved by a key since the filter last changed.
MOVED = "moved_by_keys"


def stop_at_ends(app: Application[Any]) -> None:
    """Up on the first choice and Down on the last stay where they are: questionary wraps
    round, so one press too many moved, with no mark, to the far end of the list (to "None of
    these" at the foot of the warning signs). Home and End go to the first and the last. A move
    by key is remembered (``moved_by_keys``), for the region filter's Enter."""
    ic = choice_list(app)
    setattr(ic, MOVED, False)

    def move(to: int) -> None:
        ic.pointed_at = max(0, min(ic.choice_count - 1, to))
        setattr(ic, MOVED, True)

    # Instance attributes, so questionary's own bindings (arrows, j/k, Ctrl-N/P) call these.
    setattr(ic, "select_previous", lambda: move(ic.pointed_at - 1))  # noqa: B010
    setattr(ic, "select_next", lambda: move(ic.pointed_at + 1))  # noqa: B010
    keys = KeyBindings()
    keys.add("home", eager=True)(lambda event: move(0))
    keys.add("end", eager=True)(lambda event: move(ic.choice_count - 1))
    _add_keys(app, keys)


# -- type-to-filter: Space and Enter while a filter is being typed ------------------------


_WORD = re.compile(r"[^\W_]+")


class _WordFilter(InquirerControl):
    """Filters by words in any order, each typed word the start of a word of the label: "knee
    (r", "right knee" and "r kn" all find only "Knee (right)". ``status`` is a line shown under
    the filter: why Enter did not tick, or that nothing matches."""

    status: str | None = None
    #: Words each choice (by value) is found by besides its title's ("pelvis" for a buttock).
    search: dict[Any, tuple[str, ...]]  # set by add_filter_keys

    @property
    def filtered_choices(self) -> list[Any]:
        typed = _WORD.findall((self.search_filter or "").lower())
        if not typed:
            return list(self.choices)
        found = []
        for choice in self.choices:
            words = _WORD.findall(str(choice.title).lower())
            words += _WORD.findall(" ".join(getattr(self, "search", {}).get(choice.value, ())))
            if all(any(w.startswith(t) for w in words) for t in typed):
                found.append(choice)
        self.found_in_search = bool(found)
        return found if found else list(self.choices)

    def matches(self) -> list[Any]:
        """The choices the filter matches (none when it matches nothing)."""
        found = self.filtered_choices
        return found if self.found_in_search else []

    def add_search_character(self, char: Keys) -> None:
        if (
            self.status == SIDE_ASKED
            and char != " "
            and self.search_filter
            and not self.search_filter.endswith(" ")
        ):
            # Asked which side, the person types "right": a word of its own ("wrist right"),
            # not "wristright", which matches nothing.
            super().add_search_character(cast(Keys, " "))
        super().add_search_character(char)
        self.status = None
        setattr(self, MOVED, False)

    def get_search_string_tokens(self) -> Any:
        if self.search_filter is None:
            return None
        tokens = [
            ("", "\n"),
            ("class:question-mark", "/ "),
            ("class:answer" if self.matches() else "class:instruction", self.search_filter),
            ("class:question-mark", "..."),
        ]
        status = self._said(self.matches())
        if not self.matches():
            status = "nothing matches; Backspace to change what you typed"
        if status:
            tokens += [("", "\n"), ("class:instruction", _wrapped(status))]
        return tokens

    def _said(self, matches: list[Any]) -> str | None:
        if self.status == SIDE_ASKED:
            return _which(matches)
        return self.status


#: ``status`` after Enter found one region on both sides (the line says which two).
SIDE_ASKED = "side"


def _sides(matches: list[Any]) -> bool:
    titles = [str(c.title) for c in matches]
    return len(titles) == 2 and len({re.sub(r" \((left|right)\)$", "", t) for t in titles}) == 1


def _which(matches: list[Any]) -> str:
    """Why Enter did not tick: the typed words match several regions."""
    titles = [str(c.title) for c in matches]
    if _sides(matches):
        return f"{titles[0]} and {titles[1]} match: which side? Type left or right, or move to one (↓) and press Enter"
    return f"{len(titles)} match: type more, or move to one (↓ ↑) and press Enter"


def _wrapped(status: str) -> str:
    """The status line, indented and wrapped between words to the terminal's width (left to
    itself, the window breaks it mid-word: "(↓) a / nd press Enter")."""
    import textwrap

    from prompt_toolkit.application import get_app

    width = get_app().output.get_size().columns  # a dummy app's 80 when none runs
    return "\n".join(textwrap.wrap(status, max(20, width - 1), initial_indent="  ",
                                    subsequent_indent="  "))  # fmt: skip


def add_filter_keys(
    app: Application[Any], search: dict[Any, tuple[str, ...]] | None = None
) -> None:
    """For ``checkbox(use_search_filter=True)``. While the filter is non-empty, Space is typed
    into it and Enter ticks/unticks the match, then clears the filter. When the typed words
    match several regions ("elbow": both sides) Enter ticks only the one moved to with the
    arrows, and otherwise asks which; when nothing matches it says so. With an empty filter
    questionary's keys apply unchanged: Space ticks, Enter submits.

    The new bindings are eager and merged after questionary's, so they win (prompt_toolkit calls
    the last eager match), and their ``filter`` hands the keys back when the filter is empty.
    """
    ic = choice_list(app)
    ic.__class__ = _WordFilter
    assert isinstance(ic, _WordFilter)
    ic.search = search or {}
    assert app.key_bindings is not None
    tick = app.key_bindings.get_bindings_for_keys((" ",))[-1]  # questionary's toggle + validate
    filtering = Condition(lambda: bool(ic.search_filter))
    keys = KeyBindings()
    _show_status(app, ic)

    @keys.add(" ", eager=True, filter=filtering)
    def _type_space(event: KeyPressEvent) -> None:
        ic.add_search_character(cast(Keys, " "))

    @keys.add("enter", eager=True, filter=filtering)
    def _tick_match(event: KeyPressEvent) -> None:
        matches = ic.matches()
        if not matches:
            return
        if len(matches) > 1 and not getattr(ic, MOVED, False):
            ic.status = SIDE_ASKED if _sides(matches) else _which(matches)
            return
        chosen = ic.get_pointed_at()
        tick.call(event)
        ic.search_filter = None
        ic.status = None
        ic.pointed_at = ic.choices.index(chosen)  # pointed_at indexes the (now full) list

    _add_keys(app, keys)


def _show_status(app: Application[Any], ic: _WordFilter) -> None:
    """Questionary's filter line (``/ elbow...``) shows our tokens, with a status line below,
    wrapped to the width."""
    from prompt_toolkit.layout.controls import FormattedTextControl

    for window in app.layout.find_all_windows():
        content = window.content
        if (
            isinstance(content, FormattedTextControl)
            and getattr(content.text, "__func__", None) is InquirerControl.get_search_string_tokens
        ):
            content.text = ic.get_search_string_tokens
            window.height = None  # the filter line, and the status below it
            window.wrap_lines = to_filter(True)


# -- long titles and descriptions wrap, with a hanging indent -----------------------------

_MARKS = DEFAULT_SELECTED_POINTER + INDICATOR_SELECTED + INDICATOR_UNSELECTED
# What precedes the text on a line: pointer, tick box, or questionary's "Description: " label.
LEAD = re.compile(rf"[\s{re.escape(_MARKS)}]*(?:(?:Description|Answer): )?")


def wrap_choices(app: Application[Any], lead: re.Pattern[str] = LEAD) -> None:
    """Make the choice list of a select/checkbox word-wrap to the terminal width at every
    render (so resizes re-wrap), continuation lines indented under the text after ``lead``.
    A scrolled list keeps all the lines of the highlighted choice on screen."""
    window = _choice_window(app)
    ic = choice_list(app)
    render = ic.text  # questionary's InquirerControl._get_choice_tokens
    below = [0]  # continuation lines of the highlighted choice (which holds the cursor)

    def wrapped() -> StyleAndTextTuples:
        width = get_app().output.get_size().columns
        lines = [_wrap_line(line, width, lead) for line in split_lines(to_formatted_text(render))]
        starts, row = [], 0
        for rows in lines:
            if ("[SetCursorPosition]", "") in rows:
                below[0] = sum(text.count("\n") for _, text, *_ in rows)
            starts.append(row)
            row += 1 + sum(text.count("\n") for _, text, *_ in rows)
        setattr(window, _STARTS, starts)
        return _join(lines)

    ic.text = wrapped
    window.scroll_offsets = ScrollOffsets(bottom=lambda: below[0])


#: The first content row of each line of a wrapped list (set on its window by wrap_choices).
_STARTS = "imbalance_line_starts"


def mark_more(app: Application[Any]) -> None:
    """A line under a list taller than the terminal: "↓ 12 more below" (and "↑ 3 more
    above"), so a list cut at the foot of an 80x24 terminal does not look complete. It follows
    the list's render, and the screen is drawn again when it appears or goes."""
    from prompt_toolkit.filters import is_done
    from prompt_toolkit.layout import ConditionalContainer, HSplit
    from prompt_toolkit.layout.controls import FormattedTextControl

    window = _choice_window(app)
    ic = choice_list(app)
    shown = [(0, 0)]

    def hidden() -> tuple[int, int]:
        info = window.render_info
        if info is None:
            return 0, 0
        count = len(ic.filtered_choices)
        starts = list(getattr(window, _STARTS, range(count)))[:count]
        first, last = info.first_visible_line(), info.last_visible_line()
        return sum(r < first for r in starts), sum(r > last for r in starts)

    def text() -> StyleAndTextTuples:
        # Called when the mark is drawn, after the list in the same render: its counts are
        # this render's. Whether the mark is there at all follows the last render (shown).
        above, below = hidden()
        parts = [f"↑ {above} more above"] if above else []
        parts += [f"↓ {below} more below"] if below else []
        return [("class:instruction", "  " + ", ".join(parts))]

    def after_render(app: Application[Any]) -> None:
        now = hidden()
        if now != shown[0]:
            shown[0] = now
            app.invalidate()

    app.after_render += after_render
    container = app.layout.container
    assert isinstance(container, HSplit)
    for index, child in enumerate(container.children):
        if isinstance(child, ConditionalContainer) and child.content is window:
            mark = Window(FormattedTextControl(text), height=1)
            container.children.insert(
                index + 1,
                ConditionalContainer(mark, filter=Condition(lambda: any(shown[0])) & ~is_done),
            )
            break


def wrap_fragments(
    fragments: StyleAndTextTuples, width: int, lead: re.Pattern[str] = LEAD
) -> StyleAndTextTuples:
    """Formatted text with every line longer than ``width`` cells broken at spaces (a word too
    long for a line is cut), continuation lines indented by the width of ``lead``'s match.
    Styles and zero-width fragments such as ``[SetCursorPosition]`` are kept."""
    return _join([_wrap_line(line, width, lead) for line in split_lines(fragments)])


def _join(lines: list[StyleAndTextTuples]) -> StyleAndTextTuples:
    out: StyleAndTextTuples = []
    for n, line in enumerate(lines):
        out.extend([("", "\n"), *line] if n else line)
    return out


def _wrap_line(line: StyleAndTextTuples, width: int, lead: re.Pattern[str]) -> StyleAndTextTuples:
    text = fragment_list_to_text(line)
    if get_cwidth(text) <= width:
        return line
    head = lead.match(text)
    skip = len(head.group()) if head else 0  # no breaks inside the lead
    indent = get_cwidth(text[:skip]) if 2 * get_cwidth(text[:skip]) < width else 0
    pad: StyleAndTextTuples = [("class:text", " " * indent)] if indent else []
    rows: list[StyleAndTextTuples] = [[]]
    col, space, pos = 0, -1, 0  # column, index of the last breakable space in the row, char
    for style, string, *_ in line:
        zero = _zero(style, string)
        for ch in [string] if zero else list(string):
            w = 0 if zero else get_cwidth(ch)
            row = rows[-1]
            if col + w > width:
                tail: StyleAndTextTuples = []
                if ch != " " and space >= 0:  # carry the unfinished word down
                    tail = row[space + 1 :]
                    del row[space:]
                rows.append([*pad, *tail])
                col, space = indent + sum(get_cwidth(t) for s, t, *_ in tail if not _zero(s, t)), -1
                if ch == " ":  # the space at the margin becomes the line break
                    pos += 1
                    continue
            rows[-1].append((style, ch))
            col += w
            if ch == " " and pos >= skip:
                space = len(rows[-1]) - 1
            pos += 0 if zero else len(ch)
    return _join(rows)


def _zero(style: str, text: str) -> bool:
    return "[ZeroWidthEscape]" in style or not text


def wrap_header(qmark: str, message: str, instruction: str, width: int) -> tuple[str, str]:
    """``message`` and ``instruction`` with newlines put where questionary's header line
    ``"{qmark} {message} {instruction}"`` must break to fit ``width`` between words (the prompt
    line itself only wraps mid-word). Expects single spaces, as ``one_line`` leaves them. Call it
    inside the app session, with ``width=get_app_session().output.get_size().columns``."""
    body = instruction.rstrip()
    text = f"{qmark} {message} {body}".rstrip()
    flat = "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))
    if len(flat) != len(text):  # not single-spaced: leave it to the terminal
        return message, instruction
    start, end = len(qmark) + 1, len(qmark) + 1 + len(message)
    head = "\n" if flat[start - 1] == "\n" else ""
    tail = "\n" if flat[end : end + 1] == "\n" else ""
    return head + flat[start:end], tail + flat[end + 1 :] + instruction[len(body) :]
