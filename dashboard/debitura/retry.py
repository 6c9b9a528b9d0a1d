"""When to try a Debitura call again, and how long to wait first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import DebituraConnectionError, DebituraError, RateLimited, ServerError

# 501 and 505 say the request can never work; the others are transient by nature.
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff: 0.5 s, then up to 1 s, 2 s, ... never above ``max_delay``.

    ``max_retry_after`` bounds how long a 429 may make a caller wait inside a request; an operator
    staring at a spinner is better served by an immediate "try again in a minute".
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 5.0
    max_retry_after: float = 10.0

    def backoff(self, retry_number: int, rand: Callable[[], float]) -> float:
        """Wait before retry ``retry_number`` (from 1): a jittered exponential step, never below initial_delay."""
        step = min(self.initial_delay * 2 ** (retry_number - 1), self.max_delay)
        return min(max(self.initial_delay, step * (0.5 + 0.5 * rand())), self.max_delay)

    def delay_before_retry(self, error: DebituraError, retry_number: int, rand: Callable[[], float]) -> float | None:
        """Seconds to wait before trying again after ``error``, or ``None`` when it must be raised now.

        409 is deliberately absent: on this API it is a business answer (e.g. the client needs linking), not a lock.
        """
        if retry_number > self.max_retries:
            return None
        if isinstance(error, DebituraConnectionError):
            return self.backoff(retry_number, rand) if error.should_retry else None
        if isinstance(error, ServerError):
            return self.backoff(retry_number, rand) if error.http_status in RETRYABLE_SERVER_STATUSES else None
        if isinstance(error, RateLimited):
            if error.retry_after is None:
                return self.backoff(retry_number, rand)
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return None
