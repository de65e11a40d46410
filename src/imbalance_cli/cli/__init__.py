"""The ``imbalance`` command line: the only place that prints errors and sets exit codes.

This module holds the app, the options and helpers the command groups share, and the entry point
that turns errors into messages and exit codes; the commands live beside it, one module per
group: ``intake`` (run, resume), ``records`` (sessions, clients), ``change`` (compare,
progress), ``maintenance`` (store) and ``author`` (list, show, validate, library, schema). They
only parse arguments, call the core and print.
"""

import copy
import errno
import gc
import io
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imbalance_cli import __version__
from imbalance_cli.cli import complete
from imbalance_cli.errors import (
    DEFAULT_MAX_BYTES,
    ExitCode,
    ImbalanceError,
    Interrupted,
    UsageError,
)
from imbalance_cli.text import clean

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console

    from imbalance_cli.model import Library, Questionnaire
    from imbalance_cli.store import Store
    from imbalance_cli.workflow.intake import Ui

#: The app as far as its command groups are imported: ``app`` is the whole of it (below).
_app = typer.Typer(
    name="imbalance",
    help="Muscle imbalance self-assessment: a warning-sign screen, a pain profile, and sourced "
    "reading and exercise strategies, as a markdown summary. Education, not a diagnosis.",
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_MaxSize = Annotated[
    int, typer.Option("--max-size", help="Largest questionnaire file to read, in bytes.", min=1)
]
# Arguments and options that complete from what is on this machine (cli/complete.py).
_Questionnaire = Annotated[
    str,
    typer.Argument(
        help="A questionnaire id (bundled or yours), or a path to a YAML file.",
        shell_complete=complete.questionnaires,
    ),
]
_ClientOption = Annotated[
    str | None,
    typer.Option("--client", help="Who the answers are about.", shell_complete=complete.clients),
]


# Options shared by `run` and `resume`, which both end by writing a summary.
_Out = Annotated[
    Path | None, typer.Option("--out", help="Write the markdown summary to this file.")
]
_HtmlOut = Annotated[
    Path | None,
    typer.Option("--html", help="Write a printable HTML report (body map, warning signs first)."),
]
_JsonOut = Annotated[
    Path | None, typer.Option("--json", help="Write the result document (JSON) to this file.")
]
_Audience = Annotated[
    str, typer.Option("--audience", help="Summary for the 'trainer' (default) or the 'client'.")
]
_Force = Annotated[bool, typer.Option("--force", help="Replace existing output files.")]


_StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help="Keep sessions in a shared PostgreSQL store, postgresql://TRAINER@HOST/DB "
        "(default: $IMBALANCE_STORE, else the SQLite file in the data directory; needs "
        "the postgres extra).",
    ),
]


def _version(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:  # not while the shell asks for completions
        print(f"imbalance {__version__}")
        raise typer.Exit()


@_app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the full traceback of an internal error.")
    ] = False,
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="Where sessions and your questionnaires live (default: $IMBALANCE_DATA_DIR, "
            "else the platform's user data directory).",
        ),
    ] = None,
    store: _StoreOption = None,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="Plain text: numbered choices typed as lines, no colours or cursor movement, "
            "for screen readers and simple terminals (also when TERM=dumb or ACCESSIBLE is set).",
        ),
    ] = False,
) -> None:
    """Muscle imbalance self-assessment in the terminal."""
    from imbalance_cli import resources

    if data_dir is not None and not data_dir.strip():
        # An empty path would mean the current folder: never put health data there unasked.
        raise UsageError("the data directory is empty; give a folder, or leave --data-dir out")
    resources.set_data_dir(Path(data_dir) if data_dir is not None else None)
    if store is not None and not store.startswith(("postgresql://", "postgres://")):
        raise UsageError(
            f"--store takes a postgresql:// URL, not '{clean(store)[:60]}'; a local store is "
            "chosen with --data-dir"
        )
    resources.set_store(store)
    global _PLAIN, _PREFIX
    _PLAIN = plain or plain_by_environment()
    # The commands messages suggest carry the options given here, so they reach the same
    # store, in the same mode.
    _PREFIX = "imbalance"
    import shlex

    if data_dir is not None:
        _PREFIX += f" --data-dir {shlex.quote(data_dir)}"
    if store is not None:
        from imbalance_cli.store import redacted

        _PREFIX += f" --store {shlex.quote(redacted(store, mask=''))}"
    if plain:
        _PREFIX += " --plain"


def _ask_password(prompt: str) -> str:
    """A store's password, typed on the terminal without echo."""
    import getpass

    try:
        return getpass.getpass(clean(prompt), stream=sys.stderr)
    except EOFError:
        raise UsageError("no password was given") from None


#: Plain mode: no escape sequences anywhere (set by --plain, TERM=dumb or ACCESSIBLE).
_PLAIN = False
#: How to call imbalance again with the options given before the command.
_PREFIX = "imbalance"


def command_prefix() -> str:
    return _PREFIX


def plain_by_environment() -> bool:
    """TERM=dumb (a terminal that understands no escape sequences) or ACCESSIBLE set to
    anything but empty or 0 (as charmbracelet's huh reads it) turn the plain mode on."""
    accessible = os.environ.get("ACCESSIBLE", "").strip()
    return os.environ.get("TERM", "") == "dumb" or accessible not in ("", "0")


def plain_mode() -> bool:
    return _PLAIN


def _ui() -> "Ui":
    """The person's side of the intake: plain lines, or full-screen prompts."""
    from imbalance_cli.cli.ui import PlainUi, TerminalUi

    return PlainUi(_PREFIX) if _PLAIN else TerminalUi(_err_console, _PREFIX)


def write_wrapped(text: str) -> None:
    """Plain lines for a person at a terminal (a programme, what a log said), wrapped at its
    width between words, a list item's lines under its text: the terminal itself breaks a long
    line anywhere ("lowers re" / "sting"). A pipe or a file gets the lines as they are."""
    import sys

    if sys.stdout is None or not sys.stdout.isatty():
        write_stdout(text)
        return
    import re
    import shutil
    import textwrap

    width = max(40, shutil.get_terminal_size().columns - 1)
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        lead = re.match(r"(\d+\. |- |\w[\w ]{0,15}: )", body)
        hang = " " * (len(line) - len(body) + (len(lead.group(1)) if lead else 0))
        out += textwrap.wrap(line, width, subsequent_indent=hang, break_long_words=False,
                             break_on_hyphens=False) or [""]  # fmt: skip
    write_stdout("\n".join(out))


def write_stdout(text: "str | Iterable[str]") -> None:
    """Standard output, with a closed or full one reported clearly (files.py, imported only
    when something is written: --help does not pay for tempfile)."""
    from imbalance_cli import files

    files.write_stdout(text)


def _err_console() -> "Console":
    from rich.console import Console

    if _PLAIN:
        return Console(stderr=True, highlight=False, color_system=None, force_terminal=False)
    return Console(stderr=True, highlight=False)


def _load(name: str, max_size: int = DEFAULT_MAX_BYTES) -> "tuple[Questionnaire, Library]":
    from imbalance_cli import resources
    from imbalance_cli.workflow import load

    loaded = load(name, max_size)
    for other in resources.catalogue().shadowed.get(name, ()):
        print(
            f"imbalance: warning: '{clean(name)}' is {clean(loaded[0].path)}; {clean(str(other))} "
            "claims the same name and is used only when given by its path",
            file=sys.stderr,
        )
    return loaded


def _open_store(*, read_only: bool = False) -> "Store":
    """The session store; ``read_only`` for commands that only read it, so that a store on a
    read-only mount or in a folder the user cannot write still serves them. A server's (or an
    encrypted store's) password is asked on a terminal when nothing else gives it."""
    from imbalance_cli.store import open_store

    interactive = sys.stdin is not None and sys.stdin.isatty()
    return open_store(ask_password=_ask_password if interactive else None, read_only=read_only)


def _session_id(text: str) -> int:
    """A session id as typed: ASCII digits only (no fullwidth or other digits Python's int()
    would take), and within what the store can hold."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise UsageError(
            f"'{clean(text)[:40]}' is not a session id; ids are whole numbers like 12 "
            "(see: imbalance sessions list)"
        )
    return int(digits)


def _client_name(name: str | None, option: str = "--client") -> str | None:
    """A client's name as given, cleaned (``text.person_name``: no escape sequences or control
    characters, spaces folded); empty, too long or not valid text is refused, never ignored."""
    if name is None:
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} is not valid text (UTF-8); type the name again") from None
    from imbalance_cli.text import MAX_NAME, person_name

    cleaned = person_name(name)
    if not cleaned:
        raise UsageError(f"{option} needs a name; it is empty")
    if len(cleaned) > MAX_NAME:
        raise UsageError(
            f"{option} is {len(cleaned):,} characters long; a client's name is at most {MAX_NAME}"
        )
    return cleaned


def _check_audience(audience: str) -> None:
    if audience not in ("trainer", "client"):
        raise UsageError(f"--audience must be 'trainer' or 'client', not '{audience}'")


def _stdout_console() -> "Console":
    from rich.console import Console

    if _PLAIN:
        return Console(highlight=False, color_system=None, force_terminal=False)
    return Console(highlight=False)


class _ClosedOutput(io.TextIOBase):
    """Stands in for a closed standard output: not a terminal, and writing to it is an error
    the command line reports (exit 1), instead of a crash."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn our errors into messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in args
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = _ClosedOutput()
    # imbalance is a short-lived process whose data (models, nodes, results) holds no reference
    # cycles; the cyclic collector's repeated passes over large questionnaires made loading and
    # rendering grow faster than linearly (benchmarks/scale.py). Interactive prompting turns it
    # back on, since prompt_toolkit's objects do form cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    from imbalance_cli import resources

    resources.keep_parses(True)  # the next command starts from what this one parsed
    try:
        return _run_app(args, show_traceback)
    finally:
        resources.keep_parses(False)
        gc.unfreeze()  # what an interactive run froze (cli/ui.py) is collectable again
        if gc_was_enabled:
            gc.enable()


#: Options before the command that take a value (``--data-dir DIR``, ``--store URL``).
_VALUED = ("--data-dir", "--store")
_VALUED_GIVEN = tuple(f"{option}=" for option in _VALUED)


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command (or group) ``args`` name: typer turns every command into
    a click command before running one, which for all of them was a tenth of the time to the
    first question of ``imbalance run``. What the command does, says and is called is the
    same. Anything else (no command, --help, --version, a name that is not a command, shell
    completion) gets the whole app, which lists, suggests and completes every command."""
    if "_IMBALANCE_COMPLETE" in os.environ:
        return _whole()
    words = iter(args)
    for word in words:
        if word in _VALUED:
            next(words, None)
        elif word in ("--traceback", "--plain") or word.startswith(_VALUED_GIVEN):
            continue
        elif word.startswith("-"):
            return _whole()
        else:
            break
    else:
        return _whole()
    if word not in _MODULES:
        return _whole()
    for group in _MODULES[word]:
        import_module(f"imbalance_cli.cli.{group}")
    commands = [
        info
        for info in _app.registered_commands
        if info.callback is not None and _name(info) == word
    ]
    groups = [info for info in _app.registered_groups if info.name == word]
    if len(commands) + len(groups) != 1:
        return _whole()
    only = copy.copy(_app)
    only.registered_commands, only.registered_groups = commands, groups
    return only


def _run_app(args: list[str], show_traceback: bool) -> int:
    try:
        code: Any = _app_for(args)(args=args, prog_name="imbalance", standalone_mode=False)
        return int(code or 0)
    except Interrupted as exc:
        print(f"\nimbalance: {clean(exc.message)}", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except ImbalanceError as exc:
        print(f"imbalance: error: {clean(exc.message)}", file=sys.stderr)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("\nimbalance: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.PROBLEMS)
    except OSError as exc:
        # The machine, not imbalance: a full disk, a file that cannot be read or written.
        where = f" ({clean(str(exc.filename))})" if exc.filename else ""
        print(f"imbalance: error: {clean(exc.strerror or str(exc))}{where}", file=sys.stderr)
        return int(ExitCode.PROBLEMS)
    except Exception as exc:
        if type(exc).__module__ == "sqlite3":  # the store, on a full disk or a damaged file
            from imbalance_cli import resources
            from imbalance_cli.store import FILENAME
            from imbalance_cli.store.sqlite import store_error

            problem = store_error(resources.data_dir() / FILENAME, exc)
            print(f"imbalance: error: {clean(problem.message)}", file=sys.stderr)
            return int(ExitCode.PROBLEMS)
        # Usage errors come from the (vendored, in newer typer) click: show them click's way.
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            return int(ExitCode.USAGE)
        if show_traceback:
            raise
        print(
            f"imbalance: internal error: {type(exc).__name__}: {clean(str(exc))}\n"
            "This is a bug in imbalance; run again with --traceback and report what it shows.",
            file=sys.stderr,
        )
        return int(ExitCode.PROBLEMS)


# The command groups, in the order --help lists them, register themselves on `_app` when imported;
# a command named on the line needs only its own module (``_MODULES``, checked by a test).
_GROUPS = (
    "intake", "programme", "author", "records", "clients", "change", "maintenance", "store", "admin",
)  # fmt: skip
_MODULES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("run", "resume", "reassess"), ("intake",)),
    **dict.fromkeys(("plan", "log"), ("programme",)),
    **dict.fromkeys(
        ("list", "show", "graph", "validate", "test", "library", "schema"), ("author",)
    ),
    "sessions": ("records",),
    "clients": ("clients",),
    **dict.fromkeys(("compare", "progress"), ("change",)),
    "store": ("maintenance", "store"),
    "admin": ("admin",),
}


def _name(info: Any) -> str:
    """A registered command's or group's name, as typer gives it on the line."""
    if info.name:
        return str(info.name)
    return str(info.callback.__name__.lower().replace("_", "-"))


def _whole() -> typer.Typer:
    """The app with every command group, in the order --help lists them, whichever was imported
    first (a command named on the line imports only its own)."""
    for group in _GROUPS:
        import_module(f"imbalance_cli.cli.{group}")
    order = {name: _GROUPS.index(modules[0]) for name, modules in _MODULES.items()}
    last = len(_GROUPS)
    _app.registered_commands.sort(key=lambda info: order.get(_name(info), last))
    _app.registered_groups.sort(key=lambda info: order.get(_name(info), last))
    return _app


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app (tests, help, completion), its command groups imported."""
    if name == "app":
        return _whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
