"""The one exception tree of the triage bot.

    TriageError                 base of everything we raise on purpose
    ├── ConfigError             settings, organisations, calendar config are invalid
    ├── RuleError               a rule file cannot be loaded, checked or compiled
    │   └── RuleSetInvalid      several RuleProblems found at once (carries the list)
    ├── ReportError             an incoming report is malformed (bad JSON, naive time, ...)
    ├── AdapterError            an adapter cannot turn its input into a report (bad email, ...)
    │   └── ConnectionLost      a server went away; the runner reconnects with backoff
    │       └── RateLimited     the server said "slow down" (HTTP 429) and when to come back
    │   └── Deferred            this message waits for another (a thread for its post)
    ├── EngineError             the rules engine failed while evaluating a report
    └── StoreError              the SQLite store cannot be opened or has a newer schema

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


class Deferred(AdapterError):
    """This outgoing message must wait for another one (a reply for the post it threads
    under): retry it later, without holding up the other messages of its transport."""


class EngineError(TriageError):
    """The rules engine failed while evaluating a report (an action raised, a limit was hit)."""


class StoreError(TriageError):
    """The SQLite store cannot be opened, migrated or written."""
