"""Plain-text rendering for the terminal: the reports' tables, the ticket list, the
quarantine list and a phone import's summary, in Dutch.

The table headers and cells of the SLA report are shared with the HTML page (app.render.html),
so both show the same figures under the same names. Text from outside (subjects, reasons,
names) goes through `printable` (app.render.terminal): one line per cell, no control codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from app.render.terminal import printable
from bot.nl import (
    CHANNEL_SHORT_NL,
    IMPORT_OUTCOME_NL,
    LONG_MONTHS,
    OUTAGE_KIND_NL,
    STATUS_NL,
    business_duration,
    count,
    hours_minutes,
    nl_number,
    when,
)
from bot.reports.availability import AvailabilityReport, Window, percent_text
from bot.reports.sla import (
    UNKNOWN_ORGANISATION,
    DeadlineTally,
    SlaReport,
    SlaRow,
    ranked_reasons,
)
from bot.store import QuarantineRow, TicketRow
from bot.text import shorten

if TYPE_CHECKING:  # only its type: the terminal listings need not load the phone adapter
    from adapters.phone.intake import ImportSummary


def text_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    left: int = 1,
    align: str | None = None,
) -> list[str]:
    """Fixed-width columns: the first `left` columns left-aligned, the rest right-aligned;
    or `align`, one letter per column ("l" or "r")."""
    body = [[printable(str(c)) for c in r] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *body, strict=True)]
    if align is None:
        align = "l" * left + "r" * (len(headers) - left)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} does not have one letter per column")

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


# -- SLA report: cells shared with the HTML page ------------------------------------------
DEADLINE_HEADERS = ("gehaald", "overschreden", "open", "geen termijn")
ORGANISATION_HEADERS = (
    "organisatie",
    "ontvangen",
    "gegarandeerd",
    "uitgezonderd",
    "reactie overschreden",
    "oplossing overschreden",
    "intern overschreden",
)


def tally_cells(tally: DeadlineTally) -> list[str]:
    """How one kind of deadline ended: gehaald, overschreden, open, geen termijn."""
    return [str(tally.met), str(tally.breached), str(tally.open), str(tally.no_deadline)]


def organisation_text(organisation: str | None, name: str | None) -> str:
    """An organisation's name, else its id, else 'onbekende organisatie'."""
    return name or organisation or UNKNOWN_ORGANISATION


def organisation_cells(row: SlaRow) -> list[str]:
    """One row of the per-organisation table (terminal and HTML alike)."""
    return [
        row.label,
        str(row.received),
        str(row.guaranteed.count),
        str(row.exempt.count),
        str(row.guaranteed.reaction.breached),
        str(row.guaranteed.resolution.breached),
        str(row.exempt.reaction.breached + row.exempt.resolution.breached),
    ]


def _rows(report: SlaReport) -> list[SlaRow]:
    return [*report.by_priority.values(), report.totals]


def sla_text(report: SlaReport, tz: ZoneInfo) -> str:
    """The SLA report as Dutch plain-text tables for the terminal."""
    period = report.period
    out = [
        f"SLA-rapportage {period.label}",
        f"Periode: {when(period.start, tz, True)} tot {when(period.end, tz, True)} "
        f"({tz.key}); stand per {when(report.as_of, tz, True)}",
        "",
        "Meldingen",
        *text_table(
            ("prioriteit", "ontvangen", "gegarandeerd", "uitgezonderd"),
            (
                (r.label, str(r.received), str(r.guaranteed.count), str(r.exempt.count))
                for r in _rows(report)
            ),
        ),
    ]
    sections: tuple[tuple[str, Callable[[SlaRow], DeadlineTally]], ...] = (
        ("Reactietermijn, gegarandeerd (SLA)", lambda r: r.guaranteed.reaction),
        ("Oplostermijn, gegarandeerd (SLA)", lambda r: r.guaranteed.resolution),
        (
            "Reactietermijn, uitgezonderd (intern streefdoel, geen SLA)",
            lambda r: r.exempt.reaction,
        ),
        (
            "Oplostermijn, uitgezonderd (intern streefdoel, geen SLA)",
            lambda r: r.exempt.resolution,
        ),
    )
    for title, pick in sections:
        out += ["", title]
        out += text_table(
            ("prioriteit", *DEADLINE_HEADERS),
            ([r.label, *tally_cells(pick(r))] for r in _rows(report)),
        )
    out += ["", "Reactietijd in werkuren (alle gereageerde meldingen)"]
    out += text_table(
        ("prioriteit", "gereageerd", "mediaan (u:mm)", "p90 (u:mm)"),
        (
            (p.label, str(s.count), hours_minutes(s.median), hours_minutes(s.p90))
            for p, s in report.reaction_times.items()
        ),
    )
    out += ["", "Per organisatie"]
    out += text_table(
        ORGANISATION_HEADERS,
        (organisation_cells(r) for r in [*report.by_organisation, report.totals]),
    )
    reasons = report.totals.exempt_reasons
    out += ["", "Redenen uitzondering"]
    if reasons:
        out += text_table(
            ("reden", "aantal"),
            ((reason, str(n)) for reason, n in ranked_reasons(reasons)),
        )
    else:
        out.append("geen uitgezonderde meldingen")
    out += ["", "Overschrijdingen"]
    if report.breaches:
        out += text_table(
            ("ticket", "organisatie", "prioriteit", "termijn", "deadline", "te laat", "soort"),
            (
                (
                    f"#{b.ticket_id}",
                    organisation_text(b.organisation, b.organisation_name),
                    b.priority.label,
                    b.deadline,
                    when(b.due, tz),
                    business_duration(b.late) + ("" if b.done_at else " (nog niet gedaan)"),
                    "SLA" if b.guaranteed else "intern",
                )
                for b in report.breaches
            ),
            left=7,
        )
    else:
        out.append("geen overschrijdingen")
    out += ["", "Overschrijdingen per week"]
    out += text_table(
        ("week", "vanaf", "SLA", "intern"),
        (
            (
                f"{w.year}-W{w.week:02d}",
                f"{w.monday.day} {LONG_MONTHS[w.monday.month - 1]}",
                str(w.guaranteed),
                str(w.exempt),
            )
            for w in report.weeks
        ),
        left=2,
    )
    return "\n".join(out) + "\n"


# -- availability report ------------------------------------------------------------------
WINDOW_HEADERS = ("nr", "soort", "onderdeel", "begin", "einde", "minuten", "reden")


def window_cells(windows: Sequence[Window], tz: ZoneInfo) -> list[list[str]]:
    """The rows of an outage-window table (terminal and HTML alike)."""
    return [
        [
            f"#{w.outage.id}",
            OUTAGE_KIND_NL[w.outage.kind],
            w.outage.scope,
            when(w.start, tz, True),
            when(w.end, tz, True) + (" (loopt nog)" if w.ongoing else ""),
            nl_number(w.minutes, 1),
            w.outage.reason,
        ]
        for w in windows
    ]


def availability_text(report: AvailabilityReport, tz: ZoneInfo) -> str:
    """The availability report as Dutch plain text for the terminal."""
    period = report.period
    summary = [
        ("Minuten in de periode", nl_number(report.period_minutes, 0)),
        ("Onbeschikbaarheid", f"{nl_number(report.unavailable_minutes, 1)} minuten"),
        ("Beschikbaarheid", percent_text(report)),
        ("Garantie 99,5 %", "gehaald" if report.met else "NIET gehaald"),
        ("Budget (0,5 %)", f"{nl_number(report.budget_minutes, 1)} minuten"),
        ("Resterend budget", f"{nl_number(report.budget_remaining_minutes, 1)} minuten"),
    ]
    width = max(len(label) for label, _ in summary)
    out = [
        f"Beschikbaarheid {period.label}",
        f"Periode: {when(period.start, tz, True)} tot {when(period.end, tz, True)} "
        f"({tz.key}); stand per {when(min(report.now, period.end), tz, True)}",
        "",
        *(f"{label.ljust(width)}  {value}" for label, value in summary),
    ]
    if report.overlap_minutes > 0:
        out.append(
            f"Overlappende storingen: {nl_number(report.overlap_minutes, 1)} minuten één keer "
            "geteld"
        )
    if report.netted_minutes > 0:
        out.append(
            f"Storing tijdens gepland onderhoud of overmacht: "
            f"{nl_number(report.netted_minutes, 1)} minuten niet meegeteld (SLA 1)"
        )
    for title, windows in (
        ("Meegeteld: storingen van het hele platform", report.counted),
        ("Uitgesloten: gepland onderhoud en overmacht", report.excluded),
        ("Gedeeltelijk: storingen in een module (niet meegeteld)", report.partial),
    ):
        out += ["", title]
        if windows:
            out += text_table(WINDOW_HEADERS, window_cells(windows, tz), align="lllllrl")
        else:
            out.append("geen")
    if report.partial_minutes:
        out += ["", "Gedeeltelijk per module"]
        out += text_table(
            ("module", "minuten"),
            ((m, nl_number(v, 1)) for m, v in report.partial_minutes.items()),
        )
    return "\n".join(out) + "\n"


# -- tickets, quarantine, phone imports ---------------------------------------------------
def ticket_table(
    rows: list[TicketRow], tz_name: str = "Europe/Amsterdam", width: int | None = None
) -> str:
    """A table of tickets (for `triage tickets` and the demo), in Dutch throughout.

    Columns are as wide as their widest cell; with `width` (a terminal's), the subject is
    shortened so that no line is wider."""
    tz = ZoneInfo(tz_name)
    headers = (
        "#",
        "ontvangen",
        "kanaal",
        "organisatie",
        "prioriteit",
        "soort",
        "reactie uiterlijk",
        "oplossen uiterlijk",
        "status",
        "onderwerp",
    )
    cells = [
        [
            str(row.id),
            when(row.received_at, tz),
            CHANNEL_SHORT_NL.get(row.channel, row.channel),
            shorten(row.organisation or "-", 24),
            row.priority.capitalize() + ("!" if row.exempt else ""),
            row.category,
            when(row.reaction_due, tz),
            when(row.resolution_due, tz),
            STATUS_NL.get(row.status, row.status),
            row.subject or "(geen onderwerp)",
        ]
        for row in rows
    ]
    if not rows:
        return "(geen tickets)"
    if width is not None:
        fixed = text_table(headers[:-1], [c[:-1] for c in cells], align="r" + "l" * 8)
        room = max(12, width - len(fixed[1]) - 2)
        for row_cells in cells:
            row_cells[-1] = shorten(printable(row_cells[-1]), room)
    lines = text_table(headers, cells, align="r" + "l" * 9)
    lines.append("! = Hoog/Middel niet telefonisch gemeld: geen garantie (SLA 4.D)")
    return "\n".join(lines)


def quarantine_line(row: QuarantineRow, tz: ZoneInfo) -> str:
    """One quarantined item: when, where from, how big, and why it is not a report."""
    return (
        f"#{row.id} {row.stored_at.astimezone(tz):%Y-%m-%d %H:%M} {printable(row.source)} "
        f"({row.size} bytes): "
        f"{printable(row.reason)}"
    )


def describe_import(summary: ImportSummary) -> str:
    """A Dutch summary of one phone import, one line per thing a person should look at."""
    lines = [
        f"{summary.file}: {count(len(summary.outcomes), 'gesprek', 'gesprekken')}; "
        f"{count(summary.count('ticket'), 'nieuw ticket', 'nieuwe tickets')}, "
        f"{count(summary.count('guaranteed'), 'ticket', 'tickets')} nu gegarandeerd (SLA 4.D), "
        f"{summary.count('attached')} bij een bestaand ticket gevoegd, "
        f"{count(summary.count('missed'), 'gemiste oproep', 'gemiste oproepen')}, "
        f"{summary.count('duplicate')} al eerder ingelezen, "
        f"{count(len(summary.problems), 'onleesbare regel', 'onleesbare regels')}"
    ]
    listed = [
        f"  #{o.ticket_id}: {IMPORT_OUTCOME_NL[o.outcome]} (gesprek {o.call_id[:20]})"
        for o in summary.outcomes
        if o.outcome in IMPORT_OUTCOME_NL
    ]
    lines.extend(_at_most(listed, "tickets"))
    for flag, mark, says, what, also_duplicates in _FLAGGED:
        flagged = [o for o in summary.flagged(flag) if also_duplicates or o.outcome != "duplicate"]
        lines.extend(_at_most([f"  {mark}gesprek {o.call_id[:20]}: {says}" for o in flagged], what))
    lines.extend(_at_most([f"  {problem}" for problem in summary.problems], "onleesbare regels"))
    return "\n".join(printable(line) for line in lines)


LISTED_PER_KIND = 50  # a 100k-row log must not print 78,000 lines; the store has them all
# The flags of an import a person should look at: the flag, a mark before the line, what the
# line says, what the "... en nog N" line counts, and whether a call read before is listed
# again.
_FLAGGED = (
    (
        "unknown_ticket_ref",
        "",
        "noemt een ticketnummer dat toen nog niet bestond; als nieuwe melding behandeld",
        "gesprekken met een onbekend ticketnummer",
        False,
    ),
    (
        "unagreed_caller",
        "",
        "geen afgesproken contactpersoon (SLA 3.C), telt niet als telefonische melding",
        "gesprekken zonder afgesproken contactpersoon",
        False,
    ),
    (
        "future_time",
        "⚠️ ",
        "begintijd ligt in de toekomst; controleer de klok van de telefooncentrale "
        "(ingelezen zoals gelogd)",
        "gesprekken met een begintijd in de toekomst",
        False,
    ),
    (
        "outside_hours",
        "",
        "buiten de helpdesk-uren (SLA 3.C)",
        "gesprekken buiten de helpdesk-uren",
        False,
    ),
    (
        "ambiguous_time",
        "",
        "lokale tijd bestond twee keer (wintertijd); de eerste is genomen",
        "gesprekken in het dubbele uur",
        True,
    ),
)


def _at_most(lines: list[str], what: str) -> list[str]:
    """The first LISTED_PER_KIND lines, then how many more there are."""
    if len(lines) <= LISTED_PER_KIND:
        return lines
    rest = len(lines) - LISTED_PER_KIND
    return [
        *lines[:LISTED_PER_KIND],
        f"  ... en nog {rest} {what} (zie `triage tickets`, `triage quarantine`)",
    ]
