"""Report -> Decision: who sent it, what the rules say, what the SLA promises.

Pure: the engine, directory and calendars are built elsewhere and passed in; nothing here
reads the clock, the disk or the network. Every adapter feeds reports through `Triage.decide`.
"""

from __future__ import annotations

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.deadlines import sla_outcome
from bot.directory import Directory
from bot.engine.runner import RuleEngine
from bot.hoogmodel import FACTOR, STEP, HoogModel
from bot.models import Category, Decision, Factor, Priority, Report
from bot.reading import read_report


class Triage:
    """The triage pipeline: one instance per process, shared by every adapter."""

    def __init__(
        self,
        engine: RuleEngine,
        directory: Directory,
        calendar: BusinessCalendar,
        releases: ReleaseCalendar,
        hoog_model: HoogModel | None = None,
    ) -> None:
        self.engine = engine
        self.directory = directory
        self.calendar = calendar
        self.releases = releases
        self.hoog_model = hoog_model

    def decide(
        self,
        report: Report,
        confirmed: Priority | None = None,
        category: Category | None = None,
    ) -> Decision:
        """Category, priority, exemption and deadlines for `report`.

        `confirmed` (or `report.priority`) is a priority set by Dialog (SLA 4.G); deadlines are
        then recomputed from the original receipt time. `category` keeps the category a ticket
        already has, so a priority click never re-categorises it under since-edited rules.
        """
        who = self.directory.identify(report.channel.value, report.sender)
        organisation = who.organisation.id if who.organisation else None
        read = read_report(report.subject, report.body)
        outcome = self.engine.evaluate(
            read, report.channel, organisation, confirmed or report.priority
        )
        chosen = category or outcome.category
        priority = outcome.priority
        needs_triage = (
            outcome.needs_triage and category is None and (confirmed or report.priority) is None
        )
        fired = outcome.fired
        factors = [
            Factor(name=f.factor, value=f.value, words=f.words, part=f.part, negated=f.negated)
            for f in outcome.factors
            if f.words
        ]
        # The text model's one job: raise a report the rules left below Hoog (bot/hoogmodel.py).
        # Never over a priority or category a person set.
        if (
            self.hoog_model is not None
            and priority is not Priority.HOOG
            and category is None
            and (confirmed or report.priority) is None
        ):
            opinion = self.hoog_model.opinion(read)
            if opinion.raise_to_hoog:
                priority, chosen, needs_triage = Priority.HOOG, Category.STORING, False
                fired = (*fired, STEP)
                percent, threshold = (
                    round(100 * opinion.probability),
                    round(100 * self.hoog_model.threshold),
                )
                value = f"hoog ({percent} %, drempel {threshold} %)"
                factors.append(Factor(name=FACTOR, value=value, words=opinion.words))
        sla = sla_outcome(
            outcome.sla,
            chosen,
            priority,
            report.channel,
            report.sender,
            report.received_at,
            who,
            self.calendar,
            self.releases,
            needs_triage,
        )
        return Decision(
            priority=priority,
            category=chosen,
            provisional=outcome.provisional,
            exempt=sla.exempt,
            exempt_reason=sla.exempt_reason,
            unagreed_caller=sla.unagreed_caller,
            reaction_due=sla.reaction_due,
            resolution_due=sla.resolution_due,
            rules=fired,
            organisation=organisation,
            rules_version=outcome.rules_version,
            calendar_version=self.releases.version,
            needs_triage=needs_triage,
            decision=outcome.decision,
            factors=tuple(factors),
        )
