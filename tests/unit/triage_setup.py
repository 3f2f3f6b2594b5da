"""Builds a pipeline for tests from the shipped SLA file and a small, fixed rule file."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar, ReleaseCalendar, ReleaseConfig
from bot.directory import Directory, OrganisationsFile
from bot.engine.loader import load_rules
from bot.engine.runner import RuleEngine
from bot.models import Channel, Priority, Report
from bot.pipeline import Triage

REPO = Path(__file__).resolve().parents[2]
AMS = ZoneInfo("Europe/Amsterdam")

# Deliberately simple: these tests are about the SLA, not about the shipped rules.
TEST_RULES = """
rules:
  - name: instelling
    description: settings request
    when: {text: {any: [instellen]}}
    then: {category: instelling}
  - name: wens
    description: wish
    when: {text: {any: [zou fijn zijn]}}
    then: {category: wens, priority: hoog}
  - name: vraag
    description: question
    when: {text: {any: [hoe]}}
    then: {category: vraag}
  - name: storing-hoog
    description: outage
    when: {text: {any: [niemand]}}
    then: {category: storing, priority: hoog}
  - name: storing-middel
    description: broken
    when: {text: {any: [kapot]}}
    then: {category: storing, priority: middel}
  - name: storing-laag
    description: cosmetic
    when: {text: {any: [typfout]}}
    then: {category: storing, priority: laag}
"""

ORGANISATIONS = {
    "organisations": [
        {
            "id": "acme",
            "name": "Acme",
            "domains": ["acme.nl"],
            "contacts": [
                {"name": "Jan", "email": "jan@acme.nl", "phone": "+31 30 123 4567"},
            ],
        },
        {
            "id": "vrij",
            "name": "Vrij B.V.",
            "domains": ["vrij.nl"],
            "phone_not_required": True,
            "contacts": [{"name": "Els", "phone": "020-1234567"}],
        },
    ]
}


def build_triage(tmp: Path, release: ReleaseConfig | None = None) -> Triage:
    """A Triage over the shipped 00-sla.yaml and TEST_RULES."""
    rules = tmp / "rules"
    rules.mkdir()
    shutil.copy(REPO / "rules" / "00-sla.yaml", rules / "00-sla.yaml")
    (rules / "10-test.yaml").write_text(TEST_RULES, encoding="utf-8")
    directory = Directory(OrganisationsFile.model_validate(ORGANISATIONS).organisations)
    calendar = BusinessCalendar()
    releases = ReleaseCalendar(release or ReleaseConfig(), calendar)
    return Triage(RuleEngine(load_rules(rules)), directory, calendar, releases)


def local(text: str) -> datetime:
    """A local Amsterdam time from 'YYYY-MM-DDTHH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def report(
    body: str,
    at: str = "2026-11-24T10:00",
    channel: Channel = Channel.EMAIL,
    sender: str = "jan@acme.nl",
    priority: Priority | None = None,
) -> Report:
    return Report(
        channel=channel, received_at=local(at), sender=sender, body=body, priority=priority
    )
