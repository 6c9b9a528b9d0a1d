"""Which day counts as today when a date may not be in the future.

Debitura judges a date such as an invoice date against today's date on its own clock, in UTC
(the sandbox's clock in the sandbox). An operator far from UTC can be a day ahead of it or a
day behind, so the form says which day counts and, when it differs, the operator's own date.
The browser's time zone arrives in a cookie set by static/js/time_zone.js.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import has_request_context, request

from dashboard.services.tenant_state import debitura_now

COOKIE = "operator_time_zone"


def operator_time_zone() -> ZoneInfo | None:
    """The browser's IANA time zone, when it sent a real one."""
    if not has_request_context():
        return None
    name = unquote(request.cookies.get(COOKIE) or "").strip()  # the script encodes the "/" of "Pacific/Auckland"
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Today:
    debitura: date  # the day Debitura counts as today (UTC)
    local: date | None  # the operator's own date, when their time zone is known
    zone: str | None

    @property
    def differs(self) -> bool:
        return self.local is not None and self.local != self.debitura

    def _operator_side(self) -> str:
        local = self.local or self.debitura  # asked for only when they differ, so the local date is known
        way = "already" if local > self.debitura else "still"
        return f"in your time zone ({self.zone}) it is {way} {long_date(local)}"

    def hint(self) -> str:
        """For a date field that may not be in the future."""
        if self.differs:
            return (
                f"Not in the future. Today counts as {long_date(self.debitura)}, Debitura's date in UTC; "
                f"{self._operator_side()}."
            )
        return f"Not in the future; today ({long_date(self.debitura)}) is allowed."

    def refusal(self, label: str) -> str:
        """Why a date after Debitura's today is refused."""
        said = f"{label} cannot be in the future (today is allowed)."
        if self.differs:
            return (
                f"{said} Debitura counts days in UTC, where today is {long_date(self.debitura)}; "
                f"{self._operator_side()}."
            )
        return f"{said} Today is {long_date(self.debitura)}."


def today() -> Today:
    now = debitura_now()
    zone = operator_time_zone()
    return Today(now.date(), now.astimezone(zone).date() if zone else None, zone.key if zone else None)
