"""A phone call as the agent who took it logs it (shared by the Slack modal and the phone
intake), and the one way a phone number is shown to people.

The Slack adapter reads it from the `/triage telefoon` modal, the phone adapter turns it into a
call record; keeping it in the core lets both use it without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.directory import normalise_phone

# Dutch area codes of two digits after the 0 (the big cities): 010, 020, 030, 070, ... Every
# other fixed-line area code has three (0318, 0570, ...). Mobile is 06, then eight digits.
_TWO_DIGIT_AREAS = frozenset(
    {"10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45"}
    | {"46", "50", "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79"}
)
# Only digits and the punctuation people put in numbers: a Slack user id or an address that
# happens to hold digits is never taken for a phone number.
_LOOKS_LIKE_NUMBER = re.compile(r"[\d\s+\-().]+")


@dataclass(frozen=True)
class PhoneEntry:
    """What the agent entered: who called, when, what they said, and optionally the ticket."""

    caller: str
    called_at: datetime
    notes: str
    ticket: int | None


def display_phone(number: str) -> str:
    """A phone number as Dutch people write it, the same in every message.

    Dutch numbers read nationally with the area code split off ('+31612000000' and
    '0612000000' both read '06-12000000'; '+31307600290' reads '030-7600290', as the SLA
    writes the helpdesk); a foreign number keeps its international form ('+3225551234'); text
    that is no phone number ('anoniem', an e-mail address) is returned unchanged.
    """
    text = number.strip()
    if not _LOOKS_LIKE_NUMBER.fullmatch(text):
        return number
    e164 = normalise_phone(text)
    if e164 is None:
        return number
    if not e164.startswith("+31"):
        return e164
    national = e164[3:]
    # 06 mobile; 010..079 the big cities; 0318, 0800, 0900 ... everything else.
    area = 1 if national.startswith("6") else 2 if national[:2] in _TWO_DIGIT_AREAS else 3
    return f"0{national[:area]}-{national[area:]}"
