"""POST /webhooks/debitura: signatures, staleness, dedupe under concurrency, any order, unknown types."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Tenant, WebhookEvent, WebhookRejection
from dashboard.models.base import now_utc
from dashboard.services import webhook_receiver
from dashboard.services.webhook_secrets import accepted_secrets, store_secret
from tests.conftest import make_config
from tests.raw_body import app_client, raw

SECRET = base64.b64encode(b"k" * 32).decode()
OTHER_SECRET = base64.b64encode(b"z" * 32).decode()

pytestmark = [pytest.mark.postgres, pytest.mark.shared_app(DEBITURA_WEBHOOK_SECRET=SECRET)]

URL = "/webhooks/debitura"


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path, DEBITURA_WEBHOOK_SECRET=SECRET)


def signature(body: bytes, secret: str = SECRET, t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    digest = hmac.new(base64.b64decode(secret), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def envelope(event: str = "client.link_requested", *, event_id: str | None = None, timestamp: str | None = None,
             **data) -> bytes:
    body = {
        "id": event_id or str(uuid.uuid4()),
        "specVersion": "1.0",
        "event": event,
        "timestamp": timestamp or now_utc().isoformat(),
        "data": {"externalTenantId": "t-1", "creditor": {"id": "cred-1", "companyName": "Acme ApS", "isAttributed": False}, **data},
        "links": {"client": "https://api.example/clients/t-1"},
    }
    return json.dumps(body).encode()


def deliver(client, body: bytes, header: str | None = None, **headers):
    if header is not None:
        headers["X-Debitura-Signature"] = header
    return client.post(URL, data=body, headers=headers, content_type="application/json")


def count(app, model, *where) -> int:
    """Rows, or for refusals (counted per source and minute) the deliveries they count."""
    counted = func.sum(model.count) if model is WebhookRejection else func.count()
    with app.app_context():
        return db.session.scalar(select(counted).select_from(model).where(*where)) or 0


def tenant_state(app, external_tenant_id: str = "t-1") -> str | None:
    with app.app_context():
        return db.session.scalar(select(Tenant.state).where(Tenant.external_tenant_id == external_tenant_id))


def test_a_signed_delivery_is_stored_applied_and_acknowledged(app, client):
    body = envelope()

    response = deliver(client, body, signature(body))

    assert response.status_code == 200
    assert response.get_json() == {"received": True, "duplicate": False}
    assert count(app, WebhookEvent, WebhookEvent.outcome == "applied") == 1
    assert tenant_state(app) == "approval_pending"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing_signature"),
        ("t=123", "bad_signature"),
        ("v1=abcdef", "bad_signature"),
        ("garbage", "bad_signature"),
    ],
)
def test_a_delivery_without_a_usable_signature_gets_a_bare_401(app, client, header, reason):
    response = deliver(client, envelope(), header)

    assert response.status_code == 401
    assert response.data == b""
    assert count(app, WebhookEvent) == 0
    assert count(app, WebhookRejection, WebhookRejection.reason == reason) == 1


def test_a_forged_signature_is_refused_and_nothing_changes(app, client):
    body = envelope()

    response = deliver(client, body, signature(body, OTHER_SECRET))

    assert response.status_code == 401 and response.data == b""
    assert tenant_state(app) is None
    assert count(app, WebhookRejection, WebhookRejection.reason == "bad_signature") == 1


def test_a_tampered_body_fails_the_signature_of_the_original(client, app):
    original = envelope()
    tampered = original.replace(b"client.link_requested", b"client.linked")

    assert deliver(client, tampered, signature(original)).status_code == 401
    assert count(app, WebhookEvent) == 0


# 10 s past the 300 s tolerance: a loaded machine may cross a second or two between signing and checking.
@pytest.mark.parametrize("skew", [-310, 310, -3600])
def test_a_stale_or_future_timestamp_is_refused_even_with_a_valid_signature(app, client, skew):
    body = envelope()

    response = deliver(client, body, signature(body, t=int(time.time()) + skew))

    assert response.status_code == 401
    assert count(app, WebhookRejection, WebhookRejection.reason == "stale") == 1


def test_a_timestamp_within_five_minutes_is_accepted(client):
    body = envelope()

    assert deliver(client, body, signature(body, t=int(time.time()) - 290)).status_code == 200


def test_a_signed_body_that_is_not_an_envelope_is_refused_without_a_500(app, client):
    for body in (b"not json", b"[]", json.dumps({"event": "client.linked"}).encode()):
        assert deliver(client, body, signature(body)).status_code == 400
    assert count(app, WebhookRejection, WebhookRejection.reason == "malformed") == 3


def test_odd_data_inside_a_valid_envelope_is_recorded_not_crashed_on(app, client):
    body = json.dumps({"id": "odd-1", "event": "case.updated", "timestamp": "yesterday", "data": {"caseId": 42, "lifecycle": ["x"]}}).encode()

    response = deliver(client, body, signature(body))

    assert response.status_code == 200
    assert count(app, WebhookEvent, WebhookEvent.event_id == "odd-1") == 1


def test_a_redelivered_event_is_stored_once_and_counted(app, client):
    body = envelope(event_id="evt-1")

    first = deliver(client, body, signature(body))
    second = deliver(client, body, signature(body))

    assert first.get_json()["duplicate"] is False
    assert second.status_code == 200 and second.get_json()["duplicate"] is True
    with app.app_context():
        event = db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "evt-1"))
        assert event.duplicates == 1


def test_an_event_whose_apply_fails_is_kept_with_its_error_and_applied_on_redelivery(app, client, monkeypatch):
    body = envelope(event_id="evt-broken")
    real_apply = webhook_receiver.mirror_events.apply_event

    def broken_apply(*args, **kwargs):
        raise RuntimeError("the mirror could not take it")

    monkeypatch.setattr(webhook_receiver.mirror_events, "apply_event", broken_apply)
    first = deliver(client, body, signature(body))
    with app.app_context():
        event = db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "evt-broken"))
        assert (event.outcome, event.error) == ("failed", "RuntimeError: the mirror could not take it")
    assert first.status_code == 200 and tenant_state(app) is None

    monkeypatch.setattr(webhook_receiver.mirror_events, "apply_event", real_apply)
    second = deliver(client, body, signature(body))

    assert second.status_code == 200 and second.get_json()["duplicate"] is True
    with app.app_context():
        event = db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "evt-broken"))
        assert (event.outcome, event.error, event.duplicates) == ("applied", None, 1)
    assert tenant_state(app) == "approval_pending"


@pytest.mark.postgres
def test_concurrent_deliveries_of_one_event_store_it_exactly_once(app):
    body = envelope(event_id="evt-race")
    header = signature(body)
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def worker():
        client = app.test_client()
        barrier.wait()
        statuses.append(deliver(client, body, header).status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200] * 6
    assert count(app, WebhookEvent, WebhookEvent.event_id == "evt-race") == 1
    with app.app_context():
        assert db.session.scalar(select(WebhookEvent.duplicates).where(WebhookEvent.event_id == "evt-race")) == 5


def test_events_delivered_out_of_order_leave_the_newest_state(app, client):
    earlier = now_utc() - timedelta(hours=20)
    requested = envelope("client.link_requested", timestamp=earlier.isoformat())
    linked = envelope("client.linked", timestamp=(earlier + timedelta(hours=19)).isoformat())

    assert deliver(client, linked, signature(linked)).status_code == 200
    assert deliver(client, requested, signature(requested)).status_code == 200

    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == "t-1"))
        assert tenant.link_request_status == "approved"
        outcomes = dict(db.session.execute(select(WebhookEvent.event_type, WebhookEvent.outcome)).all())
    assert outcomes == {"client.linked": "applied", "client.link_requested": "stale"}


def test_unknown_event_types_are_kept_and_shown_in_the_log(app, client, operators):
    body = envelope("client.renamed")
    assert deliver(client, body, signature(body)).status_code == 200

    operators.login("viewer")
    page = client.get("/webhooks/deliveries").get_data(as_text=True)

    assert "client.renamed" in page
    assert "unknown event type" in page
    assert tenant_state(app) is None
    poll = re.search(r'hx-get="(/webhooks/deliveries\?since=[^"]+)"', page).group(1)
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    other = envelope("case.created", caseId="c-9", reference="R-9", lifecycle="Pending Verification")
    assert deliver(app.test_client(), other, signature(other)).status_code == 200  # Debitura has no session cookie
    fragment = client.get(poll, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="deliveries"') and "Case R-9 created in Pending Verification" in fragment


def test_test_deliveries_are_logged_but_never_change_the_mirror(app, client):
    body = envelope("client.linked")

    response = deliver(client, body, signature(body), **{"X-Debitura-Test": "true"})

    assert response.status_code == 200
    assert count(app, WebhookEvent, WebhookEvent.is_test.is_(True), WebhookEvent.outcome == "test") == 1
    assert tenant_state(app) is None


def test_a_rotated_secret_keeps_working_until_its_grace_period_ends(app):
    with app.app_context():
        store_secret(OTHER_SECRET)
        new = base64.b64encode(b"n" * 32).decode()
        store_secret(new, grace_seconds=3600)
        later = now_utc() + timedelta(minutes=30)
        much_later = now_utc() + timedelta(hours=2)

        def sent_with(secret, at):
            body = envelope()
            return webhook_receiver.receive(body, signature=signature(body, secret, int(at.timestamp())), now=at).status

        assert sent_with(OTHER_SECRET, later) == 200  # the old one, inside its grace
        assert sent_with(new, later) == 200
        assert sent_with(OTHER_SECRET, much_later) == 401  # grace over
        assert sent_with(new, much_later) == 200
        assert sent_with(SECRET, much_later) == 200  # the one from the environment


def test_storing_the_current_secret_again_keeps_the_grace_of_the_previous_one(app):
    with app.app_context():
        store_secret(OTHER_SECRET)
        new = base64.b64encode(b"m" * 32).decode()
        store_secret(new, grace_seconds=3600)
        store_secret(new, grace_seconds=1)
        assert base64.b64decode(OTHER_SECRET) in accepted_secrets(now_utc() + timedelta(minutes=30))


def test_stored_secrets_are_encrypted_at_rest(app):
    with app.app_context():
        row = store_secret(OTHER_SECRET)
        assert OTHER_SECRET not in row.ciphertext


def test_without_any_secret_every_delivery_is_refused(app_config, tmp_path):
    from dashboard import create_app
    from tests.conftest import prepare_databases

    bare = create_app({**app_config, "DEBITURA_WEBHOOK_SECRET": ""})
    prepare_databases(bare)
    body = envelope()

    response = bare.test_client().post(URL, data=body, headers={"X-Debitura-Signature": signature(body)})

    assert response.status_code == 401
    assert count(bare, WebhookRejection, WebhookRejection.reason == "no_secret") == 1


def test_the_sandbox_delivers_to_the_receiver_with_a_secret_we_stored(app, sandbox, debitura):
    with app.app_context():
        from dashboard.services.webhook_setup import ensure_sandbox_subscription

        assert "webhooks/debitura" in ensure_sandbox_subscription(app_client())
        assert ensure_sandbox_subscription(app_client()) is None  # already in place
    payload = {"externalTenantId": "t-real", "client": {"name": "Known Co", "country": "DK", "supportEmail": "ops@existing.example"},
               "users": [{"name": "Ola", "email": "ola@existing.example", "isOnboardingUser": True}]}
    with pytest.raises(Exception):
        debitura.referral.create_client(raw(payload))  # 409: the customer must approve a link

    assert sandbox.dispatch_pending() >= 1

    assert tenant_state(app, "t-real") == "approval_pending"
    assert count(app, WebhookRejection) == 0

