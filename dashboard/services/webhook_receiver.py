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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard.database import insert_for
from dashboard.debitura import jsonwire
from dashboard.debitura.fields import moment
from dashboard.debitura.redaction import redact
from dashboard.extensions import db
from dashboard.models import WebhookEvent, WebhookRejection
from dashboard.models.webhooks import FAILED, TEST
from dashboard.services import mirror_events, unauthenticated
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
    """Count the refusal against its source and minute: forgeries add to a counter, not rows."""
    db.session.rollback()
    now = debitura_now()
    source = {"reason": reason, "remote_addr": (remote_addr or "")[:64]}
    if unauthenticated.count_in_minute(WebhookRejection, "received_at", source, now=now) == 1:
        unauthenticated.prune_rejections(now)  # a new minute's row: the moment to drop lapsed ones
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
    data = _data(envelope)
    return _text("external_tenant_id", data.get("externalTenantId")), _text("case_id", data.get("caseId"))


# Two deliveries for the same new tenant or case can race to insert its mirror row; the loser
# sees the winner's row on a second try. Anything else is written down as a failed apply.
CONCURRENCY_ATTEMPTS = 4

WriteEvent = Callable[[str, "str | None"], "int | None"]  # (outcome, error) -> the event's key, or None


def _insert_once(fields: dict[str, Any]) -> WriteEvent:
    """Insert the event with its outcome unless its id is stored already (then None: a duplicate).

    ON CONFLICT DO NOTHING makes a second worker receiving the same delivery wait for the
    first one's transaction and then find the row, instead of failing.
    """

    def write(outcome: str, error: str | None) -> int | None:
        statement = (
            insert_for(db.engine, WebhookEvent)
            .values(**fields, outcome=outcome, error=error)
            .on_conflict_do_nothing(index_elements=[WebhookEvent.event_id])
            .returning(WebhookEvent.id)
        )
        return db.session.connection().scalar(statement)

    return write


def _retry_failed(event_pk: int) -> WriteEvent:
    """Record a new outcome for a stored event whose apply failed (None if another worker fixed it first)."""

    def write(outcome: str, error: str | None) -> int | None:
        return db.session.connection().scalar(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_pk, WebhookEvent.outcome == FAILED)
            .values(outcome=outcome, error=error)
            .returning(WebhookEvent.id)
        )

    return write


def _apply_and_store(
    write: WriteEvent, event_type: str, data: dict[str, Any], occurred_at: datetime, *, is_test: bool
) -> str | None:
    """Apply the event and write it down in one transaction; None when it turned out to be a duplicate.

    The apply comes first so the event row is written once, with its outcome; a duplicate
    found at that moment rolls the apply back (it was applied by whoever stored it). A
    transaction that loses a race (a unique index, a deadlock) is rolled back whole and tried
    again; whatever else goes wrong, the event is stored with the error, so it is never lost.
    """
    last_race: Exception = RuntimeError("no attempt made")
    for attempt in range(1, CONCURRENCY_ATTEMPTS + 1):
        try:
            outcome = TEST if is_test else mirror_events.apply_event(event_type, data, occurred_at=occurred_at)
            db.session.flush()  # the mirror's changes, in the order the apply made them
            if write(outcome, None) is None:
                db.session.rollback()
                return None
            db.session.commit()
            return outcome
        except (IntegrityError, OperationalError, mirror_events.LostRace) as error:
            db.session.rollback()
            last_race = error
            if attempt < CONCURRENCY_ATTEMPTS:
                time.sleep(0.01 * attempt)  # let the competing transaction finish
        except Exception as error:  # a bad payload must not turn into a 500 and a retry storm
            db.session.rollback()
            return _store_failure(write, event_type, error)
    return _store_failure(write, event_type, last_race)


def _store_failure(write: WriteEvent, event_type: str, error: Exception) -> str | None:
    log.error("Applying a %s webhook failed: %s", event_type, type(error).__name__)
    if write(FAILED, redact(f"{type(error).__name__}: {error}")[:1000]) is None:
        db.session.rollback()
        return None
    db.session.commit()
    return FAILED


def _duplicate(event_id: str, envelope: dict[str, Any], *, is_test: bool) -> Receipt:
    """Count the repeat; a repeat of an event whose apply failed is the chance to apply it again."""
    stored = db.session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.event_id == event_id)
        .values(duplicates=WebhookEvent.duplicates + 1, last_duplicate_at=debitura_now())
        .returning(WebhookEvent.id, WebhookEvent.outcome, WebhookEvent.event_type, WebhookEvent.occurred_at)
    ).one_or_none()
    db.session.commit()
    outcome = stored.outcome if stored else None
    if stored is not None and stored.outcome == FAILED:
        outcome = _apply_and_store(
            _retry_failed(stored.id),
            stored.event_type,
            _data(envelope),
            stored.occurred_at or debitura_now(),
            is_test=is_test,
        )
    return Receipt(status=200, event_id=event_id, outcome=outcome, duplicate=True)


def _data(envelope: dict[str, Any]) -> dict[str, Any]:
    return envelope["data"] if isinstance(envelope.get("data"), dict) else {}


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
    external_tenant_id, case_id = _references(envelope)
    fields = {
        "event_id": event_id,
        "event_type": _text("event_type", envelope["event"].strip()),
        "occurred_at": moment(envelope.get("timestamp")),
        "received_at": debitura_now(),
        "external_tenant_id": external_tenant_id,
        "case_id": case_id,
        "is_test": is_test,
        "payload": body.decode("utf-8", errors="replace"),
        "duplicates": 0,
    }
    outcome = _apply_and_store(
        _insert_once(fields),
        fields["event_type"],
        _data(envelope),
        fields["occurred_at"] or debitura_now(),
        is_test=is_test,
    )
    if outcome is None:
        return _duplicate(event_id, envelope, is_test=is_test)
    return Receipt(status=200, event_id=event_id, outcome=outcome)
