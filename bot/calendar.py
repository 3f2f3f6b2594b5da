"""Business calendar (working days, 09:00-17:00 Europe/Amsterdam) and the release calendar.

Both are pure: they are built from config objects and answer questions about instants that
the caller passes in. All arithmetic on instants is done in UTC, so DST changes never shift
business hours; opening and closing times are wall-clock times in the business time zone.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.errors import ConfigError

# No calendar has a gap of working days longer than this; a longer search means the config
# has no working days at all, which we report instead of looping forever.
_MAX_SEARCH_DAYS = 3 * 366
_HOURS_MEMO = 10_000  # days whose opening and closing time a calendar remembers


class CalendarConfig(BaseModel):
    """Settings of the business calendar (section `calendar`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Europe/Amsterdam"
    opening: time = time(9, 0)
    closing: time = time(17, 0)
    country: str = "NL"
    working_weekdays: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4), description="0 = Monday ... 6 = Sunday"
    )
    extra_closing_days: tuple[date, ...] = ()
    dropped_holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # zoneinfo raises several types for a bad key
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        # An ISO code ("NL", "NLD") the package has a calendar for. Asking for that one
        # calendar imports one module; list_supported_countries() imports all 250 (a tenth of
        # every command's start-up).
        known = value.isascii() and value.isalpha() and value.isupper() and len(value) in (2, 3)
        if known:
            try:
                holidays.country_holidays(value)
            except NotImplementedError:
                known = False
        if not known:
            raise ValueError(f"the holidays package has no calendar for country {value!r}")
        return value

    @field_validator("extra_closing_days", "dropped_holidays")
    @classmethod
    def _sorted_days(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 0 or d > 6 for d in value):
            raise ValueError("working_weekdays must list numbers 0 (Monday) to 6 (Sunday)")
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _hours(self) -> CalendarConfig:
        if self.opening >= self.closing:
            raise ValueError(f"opening {self.opening} must be before closing {self.closing}")
        return self


class ReleaseConfig(BaseModel):
    """Settings of the release calendar (section `releases`, SLA 2.A)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anchor: datetime = Field(
        default=datetime(2026, 1, 6, 7, 0),
        description="First release; a time without offset is local business time.",
    )
    cadence_days: int = Field(default=21, ge=1)
    add: tuple[datetime, ...] = Field(default=(), description="Extra releases (hotfix dates).")
    skip: tuple[date, ...] = Field(default=(), description="Scheduled release dates to drop.")
    move: dict[date, datetime] = Field(
        default_factory=dict, description="Scheduled release date -> the moment it moved to."
    )


class BusinessCalendar:
    """Working days and business hours; adds business time exactly, to the second."""

    def __init__(self, config: CalendarConfig | None = None) -> None:
        self.config = config or CalendarConfig()
        self.tz = ZoneInfo(self.config.timezone)
        self._holiday_cache: dict[int, dict[date, str]] = {}
        self._holiday_names: dict[int, dict[date, str]] = {}
        self._extra = frozenset(self.config.extra_closing_days)
        self._dropped = frozenset(self.config.dropped_holidays)
        self._weekdays = frozenset(self.config.working_weekdays)
        self._hours: dict[date, tuple[datetime, datetime]] = {}  # see _hours_of

    # -- days -----------------------------------------------------------------------------
    def holidays(self, year: int) -> dict[date, str]:
        """Public holidays of `year` as the holidays package ships them, minus dropped ones."""
        cached = self._holiday_cache.get(year)
        if cached is None:
            try:
                shipped = holidays.country_holidays(self.config.country, years=year)
            except NotImplementedError as exc:
                raise ConfigError(
                    f"het pakket holidays kent geen kalender voor {self.config.country!r}"
                ) from exc
            cached = {d: name for d, name in shipped.items() if d not in self._dropped}
            self._holiday_cache[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday (configurable), not a holiday, not an extra closing day."""
        return (
            day.weekday() in self._weekdays
            and day not in self._extra
            and day not in self.holidays(day.year)
        )

    def closed_because(self, day: date) -> str | None:
        """Why `day` is not a working day, in Dutch ("Eerste kerstdag", "weekend",
        "extra sluitingsdag"), or None when it is one. A holiday is named in Dutch when the
        holidays package has Dutch names for the country (else in its own language)."""
        if self.is_working_day(day):
            return None
        if day in self.holidays(day.year):
            names = self._holiday_names.get(day.year)
            if names is None:
                # Only for the words: the working days themselves come from holidays().
                names = dict(
                    holidays.country_holidays(self.config.country, years=day.year, language="nl")
                )
                self._holiday_names[day.year] = names
            return names.get(day) or self.holidays(day.year)[day]
        if day in self._extra:
            return "extra sluitingsdag"
        return "weekend" if day.weekday() >= 5 else "geen werkdag"

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for offset in range(_MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ConfigError(
            "de werkkalender heeft geen werkdagen (controleer calendar in settings.yaml)"
        )

    def _working_days_from(self, day: date) -> Iterator[date]:
        while True:
            day = self.next_working_day(day)
            yield day
            day += timedelta(days=1)

    # -- hours ----------------------------------------------------------------------------
    def opening_of(self, day: date) -> datetime:
        """Opening time of `day`, in UTC."""
        return self._hours_of(day)[0]

    def closing_of(self, day: date) -> datetime:
        """Closing time of `day`, in UTC."""
        return self._hours_of(day)[1]

    def _hours_of(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing time of `day`, in UTC (worked out once per day)."""
        hours = self._hours.get(day)
        if hours is None:
            if len(self._hours) >= _HOURS_MEMO:
                self._hours.clear()
            hours = self._hours[day] = (
                datetime.combine(day, self.config.opening, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(day, self.config.closing, tzinfo=self.tz).astimezone(UTC),
            )
        return hours

    @cached_property
    def working_day(self) -> timedelta:
        """The length of one working day (09:00-17:00: 8 hours), per SPEC "one working day"."""
        reference = date(2001, 1, 15)  # a day without a DST change
        return self.closing_of(reference) - self.opening_of(reference)

    def local(self, instant: datetime) -> datetime:
        """`instant` in business local time."""
        return _aware(instant).astimezone(self.tz)

    def is_business_time(self, instant: datetime) -> bool:
        """True inside opening hours [opening, closing) of a working day."""
        day = self.local(instant).date()
        return self.is_working_day(day) and self.opening_of(day) <= _aware(
            instant
        ) < self.closing_of(day)

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant `amount` of business time after `start`, in UTC.

        Receipt outside business hours starts the clock at the next opening; a deadline that
        lands exactly on closing time stays at closing time of that day. Walks day by day.
        """
        if amount < timedelta(0):
            raise ValueError("amount of business time must not be negative")
        start = _aware(start).astimezone(UTC)
        remaining = amount
        for day in self._working_days_from(self.local(start).date()):
            opening, closing = self._hours_of(day)
            cursor = max(start, opening)
            if cursor >= closing:
                continue
            available = closing - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise AssertionError("unreachable: _working_days_from is infinite")  # pragma: no cover

    def add_working_days(self, start: datetime, days: int | float) -> datetime:
        """`days` working days (of business hours) after `start`."""
        return self.add_business_time(start, self.working_day * days)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end` (negative when `end` is before `start`)."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        day = self.local(start).date()
        last = self.local(end).date()
        while day <= last:
            if self.is_working_day(day):
                lo = max(start, self.opening_of(day))
                hi = min(end, self.closing_of(day))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    @cached_property
    def version(self) -> str:
        """Short fingerprint of the calendar settings and holidays release (for decisions)."""
        payload = json.dumps(
            [self.config.model_dump(mode="json"), getattr(holidays, "__version__", "?")],
            sort_keys=True,
        )
        return "cal-" + hashlib.sha256(payload.encode()).hexdigest()[:10]


class ReleaseCalendar:
    """Releases every `cadence_days` from the anchor, moved off non-working days (SLA 2.A)."""

    def __init__(self, config: ReleaseConfig, calendar: BusinessCalendar) -> None:
        self.config = config
        self.calendar = calendar
        anchor = config.anchor
        self._anchor = anchor if anchor.tzinfo else anchor.replace(tzinfo=calendar.tz)
        self._skip = frozenset(config.skip)
        self._year_cache: dict[int, list[datetime]] = {}
        self._extra = sorted(_aware_in(t, calendar.tz).astimezone(UTC) for t in config.add)
        self._moved = {d: _aware_in(t, calendar.tz).astimezone(UTC) for d, t in config.move.items()}
        anchor_day = self._anchor.astimezone(calendar.tz).date()
        for label, days in (("skip", config.skip), ("move", tuple(config.move))):
            for day in days:
                offset = (day - anchor_day).days
                if offset < 0 or offset % config.cadence_days:
                    raise ConfigError(
                        f"releases.{label}: {day} is not a scheduled release date (releases are "
                        f"every {config.cadence_days} days from {anchor_day}); use the "
                        "scheduled date, or releases.add for an extra release"
                    )

    @cached_property
    def version(self) -> str:
        """Fingerprint of the business calendar and the release settings (for decisions)."""
        payload = self.calendar.version + json.dumps(
            self.config.model_dump(mode="json"), sort_keys=True
        )
        return "cal-" + hashlib.sha256(payload.encode()).hexdigest()[:10]

    def _scheduled(self, index: int) -> datetime | None:
        """Release number `index` (0 = anchor), after moves and skips; None when skipped."""
        local = self._anchor.astimezone(self.calendar.tz)
        nominal = local.date() + timedelta(days=index * self.config.cadence_days)
        if nominal in self._skip:
            return None
        if nominal in self._moved:
            return self._moved[nominal]
        day = self.calendar.next_working_day(nominal)
        return datetime.combine(
            day, local.timetz().replace(tzinfo=None), tzinfo=self.calendar.tz
        ).astimezone(UTC)

    def releases_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every release at or after `start` and before `end`, in order, in UTC."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        cadence = timedelta(days=self.config.cadence_days)
        anchor = self._anchor.astimezone(UTC)
        # Moves and next-working-day shifts keep a release within a few weeks of its nominal
        # date, so starting a little before `start` and stopping a little after `end` is safe.
        margin = timedelta(days=40)
        first = max(0, (start - margin - anchor) // cadence)
        found: set[datetime] = set()
        index = first
        while anchor + cadence * index < end + margin:
            moment = self._scheduled(index)
            if moment is not None and start <= moment < end:
                found.add(moment)
            index += 1
        # An explicit move can take a release any distance from its nominal date, beyond the
        # margin above, so moved releases are looked up directly (by their nominal index).
        anchor_day = self._anchor.astimezone(self.calendar.tz).date()
        for nominal, moment in self._moved.items():
            index, rest = divmod((nominal - anchor_day).days, self.config.cadence_days)
            if index >= 0 and not rest and nominal not in self._skip and start <= moment < end:
                found.add(moment)
        found.update(t for t in self._extra if start <= t < end)
        return sorted(found)

    def _releases_of_year(self, year: int) -> list[datetime]:
        """Releases in a calendar year (UTC boundaries widened by a day), cached."""
        cached = self._year_cache.get(year)
        if cached is None:
            start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
            cached = self.releases_between(start, datetime(year + 1, 1, 2, tzinfo=UTC))
            self._year_cache[year] = cached
        return cached

    def next_release_after(self, instant: datetime) -> datetime:
        """The first release strictly after `instant`, in UTC."""
        instant = _aware(instant).astimezone(UTC)
        anchor_year = self._anchor.astimezone(UTC).year
        for year in range(max(instant.year, anchor_year - 1), max(instant.year, anchor_year) + 6):
            releases = self._releases_of_year(year)
            index = bisect_right(releases, instant)
            if index < len(releases):
                return releases[index]
        raise ConfigError(
            "geen release binnen een jaar gevonden: controleer releases in settings.yaml"
        )


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"time {instant.isoformat()} has no UTC offset")
    return instant


def _aware_in(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=tz)
