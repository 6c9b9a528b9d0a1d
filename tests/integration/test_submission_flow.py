"""Manual case submission through the real views, the real client and the sandbox."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dashboard.debitura import jsonwire
from dashboard.extensions import db
from dashboard.models import AuditEntry, Case, CaseSubmission, Tenant
from dashboard.models.base import now_utc
from dashboard.sandbox import domain as sandbox_domain
from dashboard.services import submissions
from tests.cases_support import (
    TODAY,
    case_form,
    make_tenant,
    module_env,
    sandbox_case_count,
)
from tests.raw_body import raw

pytestmark = pytest.mark.postgres


def start_draft(client, tenant_id: int) -> str:
    response = client.post(f"/cases/new/{tenant_id}")
    assert response.status_code == 303
    key = response.headers["Location"].rsplit("/", 1)[-1]
    assert key.startswith("case-")
    return key


def preview(client, key: str, **overrides):
    return client.post(f"/cases/submissions/{key}", data={**case_form(**overrides), "action": "preview"})


def submit(client, key: str, form: dict):
    return client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})


def mirrored_cases(app, tenant_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case).where(Case.tenant_id == tenant_id))


def submission(app, key: str) -> CaseSubmission:
    with app.app_context():
        row = db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == key))
        db.session.expunge(row)
        return row


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory)


@pytest.fixture
def app(env):
    """Most tests here share one app and one signed-in operator (see module_env); each makes its own tenant."""
    yield env.app
    env.sandbox.faults.clear()


@pytest.fixture
def client(env):
    return env.client


@pytest.fixture
def sandbox(env):
    return env.sandbox


@pytest.fixture
def debitura(env):
    return env.debitura


@pytest.fixture
def ready(app):
    return make_tenant(app)


def drafts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseSubmission))


def test_opening_the_new_case_form_writes_nothing(app, client, ready):
    tenant_id, _ = ready
    before = drafts(app)

    pages = [client.get(f"/cases/new/{tenant_id}") for _ in range(3)]

    assert [page.status_code for page in pages] == [200, 200, 200]
    html = pages[0].get_data(as_text=True)
    assert f'action="/cases/new/{tenant_id}"' in html and 'name="idempotency_key" type="hidden" value=""' in html
    assert "Preview pricing" in html and "Submit case to Debitura" not in html
    assert drafts(app) == before


def test_the_first_preview_is_a_post_that_creates_the_draft_and_mints_its_key(app, client, ready):
    tenant_id, tenant = ready
    before = drafts(app)
    form = case_form(creditor_reference="INV-FIRST-POST")

    response = client.post(f"/cases/new/{tenant_id}", data={**form, "action": "preview"}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and drafts(app) == before + 1
    key = response.headers["HX-Push-Url"].rsplit("/", 1)[-1]
    row = submission(app, key)
    assert key.startswith("case-") and row.status == "draft" and row.previewed_payload is not None
    html = response.get_data(as_text=True)
    assert f'name="idempotency_key" type="hidden" value="{key}"' in html and f'action="/cases/submissions/{key}"' in html
    assert "Total success fee" in html and "Submit case to Debitura" in html
    assert submit(client, key, form).status_code == 303
    assert submission(app, key).status == "created" and sandbox_case_count(app, tenant) == 1


def test_a_first_post_with_errors_keeps_the_input_and_creates_no_draft(app, client, ready):
    tenant_id, _ = ready
    before = drafts(app)

    response = client.post(f"/cases/new/{tenant_id}", data={**case_form(debtor_name="Kept Ltd", amount_to_recover="0"),
                                                             "action": "preview"})

    assert response.status_code == 422 and drafts(app) == before
    html = response.get_data(as_text=True)
    assert "The amount must be more than 0." in html and 'value="Kept Ltd"' in html


def test_a_bare_post_starts_a_draft_and_opens_it(app, client, ready):
    tenant_id, _ = ready
    key = start_draft(client, tenant_id)

    html = client.get(f"/cases/submissions/{key}").get_data(as_text=True)

    assert f'name="idempotency_key" type="hidden" value="{key}"' in html
    assert submission(app, key).status == "draft"


def test_the_preview_prices_the_typed_case_without_creating_it(app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)

    response = preview(client, key)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Total success fee" in html and "Pricing source" in html and "Eligible" in html
    assert "Submit case to Debitura" in html
    assert 'value="5000.00"' in html  # the input stays in the form
    assert sandbox_case_count(app, tenant) == 0
    assert submission(app, key).previewed_payload is not None


def test_the_in_form_preview_lists_the_steps_of_this_client_only(app, client, ready):
    tenant_id, _ = ready  # onboarded, PoA for Danish debtors signed
    key = start_draft(client, tenant_id)

    html = preview(client, key).get_data(as_text=True)

    assert "Steps this client must still take" in html and "None: everything this partner needs is signed" in html
    assert "power of attorney" not in html and "Debt Collection Agreement" not in html
    assert "Nothing is missing: submitting creates the case straight away." in html
    gb = preview(client, key, debtor_country="GB", currency_code="GBP").get_data(as_text=True)
    assert "Sign the power of attorney for the collection partner" in gb and "Submit the director&#39;s KYC" in gb
    assert "Debitura will refuse this case until the director's KYC is submitted" in gb
    assert "KYC status: not required" not in gb


def test_submitting_after_the_preview_creates_one_case_and_mirrors_it(app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    form = case_form(creditor_reference="INV-1001")
    preview(client, key, creditor_reference="INV-1001")

    response = submit(client, key, form)

    assert response.status_code == 303
    row = submission(app, key)
    assert row.status == "created" and row.case_id and row.lifecycle == "Pending Verification Internal"
    assert sandbox_case_count(app, tenant) == 1
    with app.app_context():
        case = db.session.get(Case, row.case_id)
        assert case.tenant_id == tenant_id and case.creditor_reference == "INV-1001"
        assert case.gross_amount == Decimal("5000.00") and case.currency == "EUR"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.submit", AuditEntry.case_id == row.case_id))
        assert entry.outcome == "ok" and entry.idempotency_key == key and entry.case_id == row.case_id
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert "Case created" in page and row.case_reference in page


def test_a_second_submit_with_the_same_key_sends_nothing(app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    form = case_form()
    preview(client, key, **{name: form[name] for name in ("creditor_reference",)})
    assert submit(client, key, form).status_code == 303

    again = submit(client, key, form)

    assert again.status_code == 200
    assert "already sent; nothing was sent again" in again.get_data(as_text=True)
    assert sandbox_case_count(app, tenant) == 1


def test_values_changed_after_the_preview_are_priced_again_before_anything_is_sent(app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    form = case_form()
    preview(client, key, creditor_reference=form["creditor_reference"])

    response = submit(client, key, {**form, "amount_to_recover": "7000.00"})

    assert response.status_code == 200
    assert "The values changed since the last preview" in response.get_data(as_text=True)
    assert sandbox_case_count(app, tenant) == 0
    assert submission(app, key).status == "draft"


def test_a_lost_answer_retried_by_the_client_itself_still_makes_one_case(app, client, sandbox, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    form = case_form()
    preview(client, key, creditor_reference=form["creditor_reference"])
    sandbox.faults.fail_next(1, "timeout_after", path_prefix="/customer-api/cases")

    client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})

    assert submission(app, key).status == "created"
    assert sandbox_case_count(app, tenant) == 1
    assert mirrored_cases(app, tenant_id) == 1


def test_an_abandoned_send_can_be_taken_over_by_a_retry_after_a_while(app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    with app.app_context():
        row = db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == key))
        row.status, row.sending_since = "sending", now_utc() - submissions.STALE_SENDING * 2
        row.payload = jsonwire.dumps(
            {"currencyCode": "EUR", "amountToRecover": 10, "date": "2024-01-02T00:00:00Z",
             "debtor": {"type": "Company", "name": "Abandoned Ltd", "countryAlpha2": "DK"}}
        )
        db.session.commit()

    client.post(f"/cases/submissions/{key}/retry")

    assert submission(app, key).status == "created"
    assert sandbox_case_count(app, tenant) == 1


def test_a_pending_case_shows_its_signing_url_at_once(app, client):
    tenant_id, tenant = make_tenant(app, onboard=False)
    key = start_draft(client, tenant_id)
    form = case_form(return_url="https://app.partner.example/cases?from=debitura")
    preview(client, key, creditor_reference=form["creditor_reference"], return_url=form["return_url"])

    submit(client, key, form)

    row = submission(app, key)
    assert row.status == "created" and row.lifecycle == "Pending contract signing"
    assert "/Signing/PendingContracts" in row.signing_url and "returnUrl=" in row.signing_url
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert row.signing_url.replace("&", "&amp;") in page
    assert 'aria-label="Copy Signing URL"' in page and "Copy message" in page


def test_a_refusal_is_explained_with_its_copyable_solution_url(app, client):
    tenant_id, tenant = make_tenant(app, onboard=False)
    key = start_draft(client, tenant_id)
    form = case_form(allow_pending_contracts=None)
    preview(client, key, creditor_reference=form["creditor_reference"], allow_pending_contracts=None)

    submit(client, key, form)

    row = submission(app, key)
    assert row.status == "rejected"
    assert "MissingDebtCollectionContract" in row.error_types
    solution = next(error["solution_url"] for error in row.business_errors if error["solution_url"])
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert "Debitura refused the case" in page and solution.replace("&", "&amp;") in page
    assert "Submit again with these details" in page
    assert sandbox_case_count(app, tenant) == 0

    fresh = client.post(f"/cases/submissions/{key}/copy")
    new_key = fresh.headers["Location"].rsplit("/", 1)[-1]
    assert new_key != key
    copy = submission(app, new_key)
    assert copy.status == "draft" and copy.form_data["creditor_reference"] == form["creditor_reference"]


def test_missing_kyc_is_counted_on_the_tenant_and_points_to_the_kyc_form(app, client):
    tenant_id, tenant = make_tenant(app, poa_for=("GB",))
    key = start_draft(client, tenant_id)
    form = case_form(debtor_country="GB", currency_code="GBP")
    preview(client, key, creditor_reference=form["creditor_reference"], debtor_country="GB", currency_code="GBP")

    submit(client, key, form)

    row = submission(app, key)
    assert row.status == "rejected" and row.error_types == ["MissingKycVerification"]
    with app.app_context():
        blocked = db.session.get(Tenant, tenant_id)
        assert blocked.kyc_blocked_cases == 1 and blocked.kyc_status == "pending"
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert f"/kyc/{tenant_id}?submission={key}" in page
    assert sandbox_case_count(app, tenant) == 0


def test_a_blocked_creditor_is_explained_as_a_block_only_debitura_support_lifts(app, client, sandbox):
    tenant_id, tenant = make_tenant(app)
    with sandbox.session() as s:
        sandbox_domain.set_creditor_blocked(s, tenant)
    key = start_draft(client, tenant_id)
    form = case_form()
    preview(client, key, creditor_reference=form["creditor_reference"])

    submit(client, key, form)

    row = submission(app, key)
    assert row.status == "rejected" and row.error_types == ["CreditorBlocked"]
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert "Debitura refused the case" in page
    assert "account: no case can be submitted" in page and "until Debitura support lifts the block" in page
    assert sandbox_case_count(app, tenant) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"invoice_date": (TODAY + timedelta(days=1)).isoformat()}, "The invoice date cannot be in the future"),
        ({"due_date": (TODAY + timedelta(days=2)).isoformat()}, "The due date cannot be in the future"),
        (
            {"invoice_date": (TODAY - timedelta(days=5)).isoformat(), "due_date": (TODAY - timedelta(days=9)).isoformat()},
            "The due date cannot be before the invoice date.",
        ),
        ({"amount_to_recover": "0"}, "The amount must be more than 0."),
        ({"amount_to_recover": "1.005"}, "EUR has 2 decimals: use at most 2, e.g. 1250.00."),
        ({"amount_to_recover": "1,250"}, "“1,250” could be 1250 or 1.250"),
        ({"amount_to_recover": "12.34.5"}, "“12.34.5” is not an amount."),
        ({"amount_to_recover": "1000.50", "currency_code": "JPY"}, "JPY has no decimals: type a whole number, e.g. 1250."),
        ({"amount_to_recover": ""}, "Enter the total principal amount to recover."),
        ({"currency_code": "EURO"}, "Choose the currency of the claim"),
        ({"debtor_type": "Robot"}, "company or a private person"),
        ({"debtor_name": "  "}, "Enter the debtor&#39;s legal name"),
        ({"debtor_country": "XX"}, "Choose the debtor&#39;s country."),
        ({"debtor_country": "US"}, "Choose the US state"),
        ({"debtor_email": "billing-at-debtor"}, "Enter a valid e-mail address"),
        ({"return_url": "ftp://files.partner.example/done"}, "Enter a full address starting with https://"),
        ({"creditor_reference": "R" * 51}, "Creditor reference can be at most 50 characters; this one has 51."),
    ],
)
def test_every_field_rule_is_explained_next_to_the_field_and_keeps_the_input(app, client, ready, overrides, message):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)

    response = preview(client, key, **{"debtor_name": "Keep Me Trading Ltd", **overrides})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'class="error"' in html
    if "debtor_name" not in overrides:
        assert 'value="Keep Me Trading Ltd"' in html
    assert sandbox_case_count(app, tenant) == 0
    assert submission(app, key).form_data["debtor_city"] == "Munich"  # kept for a reload, too


def sent_amount(app, key: str) -> str:
    """The amountToRecover as it went to Debitura, digit for digit."""
    return str(jsonwire.loads(submission(app, key).payload)["amountToRecover"])


@pytest.mark.parametrize(("typed", "shown", "sent"), [("1234,56", "EUR 1,234.56", "1234.56"), ("1.234,56", "EUR 1,234.56", "1234.56"),
                                                      ("1,234.56", "EUR 1,234.56", "1234.56")])
def test_a_decimal_comma_or_thousands_separators_keep_the_amounts_magnitude(app, client, ready, typed, shown, sent):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)

    form = case_form(amount_to_recover=typed)
    html = client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"}).get_data(as_text=True)

    assert shown in html and "123,456" not in html and "1.23456" not in html
    assert f'value="{typed}"' in html  # shown again as typed
    assert submit(client, key, form).status_code == 303
    assert sent_amount(app, key) == sent
    with app.app_context():
        assert db.session.get(Case, submission(app, key).case_id).gross_amount == Decimal(sent)


def test_a_kwd_amount_keeps_its_three_decimals_from_the_form_to_the_case_page(app, client, ready):
    tenant_id, _ = ready
    key = start_draft(client, tenant_id)

    form = case_form(amount_to_recover="1234.567", currency_code="KWD")
    html = client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"}).get_data(as_text=True)

    assert "KWD 1,234.567" in html and 'class="error"' not in html
    submit(client, key, form)
    assert sent_amount(app, key) == "1234.567"
    case_id = submission(app, key).case_id
    with app.app_context():
        assert db.session.get(Case, case_id).gross_amount == Decimal("1234.567")
    assert "KWD 1,234.567" in client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_a_jpy_amount_and_its_fee_are_whole_yen(app, client, ready):
    tenant_id, _ = ready
    key = start_draft(client, tenant_id)

    html = preview(client, key, amount_to_recover="1700", currency_code="JPY").get_data(as_text=True)

    fee = re.search(r"<dt>Fee if all is collected</dt><dd>(JPY [^<]+)</dd>", html).group(1)
    assert re.fullmatch(r"JPY \d[\d,]*", fee), fee
    assert "JPY 1,700" in html and "JPY 1,700.00" not in html


def test_a_creditor_reference_the_tenant_already_used_is_refused_before_sending(app, client, ready):
    tenant_id, _ = ready
    first = start_draft(client, tenant_id)
    form = case_form(creditor_reference="INV-77")
    preview(client, first, creditor_reference="INV-77")
    submit(client, first, form)
    second = start_draft(client, tenant_id)

    response = preview(client, second, creditor_reference="INV-77")

    assert response.status_code == 422
    assert "already uses this reference" in response.get_data(as_text=True)


def test_debituras_own_field_errors_land_on_the_fields_and_the_key_stays_usable(app, client, debitura, ready):
    tenant_id, tenant = ready
    # A case made outside the dashboard: the mirror does not know its reference, Debitura does.
    with app.test_request_context():
        debitura.create_case(tenant, raw({**_wire_case(), "creditorReference": "EXT-1"}))
    key = start_draft(client, tenant_id)
    form = case_form(creditor_reference="EXT-1")
    preview(client, key, creditor_reference="EXT-1")

    response = submit(client, key, form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Debitura: DuplicateReference" in html
    assert 'value="EXT-1"' in html
    assert submission(app, key).status == "draft"  # a 400 is not stored by Debitura: fix and resend with the same key
    fixed = case_form(creditor_reference="EXT-2")
    preview(client, key, creditor_reference="EXT-2")
    assert submit(client, key, fixed).status_code == 303
    assert submission(app, key).status == "created"
    assert sandbox_case_count(app, tenant) == 2


def _wire_case() -> dict:
    return {
        "currencyCode": "EUR",
        "amountToRecover": 100,
        "date": TODAY.isoformat(),
        "debtor": {"type": "Company", "name": "Other Debtor", "countryAlpha2": "DK"},
    }


def test_htmx_gets_only_the_submission_panel_and_invalid_input_answers_422(app, client, ready):
    tenant_id, _ = ready
    key = start_draft(client, tenant_id)

    ok = client.post(f"/cases/submissions/{key}", data={**case_form(), "action": "preview"}, headers={"HX-Request": "true"})
    bad = client.post(
        f"/cases/submissions/{key}", data={**case_form(amount_to_recover="-3"), "action": "preview"}, headers={"HX-Request": "true"}
    )

    assert ok.status_code == 200 and "<html" not in ok.get_data(as_text=True)
    assert "Total success fee" in ok.get_data(as_text=True)
    assert "HX-Request" in ok.headers["Vary"]
    assert bad.status_code == 422 and "The amount must be more than 0." in bad.get_data(as_text=True)
    assert "<html" not in bad.get_data(as_text=True)


def test_viewers_cannot_start_or_send_a_case(env, app, client, ready):
    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    viewer = env.login_as("viewer")

    assert viewer.get(f"/cases/new/{tenant_id}").status_code == 403
    assert viewer.post(f"/cases/submissions/{key}", data={**case_form(), "action": "submit"}).status_code == 403
    assert viewer.post(f"/cases/submissions/{key}/retry").status_code == 403
    assert sandbox_case_count(app, tenant) == 0


def test_an_unknown_submission_key_is_not_found(client):
    assert client.get("/cases/submissions/case-nope").status_code == 404


def unlinked_tenants(app) -> dict[str, int]:
    """Mirror rows for tenants Debitura takes no case for, by state."""
    from tests.tenant_data import add_tenant

    with app.app_context():
        rows = {
            "declined": add_tenant("nolink-declined", company="Declined Dairy ApS", link_request_status="declined",
                                   conflict_type="ClientExistsNeedsLinking"),
            "approval_pending": add_tenant("nolink-pending", company="Pending Pottery ApS", link_request_status="pending",
                                           conflict_type="ClientExistsNeedsLinking",
                                           approval_expires_at=now_utc() + timedelta(days=3)),
            "other_partner": add_tenant("nolink-other", company="Elsewhere Electric ApS",
                                        conflict_type="AlreadyLinkedToAnotherPartner"),
        }
        assert {code: row.state for code, row in rows.items()} == {code: code for code in rows}
        return {code: row.id for code, row in rows.items()}


def test_the_chooser_offers_only_tenants_that_can_take_a_case_and_says_how_many_it_left_out(app, client, ready):
    unlinked = unlinked_tenants(app)
    tenant_id, _ = ready

    html = client.get("/cases/new").get_data(as_text=True)

    assert f'<option value="{tenant_id}">' in html
    for row_id in unlinked.values():
        assert f'<option value="{row_id}">' not in html
    assert "without an active link (declined, awaiting approval" in html and "are not offered" in html


@pytest.mark.parametrize("state", ["declined", "approval_pending", "other_partner"])
def test_a_tenant_without_an_active_link_gets_no_form_and_one_clear_answer(app, client, state):
    with app.app_context():
        db.session.query(Tenant).filter(Tenant.external_tenant_id.like("nolink-%")).delete(synchronize_session=False)
        db.session.commit()
    row_id = unlinked_tenants(app)[state]
    before = drafts(app)

    html = client.get(f"/cases/new/{row_id}").get_data(as_text=True)
    refused = client.post(f"/cases/new/{row_id}", data={**case_form(), "action": "preview"})

    assert "No case can be submitted for this client" in html and "Next step:" in html
    assert "can be submitted all the same" not in html and "Cases can still be submitted" not in html
    assert "Preview pricing" not in html and 'name="amount_to_recover"' not in html
    assert refused.status_code == 422 and "No case can be submitted for this client" in refused.get_data(as_text=True)
    assert client.post(f"/cases/new/{row_id}").status_code == 422
    assert drafts(app) == before


def test_a_link_gone_at_debitura_is_named_as_the_refusal_not_reported_as_no_answer(app, client, sandbox, ready):
    from tests.tenant_data import withdraw_at_debitura

    tenant_id, tenant = ready
    key = start_draft(client, tenant_id)
    form = case_form()
    preview_response = client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    assert preview_response.status_code == 200
    withdraw_at_debitura(sandbox, tenant)  # the mirror still says Ready

    submit(client, key, form)

    row = submission(app, key)
    assert row.status == "rejected" and row.business_errors[0]["type"] == "NoActiveClientLink"
    html = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert "Debitura refused the case" in html and "No active client link" in html
    assert "Debitura has no active link for this client" in html and "Nothing was sent." in html
    assert "No answer from Debitura" not in html and "may or may not have created" not in html
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.submit", AuditEntry.idempotency_key == key))
        assert entry.outcome == "refused" and "no active client link" in entry.summary


def preview_section(html: str) -> str:
    start = html.index('id="pricing-result-card"')
    return " ".join(html[start:html.index("</section>", start)].split())


def test_reloading_a_previewed_submission_shows_the_same_preview_from_what_is_stored(app, client, ready):
    tenant_id, _ = ready
    key = start_draft(client, tenant_id)
    previewed = preview(client, key, debtor_country="GB", currency_code="GBP").get_data(as_text=True)

    reloaded = client.get(f"/cases/submissions/{key}")

    html = reloaded.get_data(as_text=True)
    assert reloaded.status_code == 200
    assert preview_section(html) == preview_section(previewed)  # the same price, steps and jurisdiction
    assert "Submit case to Debitura" in html and "Preview pricing again" in html

    # Input changed and refused since: the stored price no longer describes it, so it is not shown.
    client.post(f"/cases/submissions/{key}", data={**case_form(amount_to_recover=""), "action": "preview"})
    assert 'id="pricing-result-card"' not in client.get(f"/cases/submissions/{key}").get_data(as_text=True)

