"""Webhook subscription admin, against the sandbox through the real client: create, edit events,
disable/enable, rotate the secret with a grace period, delete, test events, delivery health."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.authz import NotAllowed
from dashboard.extensions import db
from dashboard.models import AuditEntry, WebhookEvent, WebhookRejection
from dashboard.models.base import now_utc
from dashboard.sandbox.models import WebhookSubscription
from dashboard.services import webhook_admin
from dashboard.services.webhook_admin import WebhookAdminError
from dashboard.services.webhook_secrets import accepted_secrets
from tests.raw_body import app_client
from tests.tenant_data import create_client

RECEIVER = "http://dashboard.test/webhooks/debitura"


def subscriptions(sandbox) -> list[WebhookSubscription]:
    with sandbox.session() as s:
        rows = s.scalars(select(WebhookSubscription).order_by(WebhookSubscription.created_utc)).all()
        s.expunge_all()
        return rows


def accepted(app) -> list[bytes]:
    with app.app_context():
        return accepted_secrets()


def entries(app, prefix: str = "webhook.") -> list[AuditEntry]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%")).order_by(AuditEntry.id)
        ).all()
        db.session.expunge_all()
        return found


def create_through_the_page(client, **overrides):
    data = {"url": RECEIVER, "events": list(webhook_admin.EVENTS), **overrides}
    return client.post("/admin/webhooks/new", data=data)


def test_the_create_form_points_at_this_dashboards_receiver_with_every_event(client, operators):
    operators.login("admin")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert f'value="{RECEIVER}"' in page
    assert page.count('type="checkbox" value="') >= len(webhook_admin.EVENTS)
    assert "No subscription: Debitura sends this dashboard no events" in page


def test_creating_a_subscription_stores_its_secret_and_never_shows_it(app, client, operators, sandbox):
    admin = operators.login("admin")
    response = create_through_the_page(client)
    assert response.status_code == 303
    [subscription] = subscriptions(sandbox)
    assert subscription.url == RECEIVER and subscription.is_active
    assert base64.b64decode(subscription.secret) in accepted(app)

    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Subscription created. Its signing secret is stored" in page
    assert subscription.secret not in page
    assert "this dashboard" in page and "active" in page
    [created] = [entry for entry in entries(app) if entry.action == "webhook.create"]
    assert created.outcome == "ok" and created.operator_email == admin and created.debitura_status == 200
    assert "signing secret stored" in created.summary and subscription.secret not in created.summary


def test_a_test_event_reaches_the_receiver_signed_with_the_stored_secret(app, client, operators, sandbox, debitura):
    operators.login("admin")
    create_through_the_page(client)
    with app.app_context():
        create_client(debitura, "acme-1")
    sandbox.dispatch_pending()  # the link_requested/created events of the new client
    with app.app_context():
        before = db.session.query(WebhookEvent).count()

    response = client.post("/admin/webhooks/test", data={"event_type": "client.linked", "external_tenant_id": "acme-1"})
    assert response.status_code == 303
    assert "Test client.linked queued for 1 subscription(s)." in client.get("/admin/webhooks").get_data(as_text=True)
    assert sandbox.dispatch_pending() == 1
    with app.app_context():
        assert db.session.query(WebhookEvent).count() == before + 1
        assert db.session.query(WebhookRejection).count() == 0
    [entry] = [entry for entry in entries(app) if entry.action == "webhook.test"]
    assert entry.external_tenant_id == "acme-1" and entry.outcome == "ok"


def test_rotating_keeps_the_old_secret_accepted_for_the_grace_period(app, client, operators, sandbox):
    operators.login("admin")
    create_through_the_page(client)
    [old] = subscriptions(sandbox)
    response = client.post(f"/admin/webhooks/{old.id}/rotate")
    assert response.status_code == 303
    [new] = subscriptions(sandbox)
    assert new.secret != old.secret
    keys = accepted(app)
    assert base64.b64decode(new.secret) in keys and base64.b64decode(old.secret) in keys
    with app.app_context():
        later = accepted_secrets(now_utc() + timedelta(days=1, minutes=1))
    assert base64.b64decode(new.secret) in later and base64.b64decode(old.secret) not in later
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "New signing secret stored; the old one is still accepted for 1 d." in page
    assert new.secret not in page and old.secret not in page
    assert [entry.action for entry in entries(app)][-1] == "webhook.rotate"  # opening the page is no change


def test_disable_enable_edit_events_and_delete(app, client, operators, sandbox):
    operators.login("admin")
    create_through_the_page(client)
    [subscription] = subscriptions(sandbox)

    assert client.post(f"/admin/webhooks/{subscription.id}/disable").status_code == 303
    assert not subscriptions(sandbox)[0].is_active
    assert "Disabled by hand." in client.get("/admin/webhooks").get_data(as_text=True)
    assert client.post(f"/admin/webhooks/{subscription.id}/enable").status_code == 303
    assert subscriptions(sandbox)[0].is_active

    form = client.get(f"/admin/webhooks/{subscription.id}/events").get_data(as_text=True)
    assert form.count("checked") == len(webhook_admin.EVENTS)
    response = client.post(f"/admin/webhooks/{subscription.id}/events", data={"events": ["case.closed", "client.linked"]})
    assert response.status_code == 303
    assert subscriptions(sandbox)[0].events == ["client.linked", "case.closed"]
    refused = client.post(f"/admin/webhooks/{subscription.id}/events", data={})
    assert refused.status_code == 422 and "Choose at least one event." in refused.get_data(as_text=True)

    assert client.post(f"/admin/webhooks/{subscription.id}/delete").status_code == 303
    assert subscriptions(sandbox) == []
    actions = [entry.action for entry in entries(app)]
    assert actions == ["webhook.create", "webhook.disable", "webhook.enable", "webhook.events", "webhook.delete"]


def test_a_subscription_debitura_disabled_shows_why_and_can_be_enabled_again(app, client, operators, sandbox):
    operators.login("admin")
    create_through_the_page(client)
    with sandbox.session() as s:
        row = s.scalars(select(WebhookSubscription)).one()
        row.is_active, row.disabled_reason = False, "Exceeded maximum retry attempts (8 failures)"
        s.commit()
        subscription_id = row.id
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Exceeded maximum retry attempts (8 failures)" in page and "Enable</button>" in page
    client.post(f"/admin/webhooks/{subscription_id}/enable")
    [row] = subscriptions(sandbox)
    assert row.is_active and row.disabled_reason is None


INVALID_SUBSCRIPTIONS = [
    ({"url": "http://example.com/hook"}, "Debitura delivers only to https:// addresses."),
    ({"url": "not a url"}, "Enter a full address, starting with https://."),
    ({"events": []}, "Choose at least one event."),
]


def test_an_invalid_subscription_is_refused_with_the_input_kept(client, operators, sandbox):
    operators.login("admin")
    for data, message in INVALID_SUBSCRIPTIONS:
        response = create_through_the_page(client, **data)
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert message in page, data
        if data.get("url"):
            assert f'value="{data["url"]}"' in page
    assert subscriptions(sandbox) == []


def test_a_test_event_needs_a_real_case_or_client(client, operators):
    operators.login("admin")
    missing = client.post("/admin/webhooks/test", data={"event_type": "case.updated"})
    assert missing.status_code == 422
    assert "A case event needs the reference or id of one of your cases." in missing.get_data(as_text=True)
    unknown = client.post("/admin/webhooks/test", data={"event_type": "case.updated", "case_id": str(uuid.uuid4())})
    assert unknown.status_code == 422
    assert "Debitura knows no such case or linked client." in unknown.get_data(as_text=True)
    malformed = client.post("/admin/webhooks/test", data={"event_type": "case.closed", "case_id": "INV-1"})
    assert "No case with the reference INV-1 is known here" in malformed.get_data(as_text=True)


def test_test_events_are_refused_in_production_without_asking_debitura(app, operators):
    admin_id, _ = operators.create("admin")
    with app.test_request_context("/"):
        from dashboard.models import Operator

        actor = db.session.get(Operator, admin_id)
        app.config["DEBITURA_ENV"] = "production"
        with pytest.raises(WebhookAdminError, match="only in its test environment"):
            webhook_admin.send_test_event("client.linked", external_tenant_id="acme-1", actor=actor, debitura=app_client())
        app.config["DEBITURA_ENV"] = "sandbox"
    assert entries(app) == []


def test_only_admins_change_subscriptions(app, client, operators, sandbox):
    operator_id, _ = operators.create("operator")
    operators.login("admin")
    create_through_the_page(client)
    operators.logout()
    operators.login("operator")
    response = client.get("/admin/webhooks")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and RECEIVER not in page
    for control in ("Create subscription", "Rotate secret", "Disable</button>", "Send test event", "Edit events"):
        assert control not in page
    [subscription] = subscriptions(sandbox)
    assert client.post(f"/admin/webhooks/{subscription.id}/rotate").status_code == 403
    with app.test_request_context("/"):
        from dashboard.models import Operator

        with pytest.raises(NotAllowed):
            webhook_admin.rotate_secret(subscription.id, actor=db.session.get(Operator, operator_id), debitura=app_client())
    assert subscriptions(sandbox)[0].secret == subscription.secret


@pytest.mark.postgres
def test_delivery_health_counts_deliveries_failures_and_rejections(app, client, operators):
    now = now_utc()
    with app.app_context():
        db.session.add_all(
            [
                WebhookEvent(event_id="e-1", event_type="case.created", payload="{}", received_at=now - timedelta(hours=30)),
                WebhookEvent(event_id="e-2", event_type="case.updated", payload="{}", received_at=now - timedelta(hours=2)),
                WebhookEvent(event_id="e-3", event_type="case.closed", payload="{}", outcome="failed",
                             received_at=now - timedelta(minutes=5)),
                WebhookRejection(reason="bad_signature", received_at=now - timedelta(hours=1)),
                WebhookRejection(reason="bad_signature", received_at=now - timedelta(minutes=30)),
                WebhookRejection(reason="stale", received_at=now - timedelta(minutes=10)),
                WebhookRejection(reason="stale", received_at=now - timedelta(days=3)),
            ]
        )
        db.session.commit()
        health = webhook_admin.delivery_health(now)
    assert health.last_delivery_at == now - timedelta(minutes=5)
    assert (health.events_24h, health.failed_24h) == (2, 1)
    assert health.last_failure_at == now - timedelta(minutes=5)
    assert health.rejections_24h == {"bad_signature": 2, "stale": 1}
    assert health.last_rejection_at == now - timedelta(minutes=10)

    operators.login("admin")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "2 event(s) received" in page and "1 in the last 24 hours" in page
    assert "bad signature: 2" in page and "stale: 1" in page


def test_when_debitura_does_not_answer_the_page_still_shows_local_health(app, client, operators, sandbox):
    operators.login("admin")
    sandbox.faults.fail_next(1, "http_429", retry_after=120)
    response = client.get("/admin/webhooks")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The subscriptions could not be read: Debitura is limiting how fast" in page and "Try again in 2 min" in page
    assert "Delivery health" in page
    [failed] = [entry for entry in entries(app) if entry.outcome == "failed"]
    assert failed.action == "webhook.list" and failed.debitura_status == 429
