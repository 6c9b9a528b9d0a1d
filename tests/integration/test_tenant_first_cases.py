"""A new client with its first cases: created, failed, refused, carried through the 409 path, re-issued."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, Tenant
from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from dashboard.services import first_cases, mirror
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from tests.cases_support import case_form
from tests.raw_body import app_client

pytestmark = pytest.mark.shared_app

URL = "/tenants/new"


@pytest.fixture
def operator(operators):
    operators.login("operator")


def client_form(tenant_id: str, email: str, *cases: dict[str, str], **changes) -> dict[str, str]:
    data = {
        "external_tenant_id": tenant_id, "name": "FirstCo ApS", "country": "DK", "support_email": email,
        "users-0-name": "Anna Berg", "users-0-email": email, "onboarding_user": "0", "action": "create",
    }
    for index, case in enumerate(cases):
        data.update({f"cases-{index}-{name}": value for name, value in case.items() if name != "allow_pending_contracts"})
    data.update(changes)
    return data


def first_case(reference: str, country: str = "DK", **changes) -> dict[str, str]:
    return case_form(creditor_reference=reference, debtor_country=country, **changes)


def sandbox_cases(sandbox, external_tenant_id: str) -> list[sandbox_models.Case]:
    with sandbox.session() as s:
        link = s.scalar(select(sandbox_models.ClientLink).where(
            sandbox_models.ClientLink.external_tenant_id == external_tenant_id))
        if link is None:
            return []
        cases = s.scalars(select(sandbox_models.Case).where(sandbox_models.Case.creditor_id == link.creditor_id)).all()
        s.expunge_all()
        return list(cases)


def link_token(sandbox, external_tenant_id: str) -> str:
    with sandbox.session() as s:
        return s.scalars(select(sandbox_models.LinkRequest.token).where(
            sandbox_models.LinkRequest.external_tenant_id == external_tenant_id,
            sandbox_models.LinkRequest.status == "pending")).one()


def tables(app, after=None) -> dict[str, list[tuple]]:
    """Every row of the dashboard's data tables (after calling `after`), to see that a read wrote nothing."""
    if after is not None:
        after()
    with app.app_context():
        rows = {table.name: [tuple(row) for row in db.session.execute(table.select().order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name not in ("count_cache", "debitura_health")}
        db.session.remove()
        return rows


def tenant_page(app, client, external_tenant_id: str) -> str:
    with app.app_context():
        tenant_id = mirror.find_tenant(external_tenant_id).id
    return client.get(f"/tenants/{tenant_id}").get_data(as_text=True)


def test_a_covered_case_is_created_with_the_client_and_an_uncovered_one_is_explained(app, client, operator, sandbox):
    answer = client.post(URL, data=client_form("first-1", "anna@firstco.example", first_case("INV-DK"), first_case("INV-KP", "KP")))

    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 of 2 first cases was created" in page
    assert "No collection partner covers the debtor&#39;s country" in page
    assert "INV-KP" in page and "Change the debtor and submit it" in page and "Drop this case" in page
    with app.app_context():
        tenant = mirror.find_tenant("first-1")
        created = db.session.scalars(select(Case).where(Case.tenant_id == tenant.id)).all()
        assert [case.creditor_reference for case in created] == ["INV-DK"]
        assert created[0].lifecycle == "Pending contract signing" or created[0].lifecycle == "PendingContractSigning"
        assert [entry["outcome"] for entry in tenant.first_cases] == ["created", "failed"]
    assert [case.creditor_reference for case in sandbox_cases(sandbox, "first-1")] == ["INV-DK"]
    assert re.search(r"<a href=\"/cases/[^\"]+\">[^<]+</a>", page), "the created case is listed on the tenant page"


def test_a_400_on_the_second_case_creates_nothing_and_marks_that_field_keeping_the_input(app, client, operator, sandbox):
    data = client_form("first-2", "anna@firstco.example", first_case("INV-SAME", debtor_name="First Debtor A/S"),
                       first_case("INV-SAME", debtor_name="Second Debtor A/S"))

    answer = client.post(URL, data=data)

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    second = page[page.index('id="field-cases-1-creditor_reference"'):]
    second = second[:second.index("</div>")]
    assert "DuplicateReference" in second and 'aria-invalid="true"' in second
    first = page[page.index('id="field-cases-0-creditor_reference"'):]
    assert "DuplicateReference" not in first[:first.index("</div>")]
    assert "nothing was created" in page and "Case validation failed" not in page
    assert 'value="First Debtor A/S"' in page and 'value="Second Debtor A/S"' in page
    with app.app_context():
        assert mirror.find_tenant("first-2") is None
    assert sandbox_cases(sandbox, "first-2") == []


def test_cases_are_added_and_removed_without_losing_what_was_typed(client, operator):
    typed = client_form("first-3", "anna@firstco.example", first_case("INV-A", debtor_name="Alpha A/S"),
                        first_case("INV-B", debtor_name="Bravo A/S"))
    typed.pop("action")

    added = client.post(URL, data={**typed, "add_case": "1"}).get_data(as_text=True)
    assert 'name="cases-2-debtor_name"' in added and "Case 3" in added
    assert 'value="Alpha A/S"' in added and 'value="Bravo A/S"' in added and 'value="first-3"' in added

    removed = client.post(URL, data={**typed, "remove_case": "0"}).get_data(as_text=True)
    assert 'value="Alpha A/S"' not in removed
    assert re.search(r'name="cases-0-debtor_name"[^>]*value="Bravo A/S"', removed)
    assert 'name="cases-1-debtor_name"' not in removed
    assert 'class="field--invalid"' not in removed and "needs attention" not in removed  # nothing validated yet


def test_each_case_is_priced_before_the_client_is_created(client, operator):
    data = client_form("first-4", "anna@firstco.example", first_case("INV-A"), first_case("INV-B", "KP"), action="preview_cases")

    page = client.post(URL, data=data).get_data(as_text=True)

    assert "Pricing preview of case 1" in page and "Pricing preview of case 2" in page
    assert "Not eligible" in page and "Eligible" in page
    assert 'id="case-0-pricing-card"' in page and 'id="case-1-pricing-card"' in page


def approve(sandbox, external_tenant_id: str) -> None:
    with sandbox.session() as s:
        domain.approve_link_request(s, link_token(sandbox, external_tenant_id))


@pytest.mark.postgres
def test_cases_of_a_409_wait_for_approval_and_then_appear_pending_signing_with_their_signing_url(
    app, client, operator, sandbox
):
    with app.app_context():
        ensure_sandbox_subscription(app_client())
    answer = client.post(URL, data=client_form("carry-1", "ops@existing.example", first_case("INV-CARRY", debtor_name="Carried A/S")))
    assert answer.status_code == 303
    sandbox.dispatch_pending()

    waiting = tenant_page(app, client, "carry-1")
    assert "1 case will be created when the customer approves the link." in waiting
    assert "Pending contract signing" in waiting and "from Carried A/S (DK), reference INV-CARRY" in waiting

    approve(sandbox, "carry-1")
    assert sandbox.dispatch_pending() >= 2  # client.linked, then case.created
    approved = tenant_page(app, client, "carry-1")

    assert "will be created when the customer approves" not in approved
    with app.app_context():
        tenant = mirror.find_tenant("carry-1")
        case = db.session.scalars(select(Case).where(Case.tenant_id == tenant.id)).one()
        assert case.creditor_reference == "INV-CARRY" and case.signing_url
        assert tenant.first_cases[0]["outcome"] == "created" and tenant.first_cases[0]["case_id"] == case.id
    assert case.signing_url in approved
    assert tables(app) == tables(app, after=lambda: tenant_page(app, client, "carry-1"))  # learnt once, then reads only


def test_a_carried_case_nobody_covers_is_explained_after_approval(app, client, operator, sandbox):
    with app.app_context():
        ensure_sandbox_subscription(app_client())
    client.post(URL, data=client_form("carry-3", "ops@existing.example", first_case("INV-OK"), first_case("INV-KP", "KP")))
    waiting = tenant_page(app, client, "carry-3")
    assert "2 cases will be created when the customer approves the link." in waiting

    approve(sandbox, "carry-3")
    sandbox.dispatch_pending()  # client.linked, case.created, cases.replay_failed

    page = tenant_page(app, client, "carry-3")
    failed = page[page.index('aria-label="First cases not created"'):]
    assert "INV-KP" in failed and "No collection partner covers the debtor&#39;s country" in failed
    with app.app_context():
        assert [entry["outcome"] for entry in mirror.find_tenant("carry-3").first_cases] == ["created", "failed"]


@pytest.mark.parametrize("ending", ["declined", "expired"])
def test_a_decline_or_expiry_says_the_cases_were_not_created_and_a_reissue_carries_them_once(
    app, client, operator, sandbox, ending
):
    with app.app_context():
        ensure_sandbox_subscription(app_client())
    client.post(URL, data=client_form("carry-2", "ops@existing.example", first_case("INV-1"), first_case("INV-2", "SE")))
    token = link_token(sandbox, "carry-2")
    if ending == "declined":
        with sandbox.session() as s:
            domain.decline_link_request(s, token)
    else:
        sandbox.advance_clock(8 * 86400)
        with sandbox.session() as s:
            domain.expire_link_requests(s)
    sandbox.dispatch_pending()

    page = tenant_page(app, client, "carry-2")
    assert "2 cases were not created" in page and "Re-issue the approval URL with these cases" in page

    with app.app_context():
        tenant_id = mirror.find_tenant("carry-2").id
    client.post(f"/tenants/{tenant_id}/reissue")
    with app.app_context():
        assert [entry["outcome"] for entry in mirror.find_tenant("carry-2").first_cases] == ["waiting", "waiting"]
    client.post(f"/tenants/{tenant_id}/reissue")  # a second re-issue while pending: the same request, the same cases
    approve(sandbox, "carry-2")
    sandbox.dispatch_pending()

    assert sorted(case.creditor_reference for case in sandbox_cases(sandbox, "carry-2")) == ["INV-1", "INV-2"]
    assert "were not created" not in tenant_page(app, client, "carry-2")


def test_a_reissue_of_an_onboarding_client_sends_its_cases_again_and_debitura_creates_none_twice(
    app, client, operator, sandbox, debitura, monkeypatch
):
    sent = []
    original = debitura.referral.create_client

    def recording(payload):
        sent.append(payload.to_json())
        return original(payload)

    monkeypatch.setattr(debitura.referral, "create_client", recording)
    client.post(URL, data=client_form("again-1", "anna@again.example", first_case("INV-A"), first_case("INV-B", "KP")))
    with app.app_context():
        tenant_id = mirror.find_tenant("again-1").id
    assert client.post(f"/tenants/{tenant_id}/reissue").status_code == 303

    first, again = sent
    assert [case["creditorReference"] for case in first["cases"]] == ["INV-A", "INV-B"]
    assert again["cases"] == first["cases"]  # the same cases, to the decimal
    assert again["users"] == first["users"] and again["externalTenantId"] == first["externalTenantId"]
    # The client as the mirror knows it now: Debitura answered the country typed as DK with its name.
    assert again["client"] == {**first["client"], "country": "Denmark"}
    assert [case.creditor_reference for case in sandbox_cases(sandbox, "again-1")] == ["INV-A"]
    with app.app_context():
        tenant = mirror.find_tenant("again-1")
        assert [entry["outcome"] for entry in tenant.first_cases] == ["created", "failed"]
        assert db.session.scalar(select(func.count()).select_from(Case).where(Case.tenant_id == tenant.id)) == 1


def test_a_dropped_case_is_no_longer_sent_and_a_corrected_one_opens_as_a_manual_submission(app, client, operator):
    client.post(URL, data=client_form("fix-1", "anna@fix.example", first_case("INV-KP1", "KP"), first_case("INV-KP2", "KP")))
    with app.app_context():
        tenant_id = mirror.find_tenant("fix-1").id

    dropped = client.post(f"/tenants/{tenant_id}/first-cases/0/drop")
    assert dropped.status_code == 303
    corrected = client.post(f"/tenants/{tenant_id}/first-cases/1/correct")
    assert corrected.status_code == 303 and "/cases/submissions/" in corrected.headers["Location"]
    form = client.get(corrected.headers["Location"]).get_data(as_text=True)
    assert 'value="INV-KP2"' in form

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        assert [entry["outcome"] for entry in tenant.first_cases] == ["dropped", "dropped"]
        assert first_cases.to_send(tenant) == []
    assert "Drop this case" not in tenant_page(app, client, "fix-1")


def test_carried_cases_for_the_uk_partner_put_the_tenant_in_the_kyc_queue_until_kyc_is_sent(app, client, operator, sandbox):
    with app.app_context():
        ensure_sandbox_subscription(app_client())
    client.post(URL, data=client_form("uk-1", "ops@existing.example", first_case("INV-UK", "GB")))
    approve(sandbox, "uk-1")
    sandbox.dispatch_pending()

    triage = client.get("/triage/").get_data(as_text=True)
    kyc = triage[triage.index("KYC missing"):]
    assert "1 case carried through on approval went to the UK partner" in kyc
    assert "The next submission will be refused until KYC is sent." in kyc
    assert "next case submitted for this client will be refused until KYC is sent" in tenant_page(app, client, "uk-1")


def test_debitura_field_paths_of_a_case_land_on_that_case(app, operator):
    from werkzeug.datastructures import MultiDict

    from dashboard.tenants.forms import NewClientForm

    data = client_form("paths-1", "a@b.example", first_case("A"), first_case("B"))
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = NewClientForm()
        assert form.field_for_path("cases[1].debtor.countryAlpha2") is form.cases.entries[1].form.debtor_country
        assert form.field_for_path("cases[0].creditorReference") is form.cases.entries[0].form.creditor_reference
        assert form.field_for_path("cases[5].creditorReference") is None
        assert form.field_for_path("client.country") is form.country


def test_triage_says_which_cases_wait_for_an_approval_about_to_expire_and_which_were_not_created(app, client, operator, sandbox):
    client.post(URL, data=client_form("carry-4", "ops@existing.example", first_case("INV-T1", debtor_name="Triage A/S")))
    sandbox.advance_clock(6 * 86400)  # the approval window (7 days) closes within 48 hours

    expiring = client.get("/triage/").get_data(as_text=True)
    assert ("1 case will be created when the customer approves, and wait for signatures: "
            "EUR 5,000.00 from Triage A/S (DK), reference INV-T1.") in expiring

    sandbox.advance_clock(2 * 86400)  # past the deadline: triage sees it expired
    lost = client.get("/triage/").get_data(as_text=True)
    assert "1 case sent with the client was not created; re-issuing sends them again." in lost


def test_correcting_the_details_starts_from_the_cases_sent_less_the_dropped_ones(app, client, operator):
    client.post(URL, data=client_form("prefill-1", "anna@prefill.example", first_case("INV-KEEP"), first_case("INV-GONE", "KP")))
    with app.app_context():
        tenant_id = mirror.find_tenant("prefill-1").id
    client.post(f"/tenants/{tenant_id}/first-cases/1/drop")

    page = client.get(f"{URL}?tenant={tenant_id}").get_data(as_text=True)

    assert re.search(r'name="cases-0-creditor_reference"[^>]*value="INV-KEEP"', page)
    assert "INV-GONE" not in page and 'name="cases-1-creditor_reference"' not in page


def test_a_link_that_was_withdrawn_is_re_issued_without_its_old_cases(app, client, operators, sandbox):
    operators.login("admin")  # withdrawing is for admins
    client.post(URL, data=client_form("gone-1", "anna@gone.example", first_case("INV-GONE")))
    with app.app_context():
        tenant_id = mirror.find_tenant("gone-1").id
    assert client.post(f"/tenants/{tenant_id}/withdraw", data={"confirm": "yes"}).status_code == 303

    assert client.post(f"/tenants/{tenant_id}/reissue").status_code == 303

    # Withdrawing closed the case at Debitura; the cases belonged to that link and are not sent again.
    with sandbox.session() as s:
        references = s.scalars(select(sandbox_models.Case.creditor_reference).where(
            sandbox_models.Case.creditor_reference == "INV-GONE")).all()
    assert references == ["INV-GONE"]
