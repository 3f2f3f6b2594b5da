"""Ticket numbers as people type them in Slack (`/triage show 12`, `#12`) and as buttons carry them.

Only ASCII digits make a number: `'²'.isdigit()` is True but `int('²')` fails, and `'١٢'`
(Arabic-Indic digits) would silently become 12. A number no SQLite row can have (above 2**63 - 1,
or thousands of digits, which int() refuses) is a ticket that does not exist, said the way the
desk says it, with the number shortened.
"""

from __future__ import annotations

import re

from bot.desk import DeskError

# SQLite's INTEGER is 64-bit signed: a larger Python int overflows in the query.
MAX_TICKET_ID = 2**63 - 1
_NUMBER = re.compile(r"#?([0-9]+)")
_SHOWN_DIGITS = 12


def ticket_number(text: str) -> int | None:
    """`'12'` or `'#12'` as 12; None when `text` is not a plain number (say how to write one).

    Raises DeskError ("Ticket #… bestaat niet.") for a number no ticket can have.
    """
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(MAX_TICKET_ID)) or int(digits) > MAX_TICKET_ID:
        shown = digits if len(digits) <= _SHOWN_DIGITS else digits[:_SHOWN_DIGITS] + "…"
        raise DeskError(f"Ticket #{shown} bestaat niet.")
    return int(digits)


def existing_id(value: int) -> int:
    """`value` when a ticket could have it (from our own modal metadata), else DeskError."""
    if not 0 <= value <= MAX_TICKET_ID:
        raise DeskError(f"Ticket #{value} bestaat niet.")
    return value
