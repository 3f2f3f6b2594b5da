"""The `triage classify` contract: JSON input lines -> Reports, Decisions -> JSON output.

Input keys: channel, received_at (ISO 8601 with offset), sender, subject, body, priority.
Output keys: priority, category, exempt, exempt_reason, reaction_due, resolution_due (ISO 8601
with the Europe/Amsterdam offset, or null), rules, organisation, needs_triage (the rules
recognised nothing, or an unsure text model contradicts them: a person decides), decision (the
decision-table row the rules chose), factors.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.errors import ReportError
from bot.models import Decision, Report

INPUT_KEYS = ("channel", "received_at", "sender", "subject", "body", "priority")


def describe_validation_error(exc: ValidationError) -> str:
    """One readable sentence per problem, in Dutch, for a person fixing their input."""
    messages = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        kind = error["type"]
        value = error.get("input")
        if kind == "timezone_aware":
            messages.append(
                f"{field} {value!r} heeft geen UTC-verschil: voeg er een toe, bijv. +01:00 of Z"
            )
        elif kind == "enum":
            expected = str(error.get("ctx", {}).get("expected", "")).replace(" or ", " of ")
            messages.append(f"onbekende {field} {value!r} (verwacht {expected})")
        elif kind == "missing":
            messages.append(f"{field} ontbreekt")
        elif kind == "extra_forbidden":
            messages.append(f"onbekende sleutel {field!r} (toegestaan: {', '.join(INPUT_KEYS)})")
        elif kind.startswith("datetime"):
            messages.append(
                f"{field} {value!r} is geen ISO 8601-tijd zoals 2026-11-24T10:00:00+01:00"
            )
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            messages.append(f"{field}: {message}" if field else message)
    return "; ".join(messages)


def parse_report(data: Any) -> Report:
    """A Report from one decoded JSON value; ReportError says what is wrong."""
    if not isinstance(data, dict):
        raise ReportError(f"verwacht een JSON-object met {', '.join(INPUT_KEYS)}")
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        raise ReportError(describe_validation_error(exc)) from exc


def parse_line(line: str) -> Report:
    """A Report from one JSON Lines line."""
    if not line.strip():
        raise ReportError("lege regel: verwacht een JSON-object")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReportError(f"geen geldige JSON: {exc.msg} in kolom {exc.colno}") from exc
    return parse_report(data)


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def decision_json(decision: Decision, tz: ZoneInfo) -> dict[str, Any]:
    """The output object of the contract, times in the business time zone."""
    return {
        "priority": decision.priority.value,
        "category": decision.category.value,
        "exempt": decision.exempt,
        "exempt_reason": decision.exempt_reason,
        "reaction_due": _local(decision.reaction_due, tz),
        "resolution_due": _local(decision.resolution_due, tz),
        "rules": list(decision.rules),
        "organisation": decision.organisation,
        "needs_triage": decision.needs_triage,
        "decision": decision.decision,
        "factors": {f.name: {"value": f.value, "words": list(f.words)} for f in decision.factors},
    }
