"""Report -> Decision: who sent it, what the rules and the text model say, what the SLA promises.

Who decides the priority and category, first match wins:
1. a person (a priority or category set by Dialog, SLA 4.G);
2. a decision-table row marked `binding` (a team lead's choice; none is as shipped);
3. the text model (bot/textmodel.py), which read the whole text; when it answers otherwise
   than the rules, the decision's rules end with the step `taalmodel` (its `decision` stays
   the table row the rules chose) and it carries both answers as factors (`taalmodel` with
   its probability and words, `regels` with the rules' answer);
4. the rules alone, when no model is installed.
"Niet herkend" (needs_triage): the rules recognised nothing, or the model contradicts them
while unsure itself (its answer below `unsure_below`; it then does not lower a rules' Hoog);
the answer is only a guess, a person decides, reminded at Middel's reaction time.

Pure: the engine, directory, calendars and model are built elsewhere and passed in; nothing
here reads the clock, the disk or the network. Every adapter feeds reports through
`Triage.decide`.
"""

from __future__ import annotations

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.deadlines import sla_outcome
from bot.directory import Directory
from bot.engine.runner import RuleEngine
from bot.models import Category, Decision, Factor, Priority, Report
from bot.reading import read_report
from bot.textmodel import FACTOR, NOTHING_RECOGNISED, RULES_FACTOR, STEP, TextModel, outcome_name


class Triage:
    """The triage pipeline: one instance per process, shared by every adapter."""

    def __init__(
        self,
        engine: RuleEngine,
        directory: Directory,
        calendar: BusinessCalendar,
        releases: ReleaseCalendar,
        model: TextModel | None = None,
    ) -> None:
        self.engine = engine
        self.directory = directory
        self.calendar = calendar
        self.releases = releases
        self.model = model

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
        person = category is not None or (confirmed or report.priority) is not None
        model = self.model  # one model for the whole decision, also when `triage run` swaps it
        if model is not None and not person and not outcome.binding:
            opinion = model.opinion(read)
            rules_said = (priority, chosen)
            unsure = opinion.confidence < model.unsure_below
            disagree = opinion.answer != rules_said
            # The model's answer is the provisional one, but a person looks when the rules
            # recognised nothing, or when the model, unsure itself, contradicts them; an
            # unsure model does not take a Hoog away.
            needs_triage = outcome.needs_triage or (unsure and disagree)
            keep_hoog = unsure and disagree and priority is Priority.HOOG
            if disagree or outcome.needs_triage:
                if not keep_hoog:
                    priority, chosen = opinion.answer
                    fired = (*fired, STEP)
                percent = f"{round(100 * opinion.confidence)} %" + (", onzeker" if unsure else "")
                value = f"{outcome_name(opinion.answer)} ({percent})"
                words = model.telling_words(opinion)
                factors.append(Factor(name=FACTOR, value=value, words=words))
                said = NOTHING_RECOGNISED if outcome.needs_triage else outcome_name(rules_said)
                row = f", beslisregel {outcome.decision}" if outcome.decision else ""
                factors.append(Factor(name=RULES_FACTOR, value=said + row))
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
