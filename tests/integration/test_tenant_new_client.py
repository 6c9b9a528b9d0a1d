"""The new-client form: our validation first, then every answer of POST /clients shown plainly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Tenant
from dashboard.sandbox import models as sandbox_models
from tests.tenant_data import add_tenant, complete_onboarding

pytestmark = pytest.mark.shared_app

URL = "/tenants/new"


def form(tenant_id: str = "new-1", email: str = "anna@newco.example", **changes) -> dict[str, str]:
    data = {
        "external_tenant_id": tenant_id,
        "name": "NewCo ApS",
        "registration_number": "DK-777",
        "country": "DK",
        "address": "Main Street 1",
        "zip_code": "2100",
        "city": "Copenhagen",
        "support_email": email,
        "users-0-name": "Anna Berg",
        "users-0-email": email,
        "onboarding_user": "0",
    }
    data.update(changes)
    return data


def tenant(app, external_tenant_id: str) -> Tenant | None:
    with app.app_context():
        row = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == external_tenant_id))
        if row is not None:
            db.session.expunge(row)
        return row


@pytest.fixture
def operator(operators):
    operators.login("operator")


def test_the_form_is_for_operators(client, operators):
    operators.login("viewer")
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=form()).status_code == 403


def test_the_empty_form_has_every_field_labelled(client, operator):
    html = client.get(URL).get_data(as_text=True)

    for label in ("Tenant id (externalTenantId)", "Company name", "Country", "Support e-mail", "User 1 name", "User 1 e-mail",
                  "Who goes through onboarding?"):
        assert label in html


INVALID = [
    ({"external_tenant_id": ""}, "Enter the id your platform uses"),
    ({"external_tenant_id": " padded "}, "Remove the spaces"),
    ({"name": ""}, "Enter the company&#39;s legal name."),
    ({"country": "D"}, "Use a two-letter ISO code"),
    ({"support_email": "not-an-email"}, "Enter a valid e-mail address."),
    ({"users-0-name": "", "users-0-email": ""}, "Enter at least one user"),
    ({"users-0-email": ""}, "Enter this user&#39;s e-mail."),
    ({"users-1-name": "Half Filled"}, "Enter this user&#39;s e-mail."),
    ({"onboarding_user": "2"}, "Choose one of the users you filled in"),
]


def test_invalid_input_is_refused_with_a_field_message_and_kept(app, client, operator):
    for changes, message in INVALID:
        response = client.post(URL, data=form(**changes))

        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert message in html, changes
        assert 'value="Main Street 1"' in html, changes
    assert tenant(app, "new-1") is None  # nothing was sent


def test_an_invalid_htmx_submission_gets_the_form_fragment_back_with_422(client, operator):
    response = client.post(URL, data=form(country="D"), headers={"HX-Request": "true", "HX-Target": "new-client-form"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="new-client-form"') and "<html" not in html
    assert "Use a two-letter ISO code" in html and 'value="NewCo ApS"' in html


def test_a_new_client_gets_an_onboarding_url_and_lands_on_its_page(app, client, operator):
    response = client.post(URL, data=form())

    assert response.status_code == 303
    created = tenant(app, "new-1")
    assert response.headers["Location"].endswith(f"/tenants/{created.id}")
    assert created.state == "onboarding" and "/onboarding/companydetails/" in created.onboarding_url
    assert created.users[0]["isOnboardingUser"] is True
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A fresh onboarding URL is ready" in page and created.onboarding_url.split("?")[0] in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "client.create"))
        assert (entry.outcome, entry.debitura_status, entry.external_tenant_id) == ("ok", 202, "new-1")


def test_an_htmx_submission_navigates_with_hx_redirect(app, client, operator):
    response = client.post(URL, data=form(), headers={"HX-Request": "true", "HX-Target": "new-client-form"})

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/tenants/{tenant(app, 'new-1').id}"


def test_a_client_that_finished_onboarding_comes_back_ready_with_201(app, client, operator, sandbox):
    client.post(URL, data=form())
    complete_onboarding(sandbox, "new-1")

    response = client.post(URL, data=form(for_existing="y"), follow_redirects=True)

    assert "Debitura says the client is ready" in response.get_data(as_text=True)
    assert tenant(app, "new-1").state == "ready"
    with app.app_context():
        statuses = db.session.scalars(select(AuditEntry.debitura_status).where(AuditEntry.action == "client.create")).all()
    assert sorted(statuses) == [201, 202]


def test_an_existing_debitura_account_gets_an_approval_url(app, client, operator):
    response = client.post(URL, data=form("linkme", "ops@existing.example"), follow_redirects=True)

    html = response.get_data(as_text=True)
    row = tenant(app, "linkme")
    assert row.state == "approval_pending"
    assert "/ReferralPartner/Approve?token=" in row.approval_url
    assert "send the customer the approval URL" in html
    assert row.approval_url in html


HARD_CONFLICTS = [
    ("ops@other-partner.example", "Linked to another partner", "contact Debitura support"),
    ("ops@collector.example", "Invalid client type", "separate Debitura creditor account"),
]


def test_hard_conflicts_explain_what_to_do_and_keep_the_input(app, client, operator):
    for number, (email, state, advice) in enumerate(HARD_CONFLICTS):
        response = client.post(URL, data=form(f"blocked-{number}", email))

        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert state in html and advice in html
        assert f'value="{email}"' in html
        assert tenant(app, f"blocked-{number}") is not None  # recorded: the tenant id is ours even when Debitura says no


def test_the_same_customer_under_a_second_tenant_id_is_a_tenant_id_conflict(app, client, operator):
    client.post(URL, data=form("first", "shared@newco.example"))

    response = client.post(URL, data=form("second", "shared@newco.example"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tenant id conflict" in html and "use its tenant id" in html
    assert tenant(app, "second").state == "tenant_conflict"


def test_debituras_field_errors_are_put_on_the_fields(app, client, operator):
    response = client.post(URL, data=form(country="XX"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Unknown country" in html
    assert 'id="field-country"' in html and 'class="field field--invalid" id="field-country"' in html
    assert 'value="XX"' in html


def test_an_outage_keeps_the_input_and_says_nothing_changed(app, client, operator, sandbox):
    sandbox.faults.fail_next(1, "http_429", path_prefix="/referral-api/clients", retry_after=120)

    response = client.post(URL, data=form())

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # Debitura said how long to wait (retryAfter 120 s): the message says so.
    assert "Debitura is limiting how fast the dashboard may call it; nothing was changed. Try again in 2 min." in html
    assert 'value="anna@newco.example"' in html
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "client.create"))
        assert (entry.outcome, entry.debitura_status) == ("failed", 429)


def test_a_timeout_says_sending_again_is_safe_and_sending_again_creates_one_client(app, client, operator, sandbox):
    from tests.cases_support import without_backoff

    without_backoff(app)
    sandbox.faults.fail_next(3, "timeout_after", path_prefix="/referral-api/clients")  # Debitura acts, we hear nothing

    response = client.post(URL, data=form())

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "so it may or may not have created the client. Send the same details again" in html
    assert "Read again from Debitura" not in html  # there is no tenant page to read again from yet
    assert 'value="anna@newco.example"' in html
    sandbox.faults.clear()
    assert client.post(URL, data=form()).status_code == 303
    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(sandbox_models.ClientLink)
                        .where(sandbox_models.ClientLink.external_tenant_id == form()["external_tenant_id"])) == 1


def expired_tenant(app, external_tenant_id: str = "late"):
    with app.app_context():
        row = add_tenant(
            external_tenant_id, company="Late Co ApS", country="DK", support_email="billing@late.example",
            users=[{"email": "lo@late.example", "name": "Lo Late", "isOnboardingUser": True}],
            conflict_type="ClientExistsNeedsLinking", link_request_status="expired",
        )
        assert row.state == "expired"
        return row.id


def test_a_tenant_id_that_exists_is_named_and_nothing_is_sent_without_a_deliberate_tick(app, client, operator):
    tenant_id = expired_tenant(app)

    response = client.post(URL, data=form("late", "someone@else.example"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This tenant id already exists in the dashboard." in html
    assert "Tenant id late already exists" in html and f'href="/tenants/{tenant_id}"' in html and "Link expired" in html
    assert "Send these details for the existing tenant" in html
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "client.create")) is None
    row = tenant(app, "late")
    assert (row.state, row.support_email) == ("expired", "billing@late.example")


def test_a_refused_resend_for_an_existing_tenant_changes_nothing_and_links_the_tenant_debitura_names(
    app, client, operator
):
    client.post(URL, data=form("linked-one", "shared@newco.example"))
    tenant_id = expired_tenant(app)
    before = tenant(app, "late")

    response = client.post(URL, data=form("late", "shared@newco.example", for_existing="y"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tenant id conflict" in html and "Debitura has this company under tenant id" in html
    assert f'href="/tenants/{tenant(app, "linked-one").id}">linked-one</a>' in html
    assert "Nothing about the existing tenant was changed" in html and f'href="/tenants/{tenant_id}"' in html
    after = tenant(app, "late")
    assert after.state == "expired"
    assert (after.support_email, after.users, after.company_name, after.conflict_type, after.state_changed_at) == (
        before.support_email, before.users, before.company_name, before.conflict_type, before.state_changed_at)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.external_tenant_id == "late"))
        assert (entry.action, entry.outcome, entry.debitura_status) == ("client.create", "refused", 409)
    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    assert "Re-issue the approval URL" in page


def test_an_accepted_resend_for_an_existing_tenant_takes_the_new_details(app, client, operator):
    expired_tenant(app)

    response = client.post(URL, data=form("late", "fresh@late.example", for_existing="y"))

    assert response.status_code == 303
    row = tenant(app, "late")
    assert row.state == "onboarding" and row.support_email == "fresh@late.example"


def test_a_reissue_debitura_refuses_leaves_the_tenant_as_it_was_and_says_why(app, client, operator):
    client.post(URL, data=form("linked-one", "shared@newco.example"))
    with app.app_context():
        tenant_id = add_tenant(
            "late", company="Late Co ApS", country="DK", support_email="shared@newco.example",
            users=[{"email": "shared@newco.example", "name": "Lo Late", "isOnboardingUser": True}],
            conflict_type="ClientExistsNeedsLinking", link_request_status="expired",
        ).id

    page = client.post(f"/tenants/{tenant_id}/reissue", follow_redirects=True).get_data(as_text=True)

    assert "Debitura refused: Tenant id conflict." in page and "Nothing about this tenant was changed." in page
    assert tenant(app, "late").state == "expired"
    assert "Re-issue the approval URL" in page
