"""SLA and availability reports from the store, through the CLI commands with an injected
clock, and the HTML report rendered by headless Chromium.

March 2027 has both a holiday weekend and a DST change: Good Friday 26 March, Sunday 28
March (clocks go forward, 02:00 CET -> 03:00 CEST, Easter Sunday) and Easter Monday 29 March.
From Thursday 25 March 17:00 until Tuesday 30 March 09:00 there is no business time. Every
expected figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import io
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.bootstrap import Paths, load_setup
from app.cli import _parser, run_command
from app.render.html import COLOURS
from bot.desk import Desk
from bot.models import Channel, Priority, Report
from bot.store import Store
from tests.conftest import REPO
from tests.servers.chromium import find_chromium, pixel_counts, rgb, screenshot

AMS = ZoneInfo("Europe/Amsterdam")
ANJA_PHONE = "+31 50 123 4567"  # agreed contact, Zorggroep Noord
PIETER_PHONE = "06-12345678"  # agreed contact, Zorggroep Noord
LINDENDAAL = "f.elamrani@lindendaal.nl"  # phone_not_required: guaranteed by email
ZORGGROEP = "a.devries@zorggroepnoord.nl"  # by email: Hoog/Middel exempt (4.D)
OUTAGE_TEXT = "Niemand kan inloggen, het hele platform geeft een foutmelding."
MIDDEL_TEXT = (
    "De herinneringen voor de evaluaties worden sinds gisteren niet meer verstuurd. "
    "Medewerkers kunnen de evaluatie wel gewoon invullen."
)


SUBJECTS = {OUTAGE_TEXT: "Niemand kan inloggen", MIDDEL_TEXT: "Herinneringen komen niet aan"}


def t(month: int, day: int, hour: int, minute: int = 0, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


class Month:
    """A store with tickets made by the real pipeline and handled through the desk."""

    def __init__(self, tmp_path: Path) -> None:
        self.paths = Paths(REPO / "config", REPO / "rules", tmp_path / "t.db")
        self.setup = load_setup(self.paths)
        self.store = Store(self.paths.db)
        self.desk = Desk(
            self.setup.triage,
            self.store,
            lambda: self.setup.triage.engine.rule_set.reminders,
            slack=False,
        )

    def ticket(self, at: datetime, channel: Channel, sender: str, body: str) -> int:
        report = Report(
            channel=channel,
            received_at=at,
            sender=sender,
            subject=SUBJECTS.get(body, ""),
            body=body,
            source_key=f"test:{at.isoformat()}:{sender}",
        )
        recorded = self.store.record(report, self.setup.triage.decide(report), at)
        assert recorded.ticket_id is not None
        return recorded.ticket_id

    def run(self, argv: list[str], now: datetime) -> str:
        args = _parser().parse_args([*argv, "--db", str(self.paths.db)])
        out = io.StringIO()
        assert run_command(args, self.paths, out, clock=lambda: now) == 0
        return out.getvalue()

    def sla_json(self, month: str, now: datetime) -> dict[str, Any]:
        return json.loads(self.run(["report", "sla", "--month", month, "--json"], now))


@pytest.fixture
def march(tmp_path: Path) -> Month:
    m = Month(tmp_path)
    s, d = m.store, m.desk
    # A: Thu 25 Mar 16:50, Anja phones a Hoog storing: guaranteed. Reaction 15 business
    # minutes: 10 on Thursday (16:50-17:00), then Good Friday, the weekend and Easter Monday
    # have none, so 5 on Tuesday: due Tue 30 Mar 09:05 CEST. Resolution 1 working day (8 h):
    # 10 min + 7 h 50 min -> Tue 30 Mar 16:50. Picked up Tue 09:02 (met; reaction time 10 +
    # 2 = 12 business minutes), resolved Tue 15:00 (met).
    a = m.ticket(t(3, 25, 16, 50), Channel.PHONE, ANJA_PHONE, OUTAGE_TEXT)
    view = s.ticket_view(a)
    assert view.priority is Priority.HOOG and not view.exempt
    assert view.reaction_due == t(3, 30, 9, 5) and view.resolution_due == t(3, 30, 16, 50)
    d.assign(a, "U0ANNA", t(3, 30, 9, 2))
    d.resolve(a, "U0ANNA", t(3, 30, 15))
    # B: Mon 1 Mar 10:00, Middel by email from Lindendaal (no phone needed): guaranteed.
    # Reaction due Tue 2 Mar 10:00; resolution: the next release, Tue 2 Mar 07:00 (releases
    # every 21 days from 6 Jan 2026: ... 9 Feb, 2 Mar, 23 Mar 2027). Picked up Tue 11:00: 1
    # business hour late (reaction time 9 business hours); resolved Wed 3 Mar 12:00: late by
    # 07:00-09:00 (none) + Tue 8 h + Wed 3 h = 11 business hours.
    b = m.ticket(t(3, 1, 10), Channel.EMAIL, LINDENDAAL, MIDDEL_TEXT)
    view = s.ticket_view(b)
    assert view.priority is Priority.MIDDEL and not view.exempt
    assert view.reaction_due == t(3, 2, 10) and view.resolution_due == t(3, 2, 7)
    d.assign(b, "U0ANNA", t(3, 2, 11))
    d.resolve(b, "U0ANNA", t(3, 3, 12))
    # C: Wed 10 Mar 09:00, the same Hoog storing by email from Zorggroep Noord: exempt (4.D).
    # Internal reaction target 09:15, picked up 09:10 (10 minutes); resolved 15:00 (met).
    c = m.ticket(t(3, 10, 9), Channel.EMAIL, ZORGGROEP, OUTAGE_TEXT)
    assert s.ticket_view(c).exempt
    d.assign(c, "U0PIET", t(3, 10, 9, 10))
    d.resolve(c, "U0PIET", t(3, 10, 15))
    # D: Wed 31 Mar 16:00, Pieter phones a Hoog storing; nobody reacts. Reaction due 16:15:
    # breached at the end of March, late 16:15-17:00 = 45 business minutes. Resolution due
    # Thu 1 Apr 16:00 (1 h Wed + 7 h Thu): still open when March ends.
    m.ticket(t(3, 31, 16), Channel.PHONE, PIETER_PHONE, OUTAGE_TEXT)
    # E: Wed 31 Mar 16:58, Middel from Lindendaal: reaction due Thu 1 Apr 16:58: open.
    m.ticket(t(3, 31, 16, 58), Channel.EMAIL, LINDENDAAL, MIDDEL_TEXT)
    # F: Fri 12 Mar 11:00, a question: Laag, no deadlines.
    m.ticket(
        t(3, 12, 11), Channel.EMAIL, "joost@bakkerlogistiek.nl", "Hoe kan ik een doel kopiëren?"
    )
    # Outside March: Sun 28 Feb 23:59 and Thu 1 Apr 00:00 (local) are not counted.
    m.ticket(t(2, 28, 23, 59), Channel.EMAIL, LINDENDAAL, MIDDEL_TEXT)
    m.ticket(t(4, 1, 0), Channel.EMAIL, LINDENDAAL, MIDDEL_TEXT)
    return m


def test_march_figures_by_hand(march: Month) -> None:
    report = march.sla_json("2027-03", now=t(4, 15, 12))
    assert report["period"]["start"] == "2027-02-28T23:00:00+00:00"  # 1 Mar 00:00 CET
    assert report["period"]["end"] == "2027-03-31T22:00:00+00:00"  # 1 Apr 00:00 CEST
    totals = report["totals"]
    assert totals["received"] == 6  # A B C D E F
    assert totals["guaranteed"]["count"] == 5 and totals["exempt"]["count"] == 1
    hoog, middel, laag = (report["by_priority"][p] for p in ("hoog", "middel", "laag"))
    assert hoog["received"] == 3 and middel["received"] == 2 and laag["received"] == 1
    # Guaranteed reactions: A met, D breached; B breached, E open; F has no deadline.
    assert hoog["guaranteed"]["reaction"] == {"met": 1, "breached": 1, "open": 0, "no_deadline": 0}
    assert middel["guaranteed"]["reaction"] == {
        "met": 0,
        "breached": 1,
        "open": 1,
        "no_deadline": 0,
    }
    assert laag["guaranteed"]["reaction"] == {"met": 0, "breached": 0, "open": 0, "no_deadline": 1}
    # Guaranteed resolutions: A met, D open; B breached, E open.
    assert hoog["guaranteed"]["resolution"] == {
        "met": 1,
        "breached": 0,
        "open": 1,
        "no_deadline": 0,
    }
    assert middel["guaranteed"]["resolution"]["breached"] == 1
    # The exempt Hoog (C) met its internal targets, and is not counted as an SLA result.
    assert hoog["exempt"]["reaction"]["met"] == 1
    assert hoog["exempt_reasons"] == {"niet telefonisch gemeld (4.D)": 1}
    # Reaction times over reacted tickets: Hoog 12 and 10 minutes -> median 11 min, p90
    # (nearest rank of 2) 12 min; Middel 9 business hours.
    times = report["reaction_times"]
    assert times["hoog"]["count"] == 2
    assert times["hoog"]["median_seconds"] == 11 * 60 and times["hoog"]["p90_seconds"] == 12 * 60
    assert times["middel"]["median_seconds"] == 9 * 3600
    breaches = {(b["ticket"], b["deadline"]): b["late_seconds"] for b in report["breaches"]}
    assert breaches == {
        (2, "reactie"): 3600,  # B: 1 business hour
        (2, "oplossing"): 11 * 3600,  # B: 11 business hours
        (4, "reactie"): 45 * 60,  # D: 45 business minutes, still not done at the end
    }
    zorggroep = next(r for r in report["by_organisation"] if r["key"] == "zorggroep-noord")
    assert zorggroep["received"] == 3 and zorggroep["exempt"]["count"] == 1


def test_a_past_month_gives_the_same_answer_later(march: Month, tmp_path: Path) -> None:
    first = march.sla_json("2027-03", now=t(4, 2, 9))
    # In April: D's priority is changed to Middel (its deadlines move), then it is picked up
    # and resolved. None of that rewrites March, where D was a Hoog with a missed reaction.
    march.desk.set_priority(4, Priority.MIDDEL, "U0ANNA", t(4, 2, 10), "toch minder ernstig")
    march.desk.assign(4, "U0ANNA", t(4, 2, 11))
    march.desk.resolve(4, "U0ANNA", t(4, 6, 12))
    later = march.sla_json("2027-03", now=t(5, 20, 9))
    first.pop("as_of"), later.pop("as_of")
    assert later == first
    # April's report holds only the ticket received on 1 April 00:00.
    assert march.sla_json("2027-04", now=t(5, 20, 9))["totals"]["received"] == 1


def test_text_and_organisation_filter(march: Month) -> None:
    text = march.run(["report", "sla", "--month", "2027-03"], now=t(4, 15, 12))
    assert "SLA-rapportage maart 2027" in text
    assert "Overschrijdingen" in text and "#4" in text
    only = json.loads(
        march.run(
            [
                "report",
                "sla",
                "--month",
                "2027-03",
                "--organisation",
                "gemeente-lindendaal",
                "--json",
            ],
            now=t(4, 15, 12),
        )
    )
    assert only["totals"]["received"] == 2  # B and E


def test_availability_with_overlap_exclusions_and_a_month_crossing_window(march: Month) -> None:
    now = t(4, 15, 12)
    for argv in (
        # Two overlapping storingen, 10:00-11:00 and 10:30-11:30: 90 minutes, not 120.
        ["--start", "2027-03-10T10:00", "--end", "2027-03-10T11:00", "--reason", "DB vol"],
        ["--start", "2027-03-10T10:30", "--end", "2027-03-10T11:30", "--reason", "Herstart"],
        # Planned maintenance (the 23 March release) and force majeure: excluded.
        [
            "--start",
            "2027-03-23T07:00",
            "--end",
            "2027-03-23T07:02",
            "--planned",
            "--reason",
            "Release",
        ],
        [
            "--start",
            "2027-03-15T12:00",
            "--end",
            "2027-03-15T14:00",
            "--force-majeure",
            "--reason",
            "Stroomstoring datacenter",
        ],
        # A module only: listed as partial, not counted for the platform.
        [
            "--start",
            "2027-03-05T09:00",
            "--end",
            "2027-03-05T10:00",
            "--scope",
            "rapportages",
            "--reason",
            "Rapportages traag",
        ],
        # 31 Mar 23:30 - 1 Apr 00:30 (CEST): 30 minutes in March, 30 in April.
        ["--start", "2027-03-31T23:30", "--end", "2027-04-01T00:30", "--reason", "Netwerk"],
    ):
        march.run(["outage", "add", *argv], now)
    report = json.loads(march.run(["report", "availability", "--month", "2027-03", "--json"], now))
    # March 2027 loses an hour to DST: 31 * 1440 - 60 = 44,580 minutes.
    assert report["minutes_in_period"] == 44_580
    assert report["unavailable_minutes"] == 120  # 90 + 30
    # (44,580 - 120) / 44,580 * 100 = 99.7308 -> 99.73; budget 0.5 % = 222.9 minutes.
    assert report["availability_percent"] == 99.73 and report["guarantee_met"] is True
    assert report["budget_minutes"] == pytest.approx(222.9)
    assert report["budget_remaining_minutes"] == pytest.approx(102.9)
    assert len(report["excluded"]) == 2 and len(report["partial"]) == 1
    april = json.loads(march.run(["report", "availability", "--month", "2027-04", "--json"], now))
    assert april["unavailable_minutes"] == 30
    listing = march.run(["outage", "list", "--month", "2027-03"], now)
    assert "gepland onderhoud" in listing and "overmacht" in listing


def test_outage_end_and_bad_input(march: Month) -> None:
    now = t(3, 10, 12)
    assert "nog bezig" in march.run(
        ["outage", "add", "--start", "2027-03-10T11:00", "--reason", "Traag"], now
    )
    assert "beëindigd" in march.run(["outage", "end", "1", "--at", "2027-03-10T11:45"], now)
    args = _parser().parse_args(["outage", "end", "1", "--db", str(march.paths.db)])
    from bot.errors import TriageError

    with pytest.raises(TriageError, match="is al beëindigd"):
        run_command(args, march.paths, io.StringIO(), clock=lambda: now)
    bad = _parser().parse_args(
        ["outage", "add", "--start", "gisteren", "--reason", "x", "--db", str(march.paths.db)]
    )
    with pytest.raises(TriageError, match="ISO 8601"):
        run_command(bad, march.paths, io.StringIO(), clock=lambda: now)


def test_html_report_renders_its_charts_in_chromium(march: Month, tmp_path: Path) -> None:
    if find_chromium() is None:
        reason = "chromium is not installed (make test installs it with apt-get as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    march.run(
        [
            "outage",
            "add",
            "--start",
            "2027-03-10T10:00",
            "--end",
            "2027-03-10T11:00",
            "--reason",
            "DB",
        ],
        t(4, 1, 9),
    )
    page = tmp_path / "rapport.html"
    out = march.run(["report", "sla", "--month", "2027-03", "--html", str(page)], t(4, 15, 12))
    assert str(page) in out
    html = page.read_text(encoding="utf-8")
    assert 'id="chart-reaction"' in html and 'id="chart-breaches"' in html
    png = tmp_path / "rapport.png"
    screenshot(page, png, tmp_path / "profile")
    counts = pixel_counts(png)
    # Every chart drew bars in its own colour: median and p90 reaction times, SLA breaches
    # per week, and the availability bar (met: green).
    for name in ("median", "p90", "breach_sla", "available_met"):
        assert counts[rgb(COLOURS[name])] > 200, (name, counts.most_common(8))


def test_a_ticket_stored_after_the_month_still_counts_for_it(tmp_path: Path) -> None:
    m = Month(tmp_path)
    # An email that arrived Wed 31 Mar 23:50 but was processed Thu 1 Apr 00:10 (the bot was
    # down): it belongs to March, whose report is made as of 1 Apr 00:00.
    report = Report(
        channel=Channel.EMAIL,
        received_at=t(3, 31, 23, 50),
        sender=LINDENDAAL,
        subject=SUBJECTS[MIDDEL_TEXT],
        body=MIDDEL_TEXT,
        source_key="test:late",
    )
    m.store.record(report, m.setup.triage.decide(report), t(4, 1, 0, 10))
    assert m.sla_json("2027-03", now=t(4, 15, 12))["totals"]["received"] == 1


def test_outage_times_in_the_future_or_in_the_dst_gap_are_refused(march: Month) -> None:
    from bot.errors import TriageError

    now = t(3, 10, 12)
    for argv, message, at in (
        (["--start", "2027-03-10T11:00", "--end", "2027-03-10T13:00"], "toekomst", now),
        (["--start", "2027-03-28T02:30"], "bestaat niet", t(3, 28, 12)),
        (["--start", "2026-10-25T02:30"], "kwam twee keer voor", t(3, 28, 12)),
    ):
        args = _parser().parse_args(
            ["outage", "add", *argv, "--reason", "x", "--db", str(march.paths.db)]
        )
        with pytest.raises(TriageError, match=message):
            run_command(args, march.paths, io.StringIO(), clock=lambda at=at: at)
    march.run(["outage", "add", "--start", "2027-03-10T11:00", "--reason", "Traag"], now)
    args = _parser().parse_args(
        ["outage", "end", "1", "--at", "2027-03-10T12:30", "--db", str(march.paths.db)]
    )
    with pytest.raises(TriageError, match="toekomst"):
        run_command(args, march.paths, io.StringIO(), clock=lambda: now)


def test_report_and_outage_edges_a_team_lead_meets(march: Month, tmp_path: Path) -> None:
    from bot.errors import TriageError

    now = t(3, 15, 12)
    # Planned maintenance is announced ahead, so it may be recorded for the future.
    out = march.run(
        [
            "outage",
            "add",
            "--start",
            "2027-03-23T07:00",
            "--end",
            "2027-03-23T07:30",
            "--planned",
            "--reason",
            "Release",
        ],
        now,
    )
    assert "gepland onderhoud" in out
    for argv, message in (
        (["report", "sla", "--month", "2027-05"], "nog niet begonnen"),
        (
            ["report", "sla", "--month", "2027-03", "--from", "2027-03-01", "--to", "2027-03-02"],
            "geef --month of --from/--to, niet allebei",
        ),
        (
            ["report", "sla", "--month", "2027-03", "--html", str(tmp_path / "nope" / "r.html")],
            "niet schrijven",
        ),
    ):
        args = _parser().parse_args([*argv, "--db", str(march.paths.db)])
        with pytest.raises(TriageError, match=message):
            run_command(args, march.paths, io.StringIO(), clock=lambda: now)


def test_a_month_without_tickets_says_so_and_points_to_the_activity(march: Month) -> None:
    """On 30 July with no options: June had no tickets; the report says so, names April
    (the last month with tickets) and how to see July so far."""
    text = march.run(["report", "sla"], now=t(7, 30, 12))
    assert text.startswith("In juni 2027 is geen enkele melding ontvangen")
    assert "april 2027 (`--month 2027-04`)" in text
    assert "`triage report sla --month 2027-07`" in text
    # A month with tickets says nothing of the kind; an explicit empty month gives no hint
    # about the default.
    assert "geen enkele melding" not in march.run(
        ["report", "sla", "--month", "2027-03"], t(5, 1, 9)
    )
    explicit = march.run(["report", "sla", "--month", "2027-06"], t(7, 30, 12))
    assert "geen enkele melding" in explicit and "Zonder --month" not in explicit
