"""The two simulated APIs, and what every API view shares: JSON bodies, query parameters bound the
way an ASP.NET binder does, rate limiting, and committing answers (the request's session is `db()`
from `context`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, g, request

from dashboard.sandbox import clock, ratelimit
from dashboard.sandbox.context import db, sandbox_config
from dashboard.sandbox.errors import ApiError, SandboxError, ValidationFailed, error_response
from dashboard.sandbox.models import SandboxState
from dashboard.sandbox.wire import json_response, loads


def json_body() -> Any:
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("$", "The request body is not valid JSON.") from None


def answer(work: Callable[[], Response]) -> Response:
    """Run a write and commit it, also when it ends in a business error (a 409 or 422 records state).

    Field validation errors change nothing and are rolled back.
    """
    s = db()
    try:
        response = work()
    except ValidationFailed:
        s.rollback()
        raise
    except SandboxError as error:
        response = error_response(error)
    s.commit()
    return response


def ok(body: Any, status: int = 200) -> Response:
    return json_response(status, body)


def no_content() -> Response:
    return Response(status=204)


# --- query parameters --------------------------------------------------------------------------


class Query:
    """Query parameters matched case-insensitively; a malformed value is a 400 ApiErrorResponseDto."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}
        for name, values in request.args.lists():
            self._values.setdefault(name.lower(), []).extend(values)

    def _bad(self, name: str, message: str) -> ApiError:
        return ApiError(400, "InvalidRequest", f"{name}: {message}")

    def text(self, name: str) -> str | None:
        values = self._values.get(name.lower())
        return values[-1] if values else None

    def values(self, name: str) -> list[str]:
        """Repeated keys (ASP.NET style) and comma-separated lists both work."""
        found: list[str] = []
        for value in self._values.get(name.lower(), []):
            found.extend(part.strip() for part in value.split(",") if part.strip())
        return found

    def integer(self, name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
        value = self.text(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._bad(name, "must be a whole number.") from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise self._bad(name, f"must be {bound}.")
        return number

    def integers(self, name: str) -> list[int]:
        try:
            return [int(value) for value in self.values(name)]
        except ValueError:
            raise self._bad(name, "must be whole numbers.") from None

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None or value == "":
            return None
        if value.lower() not in ("true", "false"):
            raise self._bad(name, "must be true or false.")
        return value.lower() == "true"

    def moment(self, name: str, *, end_of_day: bool = False) -> datetime | None:
        """An ISO 8601 date or date-time; a bare date as an upper bound means the whole day."""
        value = self.text(name)
        if value is None or value == "":
            return None
        try:
            if len(value) == 10:
                day = datetime.fromisoformat(value).replace(tzinfo=UTC)
                return day + timedelta(days=1, microseconds=-1) if end_of_day else day
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise self._bad(name, "must be an ISO 8601 date or date-time.") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def sort(self, default: str, fields: dict[str, Any]) -> tuple[Any, bool]:
        """`field[:asc|desc]` over the given fields (case-insensitive); returns (column, descending)."""
        value = self.text("Sort") or default
        name, _, direction = value.partition(":")
        column = {key.lower(): column for key, column in fields.items()}.get(name.strip().lower())
        direction = (direction or "asc").strip().lower()
        if column is None or direction not in ("asc", "desc"):
            raise self._bad("Sort", f"use one of {', '.join(fields)} with :asc or :desc.")
        return column, direction == "desc"


# --- rate limiting -----------------------------------------------------------------------------


def rate_limited(scope: str) -> Response | None:
    """When switched on in the state row: count the call of `scope` (an API key, or a bearer client)."""
    s = db()
    settings = s.get_one(SandboxState, clock.STATE_ID)
    if not settings.rate_limit_enabled:
        return None
    verdict = ratelimit.record_call(s, scope, clock.now(s), settings.rate_limit_per_minute)
    s.commit()
    g.rate_limit = verdict
    if verdict.retry_after is None:
        return None
    headers = {"Retry-After": str(verdict.retry_after)} if sandbox_config().rate_limit_retry_after_header else {}
    return json_response(
        429,
        {
            "error": "rate_limit_exceeded",
            "message": "Too many requests. Please try again later or contact support if you need higher limits.",
            "retryAfter": verdict.retry_after,
        },
        headers,
    )


def rate_limit_headers(response: Response) -> Response:
    if "rate_limit" in g:
        response.headers["X-RateLimit-Limit"] = str(g.rate_limit.limit)
        response.headers["X-RateLimit-Remaining"] = str(g.rate_limit.remaining)
    return response
