"""How a deadline follows from its start, step by step in working time (`triage explain`).

"ontvangen vr 18 dec 16:00 · Middel: 1 werkdag = 8 werkuren · vr 18 dec 1 werkuur
(16:00-17:00) · za 19 dec en zo 20 dec: weekend · ma 21 dec 7 werkuren (09:00-16:00) → ma 21
dec 16:00". The walk is the one of `BusinessCalendar.add_business_time` (the tests hold the two
to the same answer), recording each working day's hours and each day that did not count, with
its reason (weekend, a named holiday, a closing day). A "next release" target names the release
calendar's cadence and every skip, move or shift to a working day on the way.

Pure: the calendars and the target are passed in; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.engine.schema import Target
from bot.errors import ConfigError
from bot.nl import business_duration, day_label, when

REACTION, RESOLUTION = "reaction", "resolution"
# A longer run of days off means the calendar has no working days (bot/calendar.py).
_MAX_DAYS_OFF = 3 * 366


@dataclass(frozen=True)
class Step:
    """One day of the walk: the business time counted on it, or why it did not count."""

    day: date
    start: datetime | None = None  # UTC; counted from here ...
    end: datetime | None = None  # ... to here
    skipped: str | None = None  # Dutch: "weekend", "Eerste kerstdag", "na sluitingstijd"

    @property
    def counted(self) -> timedelta:
        if self.start is None or self.end is None:
            return timedelta(0)
        return self.end - self.start


@dataclass(frozen=True)
class Derivation:
    """One deadline (reaction or resolution) derived from where its clock starts."""

    deadline: str  # REACTION or RESOLUTION
    target: str  # Dutch: "1 werkdag = 8 werkuren", "eerstvolgende release", "geen termijn"
    clause: str  # where in the SLA the target comes from ("Bijlage 1, Middel", "3.G")
    start: datetime  # UTC: receipt, or the agreed contact's call (SLA 4.D)
    steps: tuple[Step, ...] = ()
    release: tuple[str, ...] = ()  # Dutch lines for a "next release" target
    due: datetime | None = None  # as derived here
    stored: datetime | None = None  # as stored with the decision

    @property
    def matches(self) -> bool:
        """Does the derivation arrive where the stored decision says?"""
        return self.due == self.stored

    def line(self, clock_label: str, tz: ZoneInfo) -> str:
        """The whole derivation on one line: "ontvangen vr 18 dec 16:00 · 1 werkdag = 8
        werkuren · vr 18 dec 1 werkuur (16:00-17:00) · ... → ma 21 dec 16:00"."""
        parts = [f"{clock_label} {when(self.start, tz)}", self.target]
        parts += self.phrases(tz) if self.steps else list(self.release)
        text = " · ".join(parts)
        if self.due is not None:
            text += f" → {when(self.due, tz)}"
        if not self.matches:
            # Rules (SLA targets) or calendar changed since the decision: the stored one holds.
            text += f" (maar opgeslagen bij de beslissing: {when(self.stored, tz)})"
        return text

    def phrases(self, tz: ZoneInfo) -> list[str]:
        """The walk in Dutch, one phrase per working day or run of days off."""
        out: list[str] = []
        index = 0
        steps = self.steps
        while index < len(steps):
            step = steps[index]
            if step.skipped is None:
                assert step.start is not None and step.end is not None
                out.append(
                    f"{day_label(step.day)} {business_duration(step.counted)} "
                    f"({_clock(step.start, tz)}-{_clock(step.end, tz)})"
                )
                index += 1
                continue
            # A run of days off for the same reason reads as one phrase ("za en zo: weekend").
            run = [step]
            while (
                index + len(run) < len(steps)
                and steps[index + len(run)].skipped == step.skipped
                and step.skipped != "na sluitingstijd"
            ):
                run.append(steps[index + len(run)])
            days = " en ".join(
                [", ".join(day_label(s.day) for s in run[:-1]), day_label(run[-1].day)]
                if len(run) > 1
                else [day_label(step.day)]
            )
            out.append(f"{days}: {step.skipped}")
            index += len(run)
        return out


def target_text(target: Target, calendar: BusinessCalendar) -> str:
    """A target in Dutch with its size in business time: "1 werkdag = 8 werkuren"."""
    if target.kind == "none":
        return "geen termijn"
    if target.kind == "next_release":
        return "eerstvolgende release"
    amount = f"{target.amount:g}".replace(".", ",")
    if target.unit == "working_days":
        days = "werkdag" if target.amount == 1 else "werkdagen"
        size = business_duration(calendar.working_day * target.amount)
        return f"{amount} {days} = {size}"
    if target.unit == "hours":
        return business_duration(timedelta(hours=target.amount))
    return business_duration(timedelta(minutes=target.amount))


def amount_of(target: Target, calendar: BusinessCalendar) -> timedelta:
    """A business-time target as an amount of business time (what `deadlines.due` adds)."""
    if target.unit == "working_days":
        return calendar.working_day * target.amount
    unit = timedelta(minutes=1) if target.unit == "minutes" else timedelta(hours=1)
    return unit * target.amount


def walk(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> tuple[Step, ...]:
    """The days from `start` until `amount` of business time has passed, as
    `BusinessCalendar.add_business_time` counts them; the last step ends at the deadline."""
    start = start.astimezone(UTC)
    remaining = amount
    steps: list[Step] = []
    day = calendar.local(start).date()
    days_off = 0
    while True:
        reason = calendar.closed_because(day)
        if reason is not None:
            days_off += 1
            if days_off > _MAX_DAYS_OFF:  # as BusinessCalendar.next_working_day says it
                raise ConfigError("de werkkalender heeft geen werkdagen")
            steps.append(Step(day, skipped=reason))
            day += timedelta(days=1)
            continue
        days_off = 0
        cursor = max(start, calendar.opening_of(day))
        closing = calendar.closing_of(day)
        if cursor >= closing:
            steps.append(Step(day, skipped="na sluitingstijd"))
            day += timedelta(days=1)
            continue
        available = closing - cursor
        if remaining <= available:
            steps.append(Step(day, cursor, cursor + remaining))
            return tuple(steps)
        steps.append(Step(day, cursor, closing))
        remaining -= available
        day += timedelta(days=1)


def derive(
    deadline: str,
    target: Target,
    clause: str,
    start: datetime,
    stored: datetime | None,
    calendar: BusinessCalendar,
    releases: ReleaseCalendar,
) -> Derivation:
    """The deadline `target` gives from `start`, with the steps that lead there."""
    text = target_text(target, calendar)
    if target.kind == "none":
        return Derivation(deadline, text, clause, start, stored=stored)
    if target.kind == "next_release":
        due = releases.next_release_after(start)
        lines = release_lines(releases, start, due)
        return Derivation(deadline, text, clause, start, release=lines, due=due, stored=stored)
    steps = walk(calendar, start, amount_of(target, calendar))
    return Derivation(deadline, text, clause, start, steps, due=steps[-1].end, stored=stored)


def release_lines(releases: ReleaseCalendar, start: datetime, release: datetime) -> tuple[str, ...]:
    """Why `release` is the first release after `start`, in Dutch: the cadence, and every
    skipped, moved, added or shifted release between them."""
    calendar, config = releases.calendar, releases.config
    tz = calendar.tz
    anchor = _aware_in(config.anchor, tz)
    anchor_day = anchor.astimezone(tz).date()
    lines = [
        f"releases elke {config.cadence_days} dagen vanaf {when(anchor, tz, with_year=True)} "
        "(releasekalender in config/settings.yaml)"
    ]
    first_day, release_day = calendar.local(start).date(), release.astimezone(tz).date()
    for skipped in config.skip:
        if first_day <= skipped <= release_day:
            lines.append(f"de release van {day_label(skipped)} vervalt (releases.skip)")
    for nominal, moment in sorted(config.move.items()):
        moved = _aware_in(moment, tz).astimezone(UTC)
        if first_day <= nominal <= release_day and moved != release:
            lines.append(
                f"de release van {day_label(nominal)} is verplaatst naar {when(moved, tz)}"
            )
    how = _origin(releases, release, anchor_day)
    lines.append(f"eerstvolgende release na {when(start, tz)}: {when(release, tz)}{how}")
    return tuple(lines)


def _origin(releases: ReleaseCalendar, release: datetime, anchor_day: date) -> str:
    """How a release came to be where it is: added, moved, or shifted off a day off."""
    calendar, config = releases.calendar, releases.config
    tz = calendar.tz
    if any(_aware_in(t, tz).astimezone(UTC) == release for t in config.add):
        return " (extra release, releases.add)"
    for nominal, moment in config.move.items():
        if _aware_in(moment, tz).astimezone(UTC) == release:
            return f" (verplaatst van {day_label(nominal)}, releases.move)"
    day = release.astimezone(tz).date()
    index = (day - anchor_day).days // config.cadence_days
    nominal = anchor_day + timedelta(days=index * config.cadence_days)
    if nominal != day:
        reason = calendar.closed_because(nominal) or "geen werkdag"
        return f" (gepland op {day_label(nominal)}, {reason}: de eerstvolgende werkdag)"
    return ""


def _clock(instant: datetime, tz: ZoneInfo) -> str:
    return f"{instant.astimezone(tz):%H:%M}"


def _aware_in(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=tz)
