"""Planning into the outbox: reminders before and after each deadline, the daily digest, the
maintenance announcement drafts (SLA 2.B) and the monthly report, all from stored deadlines.

Idempotent by dedupe keys, so the service can plan again every minute: a key names the
ticket, the decision and the moment, and a cancelled reminder is never revived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from bot.calendar import BusinessCalendar
from bot.intents import (
    SLACK,
    DailyDigest,
    DeadlineReminder,
    MaintenanceAnnouncement,
    MonthlyReport,
    to_payload,
)
from bot.maintenance import announcement_moment, announcements_due
from bot.pipeline import Triage
from bot.reminders import Reminder, ReminderPolicy, next_digest_at, plan
from bot.settings import ReportSettings
from bot.store import OutboxItem, Store
from bot.tickets import TicketView

# How far ahead reminders are written to the outbox; the service re-plans every few minutes,
# and the dedupe keys make re-planning harmless.
PLAN_HORIZON = timedelta(days=2)


def monthly_moment(first: date, calendar: BusinessCalendar, at: time = time(9, 30)) -> datetime:
    """`at` (local) on the first working day of the month that starts on `first`, in UTC."""
    day = calendar.next_working_day(first)
    return datetime.combine(day, at, tzinfo=calendar.tz).astimezone(UTC)


def reminder_pattern(ticket_id: int, deadline: str | None = None) -> str:
    """LIKE pattern of a ticket's pending reminders (all, or those of one deadline)."""
    return f"remind:{ticket_id}:%:{deadline}:%" if deadline else f"remind:{ticket_id}:%"


class Planner:
    """Reminders, digest and team posts for the tickets in a store."""

    def __init__(
        self,
        triage: Triage,
        store: Store,
        policy: Callable[[], ReminderPolicy],
        slack: bool,
        reports: ReportSettings,
    ) -> None:
        self.triage, self.store, self.policy = triage, store, policy
        self.slack, self.reports = slack, reports

    def plan(self, now: datetime, ticket_id: int | None = None) -> int:
        """Write due reminders (of one ticket, or all open ones) and the next digest.

        Idempotent: a reminder's dedupe key names the ticket, the decision and the moment, so
        planning again adds nothing, and a cancelled reminder is never revived. After a
        decision changed, a moment already past is not reminded again: "over 1 werkuur"
        moments from before the decision are stale, and a breach or overdue moment that was
        already sent under the previous decision stays sent once.
        """
        if not self.slack:
            return 0
        policy = self.policy()
        calendar = self.triage.calendar
        until = now + PLAN_HORIZON
        tickets = [self.store.ticket_view(ticket_id)] if ticket_id else self.store.ticket_views()
        planned = 0
        for ticket in tickets:
            for reminder in plan(policy, ticket, calendar, now, until):
                if reminder.at < now and self._already_reminded(ticket, reminder.key, reminder):
                    continue
                key = f"remind:{ticket.id}:{ticket.decision_id}:{reminder.key}"
                payload = to_payload(
                    DeadlineReminder(
                        ticket=ticket.id,
                        decision=ticket.decision_id,
                        deadline=reminder.deadline,
                        kind=reminder.kind,
                        due=reminder.due,
                        at=reminder.at,
                    )
                )
                item = OutboxItem(SLACK, key, payload, not_before=max(reminder.at, now))
                self.store.enqueue(item, now, ticket_id=ticket.id)
                planned += 1
        if ticket_id is None:
            at = next_digest_at(policy, calendar, now)
            day = calendar.local(at).date()
            digest = to_payload(DailyDigest(day=day))
            self.store.enqueue(
                OutboxItem(SLACK, f"digest:{day.isoformat()}", digest, not_before=at), now
            )
            self._plan_team_posts(now)
        return planned

    def _already_reminded(self, ticket: TicketView, key: str, reminder: Reminder) -> bool:
        """A past reminder moment that needs no (second) message."""
        ahead = reminder.kind in ("percent", "before")
        if ahead and ticket.decided_at is not None and reminder.at < ticket.decided_at:
            return True  # a warning ahead of a deadline, from before this decision
        return self.store.reminder_sent(ticket.id, key, reminder.at)

    def _plan_team_posts(self, now: datetime) -> None:
        """Maintenance announcement drafts (SLA 2.B) and the monthly report, into the outbox."""
        calendar, releases = self.triage.calendar, self.triage.releases
        days = self.reports.maintenance_days_before
        for release in announcements_due(releases, calendar, now, days):
            payload = to_payload(MaintenanceAnnouncement(release=release))
            key = f"maintenance:{release.isoformat()}"
            at = announcement_moment(release, calendar, days)
            self.store.enqueue(OutboxItem(SLACK, key, payload, not_before=at), now)
        if not self.reports.monthly_post:
            return
        local = calendar.local(now)
        this_month = local.date().replace(day=1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        for first in (this_month, next_month):
            moment = monthly_moment(first, calendar, self.reports.monthly_post_at)
            # The report of the month before `first`: at most a week late after downtime,
            # and never queued further ahead than the reminders are.
            if moment + timedelta(days=7) < now or moment > now + PLAN_HORIZON:
                continue
            previous = (first - timedelta(days=1)).strftime("%Y-%m")
            payload = to_payload(MonthlyReport(month=previous))
            self.store.enqueue(
                OutboxItem(SLACK, f"report:{previous}", payload, not_before=moment), now
            )
