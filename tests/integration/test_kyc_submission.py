"""Director KYC for a tenant: validated here, sent to Debitura, and unblocking the tenant's refused cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, CaseSubmission, Tenant
from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from tests.cases_support import case_form, make_tenant, module_env, sandbox_case_count

TODAY = date.today()


def kyc_form(**overrides) -> dict[str, str]:
    data = {
        "director_full_name": "Margaret Ellis",
        "director_home_address": "12 Elm Row, Edinburgh EH7 4AA, United Kingdom",
        "director_date_of_birth": "1971-04-09",
        "send_chat_notification": "y",
        "idempotency_key": "kyc-test-key",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory)


def tenant_row(env, tenant_id: int) -> Tenant:
    with env.app.app_context():
        row = db.session.get(Tenant, tenant_id)
        db.session.expunge(row)
        return row


def kyc_at_debitura(env, tenant: str):
    with env.sandbox.session() as s:
        link = domain.active_link(s, tenant)
        record = domain.latest_kyc(s, link.creditor_id)
        return None if record is None else (record.director_full_name, record.director_date_of_birth, record.send_chat_notification)


def test_the_kyc_form_mints_a_key_and_shows_where_the_tenant_stands(env):
    tenant_id, _ = make_tenant(env.app, name="Highland Books Ltd")

    html = env.client.get(f"/kyc/{tenant_id}").get_data(as_text=True)

    assert "Director KYC for Highland Books Ltd" in html
    assert 'name="idempotency_key" type="hidden" value="kyc-' in html
    assert "Director&#39;s date of birth" in html


def test_submitting_kyc_records_it_at_debitura_and_on_the_tenant(env):
    tenant_id, tenant = make_tenant(env.app)
    with env.app.app_context():
        db.session.get(Tenant, tenant_id).kyc_blocked_cases = 2
        db.session.commit()

    response = env.client.post(f"/kyc/{tenant_id}", data=kyc_form(idempotency_key="kyc-record-1", send_chat_notification=None))

    assert response.status_code == 303
    assert kyc_at_debitura(env, tenant) == ("Margaret Ellis", date(1971, 4, 9), False)
    row = tenant_row(env, tenant_id)
    assert row.kyc_status == "pending" and row.kyc_submitted_at is not None and row.kyc_blocked_cases == 0
    with env.app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.idempotency_key == "kyc-record-1"))
        assert entry.action == "kyc.submit" and entry.outcome == "ok"
        assert "Margaret" not in entry.summary  # no personal data in the audit trail
    page = env.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "KYC submitted" in page


def test_a_double_submit_with_the_same_key_is_replayed_not_stored_twice(env):
    tenant_id, tenant = make_tenant(env.app)

    env.client.post(f"/kyc/{tenant_id}", data=kyc_form(idempotency_key="kyc-double"))
    env.client.post(f"/kyc/{tenant_id}", data=kyc_form(idempotency_key="kyc-double"))

    with env.sandbox.session() as s:
        link = domain.active_link(s, tenant)
        stored = s.scalars(
            select(sandbox_models.KycVerification).where(sandbox_models.KycVerification.creditor_id == link.creditor_id)
        ).all()
    assert len(stored) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"director_full_name": "   "}, "Enter the director&#39;s full name."),
        ({"director_full_name": "N" * 501}, "Director&#39;s full name can be at most 500 characters; this one has 501."),
        ({"director_home_address": ""}, "Enter the director&#39;s home address."),
        ({"director_home_address": "A" * 1001}, "Director&#39;s home address can be at most 1,000 characters; this one has 1,001."),
        ({"director_date_of_birth": ""}, "Enter the director&#39;s date of birth."),
        ({"director_date_of_birth": "09/04/1971"}, "Enter a date as YYYY-MM-DD."),
        ({"director_date_of_birth": (TODAY + timedelta(days=3)).isoformat()}, "The date of birth must be in the past."),
        ({"director_date_of_birth": (TODAY - timedelta(days=365 * 15)).isoformat()}, "A director must be an adult"),
        ({"director_date_of_birth": "1890-01-01"}, "older than 120"),
    ],
)
def test_each_kyc_rule_is_explained_and_the_input_kept(env, overrides, message):
    tenant_id, tenant = make_tenant(env.app)

    response = env.client.post(f"/kyc/{tenant_id}", data=kyc_form(**overrides))

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    if "director_full_name" not in overrides:
        assert 'value="Margaret Ellis"' in html
    assert kyc_at_debitura(env, tenant) is None


def test_a_client_debitura_does_not_know_is_explained_on_the_form(env):
    with env.app.app_context():
        stray = Tenant(external_tenant_id="never-created-at-debitura", company_name="Ghost Ltd")
        db.session.add(stray)
        db.session.commit()
        stray_id = stray.id

    response = env.client.post(f"/kyc/{stray_id}", data=kyc_form())

    assert response.status_code == 422
    assert "does not know this client" in response.get_data(as_text=True)


def test_from_an_htmx_form_success_opens_the_next_page_and_keeps_the_message_for_it(env):
    tenant_id, _ = make_tenant(env.app)

    response = env.client.post(f"/kyc/{tenant_id}", data=kyc_form(idempotency_key="kyc-htmx"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/kyc/{tenant_id}"
    assert response.get_data(as_text=True) == ""
    assert "KYC submitted" in env.client.get(f"/kyc/{tenant_id}").get_data(as_text=True)


def test_missing_kyc_then_kyc_then_a_new_submission_creates_the_case(env):
    tenant_id, tenant = make_tenant(env.app, poa_for=("GB",))
    key = env.client.post(f"/cases/new/{tenant_id}").headers["Location"].rsplit("/", 1)[-1]
    form = case_form(debtor_country="GB", currency_code="GBP")
    env.client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    env.client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})
    assert tenant_row(env, tenant_id).kyc_blocked_cases == 1
    assert "Tenants blocked by missing KYC" in env.client.get("/cases/pending").get_data(as_text=True)
    assert tenant_row(env, tenant_id).company_name in env.client.get("/kyc/").get_data(as_text=True)

    back = env.client.post(f"/kyc/{tenant_id}?submission={key}", data=kyc_form(idempotency_key="kyc-unblock"))
    assert back.headers["Location"] == f"/cases/submissions/{key}"
    fresh = env.client.post(f"/cases/submissions/{key}/copy").headers["Location"].rsplit("/", 1)[-1]
    env.client.post(f"/cases/submissions/{fresh}", data={**form, "action": "preview"})
    env.client.post(f"/cases/submissions/{fresh}", data={**form, "action": "submit"})

    with env.app.app_context():
        created = db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == fresh))
        assert created.status == "created" and created.retry_of == key
    assert sandbox_case_count(env.app, tenant) == 1
    assert tenant_row(env, tenant_id).kyc_blocked_cases == 0


def test_viewers_see_the_kyc_queue_but_cannot_submit(env):
    tenant_id, tenant = make_tenant(env.app)
    viewer = env.login_as("viewer")

    assert viewer.get("/kyc/").status_code == 200
    assert viewer.post(f"/kyc/{tenant_id}", data=kyc_form()).status_code == 403
    assert kyc_at_debitura(env, tenant) is None
