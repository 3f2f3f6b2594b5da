"""The HTML report's charts with small values, rendered in headless Chromium: reactions of a
few minutes get a minutes axis ('0 / 2,5 / 5', never '0,0 / 0,0 / 0,0') and bars a reader
can see; a one-share-in-two-hundred correction month reads '0,5 %', not '0 %'.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.render.html import COLOURS, render_html
from bot.calendar import BusinessCalendar
from bot.corrections import CorrectionTrend, MonthCorrections
from bot.models import Category, Channel, Priority
from bot.reports.sla import TicketFacts, month_period, sla_report
from tests.servers.chromium import find_chromium, pixel_counts, rgb, screenshot

AMS = ZoneInfo("Europe/Amsterdam")
PERIOD = month_period(2026, 11, AMS)


def hoog(index: int, minutes: int) -> TicketFacts:
    received = datetime(2026, 11, 2 + index, 10, tzinfo=AMS).astimezone(UTC)
    return TicketFacts(
        id=index,
        organisation="acme",
        organisation_name="Acme",
        channel=Channel.PHONE,
        received_at=received,
        clock_start=received,
        priority=Priority.HOOG,
        category=Category.STORING,
        exempt=False,
        exempt_reason=None,
        reaction_due=received + timedelta(minutes=15),
        resolution_due=None,
        reacted_at=received + timedelta(minutes=minutes),
    )


def test_small_values_render_readable_axes_and_visible_bars(tmp_path: Path) -> None:
    if find_chromium() is None:
        reason = "chromium is not installed (make test installs it with apt-get as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    report = sla_report(
        [hoog(0, 1), hoog(1, 2), hoog(2, 3)], PERIOD, PERIOD.end, BusinessCalendar()
    )
    trend = CorrectionTrend((MonthCorrections("2026-11", 200, 200, 1, 0, 1),), (), ())
    generated = datetime(2026, 12, 1, 8, tzinfo=UTC)
    html = render_html(report, None, "SLA november", generated, AMS, trend)
    reaction = re.search(r'<svg id="chart-reaction".*?</svg>', html, re.DOTALL)
    assert reaction is not None
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]*)<', reaction.group(0))
    assert ticks[:3] == ["0", "2,5", "5"] and "in werkminuten" in ticks

    page = tmp_path / "rapport.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / "rapport.png"
    screenshot(page, png, tmp_path / "profile", height=3200)
    counts = pixel_counts(png)
    # A 2-minute median on a 5-minute axis is a bar of 40 % of the 180-pixel plot (about
    # 29 x 72 pixels); the share bar is the full height of its plot.
    assert counts[rgb(COLOURS["median"])] > 1500, counts.most_common(8)
    assert counts[rgb(COLOURS["p90"])] > 1500, counts.most_common(8)
    assert counts[rgb(COLOURS["corrections"])] > 1500, counts.most_common(8)
