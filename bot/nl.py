"""Every Dutch word people read outside the email templates: labels, dates, times, durations.

One place, so the Slack post, the terminal and the HTML report call a thing by the same
name. Email wording, with its own labels per language, lives in config/messages/ (editable
without code).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Channel

# -- labels -------------------------------------------------------------------------------
# How a report reached us, in a sentence ("gemeld via de support-widget").
CHANNEL_NL = {
    Channel.EMAIL: "e-mail",
    Channel.WIDGET: "de support-widget",
    Channel.SLACK: "Slack",
    Channel.PHONE: "telefoon",
}
# The same as a bare noun, for the demo's ticket blocks; keyed by the stored value. Only the
# widget differs from CHANNEL_NL ("widget" here, "de support-widget" there).
CHANNEL_SHORT_NL = {"email": "e-mail", "widget": "widget", "slack": "Slack", "phone": "telefoon"}
# Kinds of outage window (SLA 1, 2.A).
OUTAGE_KIND_NL = {
    "storing": "storing",
    "planned": "gepland onderhoud",
    "force_majeure": "overmacht",
}
# The reason of a window started from another customer's ticket, in a customer's report: the
# ticket's subject is that customer's words.
OUTAGE_FROM_TICKET_NL = "{kind} (gemeld via ticket)"
DEADLINE_NL = {"reaction": "reactietermijn", "resolution": "oplostermijn"}
STATUS_NL = {"open": "open", "resolved": "opgelost"}
# What a phone import did with a call, in its summary (see app.render.text.describe_import).
IMPORT_OUTCOME_NL = {
    "ticket": "nieuw ticket",
    "guaranteed": "nu gegarandeerd",
    "attached": "gesprek bijgevoegd",
}

# -- dates and times ----------------------------------------------------------------------
DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
LONG_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
LONG_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def when(value: datetime | None, tz: ZoneInfo, with_year: bool = False) -> str:
    """'di 24 nov 10:15' in local time (or 'geen' when there is no time)."""
    if value is None:
        return "geen"
    local = value.astimezone(tz)
    year = f" {local.year}" if with_year else ""
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}{year} {local:%H:%M}"


def day_label(day: date) -> str:
    """'vr 18 dec': a calendar day the way `when` writes its date."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def long_when(value: datetime, tz: ZoneInfo) -> str:
    """'dinsdag 24 november 2026 om 10:15' in local time, for customers."""
    local = value.astimezone(tz)
    return (
        f"{LONG_DAYS[local.weekday()]} {local.day} {LONG_MONTHS[local.month - 1]} "
        f"{local.year} om {local:%H:%M}"
    )


# -- durations and numbers ----------------------------------------------------------------
def business_duration(amount: timedelta) -> str:
    """'3 werkuren', '45 werkminuten', '1 werkuur en 30 werkminuten'."""
    minutes = round(amount.total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} {'werkuur' if hours == 1 else 'werkuren'}")
    if rest or not parts:
        parts.append(f"{rest} {'werkminuut' if rest == 1 else 'werkminuten'}")
    return " en ".join(parts)


def spoken_duration(amount: timedelta, working_day: timedelta) -> str:
    """A business duration as a person says it, the same in Slack, the terminal and reports:
    exact below four hours ('45 werkminuten', '1 werkuur en 30 werkminuten'), whole hours
    up to a working day ('6 werkuren'), then working days and hours ('1 werkdag', '2
    werkdagen en 3 werkuren'). 7 h 59 min on an 8-hour day is '1 werkdag', not '7 werkuren
    en 59 werkminuten'."""
    amount = abs(amount)
    if amount < timedelta(hours=4):
        return business_duration(amount)
    whole_hours = (round(amount.total_seconds() / 60) + 29) // 60  # half an hour rounds down
    day_hours = max(1, round(working_day.total_seconds() / 3600))
    days, rest = divmod(whole_hours, day_hours)
    if not days:
        return f"{rest} werkuren"
    text = f"{days} {'werkdag' if days == 1 else 'werkdagen'}"
    if rest:
        text += f" en {rest} {'werkuur' if rest == 1 else 'werkuren'}"
    return text


def nl_number(value: float, decimals: int = 0) -> str:
    """A number the Dutch way: 44.700 and 99,79."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def hours(amount: timedelta | None) -> str:
    """Business time as hours with two decimals ('2,25'), or '-' when there is none."""
    if amount is None:
        return "-"
    return nl_number(amount.total_seconds() / 3600, 2)


def hours_minutes(amount: timedelta | None) -> str:
    """Business time as 'u:mm' ('2:15' is two hours and a quarter), or '-' when none."""
    if amount is None:
        return "-"
    minutes = round(amount.total_seconds() / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def count(amount: int, one: str, many: str) -> str:
    """'1 gesprek', '3 gesprekken': the number with the right form of the noun."""
    return f"{amount} {one if amount == 1 else many}"


def short_date(day: date) -> str:
    """'ma 26 okt' (a local date)."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


# -- replaying tickets through rules (`rules diff`, the reload announcement) ---------------
ASPECT_NL = {
    "priority": "prioriteit",
    "category": "categorie",
    "exempt": "vrijstelling (4.D)",
    "recognised": "herkend",
    "deadlines": "termijnen",
    "rules": "alleen het oordeel van de regels (het taalmodel beslist)",
}


def replay_change(aspect: str, before: str, after: str) -> str:
    """One kind of change of a replayed ticket: 'Middel → Hoog', 'storing → vraag',
    'nu vrijgesteld', 'niet meer herkend', 'alleen andere termijnen'."""
    if aspect == "priority":
        return f"{before.capitalize()} → {after.capitalize()}"
    if aspect == "category":
        return f"{before} → {after}"
    if aspect == "exempt":
        return "nu vrijgesteld" if after == "ja" else "niet meer vrijgesteld"
    if aspect == "recognised":
        return "nu herkend" if after == "ja" else "niet meer herkend"
    if aspect == "rules":
        return f"regels {before} → {after}, het taalmodel houdt het"
    return "alleen andere termijnen"


def replay_verdict(
    changed: int, replayed: int, parts: Sequence[tuple[int, str]], verb: str = "zou"
) -> str:
    """'zou 4 van 212 tickets anders beoordelen: 2× Middel → Hoog, 2× storing → vraag'
    (`verb` "zouden" after a plural subject)."""
    if replayed == 0:
        return f"{verb} geen tickets anders beoordelen: er zijn geen tickets in deze periode"
    tickets = f"{nl_number(replayed)} {'ticket' if replayed == 1 else 'tickets'}"
    if changed == 0:
        return f"{verb} geen van de {tickets} anders beoordelen"
    text = f"{verb} {nl_number(changed)} van {tickets} anders beoordelen"
    if parts:
        text += ": " + ", ".join(f"{nl_number(n)}× {what}" for n, what in parts)
    return text
