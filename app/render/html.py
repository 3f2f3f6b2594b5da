"""The SLA and availability reports as one self-contained HTML page with inline SVG charts.

No external resources and no JavaScript: inline CSS, tables and three SVG charts, each with
an element id (`chart-reaction`, `chart-breaches`, `chart-availability`), an explicit width
and height, and solid fill colours (listed in `COLOURS`) so a screenshot can be checked for
them. Every text that comes from data is escaped with html.escape. The team's own report also
shows how often the team changed the rules' provisional priority, month by month
(`chart-corrections`), and which rows were involved most; a customer's page does not.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from app.render.text import (
    DEADLINE_HEADERS,
    ORGANISATION_HEADERS,
    WINDOW_HEADERS,
    organisation_cells,
    organisation_text,
    tally_cells,
    window_cells,
)
from bot.corrections import CorrectionTrend
from bot.nl import business_duration, hours_minutes, nl_number, when
from bot.reports.availability import AvailabilityReport, percent_text
from bot.reports.sla import SlaReport, SlaRow, ranked_reasons

COLOURS = {
    "median": "#1f77b4",  # blue
    "p90": "#ff7f0e",  # orange
    "breach_sla": "#d62728",  # red
    "breach_internal": "#9467bd",  # purple
    "available_met": "#2ca02c",  # green
    "available_missed": "#d62728",  # red
    "corrections": "#8c564b",  # brown
    "track": "#e6e6e6",
    "axis": "#333333",
}
CHART_WIDTH, CHART_HEIGHT = 560, 260
GAUGE_HEIGHT = 130

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em;
       color: #222; max-width: 1100px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
th { background: #f2f2f2; }
tr.total td { font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
.bad { color: #b00020; font-weight: bold; }
.good { color: #1b7f2a; font-weight: bold; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    text_columns: int = 1,
    total_last: bool = False,
    align: str | None = None,
) -> str:
    """An HTML table; cells are escaped here. The first `text_columns` are left-aligned text
    and the rest right-aligned numbers, or `align` gives one letter per column ("l"/"r")."""
    body = [list(r) for r in rows]
    if align is None:
        align = "l" * text_columns + "r" * (len(headers) - text_columns)
    out = ["<table>", "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>"]
    for index, row in enumerate(body):
        total = total_last and index == len(body) - 1
        cells = "".join(
            f'<td class="text">{_e(c)}</td>' if a == "l" else f"<td>{_e(c)}</td>"
            for c, a in zip(row, align, strict=True)
        )
        out.append(f'<tr class="total">{cells}</tr>' if total else f"<tr>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


# -- charts -------------------------------------------------------------------------------
def _svg_open(chart_id: str, width: int, height: int, label: str) -> str:
    return (
        f'<svg id="{chart_id}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}">'
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{COLOURS["axis"]}">{_e(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str | None = None) -> str:
    tip = f"<title>{_e(title)}</title>" if title else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">{tip}</rect>'
    )


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for label, colour in items:
        out.append(_rect(x, y - 10, 12, 12, colour))
        out.append(_text(x + 16, y, label, anchor="start"))
        x += 24 + 7 * len(label)
    return out


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10.0**exponent
        if candidate >= value:
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def tick_label(value: float) -> str:
    """An axis or bar value with as few decimals as it needs: '0', '2,5', '0,05' (never the
    '0,0' a fixed one decimal makes of 0,02)."""
    for decimals in range(4):
        if abs(round(value, decimals) - value) < 1e-9 * max(1.0, abs(value)):
            return nl_number(value, decimals)
    return nl_number(value, 3)


def _short(value: float) -> str:
    """A bar's value, rounded to what a reader takes in: 12, 2,3, 0,25."""
    if value >= 10:
        return nl_number(value, 0)
    if value >= 1:
        return tick_label(round(value, 1))
    return tick_label(float(f"{value:.2g}"))


def count_axis_top(most: int) -> int:
    """A round top for an axis of counts: 1, 2, 5, 10, 20, 50, ... at or above `most`."""
    return max(1, math.ceil(_nice_max(float(most))))


def reaction_unit(seconds: Sequence[float]) -> tuple[float, str]:
    """Seconds per unit and the axis caption: minutes while every bar stays under an hour
    (a 3-minute Hoog reaction reads '3', not '0,05 uur'), else hours."""
    if max(seconds, default=0.0) < 3600:
        return 60.0, "in werkminuten"
    return 3600.0, "in werkuren"


def reaction_chart(report: SlaReport) -> str:
    """Bars of the median and p90 reaction time per priority, in business minutes or hours."""
    width, height = CHART_WIDTH, CHART_HEIGHT
    left, right, top, bottom = 50, 20, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    stats = list(report.reaction_times.items())
    seconds = [t.total_seconds() for _, s in stats for t in (s.median, s.p90) if t is not None]
    unit, caption = reaction_unit(seconds)
    values = [value / unit for value in seconds]
    out = [_svg_open("chart-reaction", width, height, "Reactietijd per prioriteit")]
    out += _legend([("mediaan", COLOURS["median"]), ("p90", COLOURS["p90"])], left, 20)
    axis_y = top + plot_h
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" '
        f'stroke="{COLOURS["axis"]}"/>'
    )
    # At least one whole unit on the axis: a few seconds still draw a visible sliver.
    top_value = _nice_max(max(max(values, default=0.0), 1.0))
    if not values:  # no scale to read: no ticks and no unit, just why the chart is empty
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "geen gereageerde meldingen"))
    else:
        for fraction in (0.0, 0.5, 1.0):
            y = axis_y - fraction * plot_h
            out.append(_text(left - 6, y + 4, tick_label(top_value * fraction), anchor="end"))
        out.append(_text(left + plot_w, 20, caption, anchor="end", size=11))
    group_w = plot_w / max(1, len(stats))
    bar_w = min(40.0, group_w / 3)
    for index, (priority, s) in enumerate(stats):
        centre = left + group_w * (index + 0.5)
        for offset, value, key in ((-1, s.median, "median"), (0, s.p90, "p90")):
            if value is None:
                continue
            amount = value.total_seconds() / unit
            h = amount / top_value * plot_h
            x = centre + offset * bar_w
            name = "mediaan" if key == "median" else "p90"
            label = f"{priority.label} {name}: {business_duration(value)}"
            out.append(_rect(x, axis_y - h, bar_w, h, COLOURS[key], label))
            out.append(_text(x + bar_w / 2, axis_y - h - 4, _short(amount), size=10))
        out.append(_text(centre, axis_y + 16, f"{priority.label} (n={s.count})"))
    out.append("</svg>")
    return "\n".join(out)


def breaches_chart(report: SlaReport) -> str:
    """Stacked bars of breaches per ISO week: SLA (guaranteed) and internal (exempt)."""
    width, height = CHART_WIDTH, CHART_HEIGHT
    left, right, top, bottom = 40, 20, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = report.weeks
    out = [_svg_open("chart-breaches", width, height, "Overschrijdingen per week")]
    out += _legend(
        [("SLA", COLOURS["breach_sla"]), ("intern streefdoel", COLOURS["breach_internal"])],
        left,
        20,
    )
    axis_y = top + plot_h
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" '
        f'stroke="{COLOURS["axis"]}"/>'
    )
    most = max((w.guaranteed + w.exempt for w in weeks), default=0)
    if most == 0:
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "geen overschrijdingen"))
    top_value = count_axis_top(most)
    if most:
        out.append(_text(left - 6, top + 4, str(top_value), anchor="end"))
        if top_value % 2 == 0:  # a middle tick only where it is a whole number of breaches
            out.append(_text(left - 6, top + plot_h / 2 + 4, str(top_value // 2), anchor="end"))
        out.append(_text(left - 6, axis_y + 4, "0", anchor="end"))
    slot = plot_w / max(1, len(weeks))
    bar_w = min(48.0, slot * 0.6)
    for index, week in enumerate(weeks):
        x = left + slot * index + (slot - bar_w) / 2
        y = float(axis_y)
        for count, key, name in (
            (week.guaranteed, "breach_sla", "SLA"),
            (week.exempt, "breach_internal", "intern"),
        ):
            if count:
                h = count / top_value * plot_h
                y -= h
                out.append(_rect(x, y, bar_w, h, COLOURS[key], f"{week.label}: {count} {name}"))
        total = week.guaranteed + week.exempt
        if total:
            out.append(_text(x + bar_w / 2, y - 4, str(total), size=10))
        out.append(_text(x + bar_w / 2, axis_y + 16, week.label))
    out.append("</svg>")
    return "\n".join(out)


def availability_chart(report: AvailabilityReport | None) -> str:
    """A horizontal bar of the availability against the 99.5 % guarantee."""
    width, height = CHART_WIDTH, GAUGE_HEIGHT
    left, right = 20, 20
    track_w = width - left - right
    out = [_svg_open("chart-availability", width, height, "Beschikbaarheid")]
    out.append(_rect(left, 40, track_w, 36, COLOURS["track"]))
    if report is None:
        out.append(_text(width / 2, 63, "geen beschikbaarheidsgegevens"))
        out.append("</svg>")
        return "\n".join(out)
    value = report.availability_percent
    low = 99.0 if value >= 99.0 else float(math.floor(value))
    scale = track_w / (100.0 - low)
    fill = COLOURS["available_met" if report.met else "available_missed"]
    out.append(_rect(left, 40, (value - low) * scale, 36, fill, percent_text(report)))
    mark = left + (report.guarantee_percent - low) * scale
    out.append(
        f'<line x1="{mark:.1f}" y1="32" x2="{mark:.1f}" y2="84" stroke="{COLOURS["axis"]}" '
        'stroke-width="2" stroke-dasharray="4 2"/>'
    )
    # Centred over the mark, but kept inside the chart when the mark is near an edge (a
    # month far below the guarantee puts it at the right end).
    label_x = min(max(mark, left + 50.0), width - right - 50.0)
    out.append(_text(label_x, 26, "garantie 99,5 %"))
    out.append(_text(left, 100, f"{nl_number(low, 1)} %", anchor="start"))
    out.append(_text(left + track_w, 100, "100 %", anchor="end"))
    verdict = "gehaald" if report.met else "niet gehaald"
    out.append(_text(width / 2, 120, f"Beschikbaarheid {percent_text(report)}: {verdict}"))
    out.append("</svg>")
    return "\n".join(out)


# -- sections -----------------------------------------------------------------------------
def _sla_tables(report: SlaReport, tz: ZoneInfo) -> list[str]:
    rows: list[SlaRow] = [*report.by_priority.values(), report.totals]
    out = ["<h2>SLA-naleving</h2>", "<h3>Meldingen</h3>"]
    out.append(
        _table(
            ("prioriteit", "ontvangen", "gegarandeerd", "uitgezonderd"),
            (
                [r.label, str(r.received), str(r.guaranteed.count), str(r.exempt.count)]
                for r in rows
            ),
            total_last=True,
        )
    )
    for title, tallies in (
        ("Reactietermijn, gegarandeerd (SLA)", [r.guaranteed.reaction for r in rows]),
        ("Oplostermijn, gegarandeerd (SLA)", [r.guaranteed.resolution for r in rows]),
        (
            "Reactietermijn, uitgezonderd (intern streefdoel, geen SLA)",
            [r.exempt.reaction for r in rows],
        ),
        (
            "Oplostermijn, uitgezonderd (intern streefdoel, geen SLA)",
            [r.exempt.resolution for r in rows],
        ),
    ):
        out.append(f"<h3>{_e(title)}</h3>")
        out.append(
            _table(
                ("prioriteit", *DEADLINE_HEADERS),
                ([r.label, *tally_cells(t)] for r, t in zip(rows, tallies, strict=True)),
                total_last=True,
            )
        )
    out.append("<h3>Reactietijd in werkuren (alle gereageerde meldingen)</h3>")
    out.append(
        _table(
            ("prioriteit", "gereageerd", "mediaan (u:mm)", "p90 (u:mm)"),
            (
                [p.label, str(s.count), hours_minutes(s.median), hours_minutes(s.p90)]
                for p, s in report.reaction_times.items()
            ),
        )
    )
    out.append("<h3>Per organisatie</h3>")
    out.append(
        _table(
            ORGANISATION_HEADERS,
            (organisation_cells(r) for r in [*report.by_organisation, report.totals]),
            total_last=True,
        )
    )
    reasons = report.totals.exempt_reasons
    out.append("<h3>Redenen uitzondering</h3>")
    if reasons:
        out.append(_table(("reden", "aantal"), ([r, str(n)] for r, n in ranked_reasons(reasons))))
    else:
        out.append("<p>Geen uitgezonderde meldingen.</p>")
    out.append("<h3>Overschrijdingen</h3>")
    if report.breaches:
        out.append(
            _table(
                ("ticket", "organisatie", "prioriteit", "termijn", "deadline", "te laat", "soort"),
                (
                    [
                        f"#{b.ticket_id}",
                        organisation_text(b.organisation, b.organisation_name),
                        b.priority.label,
                        b.deadline,
                        when(b.due, tz, True),
                        business_duration(b.late) + ("" if b.done_at else " (nog niet gedaan)"),
                        "SLA" if b.guaranteed else "intern",
                    ]
                    for b in report.breaches
                ),
                text_columns=7,
            )
        )
    else:
        out.append("<p>Geen overschrijdingen.</p>")
    return out


def _availability_tables(report: AvailabilityReport, tz: ZoneInfo) -> list[str]:
    verdict = (
        '<span class="good">gehaald</span>'
        if report.met
        else '<span class="bad">niet gehaald</span>'
    )
    out = [
        "<h2>Beschikbaarheid</h2>",
        "<table>",
        f"<tr><th>Minuten in de periode</th><td>{_e(nl_number(report.period_minutes))}</td></tr>",
        "<tr><th>Onbeschikbaarheid</th>"
        f"<td>{_e(nl_number(report.unavailable_minutes, 1))} minuten</td></tr>",
        f"<tr><th>Beschikbaarheid</th><td>{_e(percent_text(report))}</td></tr>",
        f"<tr><th>Garantie 99,5 %</th><td>{verdict}</td></tr>",
        f"<tr><th>Budget (0,5 %)</th><td>{_e(nl_number(report.budget_minutes, 1))} minuten</td>"
        "</tr>",
        "<tr><th>Resterend budget</th>"
        f"<td>{_e(nl_number(report.budget_remaining_minutes, 1))} minuten</td></tr>",
        "</table>",
    ]
    notes = []
    if report.overlap_minutes > 0:
        notes.append(
            f"Overlappende storingen: {nl_number(report.overlap_minutes, 1)} minuten één keer "
            "geteld."
        )
    if report.netted_minutes > 0:
        notes.append(
            f"Storing tijdens gepland onderhoud of overmacht: "
            f"{nl_number(report.netted_minutes, 1)} minuten niet meegeteld (SLA 1)."
        )
    out.extend(f"<p>{_e(note)}</p>" for note in notes)
    for title, windows in (
        ("Meegeteld: storingen van het hele platform", report.counted),
        ("Uitgesloten: gepland onderhoud en overmacht", report.excluded),
        ("Gedeeltelijk: storingen in een module (niet meegeteld)", report.partial),
    ):
        out.append(f"<h3>{_e(title)}</h3>")
        if windows:
            out.append(_table(WINDOW_HEADERS, window_cells(windows, tz), align="lllllrl"))
        else:
            out.append("<p>Geen.</p>")
    if report.partial_minutes:
        out.append(
            _table(
                ("module", "minuten (gedeeltelijk)"),
                ([m, nl_number(v, 1)] for m, v in report.partial_minutes.items()),
            )
        )
    return out


def corrections_chart(trend: CorrectionTrend) -> str:
    """Bars of the share of decided tickets whose priority the team changed, per month."""
    width, height = CHART_WIDTH, CHART_HEIGHT
    left, right, top, bottom = 40, 20, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [_svg_open("chart-corrections", width, height, "Prioriteit veranderd per maand")]
    axis_y = top + plot_h
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" '
        f'stroke="{COLOURS["axis"]}"/>'
    )
    shares = [m.priority_pct for m in trend.months]
    top_value = _nice_max(max((p for p in shares if p is not None), default=0.0))
    if all(p is None for p in shares):
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "geen beoordeelde tickets"))
    else:
        out.append(_text(left - 6, top + 4, f"{tick_label(top_value)} %", anchor="end"))
        out.append(_text(left - 6, axis_y + 4, "0", anchor="end"))
    slot = plot_w / max(1, len(trend.months))
    bar_w = min(32.0, slot * 0.6)
    for index, month in enumerate(trend.months):
        x = left + slot * index + (slot - bar_w) / 2
        share = month.priority_pct
        if share:
            h = share / top_value * plot_h
            tip = f"{month.label}: {month.priority_text()}"
            out.append(_rect(x, axis_y - h, bar_w, h, COLOURS["corrections"], tip))
            out.append(_text(x + bar_w / 2, axis_y - h - 4, f"{_short(share)} %", size=10))
        out.append(_text(x + bar_w / 2, axis_y + 16, month.short_label, size=10))
    out.append("</svg>")
    return "\n".join(out)


def _corrections_section(trend: CorrectionTrend) -> list[str]:
    out = [
        "<h2>Correcties door het team</h2>",
        "<p>Hoe vaak het team de voorlopige prioriteit van de regels veranderde (SLA 4.G), per "
        "maand van ontvangst. Hoe de regels van nu het werk van het team overdoen: "
        "<code>triage rules eval --from-store</code>; woorden die de veranderde tickets "
        "onderscheiden: <code>triage rules suggest</code>.</p>",
        "<figure>",
        "<figcaption>Prioriteit veranderd, in % van de beoordeelde tickets</figcaption>",
        corrections_chart(trend),
        "</figure>",
        _table(
            (
                "maand",
                "voorlopig",
                "beoordeeld",
                "prioriteit veranderd",
                "categorie veranderd",
                "% prioriteit veranderd",
            ),
            (
                [
                    m.label,
                    str(m.provisional),
                    str(m.decided),
                    str(m.priority_changed),
                    str(m.category_changed),
                    f"{nl_number(m.priority_pct)} %" if m.priority_pct is not None else "-",
                ]
                for m in trend.months
            ),
        ),
        "<h3>Meest betrokken bij de veranderingen in deze periode</h3>",
    ]
    if trend.involved:
        out.append(
            _table(
                ("eerst beslist door", "veranderd", "beoordeeld"),
                ([i.name, str(i.changed), str(i.decided)] for i in trend.involved),
            )
        )
    else:
        out.append("<p>Het team veranderde in deze periode niets.</p>")
    if trend.directions:
        out.append(
            _table(("prioriteit veranderd", "aantal"), ([w, str(n)] for w, n in trend.directions))
        )
    return out


def render_html(
    sla: SlaReport,
    availability: AvailabilityReport | None,
    title: str,
    generated_at: datetime,
    tz: ZoneInfo,
    corrections: CorrectionTrend | None = None,
) -> str:
    """One self-contained HTML page (inline CSS and SVG, no scripts, no external files);
    with `corrections`, a section on the team's corrections of the rules."""
    period = sla.period
    charts = [
        '<div class="charts">',
        "<figure>",
        "<figcaption>Reactietijd per prioriteit (werktijd)</figcaption>",
        reaction_chart(sla),
        "</figure>",
        "<figure>",
        "<figcaption>Overschrijdingen per week</figcaption>",
        breaches_chart(sla),
        "</figure>",
        "<figure>",
        "<figcaption>Beschikbaarheid tegen de garantie van 99,5 %</figcaption>",
        availability_chart(availability),
        "</figure>",
        "</div>",
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Periode: {_e(period.label)} ({_e(when(period.start, tz, True))} tot '
        f"{_e(when(period.end, tz, True))}, {_e(tz.key)}) · stand per "
        f"{_e(when(sla.as_of, tz, True))} · gegenereerd op {_e(when(generated_at, tz, True))}</p>",
        *charts,
        *_sla_tables(sla, tz),
        *(_availability_tables(availability, tz) if availability is not None else []),
        *(_corrections_section(corrections) if corrections is not None else []),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
