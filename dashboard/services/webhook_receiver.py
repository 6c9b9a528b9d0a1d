"""Receive one webhook delivery: verify it, store it once, apply it to the mirror.

Debitura delivers at least once, unordered, with a 10 s timeout, so the receiver:
- refuses anything not signed with an accepted secret within 300 s (401, no detail);
- stores every accepted event exactly once, keyed by the envelope id, even when two
  workers receive the same delivery at the same moment (a unique index decides);
- applies it to the mirror in its own transaction, so a failure to apply never loses the
  event, and a redelivery of a failed event retries the apply;
- keeps test deliveries (`X-Debitura-Test: true`) and unknown event types for the log
  without changing the mirror.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard.debitura import jsonwire
from dashboard.debitura.fields import moment
from dashboard.debitura.redaction import redact
from dashboard.extensions import db
from dashboard.models import WebhookEvent, WebhookRejection
from dashboard.models.base import now_utc
from dashboard.models.webhooks import FAILED, TEST
from dashboard.services import mirror_events
from dashboard.services.mirror import fit
from dashboard.services.tenant_state import debitura_now
from dashboard.services.webhook_secrets import SignatureRejected, accepted_secrets, verify_signature

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    status: int  # the HTTP status to answer with
    event_id: str | None = None
    outcome: str | None = None
    duplicate: bool = False


def _reject(reason: str, remote_addr: str | None, status: int) -> Receipt:
    db.session.rollback()
    db.session.add(WebhookRejection(reason=reason, remote_addr=(remote_addr or "")[:64] or None))
    db.session.commit()
    log.info("Webhook delivery refused (%s) from %s", reason, remote_addr)
    return Receipt(status=status)


def _envelope(body: bytes) -> dict[str, Any] | None:
    payload = jsonwire.loads_or_none(body)
    if not isinstance(payload, dict):
        return None
    event_id = payload.get("id")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 100 or not event_id.isprintable():
        return None
    if not isinstance(payload.get("event"), str) or not payload["event"].strip():
        return None
    return payload


def _text(column: str, value: Any) -> str | None:
    """A text value of the envelope as its column can hold it (no NUL bytes, cut to length); None if not text."""
    return fit(WebhookEvent, column, value) if isinstance(value, str) else None


def _references(envelope: dict[str, Any]) -> tuple[str | None, str | None]:
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    return _text("external_tenant_id", data.get("externalTenantId")), _text("case_id", data.get("caseId"))


# Two deliveries for the same new tenant or case can race to insert its mirror row; the loser
# sees the winner's row on a second try. Anything else is written down as a failed apply.
CONCURRENCY_ATTEMPTS = 4


def _apply(event: WebhookEvent, envelope: dict[str, Any]) -> None:
    """Apply in a transaction of its own; whatever happens, the outcome is written down."""
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    event_pk = event.id
    for attempt in range(1, CONCURRENCY_ATTEMPTS + 1):
        try:
            outcome = mirror_events.apply_event(event.event_type, data, occurred_at=event.occurred_at or debitura_now())
            event.outcome, event.error = outcome, None
            db.session.commit()
            return
        except (IntegrityError, OperationalError) as error:
            db.session.rollback()
            event = db.session.get(WebhookEvent, event_pk)
            if attempt == CONCURRENCY_ATTEMPTS:
                _record_failure(event, error)
                return
            time.sleep(0.01 * attempt)  # let the competing transaction finish
        except Exception as error:  # a bad payload must not turn into a 500 and a retry storm
            db.session.rollback()
            _record_failure(db.session.get(WebhookEvent, event_pk), error)
            return


def _record_failure(event: WebhookEvent, error: Exception) -> None:
    log.error("Applying webhook %s (%s) failed: %s", event.event_id, event.event_type, type(error).__name__)
    event.outcome = FAILED
    event.error = redact(f"{type(error).__name__}: {error}")[:1000]
    db.session.commit()


def _duplicate(event_id: str, envelope: dict[str, Any]) -> Receipt:
    db.session.rollback()
    db.session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.event_id == event_id)
        .values(duplicates=WebhookEvent.duplicates + 1, last_duplicate_at=now_utc())
    )
    db.session.commit()
    event = db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == event_id))
    if event is not None and event.outcome == FAILED:
        _apply(event, envelope)  # the first attempt failed: a redelivery is the chance to retry
    return Receipt(status=200, event_id=event_id, outcome=event.outcome if event else None, duplicate=True)


def receive(
    body: bytes,
    *,
    signature: str | None,
    is_test: bool = False,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Handle one delivery; the caller answers with `Receipt.status` and no detail on refusals."""
    keys = accepted_secrets(now)
    if not keys:
        log.warning("A webhook arrived but no webhook secret is configured or stored; it was refused.")
        return _reject("no_secret", remote_addr, 401)
    try:
        verify_signature(signature, body, keys=keys, now=now)
    except SignatureRejected as rejected:
        return _reject(rejected.reason, remote_addr, 401)
    envelope = _envelope(body)
    if envelope is None:
        return _reject("malformed", remote_addr, 400)

    event_id = envelope["id"].strip()
    if db.session.scalar(select(WebhookEvent.id).where(WebhookEvent.event_id == event_id)) is not None:
        return _duplicate(event_id, envelope)
    external_tenant_id, case_id = _references(envelope)
    event = WebhookEvent(
        event_id=event_id,
        event_type=_text("event_type", envelope["event"].strip()),
        occurred_at=moment(envelope.get("timestamp")),
        received_at=now_utc(),
        external_tenant_id=external_tenant_id,
        case_id=case_id,
        is_test=is_test,
        payload=body.decode("utf-8", errors="replace"),
        outcome="received",
        duplicates=0,
    )
    db.session.add(event)
    try:
        db.session.commit()
    except IntegrityError:
        return _duplicate(event_id, envelope)  # another worker stored the same delivery a moment ago
    if is_test:
        event.outcome = TEST  # test events carry real data but describe nothing that happened
        db.session.commit()
    else:
        _apply(event, envelope)
    return Receipt(status=200, event_id=event_id, outcome=event.outcome)
