"""What a questionary prompt shows on a terminal of a given size: prompt_toolkit writes real
VT100 output at a fixed size into a buffer, and the ``pyte`` terminal emulator turns it into a
screen (a tool nobody here wrote). Used by the wrapping tests at 60, 80 and 100 columns."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.output.vt100 import Vt100_Output


def screen_lines(
    build: Callable[[], Any], keys: str = "", columns: int = 80, rows: int = 40
) -> list[str]:
    """Build a questionary prompt for a ``columns`` x ``rows`` terminal, press ``keys``, and
    return the screen at that moment (prompt still open), one right-stripped string per row.

    prompt_toolkit writes real VT100 output (``Vt100_Output`` into a StringIO with a fixed
    size) which the ``pyte`` terminal emulator turns into a screen. ``build`` runs inside the
    app session because a questionary Application takes its input/output when it is made."""
    import pyte  # test-only dependency

    written = StringIO()
    output = Vt100_Output(written, lambda: Size(rows=rows, columns=columns), term="xterm")
    screen = pyte.Screen(columns, rows)
    stream = pyte.Stream(screen)
    shot: list[str] = []
    done = False
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        app = build().application
        keys_done = KeyBindings()

        @keys_done.add(Keys.F24, eager=True)  # sent after `keys`: snapshot at the next render
        def _keys_done(event: KeyPressEvent) -> None:
            nonlocal done
            done = True

        app.key_bindings = merge_key_bindings([app.key_bindings, keys_done])

        def after_render(app: Application[Any]) -> None:
            stream.feed(written.getvalue())
            written.seek(0)
            written.truncate()
            if done and not shot:
                shot.extend(line.rstrip() for line in screen.display)
                app.exit(result=None)

        app.after_render += after_render
        pipe.send_text(keys + "\x1b[24;2~")  # F24
        app.run()
    return shot
