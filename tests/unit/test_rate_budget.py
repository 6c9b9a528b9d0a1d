"""The sync's rate budget, on a clock of its own: no window of `window` seconds ever holds more than `limit` calls."""

from __future__ import annotations

import threading

import pytest

from dashboard.services.rate_budget import RateBudget
from tests.budget_clock import FakeClock, busiest_window


def test_calls_beyond_the_limit_wait_for_the_window_to_slide():
    clock = FakeClock()
    budget = RateBudget(limit=3, window=60, clock=clock, sleep=clock.sleep)

    times = [budget.take() for _ in range(7)]

    assert times == [0, 0, 0, 60, 60, 60, 120]


def test_threads_sharing_a_budget_never_put_more_than_the_limit_into_a_window():
    clock = FakeClock()
    budget = RateBudget(limit=20, window=60, clock=clock, sleep=clock.sleep)
    times: list[float] = []
    lock = threading.Lock()

    def caller() -> None:
        for _ in range(25):
            taken = budget.take()
            with lock:
                times.append(taken)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(times) == 200
    assert busiest_window(times, 60) <= 20
    assert max(times) >= 60 * (200 // 20 - 1)  # ten windows' worth of calls took at least nine windows


def test_debituras_limit_is_the_default():
    assert RateBudget().limit == 2_000 and RateBudget().window == 60


def test_a_budget_needs_a_positive_limit():
    with pytest.raises(ValueError, match="positive"):
        RateBudget(limit=0)


def test_a_caller_waiting_for_the_window_is_let_go_when_stopped():
    clock = FakeClock()
    stop = threading.Event()
    budget = RateBudget(limit=1, window=60, clock=clock, sleep=lambda seconds: stop.set())
    budget.take()

    assert budget.take(stop) is None
    assert clock() == 0  # it never waited the minute out
