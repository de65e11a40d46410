"""Shell completion of values: questionnaire ids and client names.

Typer calls these when the shell asks (``_IMBALANCE_COMPLETE``), before the main callback runs,
so each one finds the data directory itself (``--data-dir`` as typed, else as every command
would). They only read: the store is opened read-only and never created or migrated. Anything
going wrong gives no completions, never a traceback on the person's prompt. This module is
imported at start-up with the commands that name it, so it imports nothing until a TAB.
"""

import os
import re
from pathlib import Path

import typer  # typer reads the callbacks' annotations when it builds the commands

#: Help shown beside a completion (fish, zsh) stays short: shells print it on one line.
_HELP = 50
#: What bash would split a word at or expand, escaped with a backslash in its completions.
_BASH_SPECIAL = re.compile(r"""[\s'"\\$`!&;|<>()*?\[\]#~{}]""")


def _data_dir(ctx: typer.Context) -> Path:
    from imbalance_cli import resources

    given = ctx.find_root().params.get("data_dir")
    resources.set_data_dir(Path(given) if isinstance(given, str) and given.strip() else None)
    return resources.data_dir()


def questionnaires(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Bundled and user questionnaire ids, with where each comes from."""
    try:
        from imbalance_cli import resources

        _data_dir(ctx)
        entries = resources.catalogue().entries
        out = [
            (e.id, "bundled" if e.origin == "bundled" else f"yours: {e.path.name}"[:_HELP])
            for e in entries
        ]
        return [(name, text) for name, text in out if name.startswith(incomplete)]
    except Exception:  # a TAB must never print a traceback
        return []


def clients(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The names of the clients in the store, with their number of sessions."""
    try:
        import sqlite3

        from imbalance_cli.store import FILENAME

        path = _data_dir(ctx) / FILENAME
        if not path.is_file():
            return []
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            rows = connection.execute(
                """SELECT c.name, COUNT(s.id) FROM clients c
                   LEFT JOIN sessions s ON s.client_id = c.id GROUP BY c.id ORDER BY c.name"""
            ).fetchall()
        finally:
            connection.close()
        from imbalance_cli.text import clean

        bash = os.environ.get("_IMBALANCE_COMPLETE") == "complete_bash"
        out = []
        for name, count in rows:
            text = str(name)
            if clean(text) != text:
                continue  # a name holding control characters is never sent to the terminal
            if bash:
                # bash inserts a completion as typed: "Sam Rivera" must come as Sam\ Rivera
                text = _BASH_SPECIAL.sub(r"\\\g<0>", text)
            if text.startswith(incomplete):
                out.append((text, f"{count} session{'s' if count != 1 else ''}"))
        return out
    except Exception:  # a damaged or locked store: no completions, no traceback
        return []
