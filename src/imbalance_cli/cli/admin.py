"""``imbalance admin``: setting up and looking after a gym's shared PostgreSQL store."""

from typing import TYPE_CHECKING, Annotated

import typer

from imbalance_cli.cli import _app as app
from imbalance_cli.cli import _err_console
from imbalance_cli.errors import UsageError
from imbalance_cli.text import markup

if TYPE_CHECKING:
    from imbalance_cli.store.postgres import PostgresStore

admin_app = typer.Typer(
    help="A gym's shared PostgreSQL store: create it, add trainers, read the audit.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(admin_app, name="admin")


def _server(what: str) -> "PostgresStore":
    """A connection to the --store server, for the gym's administrator (the database's owner
    or a superuser), without checking the schema (init creates it)."""
    from imbalance_cli import resources
    from imbalance_cli.store import is_url

    location = resources.store_location()
    if not isinstance(location, str) or not is_url(location):
        raise UsageError(
            f"{what} is for a shared PostgreSQL store; name it with --store postgresql://"
            "ADMIN@HOST/DB (or IMBALANCE_STORE). A store on this computer needs no setting up"
        )
    from imbalance_cli.cli import _ask_password
    from imbalance_cli.store.postgres import PasswordNeeded, PostgresStore

    try:
        return PostgresStore.connect(location)
    except PasswordNeeded:
        import sys

        if sys.stdin is None or not sys.stdin.isatty():
            raise
        from imbalance_cli.store import redacted

        ask = f"Password for {redacted(location)}: "
        return PostgresStore.connect(location, _ask_password(ask))


@admin_app.command("init")
def admin_init() -> None:
    """Create the shared store in the --store database, or upgrade it to this imbalance's
    schema: run it once as the database's owner (or a superuser), and again after upgrading
    imbalance. Safe to repeat; everything already stored is kept."""
    with _server("admin init") as store:
        before, after = store.initialise()
        where = store.where
    console = _err_console()
    if before == after:
        console.print(f"The store at {markup(where)} is up to date (schema {after}).")
    elif before == 0:
        console.print(f"Created the store at {markup(where)} (schema {after}).")
    else:
        console.print(f"Upgraded the store at {markup(where)} from schema {before} to {after}.")


@admin_app.command("add-trainer")
def admin_add_trainer(
    name: Annotated[
        str, typer.Argument(help="The trainer's login: lower-case letters, digits and _.")
    ],
    owner: Annotated[
        bool, typer.Option("--owner", help="An owner: sees every client and the whole audit.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
    ] = False,
    existing: Annotated[
        bool,
        typer.Option(
            "--existing",
            help="NAME is a role of the server already, not a trainer: make it one and set "
            "its password (refused without this).",
        ),
    ] = False,
) -> None:
    """Add a trainer to the shared store: a database login in the trainer group, who sees
    and changes only the clients assigned to them or shared with them (with --owner, every
    client, and the audit). The password is asked twice on a terminal, or read from standard
    input; the server receives it already hashed. Run again to set a new password. Only the
    admin login (the one that ran admin init) can add trainers; a role of the server that is
    not a trainer is taken over only with --existing."""
    from imbalance_cli.store import gym

    gym.check_trainer_name(name)
    password = _new_password(name, password_stdin)
    with _server("admin add-trainer") as store:
        if store.schema_version() is None:
            raise UsageError(
                "there is no store here yet; create it first with: imbalance admin init"
            )
        created = gym.add_trainer(store, name, password, owner=owner, existing=existing)
        url = store.url_for(name)
    what = "owner" if owner else "trainer"
    done = "Added" if created else "Updated"
    _err_console().print(
        f"{done} {what} '{markup(name)}'. They use the store with:\n"
        f"  imbalance --store {markup(url)} ...   (or IMBALANCE_STORE={markup(url)})\n"
        "with the password in ~/.pgpass (or typed when asked)."
    )


def _new_password(name: str, from_stdin: bool) -> str:
    import sys

    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: standard input held no password")
        return line
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask the new password on; give it with --password-stdin "
            f'(echo "$PASSWORD" | imbalance admin add-trainer {name} --password-stdin)'
        )
    import getpass

    try:
        first = getpass.getpass(f"Password for {name}: ", stream=sys.stderr)
        again = getpass.getpass("The same again: ", stream=sys.stderr)
    except EOFError:
        raise UsageError("no password was given") from None
    if first != again:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


@admin_app.command("audit")
def admin_audit(
    client: Annotated[
        str | None, typer.Option("--client", help="Only what concerns this client (name or id).")
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--trainer", help="Only what this trainer did.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only from this date (2026-12-01) on.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many entries (newest first).")
    ] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Who read, exported, changed or deleted which client, and when, newest first: the
    whole audit for an owner, your own actions for a trainer. Changes and deletions are
    written by the database itself; reads and exports by imbalance."""
    from imbalance_cli.cli import _open_store, write_stdout
    from imbalance_cli.text import dumps

    if since is not None:
        from datetime import date

        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise UsageError(f"--since takes a date such as 2026-12-01, not '{since}'") from None
    with _open_store() as store:
        entries = store.audit(client=client, actor=actor, since=since, limit=limit)
    if as_json:
        write_stdout(dumps([e.as_dict() for e in entries]))
        return
    if not entries:
        _err_console().print(
            "Nothing in the audit" + (" that matches." if client or actor or since else " yet.")
        )
        return
    from imbalance_cli.render.table import plain_table

    write_stdout(
        plain_table(
            ("when", "who", "what", "client", "session", "detail"),
            [
                (
                    e.at[:19].replace("T", " "),
                    e.actor,
                    e.action,
                    e.client or "–",
                    "–" if e.session is None else str(e.session),
                    e.detail or "",
                )
                for e in entries
            ],
            right=(4,),
        )
    )
