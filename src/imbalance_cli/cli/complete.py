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
from typing import Any

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


def _item(value: str, help: str) -> Any:
    # typer answers the shell with click's CompletionItem (typer 0.28 keeps click inside it)
    from typer._click.shell_completion import CompletionItem

    return CompletionItem(value, help=help)


def questionnaires(ctx: typer.Context, param: Any, incomplete: str) -> list[Any]:
    """Bundled and user questionnaire ids, with where each comes from."""
    try:
        from imbalance_cli import resources

        _data_dir(ctx)
        return [
            _item(e.id, "bundled" if e.origin == "bundled" else f"yours: {e.path.name}"[:_HELP])
            for e in resources.catalogue().entries
            if e.id.startswith(incomplete)
        ]
    except Exception:  # a TAB must never print a traceback
        return []


def clients(ctx: typer.Context, param: Any, incomplete: str) -> list[Any]:
    """The names of the clients in the store, with their number of sessions. bash inserts what
    it is given as typed, so there a name with a space comes escaped (Sam\\ Rivera), or, after
    an opening quote, quoted whole ("Sam Rivera")."""
    try:
        import sqlite3

        from imbalance_cli.store import FILENAME
        from imbalance_cli.text import clean

        path = _data_dir(ctx) / FILENAME
        store = ctx.find_root().params.get("store") or os.environ.get("IMBALANCE_STORE")
        if store or not path.is_file():  # a server is not asked on every TAB
            return []
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            rows = connection.execute(
                """SELECT c.name, COUNT(s.id) FROM clients c
                   LEFT JOIN sessions s ON s.client_id = c.id GROUP BY c.id ORDER BY c.name"""
            ).fetchall()
        finally:
            connection.close()
        bash = os.environ.get("_IMBALANCE_COMPLETE") == "complete_bash"
        quote = _opening_quote(os.environ.get("COMP_WORDS", "")) if bash else ""
        out = []
        for name, count in rows:
            text = str(name)
            if clean(text) != text or not text.startswith(incomplete):
                continue  # a name holding control characters is never sent to the terminal
            if quote and quote not in text:
                text = f"{quote}{text}{quote}"
            elif bash:
                text = _BASH_SPECIAL.sub(r"\\\g<0>", text)
            out.append(_item(text, f"{count} session{'s' if count != 1 else ''}"))
        return out
    except Exception:  # a damaged or locked store: no completions, no traceback
        return []


def _opening_quote(line: str) -> str:
    """The quote that opens the last word of a command line still being typed, if any."""
    quote, escaped, start = "", False, 0
    for n, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch.isspace():
            start = n + 1
    word = line[start:]
    return word[0] if word[:1] in ("'", '"') and quote else ""
