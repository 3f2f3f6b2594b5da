"""Replaying stored reports through rules: which tickets other rules would judge differently.

Two uses, one comparison:
- `triage rules diff` replays stored tickets through the rules of a folder and compares each
  outcome with the ticket's *first* decision as stored: the rules' own output then. What the
  team decided later (a changed priority or category, SLA 4.G) is not the rules' output, so it
  is never the baseline; the tickets the team changed are counted and shown alongside.
- A reload (`triage run`) replays the last 30 days through the rules before and after the
  edit, so its announcement counts what *this* edit changes and nothing an earlier edit or a
  calendar change did; a new text model likewise, through the model before and after.

A ticket changes when its priority, category, exemption (SLA 4.D), recognition (a rule
recognised it, or a person must decide) or deadlines differ. Each change names the
decision-table rows and word rules that decided before and after, and the factors whose value
moved. The caller hands in the rows (bot/store/replays.py) and the pipelines; the worker
processes of `rules diff` run `replay` on their share of the rows. Only `reload_replay` and
`model_replay` read the store they are given; nothing here reads the clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict

from bot.engine.loader import RuleSet
from bot.engine.runner import RuleEngine
from bot.errors import EngineError, StoreError
from bot.intents import Aspect, ReplayCount, ReplaySummary
from bot.models import Category, Decision, Factor, Priority, Report
from bot.pipeline import Triage
from bot.reading import read_report
from bot.store import ReplayRow, Store
from bot.textmodel import TextModel, rules_answer

log = logging.getLogger("triage.replay")

# The respects in which a replayed ticket can differ, in the order they are reported.
# "rules": only the rules' own answer differs; the text model decides as before.
ASPECTS: tuple[Aspect, ...] = (
    "priority",
    "category",
    "exempt",
    "recognised",
    "deadlines",
    "rules",
)
UNKNOWN = "onbekend"  # a factor that no word set (as rules/README.md calls it)
RELOAD_DAYS = 30  # the reload announcement replays the tickets of this many days
SUBJECT_CHARS = 80  # a report without a subject is named by the start of its text


class FactorShift(BaseModel):
    """A factor whose value differs after the replay, with the words that set it each time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    before: str
    after: str
    words_before: tuple[str, ...] = ()
    words_after: tuple[str, ...] = ()


class TicketChange(BaseModel):
    """One ticket the replayed rules judge differently: before and after, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket: int
    subject: str
    received_at: datetime
    aspects: tuple[Aspect, ...]  # what differs, in the order of ASPECTS
    before: Decision
    after: Decision
    factors: tuple[FactorShift, ...] = ()
    team: tuple[Priority, Category] | None = None  # the team's decision, when it changed one
    calendar_changed: bool = False  # first decided with another business/release calendar

    @property
    def rows(self) -> tuple[str | None, str | None]:
        """The decision-table row that decided before and after (None: no row fitted)."""
        return self.before.decision, self.after.decision

    @property
    def rules_gone(self) -> tuple[str, ...]:
        """Word rules that fired before and not now."""
        now = set(_word_rules(self.after))
        return tuple(r for r in _word_rules(self.before) if r not in now)

    @property
    def rules_new(self) -> tuple[str, ...]:
        """Word rules that fire now and did not before."""
        then = set(_word_rules(self.before))
        return tuple(r for r in _word_rules(self.after) if r not in then)

    @property
    def agrees_with_team(self) -> bool:
        """The replayed rules give what the team chose (priority and category)."""
        return self.team is not None and self.team == (self.after.priority, self.after.category)


@dataclass
class Tally:
    """The result of replaying some tickets; tallies of parts (worker processes) add up."""

    replayed: int = 0
    team_changed: int = 0  # tickets whose priority or category the team changed since
    other_calendar: int = 0  # tickets first decided with another calendar than the replay's
    changes: list[TicketChange] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.replayed += other.replayed
        self.team_changed += other.team_changed
        self.other_calendar += other.other_calendar
        self.changes.extend(other.changes)

    def count(self, aspect: str) -> int:
        """How many changed tickets differ in `aspect`."""
        return sum(aspect in change.aspects for change in self.changes)

    def counts(self) -> tuple[ReplayCount, ...]:
        """The changes as "n× before → after", by aspect, most frequent first; a deadline
        change is only counted for tickets whose priority, category and exemption stayed."""
        found: Counter[tuple[Aspect, str, str]] = Counter()
        for change in self.changes:
            before, after = change.before, change.after
            for aspect in change.aspects:
                if aspect == "priority":
                    found[aspect, before.priority.value, after.priority.value] += 1
                elif aspect == "category":
                    found[aspect, before.category.value, after.category.value] += 1
                elif aspect == "exempt":
                    found[aspect, _yes(before.exempt), _yes(after.exempt)] += 1
                elif aspect == "recognised":
                    found[aspect, _yes(not before.needs_triage), _yes(not after.needs_triage)] += 1
                elif aspect == "deadlines" and len(change.aspects) == 1:
                    found[aspect, "", ""] += 1
                elif aspect == "rules":
                    found[aspect, rules_said(before), rules_said(after)] += 1
        ranked = sorted(found.items(), key=lambda kv: (ASPECTS.index(kv[0][0]), -kv[1], kv[0]))
        return tuple(
            ReplayCount(aspect=aspect, before=before, after=after, count=n)
            for (aspect, before, after), n in ranked
        )

    def summary(self, since: date, days: int) -> ReplaySummary:
        """The counts for an announcement (bot/intents.py)."""
        return ReplaySummary(
            since=since,
            days=days,
            replayed=self.replayed,
            changed=len(self.changes),
            counts=self.counts(),
        )


def compare(
    ticket: int,
    report: Report,
    before: Decision,
    after: Decision,
    team: tuple[Priority, Category] | None = None,
) -> TicketChange | None:
    """How `after` differs from `before` for one ticket; None when it judges it the same."""
    aspects: list[Aspect] = []
    if after.priority is not before.priority:
        aspects.append("priority")
    if after.category is not before.category:
        aspects.append("category")
    if after.exempt != before.exempt:
        aspects.append("exempt")
    if after.needs_triage != before.needs_triage:
        aspects.append("recognised")
    if (after.reaction_due, after.resolution_due) != (before.reaction_due, before.resolution_due):
        aspects.append("deadlines")
    if not aspects and rules_said(before) != rules_said(after):
        # The edit changes what the rules say, but the text model decides as before: a team
        # lead must see that, or an edit would seem to do nothing.
        aspects.append("rules")
    if not aspects:
        return None
    return TicketChange(
        ticket=ticket,
        subject=report.subject or read_report("", report.body).heart(SUBJECT_CHARS),
        received_at=report.received_at,
        aspects=tuple(aspects),
        before=before,
        after=after,
        factors=factor_shifts(before.factors, after.factors),
        team=team,
        calendar_changed=before.calendar_version != after.calendar_version,
    )


def rules_said(decision: Decision) -> str:
    """What the rules alone said of `decision` ('middel storing'), also where the text model
    overruled them: the "rules" aspect of a replay compares these."""
    return rules_answer(decision.priority, decision.category, decision.factors)


def factor_shifts(before: Iterable[Factor], after: Iterable[Factor]) -> tuple[FactorShift, ...]:
    """Factors with another value after than before (a factor without words: onbekend)."""
    old = {f.name: f for f in before}
    new = {f.name: f for f in after}
    shifts = []
    for name in [*new, *(n for n in old if n not in new)]:
        was, now = old.get(name), new.get(name)
        value_was = was.value if was else UNKNOWN
        value_now = now.value if now else UNKNOWN
        if value_was != value_now:
            shifts.append(
                FactorShift(
                    name=name,
                    before=value_was,
                    after=value_now,
                    words_before=was.words if was else (),
                    words_after=now.words if now else (),
                )
            )
    return tuple(shifts)


def replay(triage: Triage, rows: Iterable[ReplayRow]) -> Tally:
    """Each stored ticket through `triage`, compared with its first decision as stored."""
    tally = Tally()
    calendar = triage.releases.version
    for row in rows:
        report, first = row.report(), row.first_decision()
        team = _team(row)
        tally.replayed += 1
        tally.team_changed += team is not None
        tally.other_calendar += first.calendar_version != calendar
        change = compare(row.ticket, report, first, triage.decide(report), team)
        if change is not None:
            tally.changes.append(change)
    return tally


def replay_between(old: Triage, new: Triage, rows: Iterable[ReplayRow]) -> Tally:
    """Each stored ticket through the rules of `old` and of `new` (same calendars and
    organisations): what the change from one to the other alters, and nothing else."""
    tally = Tally()
    for row in rows:
        report = row.report()
        team = _team(row)
        tally.replayed += 1
        tally.team_changed += team is not None
        change = compare(row.ticket, report, old.decide(report), new.decide(report), team)
        if change is not None:
            tally.changes.append(change)
    return tally


def reload_replay(
    store: Store, triage: Triage, previous: RuleSet, now: datetime, days: int = RELOAD_DAYS
) -> ReplaySummary | None:
    """What a rules edit changes in the tickets of the last `days` days (from the start of
    that local day, so `triage rules diff --since DAY` replays the same tickets): the rules
    `previous` against `triage`'s active ones, on a throw-away engine for the previous.

    None when the replay cannot be done: the announcement of the edit still goes out,
    without the counts (the store that cannot be read or the engine that refuses is logged;
    anything else is a bug and logged with its traceback)."""

    def replayed(rows: Iterable[ReplayRow]) -> Tally:
        engine = RuleEngine(previous)
        try:
            old = Triage(engine, triage.directory, triage.calendar, triage.releases, triage.model)
            return replay_between(old, triage, rows)
        finally:
            engine.close()

    return _recent(store, triage, now, days, "rules", replayed)


def model_replay(
    store: Store,
    triage: Triage,
    previous: TextModel | None,
    now: datetime,
    days: int = RELOAD_DAYS,
) -> ReplaySummary | None:
    """What another text model changes in the tickets of the last `days` days: the model
    `previous` (None: the rules alone) against `triage`'s active one, with the same rules.
    None when the replay cannot be done, as `reload_replay`."""

    def replayed(rows: Iterable[ReplayRow]) -> Tally:
        old = Triage(triage.engine, triage.directory, triage.calendar, triage.releases, previous)
        return replay_between(old, triage, rows)

    return _recent(store, triage, now, days, "text model", replayed)


def _recent(
    store: Store,
    triage: Triage,
    now: datetime,
    days: int,
    what: str,
    replayed: Callable[[Iterable[ReplayRow]], Tally],
) -> ReplaySummary | None:
    """The tickets received since the start of the local day `days` days ago, replayed by
    `replayed`; None (logged) when that cannot be done."""
    since = (now.astimezone(triage.calendar.tz) - timedelta(days=days)).date()
    start = datetime.combine(since, time(0), tzinfo=triage.calendar.tz)
    try:
        tally = replayed(store.replay_rows(start))
    except (StoreError, EngineError) as exc:
        log.warning(
            "replaying the last %d days for the %s announcement failed: %s", days, what, exc
        )
        return None
    except Exception:
        log.exception("replaying the last %d days for the %s announcement failed", days, what)
        return None
    log.info(
        "%s change replayed over %d tickets since %s: %d would be judged differently",
        what,
        tally.replayed,
        since.isoformat(),
        len(tally.changes),
    )
    return tally.summary(since, days)


def _team(row: ReplayRow) -> tuple[Priority, Category] | None:
    if row.team is None:
        return None
    return Priority(row.team[0]), Category(row.team[1])


def _word_rules(decision: Decision) -> list[str]:
    """The word rules that fired (a decision's `rules` start with its decision-table row)."""
    return [r for r in decision.rules if r != decision.decision]


def _yes(value: bool) -> str:
    return "ja" if value else "nee"
