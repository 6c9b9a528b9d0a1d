"""Every write path of the dashboard leaves an audit entry: who, what, on which tenant or case, the outcome,
Debitura's status and the idempotency key. The list of write routes is checked against the URL map, so a
route added later without an audit check here fails this module."""

from __future__ import annotations

import io
import re
import time
import uuid

import pyotp

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator, Tenant
from dashboard.sandbox.models import WebhookSubscription
from dashboard.services import sessions, two_factor
from dashboard.services import uploads as upload_service
from tests.cases_support import case_form, make_tenant, module_env
from tests.integration.test_tenant_first_cases import client_form, first_case

# The action each write route records when it succeeds.
AUDITED = {
    "auth.login": "auth.login",
    "auth.logout": "auth.logout",
    "auth.two_factor": "auth.login",
    "auth.two_factor_setup": "auth.two_factor_enable",
    "auth.recovery_codes": "auth.recovery_codes",
    "auth.change_password": "auth.password_change",
    "auth.revoke_session": "auth.session_revoke",
    "admin.reset_two_factor": "operator.reset_two_factor",
    "tenants.new": "client.create",
    "tenants.reissue": "client.reissue_url",
    "tenants.refresh": "client.refresh",
    "tenants.withdraw": "client.withdraw",
    "tenants.drop_first_case": "client.first_case_dropped",
    "cases.submit": "case.submit",
    "cases.retry": "case.submit",
    "uploads.upload": "file.upload",
    "kyc.submit": "kyc.submit",
    "sync.start": "sync.start",
    "admin.invite": "operator.invite",
    "admin.change_role": "operator.role",
    "admin.deactivate": "operator.deactivate",
    "admin.reactivate": "operator.reactivate",
    "admin.reset_password": "operator.reset_password",
    "admin.create_webhook": "webhook.create",
    "admin.update_webhook_events": "webhook.events",
    "admin.disable_webhook": "webhook.disable",
    "admin.enable_webhook": "webhook.enable",
    "admin.rotate_webhook_secret": "webhook.rotate",
    "admin.send_test_event": "webhook.test",
    "admin.delete_webhook": "webhook.delete",
}
NOT_OPERATOR_ACTIONS = {
    "webhooks.receive": "Debitura's deliveries are stored as webhook events, not as anybody's action",
    "cases.resubmit": "copies a refused submission into a new local draft; it is audited when that draft is sent",
    "cases.create": "starts a local draft (its first preview is audited as pricing.preview); audited when it is sent",
    "tenants.correct_first_case": "copies a failed first case into a new local draft; audited when that draft is sent",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="admin")


class Trail:
    """Checks that a request added the expected entry, and remembers which routes were checked."""

    def __init__(self, app, admin_email: str):
        self.app = app
        self.admin_email = admin_email
        self.checked: set[str] = set()
        self.last_id = self._max_id()

    def _max_id(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0

    def expect(self, endpoint: str, response, *, outcome: str = "ok", operator: str | None = "admin", **fields) -> AuditEntry:
        assert response.status_code < 500, response.get_data(as_text=True)
        action = AUDITED[endpoint]
        with self.app.app_context():
            new = db.session.scalars(select(AuditEntry).where(AuditEntry.id > self.last_id).order_by(AuditEntry.id)).all()
            db.session.expunge_all()
        self.last_id = max([entry.id for entry in new] or [self.last_id])
        matching = [entry for entry in new if entry.action == action and entry.outcome == outcome]
        assert matching, f"{endpoint}: no {action}/{outcome} entry among {[(e.action, e.outcome) for e in new]}"
        entry = matching[-1]
        expected_operator = self.admin_email if operator == "admin" else operator
        assert entry.operator_email == expected_operator, endpoint
        for name, value in fields.items():
            assert getattr(entry, name) == value, f"{endpoint}: {name}={getattr(entry, name)!r}"
        self.checked.add(endpoint)
        return entry


def test_the_write_routes_listed_here_are_exactly_those_of_the_url_map(env):
    writes = {
        rule.endpoint
        for rule in env.app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and not rule.rule.startswith("/sandbox")
    }
    assert writes == set(AUDITED) | set(NOT_OPERATOR_ACTIONS)


def test_every_write_path_leaves_an_audit_entry(env):
    app, client, sandbox = env.app, env.client, env.sandbox
    with app.app_context():
        admin_email = db.session.scalar(select(Operator.email).where(Operator.role == "admin"))
    trail = Trail(app, admin_email)

    # Tenants: create, re-issue the URL, read again, withdraw.
    response = client.post(
        "/tenants/new",
        data={
            "external_tenant_id": "audit-acme",
            "name": "Audit Acme ApS",
            "country": "DK",
            "support_email": "support@audit-acme.example",
            "users-0-name": "Anna Berg",
            "users-0-email": "anna@audit-acme.example",
            "onboarding_user": "0",
        },
    )
    trail.expect("tenants.new", response, external_tenant_id="audit-acme", debitura_status=202)
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.external_tenant_id == "audit-acme"))
    trail.expect("tenants.reissue", client.post(f"/tenants/{tenant_id}/reissue"), external_tenant_id="audit-acme")
    trail.expect("tenants.refresh", client.post(f"/tenants/{tenant_id}/refresh"), external_tenant_id="audit-acme")
    trail.expect(
        "tenants.withdraw", client.post(f"/tenants/{tenant_id}/withdraw", data={"confirm": "yes"}),
        external_tenant_id="audit-acme", debitura_status=204,
    )

    # A first case nobody covers comes back failed with its client; dropping it is recorded.
    response = client.post("/tenants/new", data=client_form("audit-first", "anna@audit-first.example",
                                                             first_case("INV-AUDIT-1", "KP")))
    assert response.status_code < 500
    with app.app_context():
        first_id = db.session.scalar(select(Tenant.id).where(Tenant.external_tenant_id == "audit-first"))
    trail.expect("tenants.drop_first_case", client.post(f"/tenants/{first_id}/first-cases/0/drop"),
                 external_tenant_id="audit-first")

    # Cases: submit with the key minted for the form, then a submission that got no answer and its retry.
    ready_id, ready = make_tenant(app)
    key = client.post(f"/cases/new/{ready_id}").headers["Location"].rsplit("/", 1)[-1]
    form = case_form()
    client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    submitted = trail.expect(
        "cases.submit", client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"}),
        external_tenant_id=ready, idempotency_key=key, debitura_status=201,
    )
    case_id = submitted.case_id
    assert case_id

    stalled = client.post(f"/cases/new/{ready_id}").headers["Location"].rsplit("/", 1)[-1]
    form = case_form()
    client.post(f"/cases/submissions/{stalled}", data={**form, "action": "preview"})
    sandbox.faults.fail_next(1, "http_429", retry_after=120, path_prefix="/customer-api/cases")
    client.post(f"/cases/submissions/{stalled}", data={**form, "action": "submit"})
    trail.expect("cases.retry", client.post(f"/cases/submissions/{stalled}/retry"), idempotency_key=stalled)

    # A file for the case, KYC for the tenant.
    upload = client.post(
        f"/cases/{case_id}/files/new",
        data={"file": (io.BytesIO(b"%PDF-1.4 audit"), "invoice.pdf"), "idempotency_key": upload_service.new_key()},
        content_type="multipart/form-data",
    )
    trail.expect("uploads.upload", upload, case_id=case_id)
    kyc = client.post(
        f"/kyc/{ready_id}",
        data={
            "director_full_name": "Margaret Ellis",
            "director_home_address": "12 Elm Row, Edinburgh",
            "director_date_of_birth": "1971-04-09",
            "idempotency_key": f"kyc-{uuid.uuid4().hex[:8]}",
        },
    )
    trail.expect("kyc.submit", kyc, external_tenant_id=ready)

    # Sync, started by an admin and run to its end.
    trail.expect("sync.start", client.post("/sync/start"))
    for thread in app.extensions.get("sync_threads", {}).values():
        thread.join(timeout=30)

    # Operators.
    trail.expect("admin.invite", client.post("/admin/operators/invite", data={"email": "aud@partner.example", "role": "viewer"}))
    with app.app_context():
        other = db.session.scalar(select(Operator.id).where(Operator.email == "aud@partner.example"))
    trail.expect("admin.change_role", client.post(f"/admin/operators/{other}/role", data={"role": "operator"}))
    trail.expect("admin.deactivate", client.post(f"/admin/operators/{other}/deactivate"))
    trail.expect("admin.reactivate", client.post(f"/admin/operators/{other}/reactivate"))
    trail.expect("admin.reset_password", client.post(f"/admin/operators/{other}/password"))

    # Webhook subscriptions.
    trail.expect(
        "admin.create_webhook",
        client.post("/admin/webhooks/new", data={"url": "http://dashboard.test/webhooks/debitura", "events": ["case.created"]}),
        debitura_status=200,
    )
    with sandbox.session() as s:
        webhook_id = s.scalars(select(WebhookSubscription.id).order_by(WebhookSubscription.created_utc.desc())).first()
    trail.expect("admin.update_webhook_events", client.post(f"/admin/webhooks/{webhook_id}/events", data={"events": ["case.closed"]}))
    trail.expect("admin.disable_webhook", client.post(f"/admin/webhooks/{webhook_id}/disable"))
    trail.expect("admin.enable_webhook", client.post(f"/admin/webhooks/{webhook_id}/enable"))
    trail.expect("admin.rotate_webhook_secret", client.post(f"/admin/webhooks/{webhook_id}/rotate"))
    trail.expect(
        "admin.send_test_event",
        client.post("/admin/webhooks/test", data={"event_type": "case.closed", "case_id": case_id}),
        case_id=case_id,
    )
    trail.expect("admin.delete_webhook", client.post(f"/admin/webhooks/{webhook_id}/delete"), debitura_status=204)

    # Signing out and in again.
    trail.expect("auth.logout", client.post("/auth/logout"))
    from tests.conftest import PASSWORD

    trail.expect("auth.login", client.post("/auth/login", data={"email": admin_email, "password": PASSWORD}))

    # One's own sign-in: an authenticator app, new recovery codes, a new password, ending another session.
    setup_page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    totp = pyotp.TOTP(re.search(r'id="totp-key"[^>]*>([A-Z2-7 ]+)<', setup_page).group(1).replace(" ", ""))
    trail.expect("auth.two_factor_setup", client.post("/auth/two-factor/setup", data={"code": totp.now()}))
    trail.expect("auth.recovery_codes", client.post("/auth/two-factor/recovery-codes"))
    new_password = "a fresh passphrase of mine"
    trail.expect("auth.change_password", client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": new_password, "confirm_password": new_password}))
    with app.test_request_context():
        admin = db.session.scalar(select(Operator).where(Operator.email == admin_email))
        sessions.start(admin, method="password", remembered=False, user_agent="Firefox/140 (Windows)")
        elsewhere = sessions.open_sessions(admin.id)[0].id
    trail.expect("auth.revoke_session", client.post(f"/auth/sessions/{elsewhere}/revoke"))

    # An admin resets another operator's second factor.
    with app.test_request_context():
        colleague = db.session.get(Operator, other)
        secret = two_factor.new_secret()
        two_factor.enable(colleague, secret, pyotp.TOTP(secret).now(), actor=colleague)
    trail.expect("admin.reset_two_factor", client.post(f"/admin/operators/{other}/two-factor/reset"))

    # Signing in with both steps.
    trail.expect("auth.logout", client.post("/auth/logout"))
    assert client.post("/auth/login", data={"email": admin_email, "password": new_password}).headers["Location"] == "/auth/two-factor"
    trail.expect("auth.two_factor", client.post("/auth/two-factor", data={"code": totp.at(time.time() + 30)}))

    assert trail.checked == set(AUDITED)
