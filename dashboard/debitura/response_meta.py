"""Facts about a response that live outside its payload: request id, retry hint, rate-limit headroom."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .fields import camel_keys, integer, money

_REQUEST_ID_HEADERS = ("Request-Id", "X-Request-Id", "X-Correlation-Id")
_RATE_LIMIT_HEADERS = {
    "limit": ("X-RateLimit-Limit", "RateLimit-Limit"),
    "remaining": ("X-RateLimit-Remaining", "RateLimit-Remaining"),
    "reset": ("X-RateLimit-Reset", "RateLimit-Reset"),
}


def request_id(headers: Mapping[str, str], body: Any = None) -> str | None:
    """Debitura's id for the call, from the response headers or the ProblemDetails ``traceId``."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    trace_id = camel_keys(body).get("traceId")
    return str(trace_id) if trace_id else None


def _seconds(value: Any) -> float | None:
    number = money(value)
    if number is None or not number.is_finite():
        return None
    return max(float(number), 0.0)


def retry_after(headers: Mapping[str, str], body: Any = None) -> float | None:
    """Seconds to wait, from the 429 body's ``retryAfter`` (documented) or a ``Retry-After`` header (sometimes sent)."""
    from_body = _seconds(camel_keys(body).get("retryAfter"))
    if from_body is not None:
        return from_body
    header = headers.get("Retry-After")
    if not header:
        return None
    seconds = _seconds(header.strip())
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def rate_limit(headers: Mapping[str, str]) -> dict[str, int | str] | None:
    """Rate-limit headroom when the response advertises it, e.g. ``{"limit": 2000, "remaining": 1998}``."""
    found: dict[str, int | str] = {}
    for key, names in _RATE_LIMIT_HEADERS.items():
        for name in names:
            value = headers.get(name)
            if value:
                number = integer(value.strip())
                found[key] = number if number is not None else value.strip()
                break
    return found or None
