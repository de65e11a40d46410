"""A throwaway PostgreSQL cluster for the tests: ``initdb`` into a temporary folder, ``pg_ctl``
to start it on a free port of 127.0.0.1, stopped (and the folder removed) at the end.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the cluster belongs
to user ``nobody`` and its programs run as that user; the folder is made by the tests and
given to it. Durability is switched off (fsync, full-page writes): a test cluster is thrown
away, and it makes every commit far cheaper. Passwords are checked (scram-sha-256) so that a
wrong one is refused as on a real server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
PASSWORD = "superuser-secret"
NOBODY = 65534


def find_bin(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else in Debian's /usr/lib/postgresql/N/bin (newest)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return str(versions[-1]) if versions else None


def available() -> bool:
    return find_bin("initdb") is not None and find_bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    _counter: int = field(default=0)
    _template: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        as_root = os.geteuid() == 0
        return subprocess.run(
            list(args),
            check=check,
            capture_output=True,
            text=True,
            user=NOBODY if as_root else None,
            group=NOBODY if as_root else None,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
            timeout=120,
        )

    @classmethod
    def create(cls, *, durable: bool = False) -> Cluster:
        """A new cluster, started. ``durable``: every commit is written before it returns, as
        on a real server, so a killed server keeps what was committed (for fault tests)."""
        folder = Path(tempfile.mkdtemp(prefix="imbalance-pg-"))
        folder.chmod(0o700)
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
        cluster = cls(folder, _free_port())
        secret = folder / "pwfile"
        secret.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            os.chown(secret, NOBODY, NOBODY)
        initdb = find_bin("initdb")
        assert initdb is not None
        cluster._run(
            initdb, "-D", str(cluster.data), "-U", SUPERUSER, f"--pwfile={secret}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--no-instructions",
        )  # fmt: skip
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {cluster.port}\n"
                f"unix_socket_directories = '{folder}'\n"
                "fsync = off\nfull_page_writes = off\n"
                f"synchronous_commit = {'on' if durable else 'off'}\n"
                "max_connections = 60\nshared_buffers = 32MB\n"
            )
        cluster.start()
        return cluster

    def start(self) -> None:
        pg_ctl = find_bin("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = find_bin("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def kill(self) -> None:
        """The server dies at once, as in a power cut (no shutdown, connections cut)."""
        self.stop("immediate")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(
        self, user: str = SUPERUSER, password: str | None = PASSWORD, database: str = "postgres"
    ) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run a statement as the superuser, outside any transaction (CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(database=database), autocommit=True) as conn:
            conn.execute(statement.encode())

    def new_database(self, template: str = "template0") -> str:
        """A fresh database: each test gets its own."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return name

    def new_store(self) -> str:
        """A fresh database with an imbalance store in it, copied from one initialised once
        (``admin init`` runs once per test run, not once per test)."""
        if not self._template:
            from imbalance_cli.store.postgres import PostgresStore

            self._template = self.new_database()
            with PostgresStore.connect(self.url(database=self._template)) as store:
                store.initialise()
        return self.new_database(self._template)


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[Cluster]:
    cluster = Cluster.create(durable=durable)
    try:
        yield cluster
    finally:
        cluster.remove()


def wait_until_down(cluster: Cluster, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", cluster.port)) != 0:
                return
        time.sleep(0.1)
