"""The support mailbox over IMAP (imaplib2): IDLE for new mail, UID-based progress.

Per message, in UID order: fetch (headers-first when it is huge), hand the bytes to the
intake (which commits the report, or quarantines it), then mark it on the server, then record
the UID as done. A crash anywhere in between only means the message is handed over again, and
the store's idempotent key turns that into a no-op. A UIDVALIDITY change restarts the scan
from the first message, for the same reason.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

import imaplib2

from bot.errors import ConnectionLost
from bot.settings import ImapSettings

log = logging.getLogger("triage.imap")

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_MONTH_NAMES = tuple(_MONTHS)
_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# Drain rounds in a row before an IDLE (each round after the first takes in what arrived
# during the one before; the bound only keeps a pathological folder from spinning).
DRAIN_ROUNDS = 50


class Handler(Protocol):
    """What the runner hands each message to; returns once the outcome is committed."""

    def __call__(self, raw: bytes, received_at: datetime, notes: tuple[str, ...]) -> object: ...


@dataclass(frozen=True)
class Fetched:
    """One message as fetched: UID, server receipt time, bytes, notes (e.g. truncated)."""

    uid: int
    internal_date: datetime
    raw: bytes
    notes: tuple[str, ...] = ()


def parse_internaldate(data: bytes) -> datetime | None:
    """INTERNALDATE from a FETCH response as an aware datetime (locale-independent)."""
    match = _INTERNALDATE.search(data)
    if match is None:
        return None
    day, month, year, hh, mm, ss, sign, oh, om = match.groups()
    offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == b"+" else -1)
    return datetime(
        int(year),
        _MONTHS[month.decode().title()],
        int(day),
        int(hh),
        int(mm),
        int(ss),
        tzinfo=timezone(offset),
    )


def _fetch_items(data: list[Any]) -> Iterator[tuple[bytes, bytes | None, list[bytes]]]:
    """(header line, first literal, all literals) per message of a FETCH response."""
    header: bytes | None = None
    literals: list[bytes] = []
    for item in data:
        if isinstance(item, tuple):
            prefix, literal = item[0], item[1]
            if header is not None and re.match(rb"^\d+ \(", prefix):
                yield header, literals[0] if literals else None, literals
                header, literals = None, []
            header = prefix if header is None else header + b" " + prefix
            literals.append(literal)
        elif isinstance(item, bytes):
            if re.match(rb"^\d+ \(", item):
                if header is not None:
                    yield header, literals[0] if literals else None, literals
                header, literals = item, []
            elif header is not None:
                header += b" " + item
    if header is not None:
        yield header, literals[0] if literals else None, literals


class ImapMailbox:
    """One connection to the support folder; every failure becomes ConnectionLost."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.name = f"{settings.username}@{settings.host}:{settings.port}/{settings.folder}"
        self._conn: Any = None
        # Logged in with the folder selected (for /readyz); False again once it is closed.
        self.logged_in = False
        self.uidvalidity = 0
        self.has_idle = False

    def _call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            typ, data = fn(*args)
        except (imaplib2.IMAP4.abort, OSError, EOFError) as exc:
            raise ConnectionLost(f"IMAP {self.name}: {what}: {exc}") from exc
        except imaplib2.IMAP4.error as exc:
            raise ConnectionLost(f"IMAP {self.name}: {what} refused: {exc}") from exc
        if typ != "OK":
            raise ConnectionLost(f"IMAP {self.name}: {what} answered {typ}: {data!r}")
        return data

    def connect(self) -> None:
        s = self.settings
        try:
            cls = imaplib2.IMAP4_SSL if s.tls else imaplib2.IMAP4
            self._conn = cls(s.host, s.port, timeout=s.timeout)
        except (OSError, imaplib2.IMAP4.error, imaplib2.IMAP4.abort) as exc:
            raise ConnectionLost(f"IMAP {s.host}:{s.port}: cannot connect: {exc}") from exc
        try:
            self._call("login", self._conn.login, s.username, s.password.get_secret_value())
        except ConnectionLost as exc:
            self.close()
            cause = exc.__cause__
            refused = isinstance(cause, imaplib2.IMAP4.error) and not isinstance(
                cause, imaplib2.IMAP4.abort
            )
            if not refused:
                # The connection broke during the login: no answer about the password.
                raise ConnectionLost(
                    f"IMAP {self.name}: the connection was lost during the login: {cause}"
                ) from exc
            raise ConnectionLost(
                f"IMAP {self.name}: login refused for {s.username!r} "
                "(check TRIAGE_IMAP__USERNAME / TRIAGE_IMAP__PASSWORD)"
            ) from exc
        self.has_idle = self.settings.idle and "IDLE" in tuple(self._conn.capabilities)
        self._call("select", self._conn.select, s.folder)
        _typ, data = self._conn.response("UIDVALIDITY")
        values = [int(v) for v in data if v] if data and data[0] is not None else []
        if not values:
            raise ConnectionLost(f"IMAP {self.name}: the server sent no UIDVALIDITY")
        self.uidvalidity = values[-1]
        self.logged_in = True

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self.logged_in = False
        if conn is not None:
            try:
                conn.logout()
            except Exception:  # the connection may already be gone
                log.debug("logout failed", exc_info=True)

    def new_uids(self, after: int) -> list[int]:
        """UIDs above `after`, ascending (`n:*` also returns the highest UID: filter it)."""
        data = self._call("search", self._conn.uid, "SEARCH", f"UID {after + 1}:*")
        found = {int(x) for chunk in data if chunk for x in chunk.split()}
        return sorted(uid for uid in found if uid > after)

    def search(self, criteria: str) -> list[int]:
        """UIDs of the messages matching an IMAP SEARCH (e.g. "UNSEEN"), ascending."""
        data = self._call("search", self._conn.uid, "SEARCH", criteria)
        return sorted({int(x) for chunk in data if chunk for x in chunk.split()})

    def fetch(self, uids: list[int]) -> list[Fetched]:
        """Fetch messages; bigger than max_message_bytes: the header and the first part only."""
        if not uids:
            return []
        limit = self.settings.max_message_bytes
        sizes: dict[int, tuple[int, datetime | None]] = {}
        meta = self._call(
            "fetch", self._conn.uid, "FETCH", _uid_set(uids), "(UID RFC822.SIZE INTERNALDATE)"
        )
        for header, _, _ in _fetch_items(meta):
            uid_match, size_match = _UID.search(header), _SIZE.search(header)
            if uid_match and size_match:
                sizes[int(uid_match.group(1))] = (
                    int(size_match.group(1)),
                    parse_internaldate(header),
                )
        normal = [u for u in uids if u in sizes and sizes[u][0] <= limit]
        huge = [u for u in uids if u in sizes and sizes[u][0] > limit]
        out: dict[int, Fetched] = {}
        if normal:
            data = self._call(
                "fetch", self._conn.uid, "FETCH", _uid_set(normal), "(UID INTERNALDATE BODY.PEEK[])"
            )
            for header, literal, _ in _fetch_items(data):
                found = _UID.search(header)
                if found is None or literal is None:
                    continue
                number = int(found.group(1))
                when = parse_internaldate(header) or sizes[number][1]
                if when is not None:
                    out[number] = Fetched(number, when, literal)
        for number in huge:
            size, when = sizes[number]
            data = self._call(
                "fetch",
                self._conn.uid,
                "FETCH",
                str(number),
                f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{limit}>)",
            )
            parts = [lit for _, _, lits in _fetch_items(data) for lit in lits if lit]
            if when is not None and parts:
                note = (
                    f"message of {size:,} bytes is over the limit of {limit:,}: "
                    f"stored truncated to its header and first {limit:,} bytes"
                )
                out[number] = Fetched(number, when, b"".join(parts), (note,))
        missing = [u for u in uids if u not in out]
        if missing:
            # The message vanished (expunged by someone else) between SEARCH and FETCH.
            log.warning(
                "imap %s: UIDs %s could not be fetched now; they are tried again in the "
                "next round (an expunged message is simply gone)",
                self.name,
                missing,
            )
        return [out[u] for u in uids if u in out]

    def mark(self, uids: list[int]) -> None:
        """Tell the server these messages are handled (\\Seen, a keyword, or a move)."""
        if not uids:
            return
        how = self.settings.mark
        uid_set = _uid_set(uids)
        if how == "seen":
            self._call("store", self._conn.uid, "STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")
        elif how.startswith("keyword:"):
            keyword = how.partition(":")[2]
            self._call("store", self._conn.uid, "STORE", uid_set, "+FLAGS.SILENT", f"({keyword})")
        else:
            folder = how.partition(":")[2]
            if "MOVE" in tuple(self._conn.capabilities):
                self._call("move", self._conn.uid, "MOVE", uid_set, folder)
            else:
                self._call("copy", self._conn.uid, "COPY", uid_set, folder)
                self._call(
                    "store", self._conn.uid, "STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"
                )
                self._call("expunge", self._conn.expunge)

    def idle(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Wait for new mail (IDLE) up to `timeout` seconds; `interrupt` ends it early, and so
        does `stop` when it is already set once the IDLE has begun.

        The asynchronous form is used on purpose: a blocking imaplib2 IDLE cannot be ended
        from another thread (a NOOP waits for it), an asynchronous one ends at once.
        """
        done = threading.Event()
        outcome: list[Any] = []

        def finished(result: Any) -> None:
            outcome.append(result)
            done.set()

        try:
            self._conn.idle(timeout=timeout, callback=finished)
        except (imaplib2.IMAP4.abort, imaplib2.IMAP4.error, OSError) as exc:
            raise ConnectionLost(f"IMAP {self.name}: idle: {exc}") from exc
        if stop is not None and stop.is_set():
            # A stop between the caller's last look and this IDLE sent its NOOP before there
            # was an IDLE to end: end it now, or stopping waits the whole timeout.
            self.interrupt()
        if not done.wait(timeout + self.settings.timeout):
            raise ConnectionLost(f"IMAP {self.name}: IDLE did not end after {timeout:.0f} s")
        _response, _arg, error = outcome[0]
        if error is not None:
            raise ConnectionLost(f"IMAP {self.name}: idle: {error}")

    def interrupt(self) -> None:
        """End an IDLE in progress from another thread (imaplib2 ends IDLE for any command)."""
        conn = self._conn
        if conn is not None:
            try:
                conn.noop()
            except Exception:  # stopping anyway
                log.debug("noop to end IDLE failed", exc_info=True)


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


class ImapRunner:
    """Keeps the mailbox drained: reconnects with backoff, IDLEs or polls between rounds."""

    def __init__(
        self,
        settings: ImapSettings,
        handler: Handler,
        state: MailboxState,
        sleep: Callable[[float], bool] | None = None,
        since: date | None = None,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.state = state
        self.mailbox = ImapMailbox(settings)
        self.since = since
        # What a first start skipped, for the log and `run --once` to say.
        self.notices: list[str] = []
        self._stop = threading.Event()
        # `sleep(seconds)` returns True when stopping; injected so tests need not wait.
        self._sleep = sleep or self._stop.wait

    def stop(self) -> None:
        """Finish the message in hand, then leave `run`."""
        self._stop.set()
        self.mailbox.interrupt()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def drain(self) -> int:
        """Process every message above the stored UID; returns how many were handed over."""
        mailbox = self.mailbox
        known = self.state.get(mailbox.name)
        last = 0
        if known is not None:
            validity, last = known
            if validity != mailbox.uidvalidity:
                log.warning(
                    "imap %s: UIDVALIDITY changed from %s to %s: rescanning the whole "
                    "folder (already stored messages are recognised and skipped)",
                    mailbox.name,
                    validity,
                    mailbox.uidvalidity,
                )
                last = 0
        handled = 0
        if known is None:
            uids, newest = self._first_start()
        else:
            uids, newest = mailbox.new_uids(last), 0
        batch = self.settings.fetch_batch
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            done: list[int] = []
            fetched = mailbox.fetch(chunk)
            gap = len(fetched) < len(chunk)
            for message in fetched:
                if message.uid != chunk[len(done)]:
                    break  # a UID before this one was not fetched: retry from there next round
                self.handler(message.raw, message.internal_date, message.notes)
                done.append(message.uid)
                handled += 1
                if self.stopping:
                    break
            if done:
                mailbox.mark(done)
                # During a first start the UIDs skip the read mail: progress is recorded
                # once it is over (a crash before that starts it again; the store knows
                # what it already has).
                if known is not None:
                    self.state.set(mailbox.name, mailbox.uidvalidity, max(done))
            if self.stopping or gap:
                break
        if known is None and not self.stopping and handled == len(uids):
            # The first start is over: from here on, everything after the newest message.
            self.state.set(mailbox.name, mailbox.uidvalidity, newest)
        return handled

    def _first_start(self) -> tuple[list[int], int]:
        """A mailbox the store has never read: the UIDs to take in, and the folder's newest.

        A new or moved database must not re-acknowledge a whole inbox: only unread mail is
        taken in (and read mail received since `--since`), unless the settings say `all`.
        """
        mailbox = self.mailbox
        everything = mailbox.new_uids(0)
        if self.settings.first_start == "all" or not everything:
            return everything, everything[-1] if everything else 0
        criteria = "UNSEEN"
        if self.since is not None:
            day = self.since
            criteria = f"OR UNSEEN SINCE {day.day}-{_MONTH_NAMES[day.month - 1]}-{day.year}"
        wanted = [uid for uid in mailbox.search(criteria) if uid in set(everything)]
        skipped = len(everything) - len(wanted)
        if skipped:
            since = f" or received before {self.since.isoformat()}" if self.since else ""
            notice = (
                f"imap {mailbox.name}: first start on this mailbox: taking in {len(wanted)} "
                f"unread message(s); skipped {skipped} read message(s){since} "
                "(`triage run --since YYYY-MM-DD` takes read mail since that day in too)"
            )
            log.warning("%s", notice)
            self.notices.append(notice)
        return wanted, everything[-1]

    def run_once(self) -> int:
        """Connect, process what is waiting, disconnect (for `triage run --once`)."""
        self.mailbox.connect()
        try:
            return self.drain()
        finally:
            self.mailbox.close()

    def run(self) -> None:
        """Until stopped: connect, drain, wait for mail; on failure reconnect with backoff."""
        failures = 0
        while not self.stopping:
            try:
                self.mailbox.connect()
                log.info(
                    "imap %s: connected (IDLE %s)",
                    self.mailbox.name,
                    "on" if self.mailbox.has_idle else "off",
                )
                failures = 0
                while not self.stopping:
                    # Drain until a round finds nothing new: mail that arrived while a
                    # backlog was handled was announced during those commands, not to the
                    # IDLE that follows, which would only see it at its timeout.
                    for _round in range(DRAIN_ROUNDS):
                        if not self.drain() or self.stopping:
                            break
                    if self.stopping:
                        break
                    if self.mailbox.has_idle:
                        self.mailbox.idle(self.settings.idle_timeout, self._stop)
                    elif self._sleep(self.settings.poll_interval):
                        break
            except Exception as exc:  # ConnectionLost, and anything else: never die silently
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                if isinstance(exc, ConnectionLost):
                    log.warning(
                        "imap: %s; reconnecting in %.0f s (attempt %d)", exc, delay, failures
                    )
                else:
                    log.exception("imap: unexpected error; reconnecting in %.0f s", delay)
                self.mailbox.close()
                if self._sleep(delay):
                    break
            finally:
                if self.stopping:
                    self.mailbox.close()
        self.mailbox.close()


class MailboxState(Protocol):
    """Where the runner keeps (UIDVALIDITY, last UID) per mailbox: the store."""

    def get(self, mailbox: str) -> tuple[int, int] | None: ...

    def set(self, mailbox: str, uidvalidity: int, last_uid: int) -> None: ...
