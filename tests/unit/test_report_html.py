"""Tests for app/render/html.py: one self-contained, parseable page with three SVG charts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from app.render.html import COLOURS, count_axis_top, render_html, tick_label
from bot.calendar import BusinessCalendar
from bot.corrections import CorrectionTrend, MonthCorrections
from bot.models import Category, Channel, Priority
from bot.reports.availability import AvailabilityReport, Outage, availability_report
from bot.reports.sla import SlaReport, TicketFacts, month_period, sla_report

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()
PERIOD = month_period(2026, 11, AMS)
GENERATED = datetime(2026, 12, 1, 8, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & <img src="https://evil.example/x.png"> Zorg'
CHART_IDS = ("chart-reaction", "chart-breaches", "chart-availability")
VOID = {"meta", "img", "br", "hr", "input", "link"}


def nov(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS).astimezone(UTC)


class Page(HTMLParser):
    """Collects the tags (with attributes) and checks that every element is closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def facts() -> list[TicketFacts]:
    def ticket(
        id: int,
        org_name: str,
        priority: Priority,
        received: datetime,
        due: datetime | None,
        reacted: datetime | None,
        exempt: bool = False,
    ) -> TicketFacts:
        return TicketFacts(
            id=id,
            organisation=f"org{id}",
            organisation_name=org_name,
            channel=Channel.EMAIL if exempt else Channel.PHONE,
            received_at=received,
            clock_start=received,
            priority=priority,
            category=Category.STORING,
            exempt=exempt,
            exempt_reason="gemeld via e-mail, niet telefonisch (SLA 4.D)" if exempt else None,
            reaction_due=due,
            resolution_due=None,
            reacted_at=reacted,
        )

    return [
        # met: 5 min
        ticket(1, "Acme", Priority.HOOG, nov(2, 10), nov(2, 10, 15), nov(2, 10, 5)),
        # breached (guaranteed): reacted 30 min after the 10:15 deadline
        ticket(2, HOSTILE, Priority.HOOG, nov(3, 10), nov(3, 10, 15), nov(3, 10, 45)),
        # breached (exempt): never reacted
        ticket(3, "Bakker", Priority.MIDDEL, nov(10, 10), nov(11, 10), None, exempt=True),
        ticket(4, "Bakker", Priority.MIDDEL, nov(12, 10), nov(13, 10), nov(12, 13)),
    ]


@pytest.fixture(scope="module")
def sla() -> SlaReport:
    return sla_report(facts(), PERIOD, PERIOD.end, CAL)


@pytest.fixture(scope="module")
def availability() -> AvailabilityReport:
    outages = [
        Outage(1, nov(3, 10), nov(3, 11), "platform", "storing", "database <vol>"),
        Outage(2, nov(17, 7), nov(17, 7, 2), "platform", "planned", "release"),
        Outage(3, nov(5, 9), nov(5, 10), "evaluaties", "storing", HOSTILE),
    ]
    return availability_report(outages, PERIOD, GENERATED)


@pytest.fixture(scope="module")
def page(sla: SlaReport, availability: AvailabilityReport) -> str:
    return render_html(sla, availability, "SLA-rapport <november>", GENERATED, AMS)


def test_page_parses_and_is_well_formed(page: str) -> None:
    parsed = parse(page)
    assert parsed.problems == []
    assert parsed.stack == []
    assert page.startswith("<!DOCTYPE html>")
    tags = [t for t, _ in parsed.tags]
    assert tags.count("html") == 1 and tags.count("body") == 1
    assert "table" in tags and "style" in tags


def test_three_charts_with_ids_sizes_and_colours(page: str) -> None:
    parsed = parse(page)
    svgs = {a["id"]: a for t, a in parsed.tags if t == "svg"}
    assert set(svgs) == set(CHART_IDS)
    for attrs in svgs.values():
        assert int(attrs["width"] or 0) > 0 and int(attrs["height"] or 0) > 0
    fills = {a.get("fill") for t, a in parsed.tags if t == "rect"}
    # median and p90 bars, an SLA and an internal breach bar, a green (met) availability bar
    for key in ("median", "p90", "breach_sla", "breach_internal", "available_met"):
        assert COLOURS[key] in fills
    solid = {COLOURS[k] for k in ("median", "p90", "breach_sla", "breach_internal")}
    assert len(solid) == 4  # distinct colours


def chart(page: str, chart_id: str) -> str:
    match = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.DOTALL)
    assert match is not None
    return match.group(0)


def test_chart_contents(page: str) -> None:
    reaction = chart(page, "chart-reaction")
    assert "Hoog (n=2)" in reaction and "Middel (n=1)" in reaction
    assert "mediaan" in reaction and "p90" in reaction
    breaches = chart(page, "chart-breaches")
    assert "wk 45" in breaches and "wk 49" in breaches
    assert f'fill="{COLOURS["breach_sla"]}"' in breaches
    gauge = chart(page, "chart-availability")
    # 60 minutes down: (43,200 - 60) / 43,200 = 99.86 %
    assert "99,86 %" in gauge and "garantie 99,5 %" in gauge


def test_self_contained(page: str) -> None:
    parsed = parse(page)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert not [a for t, a in parsed.tags if t == "script"]
    assert not [a for t, a in parsed.tags if t in ("link", "img", "iframe", "object")]
    for _, attrs in parsed.tags:
        for name in ("src", "href"):
            assert name not in attrs
    assert "http://" not in page and "https://" not in page.replace("https://evil", "")
    assert "@import" not in page and "url(" not in page


def test_user_text_is_escaped(page: str) -> None:
    # the hostile name shows up as text, never as markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in page
    assert HOSTILE not in page
    text = "".join(parse(page).text)
    assert HOSTILE in text  # readable, as text
    assert "database <vol>" in text
    assert "SLA-rapport <november>" in text
    assert "<title>SLA-rapport &lt;november&gt;</title>" in page


def test_tables_and_dutch_labels(page: str) -> None:
    text = " ".join(" ".join(parse(page).text).split())
    for label in (
        "Reactietermijn, gegarandeerd (SLA)",
        "Oplostermijn, uitgezonderd (intern streefdoel, geen SLA)",
        "Per organisatie",
        "Overschrijdingen",
        "niet telefonisch gemeld (4.D)",
        "Beschikbaarheid",
        "Garantie 99,5 % gehaald",
        "Uitgesloten: gepland onderhoud en overmacht",
        "Gedeeltelijk: storingen in een module (niet meegeteld)",
        "gegenereerd op di 1 dec 2026 09:00",
    ):
        assert label in text


def test_without_availability(sla: SlaReport) -> None:
    page = render_html(sla, None, "SLA", GENERATED, AMS)
    parsed = parse(page)
    assert parsed.problems == []
    assert {a["id"] for t, a in parsed.tags if t == "svg"} == set(CHART_IDS)
    assert "geen beschikbaarheidsgegevens" in page
    assert "Garantie 99,5 %" not in page


def test_empty_month_still_renders() -> None:
    empty = sla_report([], PERIOD, PERIOD.end, CAL)
    page = render_html(empty, availability_report([], PERIOD, GENERATED), "Leeg", GENERATED, AMS)
    assert parse(page).problems == []
    assert "geen gereageerde meldingen" in page
    assert "geen overschrijdingen" in page


# -- axis ticks (issue 14: small values read "0,0 / 0,0 / 0,0") ----------------------------
def reaction_facts(minutes: Sequence[int]) -> list[TicketFacts]:
    """Hoog tickets on Monday 2 Nov at 10:00, each reacted to after `minutes`."""
    return [
        TicketFacts(
            id=index,
            organisation="acme",
            organisation_name="Acme",
            channel=Channel.PHONE,
            received_at=nov(2 + index, 10),
            clock_start=nov(2 + index, 10),
            priority=Priority.HOOG,
            category=Category.STORING,
            exempt=False,
            exempt_reason=None,
            reaction_due=nov(2 + index, 10, 15),
            resolution_due=None,
            reacted_at=nov(2 + index, 10) + timedelta(minutes=m),
        )
        for index, m in enumerate(minutes)
    ]


def axis_labels(svg: str) -> list[str]:
    """The y-axis tick labels: the texts anchored at their end, left of the plot."""
    tick = r'<text x="(?:3[0-9]|4[0-9])(?:\.0)?" [^>]*text-anchor="end"[^>]*>([^<]*)<'
    return re.findall(tick, svg)


def test_small_reaction_times_get_a_minutes_axis_with_readable_ticks() -> None:
    report = sla_report(reaction_facts([1, 2, 3]), PERIOD, PERIOD.end, CAL)
    svg = chart(render_html(report, None, "SLA", GENERATED, AMS), "chart-reaction")
    assert axis_labels(svg) == ["0", "2,5", "5"]
    assert "in werkminuten" in svg and "in werkuren" not in svg
    assert "0,0" not in svg
    assert "Hoog mediaan: 2 werkminuten" in svg  # the bar's tooltip, exact


def test_long_reaction_times_stay_in_hours() -> None:
    report = sla_report(reaction_facts([90, 300, 420]), PERIOD, PERIOD.end, CAL)
    svg = chart(render_html(report, None, "SLA", GENERATED, AMS), "chart-reaction")
    assert axis_labels(svg) == ["0", "5", "10"]
    assert "in werkuren" in svg


def test_an_empty_month_draws_no_scale() -> None:
    empty = sla_report([], PERIOD, PERIOD.end, CAL)
    trend = CorrectionTrend((MonthCorrections("2026-11"),), (), ())
    page = render_html(empty, None, "Leeg", GENERATED, AMS, trend)
    for chart_id in ("chart-reaction", "chart-breaches", "chart-corrections"):
        assert axis_labels(chart(page, chart_id)) == [], chart_id
    reaction = chart(page, "chart-reaction")
    assert "in werkminuten" not in reaction and "in werkuren" not in reaction
    assert "geen beoordeelde tickets" in chart(page, "chart-corrections")


def test_small_correction_shares_are_not_rounded_to_zero() -> None:
    trend = CorrectionTrend((MonthCorrections("2026-11", 200, 200, 1, 0, 1),), (), ())
    sla = sla_report([], PERIOD, PERIOD.end, CAL)
    svg = chart(render_html(sla, None, "SLA", GENERATED, AMS, trend), "chart-corrections")
    assert axis_labels(svg) == ["0,5 %", "0"]
    assert ">0,5 %<" in svg


@pytest.mark.parametrize(("most", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (80, 100), (137, 200)])
def test_breach_axis_tops_are_round_counts(most: int, top: int) -> None:
    assert count_axis_top(most) == top


@pytest.mark.parametrize(
    ("value", "label"), [(0.0, "0"), (2.5, "2,5"), (0.05, "0,05"), (10.0, "10"), (0.125, "0,125")]
)
def test_tick_labels_use_the_decimals_they_need(value: float, label: str) -> None:
    assert tick_label(value) == label


def test_the_guarantee_label_stays_inside_a_bad_months_gauge() -> None:
    outages = [Outage(1, nov(2, 0), nov(6, 0), "platform", "storing", "brand")]
    report = availability_report(outages, PERIOD, GENERATED)
    sla = sla_report([], PERIOD, PERIOD.end, CAL)
    svg = chart(render_html(sla, report, "SLA", GENERATED, AMS), "chart-availability")
    match = re.search(r'<text x="([0-9.]+)" [^>]*>garantie 99,5 %<', svg)
    assert match is not None and float(match.group(1)) <= 560 - 20 - 50
