"""/metrics: what `triage run` did and how its outbox stands, in Prometheus text format.

Counters and the intake latency histogram count events in this process (they start at zero
with it, as Prometheus expects of counters); the outbox depth, the age of the oldest unsent
message and the reminders and breaches sent are read from the store at scrape time, so they
agree with `triage outbox` and survive a restart. Each service has its own registry (not
prometheus_client's global one), so several services can live in one process (the tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.model_watch import ModelCheck
from bot.clock import Clock
from bot.engine.reload import ReloadResult
from bot.errors import StoreError
from bot.store import Store

log = logging.getLogger("triage.metrics")

# From "at once" to "an hour late": email's received_at is the server's INTERNALDATE, so a
# bot that was down shows here as the time the mail waited for it.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class _StoreCollector(Collector):
    """Outbox and reminder numbers, read from the store when Prometheus scrapes."""

    def __init__(self, store: Store, clock: Clock, kinds: Callable[[], Sequence[str]]) -> None:
        self.store, self.clock, self.kinds = store, clock, kinds

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "triage_outbox_depth", "Outgoing messages not yet sent, per transport.", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "triage_outbox_oldest_unsent_seconds",
            "How long the oldest due message has waited to be sent (0: none waits).",
            labels=["kind"],
        )
        reminders = CounterMetricFamily(
            "triage_reminders_sent", "Deadline reminders sent, per kind.", labels=["kind"]
        )
        breaches = CounterMetricFamily(
            "triage_sla_breaches", "SLA breaches: breach reminders sent (a deadline passed)."
        )
        now = self.clock()
        try:
            sent = self.store.outbox_gauges(now, ()).reminders_sent
            for kind in self.kinds():
                gauges = self.store.outbox_gauges(now, [kind])
                depth.add_metric([kind], gauges.depth)
                waited = (now - gauges.oldest_due).total_seconds() if gauges.oldest_due else 0.0
                oldest.add_metric([kind], max(0.0, waited))
        except StoreError as exc:  # the store cannot be read: leave these out of this scrape
            log.warning("metrics: the store cannot be read: %s", exc)
            return
        for kind, count in sorted(sent.items()):
            reminders.add_metric([kind], count)
        breaches.add_metric([], sent.get("breach", 0))
        yield from (depth, oldest, reminders, breaches)


class Metrics:
    """The service's metrics; `exposition()` is the /metrics body."""

    def __init__(self, store: Store, clock: Clock, kinds: Callable[[], Sequence[str]]) -> None:
        self.registry = CollectorRegistry()
        self.reports = Counter(
            "triage_reports",
            "Reports taken in, per channel (email, slack, widget, phone) and outcome.",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.rule_reloads = Counter(
            "triage_rule_reloads",
            "Edits of the rules folder: reloaded, unchanged or refused (the old rules stay).",
            ["outcome"],
            registry=self.registry,
        )
        self.model_swaps = Counter(
            "triage_model_swaps",
            "New text model files in the config folder: swapped in, or refused (the model in "
            "use stays).",
            ["outcome"],
            registry=self.registry,
        )
        self.intake_latency = Histogram(
            "triage_intake_latency_seconds",
            "From a report's arrival (email: the server's INTERNALDATE) until it is stored.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(store, clock, kinds))

    def report(self, channel: str, outcome: str, latency: float | None = None) -> None:
        """One report taken in (any outcome, also duplicates and quarantine)."""
        self.reports.labels(channel, outcome).inc()
        if latency is not None:
            self.intake_latency.labels(channel).observe(max(0.0, latency))

    def rules_reloaded(self, result: ReloadResult) -> None:
        if not result.loaded:
            outcome = "refused"
        else:
            outcome = "reloaded" if result.changes.any else "unchanged"
        self.rule_reloads.labels(outcome).inc()

    def model_checked(self, check: ModelCheck) -> None:
        self.model_swaps.labels("swapped" if check.loaded else "refused").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
