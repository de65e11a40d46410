"""``imbalance admin``: setting up and looking after a gym's shared PostgreSQL store."""

from typing import TYPE_CHECKING

import typer

from imbalance_cli.cli import _err_console, app
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
