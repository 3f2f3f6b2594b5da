"""A private, throw-away PostgreSQL server for tests, made with the distribution's own binaries.

The recipe of shared/TEST_SERVERS.md: ``initdb`` into a fresh temporary folder, then
``pg_ctl start`` on a free port of 127.0.0.1 with the Unix socket in that same folder, so
nothing of a system PostgreSQL (its configuration, data, socket or service) is used or
touched. ``initdb`` and the server refuse to run as root, so as root both run as the
``postgres`` user (which Debian's package creates) and the folder belongs to it.

One server serves the whole test run (``postgres_server`` in tests/servers/fixtures.py);
each test gets an empty database of its own on it (``postgres_db``). The server's user
``test`` needs no password (``trust`` over TCP), so a URL such as
``postgresql://test@127.0.0.1:PORT/db`` is all a client needs; the user ``triage`` needs its
password (scram-sha-256), for tests of how the password reaches the client.
The helpers talk to the server with psycopg 3, never with the code under test.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.servers.base import HOST, PortServer, free_port
from tests.servers.wait import poll

SUPERUSER = "test"  # initdb -U: owns everything, no password over TCP from 127.0.0.1
PASSWORD_USER = "triage"  # a second superuser that must give its password
# The server's own clock zone: a Dutch production server is likely set to this one, and a
# store that wrote naive times or read them back as UTC would show it here, not in production.
SERVER_TIMEZONE = "Europe/Amsterdam"
DEBIAN_ROOT = Path("/usr/lib/postgresql")  # Debian keeps each major version in <ver>/bin
START_TIMEOUT = 60  # seconds; pg_ctl -t (a loaded machine may take a while to recover)
STOP_TIMEOUT = 60
CONNECT_TIMEOUT = 10
# fsync=off: the tests never outlive the machine, and it makes commits cheap. Committed data
# still survives a stop or a crash of the server itself (synchronous_commit stays on).
_SERVER_OPTIONS = "-c listen_addresses={host} -c fsync=off -c full_page_writes=off"
# Whom the server lets in: the local socket and `test` freely, everybody else with a password.
_PG_HBA = f"""\
local all all trust
host all {SUPERUSER} {HOST}/32 trust
host all all {HOST}/32 scram-sha-256
"""


def find_bindir(debian_root: Path = DEBIAN_ROOT, path: str | None = None) -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: Debian's newest major version, else the
    one ``pg_ctl`` on ``path`` (default ``$PATH``) comes from; None when there is none.

    Debian does not put ``initdb`` on the PATH (only its ``pg_ctlcluster`` wrappers), and
    several major versions may be installed side by side."""
    versions: list[tuple[tuple[int, ...], Path]] = []
    if debian_root.is_dir():
        for bindir in debian_root.glob("*/bin"):
            number = re.fullmatch(r"\d+(?:\.\d+)*", bindir.parent.name)
            if number and _has_binaries(bindir):
                key = tuple(int(part) for part in number.group().split("."))
                versions.append((key, bindir))
    if versions:
        return max(versions)[1]
    found = shutil.which("pg_ctl", path=path)
    if found is None:
        return None
    bindir = Path(found).resolve().parent  # /usr/local/bin/pg_ctl may be a symlink
    return bindir if _has_binaries(bindir) else None


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl"))


@dataclass(frozen=True)
class PostgresDatabase:
    """One database on a test server: its name and the URLs a client connects with."""

    server: Postgres
    name: str

    @property
    def url(self) -> str:
        """``postgresql://test@127.0.0.1:PORT/NAME``: no password needed."""
        return self.server.url(self.name)

    @property
    def password_url(self) -> str:
        """The same database as the user that must give :attr:`password` (not in the URL)."""
        return self.server.url(self.name, user=PASSWORD_USER)

    @property
    def password(self) -> str:
        return self.server.password

    def connect(self) -> psycopg.Connection[Any]:
        """A connection (autocommit) as the superuser, for a test to look or set up."""
        return self.server.connect(self.name)

    def kill_connections(self) -> int:
        """Cut every client of this database; see :meth:`Postgres.kill_connections`."""
        return self.server.kill_connections(self.name)


class Postgres(PortServer):
    """One PostgreSQL server: ``start()``, ``stop()``, ``kill()``, databases and clients.

    ``stop()`` and ``start()`` keep the port and the data, so a test can take the database
    away from its clients for a while and give it back; ``kill()`` is a crash (``pg_ctl stop
    -m immediate``: no checkpoint, recovery at the next start)."""

    label = "postgres"

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise FileNotFoundError("PostgreSQL (initdb, pg_ctl) is not installed")
        self.bindir = found
        self.password = secrets.token_urlsafe(16)
        self._as_root = os.geteuid() == 0
        # As root, initdb and the server run as `postgres`; otherwise as whoever we are.
        account = pwd.getpwnam("postgres") if self._as_root else pwd.getpwuid(os.geteuid())
        self.os_user = account.pw_name
        self._uid, self._gid = account.pw_uid, account.pw_gid
        self._dir: Path | None = None
        self._port: int | None = None
        self._names = itertools.count(1)

    # -- properties -----------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        """The temporary folder: ``data/``, the server's ``log`` and its Unix socket."""
        if self._dir is None:
            raise RuntimeError("postgres has not been started")
        return self._dir

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs (from ``postmaster.pid``), else None."""
        if self._dir is None:
            return None
        try:
            first = (self._dir / "data" / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first)
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None  # a stale file left by a crash
        except PermissionError:
            pass  # alive, but not ours to signal
        return pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def url(self, dbname: str, user: str = SUPERUSER) -> str:
        """``postgresql://USER@127.0.0.1:PORT/DBNAME`` (never with a password)."""
        return f"postgresql://{user}@{HOST}:{self.port}/{dbname}"

    def log_text(self) -> str:
        """The server's log (pg_ctl -l), for failure messages."""
        if self._dir is None:
            return ""
        try:
            return (self._dir / "log").read_text(errors="replace")
        except OSError:
            return ""

    # -- life cycle -----------------------------------------------------------------------

    def _start(self) -> None:
        """initdb on the first start; then pg_ctl start, which returns once it accepts."""
        first = self._dir is None
        if first:
            self._init()
        attempts = 3 if first else 1
        for attempt in range(attempts):
            if first:
                self._port = free_port()
            log_size = len(self.log_text())
            result = self._pg_ctl("start", "-l", str(self.directory / "log"), "-o", self._options())
            if result.returncode == 0:
                break
            new_log = self.log_text()[log_size:]
            if "could not bind" not in new_log or attempt == attempts - 1:
                raise RuntimeError(f"postgres did not start:\n{result.stdout}\n{self.log_text()}")
        if first:
            self._create_password_user()

    def _stop(self) -> None:
        self._shutdown("fast")  # disconnects every client, checkpoints, exits

    def kill(self) -> None:
        """Stop as in a crash: clients are cut, nothing is checkpointed (committed data stays)."""
        if self.running:
            self._shutdown("immediate")

    def close(self) -> None:
        """Stop the server and remove its folder (data, log and socket)."""
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _init(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="postgres-test-"))
        if self._as_root:
            os.chown(self._dir, self._uid, self._gid)
        self._dir.chmod(0o700)
        # C locale: text sorts by bytes, as in SQLite, whatever locales the machine has.
        args = ["-D", str(self._dir / "data"), "-U", SUPERUSER, "--auth=trust", "--no-sync"]
        result = self._run("initdb", *args, "--encoding=UTF8", "--locale=C")
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}")
        (self._dir / "data" / "pg_hba.conf").write_text(_PG_HBA)

    def _options(self) -> str:
        options = _SERVER_OPTIONS.format(host=HOST)
        return f"-p {self.port} -k {self.directory} {options}"

    def _shutdown(self, mode: str) -> None:
        result = self._pg_ctl("stop", "-m", mode)
        if result.returncode != 0 and self.running:
            raise RuntimeError(f"postgres did not stop:\n{result.stdout}\n{self.log_text()}")

    def _pg_ctl(self, action: str, *args: str) -> subprocess.CompletedProcess[str]:
        timeout = START_TIMEOUT if action == "start" else STOP_TIMEOUT
        data = str(self.directory / "data")
        return self._run("pg_ctl", "-D", data, "-w", "-t", str(timeout), *args, action)

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the server's programs, as ``postgres`` when we are root."""
        # The locale and zone are chosen here, and nothing of the caller's PG* variables
        # (PGDATA, PGPORT, ...) may point the programs elsewhere.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
        env["TZ"] = SERVER_TIMEZONE
        switch: dict[str, Any] = {}
        if self._as_root:
            switch = {"user": self._uid, "group": self._gid, "extra_groups": []}
        # stdout to a pipe is safe here: pg_ctl hands the server's output to the log file.
        return subprocess.run(
            [str(self.bindir / program), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.directory,  # the server's user may not enter the caller's folder
            env=env,
            check=False,
            **switch,
        )

    def _create_password_user(self) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                    sql.Identifier(PASSWORD_USER), sql.Literal(self.password)
                )
            )

    # -- databases and clients (psycopg) --------------------------------------------------

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """A connection (autocommit) as the superuser; close it (``with``) when done."""
        if not self.running:
            raise self._not_running()
        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=SUPERUSER,
            dbname=dbname,
            connect_timeout=CONNECT_TIMEOUT,
            autocommit=True,
        )

    def create_database(self, hint: str = "") -> PostgresDatabase:
        """A new, empty database with a name no other has had on this server.

        ``hint`` (a test's name) goes into the name, so a leftover says where it came from."""
        slug = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")
        name = f"t{next(self._names)}_{secrets.token_hex(3)}_{slug}"[:63].rstrip("_")
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return PostgresDatabase(self, name)

    def drop_database(self, dbname: str) -> None:
        """Drop a database, cutting whoever is still connected to it (``WITH (FORCE)``)."""
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )

    def databases(self) -> list[str]:
        """The names of the databases clients can connect to (templates left out)."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname"
            ).fetchall()
        return [str(row[0]) for row in rows]

    def kill_connections(self, dbname: str) -> int:
        """Cut every client connection to ``dbname`` (``pg_terminate_backend``), as a network
        cut would; returns how many. Returns once those server processes are gone, so what
        the clients do next happens after the cut. A client may connect again at once."""
        with self.connect() as conn:
            pids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [dbname],
                ).fetchall()
            ]
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", [pid])

            def gone() -> bool:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
                ).fetchone()
                return row is not None and row[0] == 0

            if not poll(gone, STOP_TIMEOUT):
                raise TimeoutError(f"the clients of {dbname} were not cut within {STOP_TIMEOUT} s")
        return len(pids)


@contextlib.contextmanager
def database(server: Postgres, hint: str = "") -> Iterator[PostgresDatabase]:
    """An empty database for the ``with`` block, dropped afterwards (even if the block left
    the server stopped: it is started again first)."""
    if not server.running:
        server.start()
    db = server.create_database(hint)
    try:
        yield db
    finally:
        if not server.running:
            server.start()
        server.drop_database(db.name)
