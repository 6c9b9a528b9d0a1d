"""What a Debitura failure means for the operator, in words: what happened, whether anything changed, what next.

Built only from the error's type, status and operator-facing text, never from a response body or a
trace, so no secret and no stack trace can reach a page, a run's report or the audit trail.
"""

from __future__ import annotations

import math

from dashboard.debitura.errors import (
    AuthenticationError,
    DebituraConnectionError,
    DebituraError,
    PermissionDenied,
    RateLimited,
    ServerError,
)

UNREACHABLE_STATUSES = frozenset({502, 503, 504})


def wait_text(seconds: float) -> str:
    """`7 s`, `2 min`: how long Debitura asked us to wait, rounded up."""
    if seconds < 90:
        return f"{max(math.ceil(seconds), 1)} s"
    return f"{math.ceil(seconds / 60)} min"


def debitura_message(error: DebituraError) -> str:
    """Plain-language text for a Debitura failure the caller could not fix itself."""
    status = error.http_status
    if isinstance(error, RateLimited):
        wait = f"in {wait_text(error.retry_after)}" if error.retry_after is not None else "in a minute"
        return f"Debitura is limiting how fast the dashboard may call it; nothing was changed. Try again {wait}."
    if isinstance(error, DebituraConnectionError):
        if error.timed_out_after is not None:
            return (
                f"Debitura did not answer within {error.timed_out_after:g} s, so it may or may not have acted. "
                "Read again from Debitura to see where things stand, then try again if needed."
            )
        return "Debitura is not responding; nothing was changed (the connection failed). Try again in a minute."
    if status in UNREACHABLE_STATUSES:
        return f"Debitura is not responding; nothing was changed (HTTP {status}). Try again in a minute."
    if isinstance(error, ServerError) or (status or 0) >= 500:
        return (
            f"Debitura had an internal error (HTTP {status}); nothing was confirmed. Try again in a minute; "
            "if it keeps failing, tell an admin."
        )
    if isinstance(error, (AuthenticationError, PermissionDenied)):
        return (
            "Debitura rejected the dashboard's credentials; nothing was changed. "
            "Ask an admin to check the API key on Admin → Connection."
        )
    return error.user_message or "Debitura refused the request; nothing was changed."


def failure_summary(error: DebituraError) -> str:
    """A few words for the audit trail and a tenant's history: what went wrong, never a class name."""
    status = error.http_status
    if isinstance(error, RateLimited):
        return "Debitura limited the call rate (HTTP 429)"
    if isinstance(error, DebituraConnectionError):
        return (
            "Debitura did not answer in time" if error.timed_out_after is not None else "Debitura could not be reached"
        )
    if status in UNREACHABLE_STATUSES:
        return f"Debitura was unavailable (HTTP {status})"
    if isinstance(error, ServerError) or (status or 0) >= 500:
        return f"Debitura had an internal error (HTTP {status})"
    if isinstance(error, (AuthenticationError, PermissionDenied)):
        return "Debitura refused the dashboard's credentials"
    # Not Debitura's own text: a 400's names the wire's field paths (client.country), not words.
    return f"Debitura refused the request (HTTP {status})" if status else "Debitura refused the request"
