"""A private, throw-away dovecot IMAP server for tests.

The configuration is written from scratch (nothing is read from /etc/dovecot), the server
listens on a free port of 127.0.0.1 and has one user, ``support@example.test``, with a random
password. The helpers talk to it with the standard library's ``imaplib``, never with the code
under test.

As root, dovecot's login, auth and mail processes run as ``nobody``. Those processes cannot
reach pytest's ``tmp_path`` (``/tmp/pytest-of-root`` is mode 0700), so the passwd-file and the
mail then live in a separate ``mkdtemp`` folder (mode 0711) that ``close()`` removes; config,
logs and runtime files stay in the directory given to the constructor.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.servers.base import HOST, PortServer, free_port
from tests.servers.wait import poll

USER = "support@example.test"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
IMAP_TIMEOUT = 10.0

# The recipe of shared/TEST_SERVERS.md, plus two speed-ups for failed logins:
# auth_failure_delay = 0 (the answer comes after ~0.5 s instead of 2 s) and an unusable
# anvil-auth-penalty socket (no per-IP penalty of 2, 4, 8... s after repeated failures).
# {extra} is empty as root; otherwise it lets dovecot use the current (maybe low) uid.
_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = dovecot-test-{port}
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{data}/mail/%u/Maildir
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
{extra}service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {data}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={data}/mail/%u
}}
"""

# Files in a Maildir folder that hold dovecot's UIDs and UIDVALIDITY (the messages themselves
# and their flags are in cur/ and new/; keywords are in dovecot-keywords, which is kept).
_UID_STATE_FILES = ("dovecot-uidlist", "dovecot-uidlist.lock", "dovecot.index*")


def find_dovecot() -> str | None:
    """Path of the dovecot binary, also looking in the sbin folders a non-root PATH lacks."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which("dovecot", path=path)


def quote_mailbox(name: str) -> str:
    """An IMAP quoted string for a (7-bit) mailbox name; imaplib does not quote by itself."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple[str, Sequence[Any]], what: str) -> list[Any]:
    typ, data = result
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what} failed: {typ} {data!r}")
    return list(data)


class Dovecot(PortServer):
    """One dovecot instance: ``start()``, ``stop()``, ``restart()``, ``kill()`` and helpers."""

    label = "dovecot"

    def __init__(self, directory: Path | str, *, user: str = USER) -> None:
        self.directory = Path(directory).resolve()
        self._user = user
        self._password = secrets.token_urlsafe(16)
        self._port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._data: Path | None = None
        self._own_data = False
        self._binary = find_dovecot()
        if self._binary is None:
            raise FileNotFoundError("dovecot is not installed")
        # As root, dovecot's own processes and the mail belong to nobody (see module doc).
        root = os.geteuid() == 0
        account = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.geteuid())
        self._run_user = account.pw_name
        self._uid = account.pw_uid
        self._gid = account.pw_gid
        self._run_group = grp.getgrgid(self._gid).gr_name

    # -- properties -----------------------------------------------------------------------

    @property
    def user(self) -> str:
        return self._user

    @property
    def password(self) -> str:
        return self._password

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def maildir(self) -> Path:
        """The user's Maildir (INBOX); other folders are ``.<name>`` inside it."""
        if self._data is None:
            raise RuntimeError("dovecot has not been started")
        return self._data / "mail" / self._user / "Maildir"

    def folder_path(self, folder: str = "INBOX") -> Path:
        """The Maildir++ folder that holds ``folder``."""
        return self.maildir if folder.upper() == "INBOX" else self.maildir / f".{folder}"

    def log_text(self) -> str:
        """dovecot's log plus whatever the master process wrote to stdout/stderr."""
        parts = []
        for name in ("dovecot.log", "dovecot.out"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)

    # -- life cycle -----------------------------------------------------------------------

    def _start(self) -> None:
        """Start dovecot and return once a connection gets the ``* OK`` greeting."""
        first = self._port is None
        if first:
            self._prepare()
        attempts = 3 if first else 1
        for attempt in range(attempts):
            if first:
                self._port = free_port()
                self._write_config()
            try:
                self._spawn_and_wait()
                return
            except _PortTaken:
                if attempt == attempts - 1:
                    raise RuntimeError(
                        f"dovecot could not bind a port:\n{self.log_text()}"
                    ) from None

    def stop(self) -> None:
        """Terminate dovecot and wait for it; SIGKILL after ``STOP_TIMEOUT``.

        SIGTERM goes to the whole process group: signalling only the master takes ~1.1 s,
        the group ~10 ms (clients still get ``* BYE Server shutting down``). A master that
        saw a child still exiting sleeps a whole second before it exits, so once it is the
        only live process left it is SIGKILLed instead of waited for.
        """
        # Also when dovecot is not running: one that died on its own still has to be reaped.
        if self._proc is not None:
            self._stop()

    def _stop(self) -> None:
        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + STOP_TIMEOUT
        self._signal_group(proc, signal.SIGTERM)
        while not self._exited(proc, 0.01):
            if time.monotonic() > deadline or not self._children_alive(proc.pid):
                break
            # Again and again: a child forked just after a signal would miss it.
            self._signal_group(proc, signal.SIGTERM)
        self._signal_group(proc, signal.SIGKILL)  # the master or stragglers, if any
        proc.wait()
        self._proc = None

    def kill(self) -> None:
        """SIGKILL dovecot and all its processes at once, as in a crash."""
        proc = self._proc
        if proc is None:
            return
        self._signal_group(proc, signal.SIGKILL)
        proc.wait()
        self._proc = None

    def restart(self) -> None:
        """Stop (if running) and start again on the same port with the same mail."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop dovecot and remove the separate mail folder used when running as root."""
        self.stop()
        if self._own_data and self._data is not None:
            shutil.rmtree(self._data, ignore_errors=True)
            self._own_data = False

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self._data = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
            self._data.chmod(0o711)
            self._own_data = True
        else:
            self._data = self.directory
        passwd = self._data / "passwd"
        passwd.write_text(f"{self._user}:{{PLAIN}}{self._password}\n")
        mail = self._data / "mail"
        mail.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chown(passwd, 0, self._gid)
            passwd.chmod(0o640)
            os.chown(mail, self._uid, self._gid)
        else:
            passwd.chmod(0o600)

    def _write_config(self) -> None:
        assert self._data is not None
        extra = ""
        if os.geteuid() != 0:
            # dovecot refuses mail UIDs below 500 by default; a CI user may have one.
            extra = f"first_valid_uid = {self._uid}\nfirst_valid_gid = {self._gid}\n"
        text = _CONFIG.format(
            dir=self.directory,
            data=self._data,
            port=self._port,
            user=self._run_user,
            group=self._run_group,
            uid=self._uid,
            gid=self._gid,
            extra=extra,
        )
        (self.directory / "dovecot.conf").write_text(text)

    def _spawn_and_wait(self) -> None:
        assert self._binary is not None
        log_size = self._log_size()
        with open(self.directory / "dovecot.out", "ab") as out:
            self._proc = subprocess.Popen(
                [self._binary, "-F", "-c", str(self.directory / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,  # its own process group, for kill()
            )

        def greeted() -> bool:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                new_log = self.log_text()[log_size:]
                if "Address already in use" in new_log:
                    raise _PortTaken
                raise RuntimeError(f"dovecot exited with status {code}:\n{self.log_text()}")
            return self._greets()

        # dovecot tells nobody when it is ready: connect until it greets.
        if not poll(greeted, START_TIMEOUT, interval=0.02):
            self.kill()
            raise TimeoutError(
                f"dovecot did not greet on {HOST}:{self._port} within {START_TIMEOUT} s:\n"
                f"{self.log_text()}"
            )

    def _log_size(self) -> int:
        return len(self.log_text())

    def _greets(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1.0) as sock:
                data = b""
                while b"\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return False
                    data += chunk
                return data.startswith(b"* OK")
        except OSError:
            return False

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
        # Only called while the leader is unreaped: its pid (the group id) cannot be reused.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)

    @staticmethod
    def _children_alive(pgid: int) -> bool:
        """Whether a process of the group other than its leader is alive (not a zombie)."""
        proc_dir = Path("/proc")
        if not proc_dir.is_dir():
            return True  # cannot tell: wait for the master
        for entry in proc_dir.iterdir():
            if not entry.name.isdigit() or int(entry.name) == pgid:
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False

    @staticmethod
    def _exited(proc: subprocess.Popen[bytes], timeout: float) -> bool:
        """Wait for the leader to exit without reaping it (so the group id stays reserved)."""
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        # waitid() cannot both leave the leader unreaped and wait with a timeout: poll it.
        return poll(lambda: os.waitid(os.P_PID, proc.pid, flags) is not None, timeout, 0.005)

    # -- IMAP helpers (standard library imaplib) ------------------------------------------

    @contextlib.contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in ``imaplib.IMAP4`` connection, logged out afterwards."""
        conn = imaplib.IMAP4(HOST, self.port, timeout=IMAP_TIMEOUT)
        try:
            _check(conn.login(self._user, self._password), "LOGIN")
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        internal_date: datetime | None = None,
        flags: str = "",
    ) -> None:
        """APPEND one message; a naive ``internal_date`` is taken as UTC."""
        with self.connect() as conn:
            self._append(conn, raw, folder, internal_date, flags)

    def append_many(self, messages: Sequence[bytes], folder: str = "INBOX") -> None:
        """APPEND several messages over one connection."""
        with self.connect() as conn:
            for raw in messages:
                self._append(conn, raw, folder, None, "")

    @staticmethod
    def _append(
        conn: imaplib.IMAP4,
        raw: bytes,
        folder: str,
        internal_date: datetime | None,
        flags: str,
    ) -> None:
        date = None
        if internal_date is not None:
            if internal_date.tzinfo is None:
                internal_date = internal_date.replace(tzinfo=UTC)
            date = imaplib.Time2Internaldate(internal_date)
        _check(conn.append(quote_mailbox(folder), flags or None, date, raw), "APPEND")

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self._status(folder, "UIDVALIDITY")

    def _status(self, folder: str, item: str) -> int:
        with self.connect() as conn:
            data = _check(conn.status(quote_mailbox(folder), f"({item})"), "STATUS")
        line = data[0]
        assert isinstance(line, bytes)
        match = re.search(rb"\b" + item.encode() + rb" (\d+)", line)
        if match is None:
            raise imaplib.IMAP4.error(f"no {item} in {line!r}")
        return int(match.group(1))

    def count(self, folder: str = "INBOX", criteria: str = "ALL") -> int:
        """Number of messages in ``folder`` matching the SEARCH ``criteria``."""
        with self.connect() as conn:
            _check(conn.select(quote_mailbox(folder), readonly=True), "EXAMINE")
            data = _check(conn.search(None, criteria), "SEARCH")
        first = data[0]
        assert isinstance(first, bytes)
        return len(first.split())

    def flags_of_all(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """``{uid: flags}`` of every message; ``\\Recent`` (session-dependent) is left out."""
        with self.connect() as conn:
            data = _check(conn.select(quote_mailbox(folder), readonly=True), "EXAMINE")
            if int(data[0]) == 0:
                return {}
            data = _check(conn.uid("FETCH", "1:*", "(FLAGS)"), "UID FETCH")
        result: dict[int, set[str]] = {}
        for item in data:
            if not isinstance(item, bytes):
                continue
            uid = re.search(rb"\bUID (\d+)", item)
            flags = re.search(rb"\bFLAGS \(([^)]*)\)", item)
            if uid is None or flags is None:
                continue
            names = set(flags.group(1).decode().split()) - {"\\Recent"}
            result[int(uid.group(1))] = names
        return result

    def create_folder(self, name: str) -> None:
        with self.connect() as conn:
            _check(conn.create(quote_mailbox(name)), "CREATE")
            _check(conn.subscribe(quote_mailbox(name)), "SUBSCRIBE")

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        """Make dovecot assign ``folder`` a new UIDVALIDITY, keeping its messages.

        Stops dovecot, deletes the folder's dovecot-uidlist and dovecot.index* files (and the
        mailbox list index, so no cached STATUS survives), starts again and checks that the
        UIDVALIDITY changed and the message count did not. Returns the new UIDVALIDITY.
        Messages get new UIDs from 1; flags survive (they are in the Maildir file names).
        The new value is unique because dovecot-uidvalidity in the Maildir root (kept)
        holds the last value handed out: dovecot uses max(now, last + 1).
        """
        old = self.uidvalidity(folder)
        messages = self._status(folder, "MESSAGES")
        path = self.folder_path(folder)
        self.stop()
        for pattern in _UID_STATE_FILES:
            for file in path.glob(pattern):
                file.unlink()
        for file in self.maildir.glob("dovecot.list.index*"):
            file.unlink()
        self.start()
        new = self.uidvalidity(folder)
        if new == old:
            raise RuntimeError(f"UIDVALIDITY of {folder} is still {old} after the reset")
        after = self._status(folder, "MESSAGES")
        if after != messages:
            raise RuntimeError(f"{folder} had {messages} messages, {after} after the reset")
        return new


class _PortTaken(Exception):
    """dovecot could not bind the port picked for it (someone else took it meanwhile)."""
