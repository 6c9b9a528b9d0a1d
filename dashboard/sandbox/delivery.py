"""The webhook dispatcher: sends due deliveries from the outbox, signed, with Debitura's retry schedule.

Each delivery is claimed with a conditional UPDATE (its attempt count acts as a version, and its
subscription must still be active), so several processes sharing one database never send the
same attempt twice; a claim also pushes the next attempt one lease ahead, so a process that dies
mid-send only delays the delivery. Nothing is sent while a transaction is open: claim, send, then
record the outcome.

Retry schedule (sandbox time, so advancing the clock makes retries come due): attempt 1 at once,
then +1, +2, +4, +8, +16, +30 and +30 minutes, each ±10 %; 8 attempts at most. The subscription
is disabled after 8 consecutive failed attempts, or at once when the endpoint answers 410.

The signature follows Debitura: `X-Debitura-Signature: t=<unix>,v1=<hex>` where v1 is the
HMAC-SHA256 of `"<t>.<raw body>"` keyed with the base64-decoded secret. `t` is real time, not
sandbox time: receivers check it against their own clock (±300 s), and an advanced sandbox
clock must not make every signature look stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dashboard.orm import rows_matched
from dashboard.sandbox import clock, faults
from dashboard.sandbox.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from dashboard.sandbox.store import Store
from dashboard.sandbox.wire import dumps

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often the background thread looks for due deliveries
MAX_ATTEMPTS = 8
# Minutes to wait after attempt n (index n - 1) before attempt n + 1.
RETRY_DELAYS_MINUTES = (1, 2, 4, 8, 16, 30, 30)
JITTER = 0.10
TIMEOUT_SECONDS = 10
CLAIM_LEASE = timedelta(minutes=1)  # longer than a send can take (10 s timeout)
BATCH_SIZE = 100
DISABLED_AFTER_FAILURES = "Exceeded maximum retry attempts (8 failures)"
DISABLED_GONE = "Endpoint returned 410 Gone"

_jitter = random.Random()


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, detached from any session: everything needed to send it."""

    delivery_id: int
    subscription_id: str
    url: str
    secret: str = field(repr=False)  # never in a log line or a traceback
    event_type: str
    body: bytes
    is_test: bool


@dataclass(frozen=True)
class Candidate:
    """A delivery that is due, as seen before claiming it (its attempt count is the claim's version)."""

    delivery_id: int
    seen_attempts: int
    url: str


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Debitura-Signature` header value for a body sent at `timestamp` (unix seconds)."""
    key = base64.b64decode(secret)
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def headers_for(outgoing: Outgoing, timestamp: int) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Debitura-Webhooks/1.0 (sandbox)",
        "X-Debitura-Signature": sign(outgoing.secret, timestamp, outgoing.body),
        "X-Debitura-Event": outgoing.event_type,
        "X-Debitura-Timestamp": str(timestamp),
    }
    if outgoing.is_test:
        headers["X-Debitura-Test"] = "true"
    return headers


def retry_delay(attempt: int) -> timedelta:
    """The jittered wait after failed attempt number `attempt` (1-based)."""
    minutes = RETRY_DELAYS_MINUTES[attempt - 1]
    return timedelta(seconds=minutes * 60 * _jitter.uniform(1 - JITTER, 1 + JITTER))


class Dispatcher:
    """Webhook delivery from one store over one HTTP session: on demand, or from a background thread.

    `http` is where deliveries go out; a host app may mount an in-process adapter on it (or replace it).
    """

    def __init__(self, store: Store, http: requests.Session) -> None:
        self.store = store
        self.http = http
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the host app may start delivery from concurrent requests
        self._thread: threading.Thread | None = None

    def dispatch_due(self, now: datetime | None = None) -> int:
        """Send every delivery due at `now` (default: sandbox now); returns how many were attempted."""
        return dispatch_due(self.store, self.http, now)

    def start(self) -> None:
        """Deliver due webhooks from a background thread; safe to call often."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._deliver_forever, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def _deliver_forever(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.dispatch_due()
            except Exception:  # keep delivering after one bad round; the error is in the log
                log.exception("Sandbox webhook delivery round failed")

    def stop(self) -> None:
        """Stop the background thread, if any, and close the HTTP session."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.http.close()


def dispatch_due(store: Store, http: requests.Session, now: datetime | None = None) -> int:
    """Send every delivery due at `now` (default: sandbox now) over `http`; returns how many were attempted."""
    attempted = 0
    while True:
        due = _due(store, now)
        for candidate, copies in _apply_webhook_faults(store, due):
            # Claimed one at a time, just before sending: a subscription disabled by an earlier
            # answer in this batch (a 410) gets nothing more.
            outgoing = _claim(store, candidate, now)
            if outgoing is None:
                continue
            for _ in range(copies):
                status, error = _send(http, outgoing)
            _record(store, outgoing, status, error, now)
            attempted += 1
        if len(due) < BATCH_SIZE:
            return attempted


def _due(store: Store, now: datetime | None) -> list[Candidate]:
    with store.session() as s:
        moment = now or clock.now(s)
        rows = s.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempt_count, WebhookSubscription.url)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookSubscription.is_active.is_(True),
                or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= moment),
            )
            .order_by(WebhookEvent.created_at, WebhookDelivery.id)
            .limit(BATCH_SIZE)
        ).all()
    return [Candidate(*row) for row in rows]


def _claim(store: Store, candidate: Candidate, now: datetime | None) -> Outgoing | None:
    """Take the delivery for this process, or None when another process (or a disable) got there first."""
    with store.session() as s:
        moment = now or clock.now(s)
        active = select(WebhookSubscription.id).where(WebhookSubscription.is_active.is_(True))
        result = s.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == candidate.delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.attempt_count == candidate.seen_attempts,
                WebhookDelivery.subscription_id.in_(active),
            )
            .values(attempt_count=candidate.seen_attempts + 1, next_attempt_at=moment + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result) != 1:
            return None
        return _outgoing(s.get_one(WebhookDelivery, candidate.delivery_id))


def _outgoing(delivery: WebhookDelivery) -> Outgoing:
    subscription = delivery.subscription
    return Outgoing(
        delivery_id=delivery.id,
        subscription_id=subscription.id,
        url=subscription.url,
        secret=subscription.secret,
        event_type=delivery.event.event_type,
        body=dumps(delivery.event.envelope).encode("utf-8"),
        is_test=delivery.is_test,
    )


def _apply_webhook_faults(store: Store, due: list[Candidate]) -> list[tuple[Candidate, int]]:
    """Injected delivery faults: a duplicated event is sent twice; a reordered batch goes out backwards."""
    plan: list[tuple[Candidate, int]] = []
    reverse = False
    for candidate in due:
        with store.session() as s:
            fault = faults.draw(s, candidate.url, channel="webhook")
        kind = fault.kind if fault is not None else None
        reverse = reverse or kind == "reorder_webhooks"
        plan.append((candidate, 2 if kind == "duplicate_webhook" else 1))
    return plan[::-1] if reverse else plan


def _send(http: requests.Session, outgoing: Outgoing) -> tuple[int | None, str | None]:
    """POST one delivery: (status, None) for a 2xx, else the status (None without an answer) and why it failed."""
    try:
        response = http.post(
            outgoing.url,
            data=outgoing.body,
            headers=headers_for(outgoing, int(time.time())),
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.Timeout:
        return None, f"Request timed out after {TIMEOUT_SECONDS} seconds"
    except requests.ConnectionError:
        return None, "Cannot reach your endpoint"
    except requests.RequestException as error:
        return None, f"Network error: {type(error).__name__}"
    except Exception as error:  # an in-process receiver may raise anything; the dispatcher must go on
        log.exception("Webhook delivery %s raised", outgoing.delivery_id)
        return None, f"Unexpected error: {type(error).__name__}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.reason or 'Error'}"


def _record(store: Store, outgoing: Outgoing, status: int | None, error: str | None, now: datetime | None) -> None:
    with store.session() as s:
        moment = now or clock.now(s)
        delivery = s.get_one(WebhookDelivery, outgoing.delivery_id)
        delivery.last_status = status
        delivery.last_error = error
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = moment
            delivery.next_attempt_at = None
            s.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == outgoing.subscription_id)
                .values(consecutive_failures=0)
                .execution_options(synchronize_session=False)
            )
            return
        failures = _count_failure(s, outgoing.subscription_id)
        if status == 410:
            delivery.status = "failed"
            _disable(s, outgoing.subscription_id, DISABLED_GONE, moment)
            return
        if delivery.attempt_count >= MAX_ATTEMPTS:
            delivery.status = "failed"
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = moment + retry_delay(delivery.attempt_count)
        if failures >= MAX_ATTEMPTS:
            _disable(s, outgoing.subscription_id, DISABLED_AFTER_FAILURES, moment)


def _count_failure(s: Session, subscription_id: str) -> int:
    # An in-database increment, so failures recorded by two processes both count.
    s.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(consecutive_failures=WebhookSubscription.consecutive_failures + 1)
        .execution_options(synchronize_session=False)
    )
    return s.scalars(
        select(WebhookSubscription.consecutive_failures).where(WebhookSubscription.id == subscription_id)
    ).one()


def _disable(s: Session, subscription_id: str, reason: str, now: datetime) -> None:
    s.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.is_active.is_(True))
        .values(is_active=False, disabled_reason=reason, updated_utc=now)
        .execution_options(synchronize_session=False)
    )


__all__ = ["Candidate", "Dispatcher", "Outgoing", "dispatch_due", "headers_for", "retry_delay", "sign"]
