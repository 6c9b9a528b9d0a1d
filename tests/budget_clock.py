"""A clock that moves only when slept on, for rate budgets, and the check that no window holds too many calls."""

from __future__ import annotations

import threading


class FakeClock:
    """Time that moves only when someone sleeps; safe to share between threads."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


def busiest_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for later in ordered[index:] if later < start + window) for index, start in enumerate(ordered))
