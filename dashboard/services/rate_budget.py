"""A sliding-window call budget shared by threads: at most `limit` calls in any `window` seconds.

Debitura allows 2,000 calls a minute per API key. The sync's fetcher threads each take a slot
before every call, so together they never exceed it (the clock and sleep are injectable for tests).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

DEBITURA_CALLS_PER_MINUTE = 2_000
WAKE_EVERY_SECONDS = 0.25


class RateBudget:
    def __init__(
        self,
        limit: int = DEBITURA_CALLS_PER_MINUTE,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate budget needs a positive limit and window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._calls: deque[float] = deque()  # start times of the calls inside the current window

    def take(self, stop: threading.Event | None = None) -> float | None:
        """Wait until a call fits in the window, record it and return its time; None if `stop` is set first."""
        while stop is None or not stop.is_set():
            with self._lock:
                now = self._clock()
                while self._calls and self._calls[0] <= now - self.window:
                    self._calls.popleft()
                if len(self._calls) < self.limit:
                    self._calls.append(now)
                    return now
                wait = self._calls[0] + self.window - now
            self._sleep(min(wait, WAKE_EVERY_SECONDS))  # short naps, so a stopped caller is let go soon
        return None
