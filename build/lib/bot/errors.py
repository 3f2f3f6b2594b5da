"""The one exception tree of the triage bot.

    TriageError                 base of everything we raise on purpose
    ├── ConfigError             settings, organisations, calendar config are invalid
    ├── RuleError               a rule file cannot be loaded, checked or compiled
    │   └── RuleSetInvalid      several RuleProblems found at once (carries the list)
    ├── ReportError             an incoming report is malformed (bad JSON, naive time, ...)
    ├── AdapterError            an adapter cannot turn its input into a report (bad email, ...)
    │   └── ConnectionLost      a server went away; the runner reconnects with backoff
    │       ├── RateLimited     the server said "slow down" (HTTP 429) and when to come back
    │       └── Paused          the transport's configuration is refused (SMTP 535): pause all
    │   └── Deferred            this message waits for another (a thread for its post)
    ├── EngineError             the rules engine failed while evaluating a report
    ├── UnknownTicket           a ticket number names no stored ticket (message in Dutch)
    └── StoreError              the SQLite store cannot be opened or has a newer schema
        ├── StoreUnavailable    a read or write failed (disk full, I/O error, locked too long)
        └── LeaseHeld           another instance works this store (who, where, since when)

Expected, business-level errors carry a message meant for the user (a team lead, an
operator) and are shown verbatim by the CLI; anything else is a bug and gets a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class TriageError(Exception):
    """Base class for every error the bot raises on purpose."""


class ConfigError(TriageError):
    """A settings, organisations or calendar file (or environment variable) is invalid."""


class RuleError(TriageError):
    """A rule file cannot be loaded, checked or compiled."""


@dataclass(frozen=True)
class RuleProblem:
    """One problem in one rule file, located as precisely as we can (file:line)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RuleSetInvalid(RuleError):
    """A rule directory has one or more problems; `problems` lists them all, in file order."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ReportError(TriageError):
    """An incoming report is malformed: it cannot be turned into a Report."""


class AdapterError(TriageError):
    """An adapter could not turn its input into a report (the input goes to quarantine)."""


class ConnectionLost(AdapterError):
    """A server (IMAP, SMTP, Slack) went away or refused us; the runner retries with backoff."""


class RateLimited(ConnectionLost):
    """HTTP 429: try again after `retry_after` seconds, and not before (Slack's Retry-After)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Paused(ConnectionLost):
    """The transport cannot send anything until a person fixes its configuration (a wrong
    SMTP password, a refused sender or relay): no row is failed for it, the whole transport
    waits and the team is told."""


class Deferred(AdapterError):
    """This outgoing message must wait for another one (a reply for the post it threads
    under): retry it later, without holding up the other messages of its transport."""


class EngineError(TriageError):
    """The rules engine failed while evaluating a report (an action raised, a limit was hit)."""


class UnknownTicket(TriageError):
    """A ticket number that names no stored ticket; the message is Dutch, shown as is."""


class StoreError(TriageError):
    """The SQLite store cannot be opened, migrated or written."""


class StoreUnavailable(StoreError):
    """The store could not read or write just now (disk full, I/O error, locked too long).

    Not a bug and not the input's fault: whoever gets it stops what it was doing (no mail
    sent, no message marked on the server) and tries again later."""


class LeaseHeld(StoreError):
    """Another `triage run` holds this store's lease: only one instance may work it."""

    def __init__(self, message: str, holder: str, host: str, pid: int, since: str) -> None:
        super().__init__(message)
        self.holder, self.host, self.pid, self.since = holder, host, pid, since
