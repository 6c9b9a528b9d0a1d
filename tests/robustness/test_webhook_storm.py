"""Webhooks: 10,000 deliveries (20 % repeats) in shuffled order, sent concurrently to several gunicorn workers.

The same events delivered one by one in the order Debitura emitted them give the reference
mirror; the storm must end in exactly that state, store each event once, count every repeat,
and refuse every forged or stale delivery mixed into it (including tampered copies of real
events, which would corrupt the mirror if they got through).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from benchmarks import apps, databases, webhook_events
from benchmarks.load import post_all
from dashboard.extensions import db
from dashboard.models import Case, Tenant, WebhookEvent, WebhookRejection

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DELIVERIES = 10_000
REPEAT_SHARE = 0.20
UNIQUE = round(DELIVERIES * (1 - REPEAT_SHARE))
TENANTS = 200
WORKERS = 3
SENDERS = 12
FORGED = 300
WRONG_SECRET = "d3JvbmctcGFydG5lci1zZWNyZXQtMDEyMzQ1Njc4OWFi"
FORGERIES = ("wrong_secret", "tampered_body", "stale", "from_the_future", "no_signature", "garbled_header")


@pytest.fixture(scope="module")
def stream() -> tuple[list[webhook_events.StreamTenant], list[dict]]:
    tenants = webhook_events.tenants_for(TENANTS)
    return tenants, webhook_events.stream(UNIQUE, tenants, seed=42)


def seed_tenants(app, tenants: list[webhook_events.StreamTenant]) -> None:
    """The partner created these clients itself, so the mirror knows them before any webhook."""
    with app.app_context():
        db.session.add_all(
            Tenant(external_tenant_id=tenant.external_tenant_id, company_name=tenant.company_name, users=[],
                   kyc_blocked_cases=0, search_text=tenant.external_tenant_id)
            for tenant in tenants
        )
        db.session.commit()
        db.session.remove()


def _plain(value):
    """Datetimes as naive UTC, so SQLite's and PostgreSQL's answers compare equal."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def mirror_state(app) -> tuple[dict, dict]:
    """What the operator sees of every tenant and case (incidental timestamps such as last-seen left out)."""
    with app.app_context():
        tenants = {
            tenant.external_tenant_id: tuple(_plain(value) for value in (
                tenant.state, tenant.link_request_status, tenant.conflict_type, tenant.onboarding_done,
                tenant.onboarding_url, tenant.approval_url, tenant.is_attributed, tenant.creditor_id,
                tenant.company_name, tenant.date_linked, tenant.withdrawn_at, tenant.missing_since,
                tenant.approval_expires_at if tenant.state == "approval_pending" else None,
            ))
            for tenant in db.session.scalars(select(Tenant))
        }
        owners = dict(db.session.execute(select(Tenant.id, Tenant.external_tenant_id)).all())
        cases = {
            case.id: (case.lifecycle, case.close_code, case.reference, case.external_tenant_id,
                      owners.get(case.tenant_id), case.signing_url)
            for case in db.session.scalars(select(Case))
        }
        db.session.remove()
    return tenants, cases


@pytest.fixture(scope="module")
def ordered_state(tmp_path_factory, stream) -> tuple[dict, dict]:
    """The reference: every event once, one after another in Debitura's order, through the receiver."""
    tenants, events = stream
    folder = tmp_path_factory.mktemp("ordered")
    app = apps.build(databases.sqlite_url(folder / "dashboard.db"), apps.workdir_sandbox_url(folder))
    apps.prepare(app)
    try:
        seed_tenants(app, tenants)
        client = app.test_client()
        for envelope in events:
            body, headers = deliver(("genuine", envelope))
            assert client.post("/webhooks/debitura", data=body, headers=headers).status_code == 200
        return mirror_state(app)
    finally:
        apps.dispose(app)


def forged(kind: str, envelope: dict) -> tuple[bytes, dict[str, str]]:
    """A delivery Debitura did not sign (or signed long ago), built at the moment of sending."""
    body = webhook_events.body_of(envelope)
    headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)
    now = int(time.time())
    if kind == "wrong_secret":
        headers = webhook_events.headers(WRONG_SECRET, envelope, body)
    elif kind == "tampered_body":
        changed = {**envelope, "data": {**envelope["data"], "externalTenantId": "hijacked", "lifecycle": "Closed"}}
        body = webhook_events.body_of(changed)  # the signature still covers the original body
    elif kind == "stale":
        headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body, timestamp=now - 301 - random.randrange(3600))
    elif kind == "from_the_future":
        headers = webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body, timestamp=now + 301 + random.randrange(3600))
    elif kind == "no_signature":
        del headers["X-Debitura-Signature"]
    else:
        headers["X-Debitura-Signature"] = "t=yesterday,v1=" + "0" * 64
    return body, headers


def deliver(item: tuple[str, dict]) -> tuple[bytes, dict[str, str]]:
    kind, envelope = item
    if kind == "genuine":
        body = webhook_events.body_of(envelope)
        return body, webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)
    return forged(kind, envelope)


def test_a_shuffled_duplicated_concurrent_storm_ends_in_the_state_of_ordered_delivery(served, stream, ordered_state):
    tenants, events = stream
    rng = random.Random(99)
    storm = [("genuine", envelope) for envelope in webhook_events.with_duplicates(events, REPEAT_SHARE, seed=5)]
    assert len(storm) == DELIVERIES
    forgeries = [(FORGERIES[number % len(FORGERIES)], rng.choice(events)) for number in range(FORGED)]
    for item in forgeries:
        storm.insert(rng.randrange(len(storm) + 1), item)
    seed_tenants(served.app, tenants)
    served.serve(workers=WORKERS, threads=4)

    outcomes, _ = post_all(f"{served.url}/webhooks/debitura", storm, deliver, threads=SENDERS)

    answers = Counter((kind, outcome.status) for (kind, _), outcome in zip(storm, outcomes))
    assert answers[("genuine", 200)] == DELIVERIES, answers
    assert sum(answers[(kind, 401)] for kind in FORGERIES) == FORGED, answers
    with served.app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(WebhookEvent))
        repeats = db.session.scalar(select(func.sum(WebhookEvent.duplicates)))
        failed = db.session.scalar(select(func.count()).select_from(WebhookEvent).where(WebhookEvent.outcome == "failed"))
        refused = db.session.scalar(select(func.count()).select_from(WebhookRejection))
        db.session.remove()
    assert (stored, repeats, failed) == (UNIQUE, DELIVERIES - UNIQUE, 0)
    assert refused == FORGED
    tenants_now, cases_now = mirror_state(served.app)
    tenants_then, cases_then = ordered_state
    assert {key: (tenants_then.get(key), value) for key, value in tenants_now.items() if value != tenants_then.get(key)} == {}
    assert {key: (cases_then.get(key), value) for key, value in cases_now.items() if value != cases_then.get(key)} == {}
    assert cases_now.keys() == cases_then.keys() and tenants_now.keys() == tenants_then.keys()
