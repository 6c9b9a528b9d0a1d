"""No audit entry, log line or page ever holds the API key, a bearer token, a webhook secret or the session key.

The test sets recognisable credentials, drives the write paths and Debitura calls made on an
operator's behalf (successful and failing), reads every page the URL map offers, then scans
the audit table, the captured log output and every response for each credential.
"""

from __future__ import annotations

import base64
import logging

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, WebhookRejection
from dashboard.sandbox.models import WebhookSubscription
from dashboard.services import webhook_admin
from tests.conftest import make_config
from tests.tenant_data import create_client

API_KEY = "pk-RECOGNISABLE-api-key-7f3a9c"
WEBHOOK_SECRET = base64.b64encode(b"RECOGNISABLE-webhook-secret-32by").decode()
SESSION_KEY = "RECOGNISABLE-session-key-0123456789abcdef"


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(
        database_url, tmp_path, DEBITURA_API_KEY=API_KEY, DEBITURA_WEBHOOK_SECRET=WEBHOOK_SECRET, SECRET_KEY=SESSION_KEY
    )


class Pages:
    """Every response body and header seen during the test."""

    def __init__(self, client):
        self.client = client
        self.seen: list[str] = []

    def __call__(self, method: str, path: str, **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        self.seen.append(f"{method} {path} {response.status_code}\n{response.headers}\n{response.get_data().decode('utf-8', 'replace')}")  # the icon is binary
        return response


def pages_without_arguments(app) -> list[str]:
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
        }
    )


def test_no_credential_appears_in_the_audit_trail_the_logs_or_any_page(app, client, operators, sandbox, debitura, caplog):
    caplog.set_level(logging.DEBUG)
    open_page = Pages(client)
    operators.login("admin")

    # Webhook subscriptions: create (secret returned), rotate (a new one), test event, a failing call.
    assert open_page("POST", "/admin/webhooks/new", data={"url": "http://dashboard.test/webhooks/debitura",
                                                          "events": list(webhook_admin.EVENTS)}).status_code == 303
    with sandbox.session() as s:
        subscription = s.scalars(select(WebhookSubscription)).one()
        first_secret, subscription_id = subscription.secret, subscription.id
    assert open_page("POST", f"/admin/webhooks/{subscription_id}/rotate").status_code == 303
    with sandbox.session() as s:
        second_secret = s.get(WebhookSubscription, subscription_id).secret
    with app.app_context():
        create_client(debitura, "leak-check")
        token = debitura.tokens.token_for("leak-check")
    open_page("POST", "/admin/webhooks/test", data={"event_type": "client.linked", "external_tenant_id": "leak-check"})
    sandbox.dispatch_pending()
    sandbox.faults.fail_next(1, "http_429", retry_after=120)
    open_page("GET", "/admin/webhooks")
    # A forged delivery is refused and counted.
    open_page("POST", "/webhooks/debitura", data=b"{}", headers={"X-Debitura-Signature": "t=1,v1=00"},
              content_type="application/json")

    # Operators, the key check, sign-in failures and a throttled sign-in.
    open_page("POST", "/admin/operators/invite", data={"email": "leak@partner.example", "role": "operator"})
    open_page("GET", "/admin/connection/check", headers={"HX-Request": "true", "HX-Target": "key-check"})
    operators.logout()
    for _ in range(6):
        open_page("POST", "/auth/login", data={"email": "leak@partner.example", "password": API_KEY})
    operators.login("admin")

    for path in pages_without_arguments(app):
        open_page("GET", path)
        open_page("GET", path, headers={"HX-Request": "true"})
    open_page("GET", "/audit/export.csv")

    credentials = {
        "API key": API_KEY,
        "webhook secret (environment)": WEBHOOK_SECRET,
        "webhook secret (created)": first_secret,
        "webhook secret (rotated)": second_secret,
        "bearer token": token,
        "session key": SESSION_KEY,
    }
    with app.app_context():
        audit_text = "\n".join(
            " ".join(str(value) for value in row)
            for row in db.session.execute(select(AuditEntry.__table__)).all()
        )
        assert db.session.query(WebhookRejection).count() >= 1
        assert db.session.query(AuditEntry).count() >= 10
    assert "webhook.create" in audit_text and "webhook.rotate" in audit_text and "connection.check" in audit_text
    assert len(open_page.seen) > 2 * len(pages_without_arguments(app))
    for name, value in credentials.items():
        assert value and len(value) >= 16, name
        assert value not in audit_text, f"the {name} is in the audit trail"
        assert value not in caplog.text, f"the {name} is in the logs"
        for page in open_page.seen:
            assert value not in page, f"the {name} is on {page.splitlines()[0]}"
