"""Reminder policy (the `reminders:` section of a rule file) -> reminders planned for a ticket.

Pure: the ticket, the calendars and `now` are passed in. The planner returns every reminder up
to a horizon; each has a key that is stable for the ticket's current decision, so the caller
can re-plan as often as it likes and let the outbox drop keys it has already sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.engine.schema import Target, _Strict
from bot.models import Priority
from bot.tickets import TicketView

DeadlineName = Literal["reaction", "resolution"]
ReminderKind = Literal["percent", "before", "breach", "overdue", "outside_hours"]

# More repeats than this is a typo (800 instead of 8), not a policy.
MAX_OVERDUE_REPEATS = 100

_PERCENT = re.compile(r"^\s*(\d+)\s*%?\s*$")
_DURATION_HELP = "bijvoorbeeld '1 werkuur', '30 werkminuten', '2 business hours' of '1 werkdag'"


def _describe(target: Target) -> str:
    return target.describe().removeprefix("binnen ")


def _percent(value: object) -> int:
    """One percentage: 50, '50' or '50%', from 1 to 99."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        number = int(match[1])
    if number is None or not 1 <= number <= 99:
        raise ValueError(
            f"{value!r} is geen percentage van 1 tot 99 (het deel van de tijd van ontvangst "
            "tot de deadline waarna herinnerd wordt)"
        )
    return number


def _business_duration(value: object) -> Target:
    """A positive amount of business time; 'next release' and 'none' are not durations."""
    try:
        target = Target.parse(value)
    except ValueError as exc:
        raise ValueError(f"duur {value!r} is niet te lezen: gebruik {_DURATION_HELP}") from exc
    if target.kind != "business":
        raise ValueError(f"{value!r} is geen hoeveelheid werktijd: gebruik {_DURATION_HELP}")
    if target.amount <= 0:
        raise ValueError(f"{value!r} is geen tijd: gebruik een positief aantal, {_DURATION_HELP}")
    return target


def _every(value: object) -> Target:
    """A repeat interval, or 'none' for no repeats."""
    if value is None or (isinstance(value, str) and value.strip().lower() in {"none", "geen", "-"}):
        return Target(kind="none")
    try:
        return _business_duration(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (of 'geen' voor niet herhalen)") from exc


def _as_list(value: object) -> object:
    """Let a team lead write `before: 1 werkuur` as well as `before: [1 werkuur, 4 werkuren]`."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


ListOf = BeforeValidator(_as_list)
Percent = Annotated[int, BeforeValidator(_percent)]
Duration = Annotated[Target, BeforeValidator(_business_duration)]
Every = Annotated[Target, BeforeValidator(_every)]


def _hours_minutes(value: object) -> object:
    # YAML 1.1 reads an unquoted 9:00 as the number 540 (base 60); pydantic would then take
    # it as 540 seconds, 00:09. Refuse numbers so a digest never goes out at 00:09.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f'{value!r} is geen tijdstip: zet het tussen aanhalingstekens, bijvoorbeeld "09:00" '
            "(zonder aanhalingstekens leest YAML 9:00 als het getal 540)"
        )
    return value


class DeadlineReminders(_Strict):
    """Reminders before one deadline (reaction or resolution)."""

    percent: Annotated[tuple[Percent, ...], ListOf] = Field(
        default=(), description="At these percentages of the business time receipt -> deadline."
    )
    before: Annotated[tuple[Duration, ...], ListOf] = Field(
        default=(), description="This much business time before the deadline."
    )

    @field_validator("percent")
    @classmethod
    def _unique_percent(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        twice = sorted({p for p in value if value.count(p) > 1})
        if twice:
            raise ValueError(f"{', '.join(f'{p}%' for p in twice)} staat er meer dan eens")
        return tuple(sorted(value))

    @field_validator("before")
    @classmethod
    def _unique_before(cls, value: tuple[Target, ...]) -> tuple[Target, ...]:
        seen: dict[tuple[str, float], str] = {}
        for target in value:
            # Minutes and hours compare exactly; a working day's length depends on the
            # calendar, so `plan` drops a working day that equals a number of hours.
            norm = (
                ("working_days", target.amount)
                if target.unit == "working_days"
                else ("minutes", target.amount * (60 if target.unit == "hours" else 1))
            )
            if norm in seen:
                same = "" if seen[norm] == _describe(target) else f" (hetzelfde als {seen[norm]})"
                raise ValueError(f"{_describe(target)} staat er meer dan eens{same}")
            seen[norm] = _describe(target)
        return value


class DigestPolicy(_Strict):
    """The daily digest on working days."""

    at: Annotated[time, BeforeValidator(_hours_minutes)] = Field(
        default=time(9, 0), description='Local business time, e.g. "09:00".'
    )
    release_days: bool = Field(
        default=True, description="On a release day, list the Middel tickets due in it."
    )

    @field_validator("at")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("digest.at is lokale tijd: laat de UTC-afwijking weg")
        return value


_ONE_HOUR = Target(kind="business", amount=1, unit="hours")


class ReminderPolicy(_Strict):
    """When to remind the team about a ticket's deadlines (`reminders:` in a rule file)."""

    reaction: DeadlineReminders = DeadlineReminders(percent=(50, 80), before=(_ONE_HOUR,))
    resolution: DeadlineReminders = DeadlineReminders(percent=(), before=(_ONE_HOUR,))
    at_breach: bool = Field(default=True, description="Remind when a deadline passes.")
    overdue_every: Every = Field(
        default=Target(kind="business", amount=2, unit="hours"),
        description="Then again every this much business time while overdue, or 'none'.",
    )
    overdue_max: int = Field(
        default=8,
        ge=0,
        le=MAX_OVERDUE_REPEATS,
        description="At most this many overdue reminders per deadline.",
    )
    exempt: bool = Field(default=False, description="Remind about exempt tickets (SLA 4.D) too.")
    outside_hours: Annotated[tuple[Priority, ...], ListOf] = Field(
        default=(Priority.HOOG,),
        description="Priorities reminded outside business hours (overdue in wall-clock time).",
    )
    digest: DigestPolicy = DigestPolicy()

    @field_validator("outside_hours")
    @classmethod
    def _unique_priorities(cls, value: tuple[Priority, ...]) -> tuple[Priority, ...]:
        return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class Reminder:
    """One reminder to send at `at` (UTC) about the deadline `due`."""

    at: datetime
    deadline: DeadlineName
    kind: ReminderKind
    key: str  # stable and unique per ticket decision: "reaction:50%", "resolution:breach"
    due: datetime  # the deadline it is about; for outside_hours the reaction due (or receipt)


def plan(
    policy: ReminderPolicy,
    ticket: TicketView,
    calendar: BusinessCalendar,
    now: datetime,
    until: datetime,
) -> list[Reminder]:
    """The reminders for `ticket` up to `until`, sorted by (at, key).

    Of the reminders already due before `now`, only the latest per deadline is kept: after
    downtime the team gets one catch-up reminder per deadline, not a burst of stale ones.
    """
    now, until = _utc(now), _utc(until)
    if not ticket.is_open or (ticket.exempt and not policy.exempt):
        return []
    anytime = ticket.priority in policy.outside_hours
    received = _utc(ticket.clock_start)
    # Per deadline, in the order the reminders are meant to come; used to break ties in `at`.
    planned: list[Reminder] = []
    if ticket.reacted_at is None:
        if anytime and not calendar.is_business_time(received):
            due = _utc(ticket.reaction_due) if ticket.reaction_due else received
            planned.append(
                Reminder(received, "reaction", "outside_hours", "new:outside_hours", due)
            )
        if ticket.reaction_due is not None:
            planned += _for_deadline(
                policy,
                policy.reaction,
                "reaction",
                received,
                _utc(ticket.reaction_due),
                calendar,
                anytime,
            )
    if ticket.resolution_due is not None:
        planned += _for_deadline(
            policy,
            policy.resolution,
            "resolution",
            received,
            _utc(ticket.resolution_due),
            calendar,
            anytime,
        )
    if not anytime:
        planned = [_in_hours(r, calendar) for r in planned]

    order = {r.key: i for i, r in enumerate(planned)}
    latest_past: dict[str, Reminder] = {}
    for reminder in sorted(planned, key=lambda r: (r.at, order[r.key])):
        if reminder.at < now:
            latest_past[reminder.deadline] = reminder
    kept = [
        r for r in planned if r.at <= until and (r.at >= now or latest_past.get(r.deadline) is r)
    ]
    return sorted(kept, key=lambda r: (r.at, r.key))


def _for_deadline(
    policy: ReminderPolicy,
    spec: DeadlineReminders,
    name: DeadlineName,
    received: datetime,
    due: datetime,
    calendar: BusinessCalendar,
    anytime: bool,
) -> list[Reminder]:
    """Percent, before, breach and overdue reminders for one deadline, in their intended order."""
    out: list[Reminder] = []
    window = calendar.business_time_between(received, due)
    if window > timedelta(0):
        for p in spec.percent:
            at = calendar.add_business_time(received, window * p / 100)
            out.append(Reminder(at, name, "percent", f"{name}:{p}%", due))
        # Longest lead first: that reminder comes first. Equal lengths (1 werkdag and
        # 8 werkuren on a 09:00-17:00 calendar) would share a key, so the second is dropped.
        leads = sorted({_length(t, calendar) for t in spec.before}, reverse=True)
        for lead in leads:
            if lead < window:
                at = calendar.add_business_time(received, window - lead)
                out.append(Reminder(at, name, "before", f"{name}:before:{_short(lead)}", due))
    if policy.at_breach:
        out.append(Reminder(due, name, "breach", f"{name}:breach", due))
    if policy.overdue_every.kind == "business":
        every = _length(policy.overdue_every, calendar)
        for k in range(1, policy.overdue_max + 1):
            at = due + every * k if anytime else calendar.add_business_time(due, every * k)
            out.append(Reminder(at, name, "overdue", f"{name}:overdue:{k}", due))
    return out


def _in_hours(reminder: Reminder, calendar: BusinessCalendar) -> Reminder:
    """`reminder`, moved to the next opening when it falls outside business hours.

    Closing time itself counts as inside: a deadline at 17:00 is reminded at 17:00.
    """
    at = reminder.at
    day = calendar.local(at).date()
    if calendar.is_business_time(at) or (
        calendar.is_working_day(day) and at == calendar.closing_of(day)
    ):
        return reminder
    moved = calendar.add_business_time(at, timedelta(0))
    return Reminder(moved, reminder.deadline, reminder.kind, reminder.key, reminder.due)


def next_digest_at(policy: ReminderPolicy, calendar: BusinessCalendar, after: datetime) -> datetime:
    """The first working day's digest time (local) strictly after `after`, in UTC."""
    after = _utc(after)
    day = calendar.local(after).date()
    while True:
        day = calendar.next_working_day(day)  # raises ConfigError when there are none
        # Combined with the zone per day, so 09:00 stays 09:00 local across DST changes.
        moment = datetime.combine(day, policy.digest.at, tzinfo=calendar.tz).astimezone(UTC)
        if moment > after:
            return moment
        day += timedelta(days=1)


def release_on(releases: ReleaseCalendar, day: date, tz: tzinfo) -> datetime | None:
    """The release on local date `day` in `tz` (the first, if there are several), in UTC."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    found = releases.releases_between(start, end)
    return found[0] if found else None


def _length(target: Target, calendar: BusinessCalendar) -> timedelta:
    """A business-time target as a length of business time (a working day per the calendar)."""
    if target.unit == "working_days":
        return calendar.working_day * target.amount
    return (timedelta(hours=1) if target.unit == "hours" else timedelta(minutes=1)) * target.amount


def _short(length: timedelta) -> str:
    """'60m' for keys; seconds only when the length is not whole minutes."""
    seconds = int(length.total_seconds())
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"time {instant.isoformat()} has no UTC offset")
    return instant.astimezone(UTC)
