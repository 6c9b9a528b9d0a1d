"""Fixtures for the Debitura client's own tests: stubbed HTTP (``responses``), a sleep recorder, a fake clock.

The hosts end in ``.invalid`` so nothing could reach a real Debitura host even if a stub were missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import responses

from dashboard.debitura import CustomerApi, ReferralApi

REFERRAL_URL = "https://referral-api.debitura.invalid"
CUSTOMER_URL = "https://customer-api.debitura.invalid"
API_KEY = "rp-live-key-4f1c9a7e2b"


class SleepRecorder:
    """Stands in for ``time.sleep``: remembers each requested delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FakeClock:
    """An aware UTC clock that only moves when a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def referral(sleeps: SleepRecorder) -> Iterator[ReferralApi]:
    # rand=0 makes the jitter deterministic: every backoff is the lower bound of its window.
    api = ReferralApi(REFERRAL_URL, API_KEY, sleep=sleeps, rand=lambda: 0.0)
    yield api
    api.session.close()


@pytest.fixture
def customer(sleeps: SleepRecorder) -> Iterator[CustomerApi]:
    api = CustomerApi(CUSTOMER_URL, sleep=sleeps, rand=lambda: 0.0)
    yield api
    api.session.close()
