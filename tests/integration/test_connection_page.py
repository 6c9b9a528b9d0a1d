"""The connection page: environment and URLs, the API-key check (GET /me), last sync, token cache, rate-limit headroom."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from dashboard import crypto
from dashboard.debitura import DebituraClient, ReferralApi
from dashboard.extensions import db
from dashboard.models import AuditEntry, BearerToken, Operator, SyncRun
from dashboard.models.base import now_utc
from dashboard.sandbox.models import SandboxState
from dashboard.services import connection

HTMX = {"HX-Request": "true", "HX-Target": "key-check"}


def connection_entries(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "connection.check").order_by(AuditEntry.id))
        return [(row.outcome, row.debitura_status, row.summary) for row in rows]


def test_the_page_names_the_environment_and_every_base_url_but_never_the_key(app, client, operators):
    operators.login("admin")
    page = client.get("/admin/connection").get_data(as_text=True)
    for text in (
        "SANDBOX",
        "http://dashboard.test/sandbox/referral-api",
        "http://dashboard.test/sandbox/customer-api",
        "http://dashboard.test/sandbox/ui",
        "http://dashboard.test/webhooks/debitura",
        "configured; never shown",
    ):
        assert text in page
    assert app.config["DEBITURA_API_KEY"] not in page
    assert 'hx-get="/admin/connection/check" hx-trigger="load"' in page
    assert connection_entries(app) == []  # the check itself runs only when the panel loads


def test_the_key_check_panel_says_the_key_works_and_is_audited(app, client, operators):
    admin = operators.login("admin")
    response = client.get("/admin/connection/check", headers=HTMX)
    panel = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in panel and "HX-Request" in response.headers["Vary"]
    assert "works" in panel and "Debitura accepted the API key." in panel and "HTTP 200" in panel
    assert "not reported by Debitura" in panel
    assert connection_entries(app) == [("ok", 200, "GET /me: API key accepted")]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.operator_email).where(AuditEntry.action == "connection.check")) == admin


def test_without_javascript_the_check_renders_the_whole_page(client, operators):
    operators.login("admin")
    page = client.get("/admin/connection/check").get_data(as_text=True)
    assert "<html" in page and "Debitura accepted the API key." in page and "Bearer token cache" in page
    assert 'hx-trigger="load"' not in page


def test_rate_limit_headroom_is_shown_when_debitura_reports_it(client, operators, sandbox):
    with sandbox.session() as s:
        s.execute(update(SandboxState).values(rate_limit_enabled=True, rate_limit_per_minute=2000))
        s.commit()
    operators.login("admin")
    panel = client.get("/admin/connection/check", headers=HTMX).get_data(as_text=True)
    assert "calls left" in panel and "of 2000" in panel


def test_a_rejected_key_is_said_plainly_and_recorded_as_failed(app, sandbox, debitura, operators):
    operator_id, _ = operators.create("admin")
    session = requests.Session()
    sandbox.mount(session)
    wrong = ReferralApi(debitura.referral.base_url, "a-wrong-api-key-0000", session=session)
    with app.test_request_context("/"):
        actor = db.session.get(Operator, operator_id)
        check = connection.check_api_key(actor=actor, debitura=DebituraClient(wrong, debitura.customer, debitura.tokens))
    assert not check.ok and check.http_status == 401
    assert "Debitura rejected the API key (401)" in check.message
    assert connection_entries(app)[0][:2] == ("failed", 401)


def test_an_unreachable_debitura_is_a_failed_check_not_an_error_page(app, client, operators, sandbox):
    operators.login("admin")
    sandbox.faults.fail_next(1, "http_429", retry_after=120)
    response = client.get("/admin/connection/check", headers=HTMX)
    assert response.status_code == 200
    assert "fails" in response.get_data(as_text=True)
    assert "Debitura could not be asked (429)" in response.get_data(as_text=True)
    assert connection_entries(app)[0][:2] == ("failed", 429)


@pytest.mark.postgres
def test_last_sync_and_token_cache_are_counted_never_shown(app, client, operators):
    now = now_utc()
    with app.app_context():
        db.session.add_all(
            [
                SyncRun(status="succeeded", started_at=now - timedelta(hours=3), finished_at=now - timedelta(hours=3),
                        clients_seen=3, cases_seen=9),
                SyncRun(status="failed", started_at=now - timedelta(minutes=20), finished_at=now - timedelta(minutes=19),
                        clients_seen=120, cases_seen=0, message="Debitura answered 503 on page 2"),
                BearerToken(external_tenant_id="acme-1", ciphertext=crypto.encrypt("eyJ.token-one", purpose="bearer-token"),
                            expires_at=now + timedelta(minutes=20)),
                BearerToken(external_tenant_id="acme-2", ciphertext=crypto.encrypt("eyJ.token-two", purpose="bearer-token"),
                            expires_at=now - timedelta(minutes=1)),
            ]
        )
        db.session.commit()
        state = connection.token_cache_state(now)
        ciphertexts = db.session.scalars(select(BearerToken.ciphertext)).all()
    assert (state.tenants_with_token, state.expired) == (1, 1)
    operators.login("admin")
    page = client.get("/admin/connection").get_data(as_text=True)
    assert "120 clients, 0 cases" in page and "Debitura answered 503 on page 2" in page and "failed" in page
    assert "3 clients, 9 cases" not in page
    assert "token-one" not in page and all(ciphertext not in page for ciphertext in ciphertexts)


def test_an_empty_sync_history_is_said(client, operators):
    operators.login("admin")
    assert "No sync has run yet." in client.get("/admin/connection").get_data(as_text=True)
