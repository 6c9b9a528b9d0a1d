"""Customer API case creation and reading with the partner's bearer token, through the real client."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from dashboard.debitura import (
    BusinessRuleError,
    InvalidRequest,
    KycSubmission,
    NotFound,
)
from dashboard.sandbox import clock, domain, reference
from dashboard.sandbox.models import ContractSignature, WebhookEvent
from tests.raw_body import raw

NORDIC = "Nordic Inkasso A/S"


@pytest.fixture
def ready(ready_client, poa_signed):
    """A fully onboarded client whose PoA for Danish debtors is signed."""
    link = ready_client("acme")
    poa_signed("acme", NORDIC)
    return link


def business_error_of(debitura, payload, tenant: str = "acme") -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as raised:
        debitura.create_case(tenant, raw(payload))
    assert raised.value.http_status == 422
    return raised.value


def test_a_case_for_a_ready_client_goes_to_verification(ready, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body(creditorReference="INV-1", amountToRecover=Decimal("1234.56"))))

    assert case.lifecycle == "Pending Verification Internal"
    assert case.gross_amount == Decimal("1234.56")
    assert case.collection_partner_name == NORDIC
    assert case.signing_handoff_url is None
    assert case.is_test_case is False
    assert len(case.reference) == 8


def test_with_everything_signed_signing_handoff_travels_as_null(ready, debitura, case_body, contract_check):
    case = debitura.create_case("acme", raw(case_body(allowPendingContracts=True)))

    assert case.signing_handoff_url is None
    sent = [answer.json() for request, answer in contract_check if request.method == "POST" and
            request.url.endswith("/customer-api/cases")]
    assert sent[-1]["signingHandoff"] is None
    assert sent[-1]["assignedUser"] is None


def test_a_test_case_without_a_partner_has_a_null_collection_partner(ready, debitura, case_body, contract_check):
    case = debitura.create_case("acme", raw(case_body(isTest=True)))

    assert case.collection_partner_name is None
    created = [answer.json() for request, answer in contract_check if request.url.endswith("/customer-api/cases")]
    assert created[-1]["collectionPartner"] is None


def test_skipping_debitura_verification_goes_straight_to_the_partner(ready, debitura, case_body):
    assert debitura.create_case("acme", raw(case_body(skipDebituraVerification=True))).lifecycle == "Pending Verification"


def test_a_test_case_is_flagged_and_not_assigned_to_a_partner(ready, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body(isTest=True)))

    assert case.is_test_case is True
    assert case.collection_partner_name is None


TODAY = date.today()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"currencyCode": "XYZ"}, "currencyCode", "Invalid currency code: XYZ"),
        ({"amountToRecover": 0}, "amountToRecover", "Case total must be a positive amount"),
        ({"amountToRecover": -5}, "amountToRecover", "Case total must be a positive amount"),
        ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date", "Case date cannot be in the future"),
        ({"dueDate": (TODAY + timedelta(days=1)).isoformat()}, "dueDate", "Due date cannot be in the future"),
        (
            {"date": (TODAY - timedelta(days=10)).isoformat(), "dueDate": (TODAY - timedelta(days=20)).isoformat()},
            "dueDate",
            "Due date cannot be earlier than the case date",
        ),
        ({"debtor": {"type": "Alien"}}, "debtor.type", "Invalid debtor type: use Company or Private."),
        ({"debtor": {"name": ""}}, "debtor.name", "The Name field is required."),
        ({"debtor": {"countryAlpha2": "ZZ"}}, "debtor.countryAlpha2", "Invalid country code: ZZ"),
        (
            {"debtor": {"countryAlpha2": "US", "stateAlpha2": None}},
            "debtor.stateAlpha2",
            "A state code (debtor.stateAlpha2) is required for US debtors",
        ),
        ({"debtor": None}, "debtor", "Debtor information is required"),
        ({"currencyCode": None}, "currencyCode", "The CurrencyCode field is required."),
        ({"creditorReference": "R" * 51}, "creditorReference", "Must be at most 50 characters."),
    ],
)
def test_case_fields_are_validated_with_400s(ready, debitura, case_body, change, field, message):
    payload = case_body()
    debtor_change = change.pop("debtor", "unchanged") if isinstance(change.get("debtor"), dict) else "unchanged"
    if debtor_change != "unchanged":
        payload["debtor"].update(debtor_change)
    payload.update(change)

    with pytest.raises(InvalidRequest) as raised:
        debitura.create_case("acme", raw(payload))

    assert message in raised.value.field_errors[field]


def test_a_due_date_of_today_is_accepted(ready, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body(date=TODAY.isoformat(), dueDate=TODAY.isoformat())))

    assert case.due_date == TODAY


@pytest.mark.parametrize(("debtor_type", "kept"), [("person", "Person"), ("Person", "Person"), ("PRIVATE", "Private"),
                                                  ("company", "Company")])
def test_debtor_types_are_case_insensitive_and_keep_their_word(ready, debitura, case_body, debtor_type, kept):
    case = debitura.create_case("acme", raw(case_body(debtor={"type": debtor_type})))

    assert case.debtor.type == kept
    assert debitura.get_customer_case("acme", case.id).debtor.type == kept


def test_properties_the_api_does_not_define_are_ignored(ready, debitura, case_body):
    payload = case_body(surprise=1, debtor={"nickname": "Debby"})

    case = debitura.create_case("acme", raw(payload))

    assert case.debtor.name == "Debtor GmbH"


def test_debtor_details_take_any_length_the_spec_allows_but_names_stop_at_300(ready, debitura, case_body):
    long_details = {"companyRegistrationNumber": "R" * 150, "phone": "4" * 80, "city": "C" * 150,
                    "contactPerson": "P" * 300}

    case = debitura.create_case("acme", raw(case_body(debtor=long_details)))

    assert (case.debtor.company_registration_number, case.debtor.phone) == ("R" * 150, "4" * 80)
    with pytest.raises(InvalidRequest) as raised:
        debitura.create_case("acme", raw(case_body(debtor={"name": "N" * 301})))
    assert "debtor.name" in raised.value.field_errors


@pytest.mark.parametrize("state", ["NY", "US-NY", "New York"])
def test_us_states_are_accepted_as_code_iso_code_or_name(ready_client, debitura, case_body, poa_signed, state):
    ready_client("acme")
    poa_signed("acme", "Liberty Recovery Group")

    case = debitura.create_case("acme", raw(case_body("US", debtor={"stateAlpha2": state})))

    assert case.debtor.state_alpha2 == "NY"


def test_a_duplicate_creditor_reference_is_a_400(ready, debitura, case_body):
    debitura.create_case("acme", raw(case_body(creditorReference="INV-1")))

    with pytest.raises(InvalidRequest) as raised:
        debitura.create_case("acme", raw(case_body(creditorReference="INV-1")))

    assert "DuplicateReference" in raised.value.field_errors["creditorReference"][0]


def test_an_unsigned_sdca_is_a_422_pointing_at_onboarding(sandbox, referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))

    error = business_error_of(debitura, case_body())

    assert error.types == ["MissingDebtCollectionContract", "MissingPowerOfAttorney"]
    assert error.errors[0].solution_url.startswith(f"{sandbox.urls.ui}/onboarding/companydetails/")
    assert error.signing_handoff_url.startswith(f"{sandbox.urls.ui}/Signing/PendingContracts?link=")


def test_an_unsigned_power_of_attorney_is_a_422_pointing_at_the_poa_page(sandbox, ready_client, debitura, case_body):
    link = ready_client("acme")

    error = business_error_of(debitura, case_body())

    partner_id = reference.partner_by_name(NORDIC).id
    assert error.types == ["MissingPowerOfAttorney"]
    assert error.errors[0].solution_url == f"{sandbox.urls.ui}/PowerOfAttorney/Sign/{link}?collectionPartnerId={partner_id}"


def test_a_missing_jpa_in_a_carve_out_country_is_reported_as_a_missing_power_of_attorney(
    sandbox, ready_client, debitura, case_body
):
    link = ready_client("acme")
    partner_id = reference.route("DE").id
    with sandbox.session() as s:
        creditor_id = domain.link_by_id(s, link).creditor_id
        s.add(ContractSignature(creditor_id=creditor_id, collection_partner_id=partner_id, kind="poa",
                                signed_at=clock.now(s)))

    assert business_error_of(debitura, case_body("DE")).types == ["MissingPowerOfAttorney"]


def test_allow_pending_contracts_creates_the_case_waiting_for_signing_with_one_signing_url(
    sandbox, referral, debitura, client_body, case_body
):
    referral.create_client(raw(client_body("acme")))

    case = debitura.create_case(
        "acme", raw(case_body(allowPendingContracts=True, returnUrl="https://app.example/done?x=1"))
    )

    assert case.lifecycle == "Pending contract signing"
    parts = urlsplit(case.signing_handoff_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.urls.ui}/Signing/PendingContracts"
    assert parse_qs(parts.query)["returnUrl"] == ["https://app.example/done?x=1"]
    assert case.solution_url == case.signing_handoff_url


@pytest.mark.parametrize("bad", ["ftp://files.example/x", "/relative/path", "https://app.example/" + "a" * 2040])
def test_an_unusable_return_url_is_silently_dropped(referral, debitura, client_body, case_body, bad):
    referral.create_client(raw(client_body("acme")))

    case = debitura.create_case("acme", raw(case_body(allowPendingContracts=True, returnUrl=bad)))

    assert "returnUrl" not in parse_qs(urlsplit(case.signing_handoff_url).query)


def test_missing_kyc_is_a_hard_block_even_with_allow_pending_contracts(sandbox, referral, debitura, client_body, case_body):
    link = referral.create_client(raw(client_body("acme")))

    error = business_error_of(debitura, case_body("GB", allowPendingContracts=True))

    assert "MissingKycVerification" in error.types
    kyc_error = next(e for e in error.errors if e.type == "MissingKycVerification")
    assert kyc_error.solution_url.startswith(f"{sandbox.urls.ui}/Kyc/")
    assert referral.list_cases().items == ()
    assert referral.get_client("acme").kyc_status == "pending"
    assert link.status == 202


def test_once_kyc_is_submitted_a_uk_case_may_wait_for_signing(referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    referral.submit_kyc("acme", KycSubmission(director_full_name="Anna Jensen", director_home_address="1 High Street, London", director_date_of_birth=date(1980, 5, 1)))

    case = debitura.create_case("acme", raw(case_body("GB", allowPendingContracts=True, currencyCode="GBP")))

    assert case.lifecycle == "Pending contract signing"
    assert case.collection_partner_name == "Oriel Collections"


@pytest.mark.parametrize("country", ["KP", "IR", "SY", "CU"])
def test_uncovered_countries_have_no_partner(ready, debitura, case_body, country):
    error = business_error_of(debitura, case_body(country, allowPendingContracts=True))

    assert error.types == ["NoPartnerAvailable"]
    assert error.signing_handoff_url is None


def test_a_blocked_creditor_cannot_submit(sandbox, ready, debitura, case_body):
    with sandbox.session() as s:
        domain.set_creditor_blocked(s, "acme")

    assert business_error_of(debitura, case_body()).types == ["CreditorBlocked"]
    with sandbox.session() as s:
        domain.set_creditor_blocked(s, "acme", blocked=False)
    assert debitura.create_case("acme", raw(case_body())).lifecycle == "Pending Verification Internal"


def test_combined_signing_moves_waiting_cases_on_and_fires_case_updated(sandbox, referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    case = debitura.create_case("acme", raw(case_body(allowPendingContracts=True)))

    with sandbox.session() as s:
        moved = domain.complete_combined_signing(s, domain.active_link(s, "acme").creditor_id)
        assert [moved_case.id for moved_case in moved] == [case.id]

    assert debitura.get_customer_case("acme", case.id).lifecycle == "Pending Verification Internal"
    assert referral.create_client(raw(client_body("acme"))).status == 201
    with sandbox.session() as s:
        updated = s.scalars(select(WebhookEvent).where(WebhookEvent.event_type == "case.updated")).one()
        assert updated.envelope["data"]["oldLifecycle"] == "Pending contract signing"
        assert updated.envelope["data"]["lifecycle"] == "Pending Verification Internal"


def test_a_case_created_fires_case_created_with_the_documented_fields(sandbox, ready, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body()))

    with sandbox.session() as s:
        event = s.scalars(select(WebhookEvent).where(WebhookEvent.event_type == "case.created")).one()
    assert event.envelope["specVersion"] == "1.0"
    assert event.envelope["data"] == {
        "caseId": case.id,
        "reference": case.reference,
        "externalTenantId": "acme",
        "lifecycle": "Pending Verification Internal",
    }


def test_a_client_can_read_its_own_case_but_not_another_clients(ready, ready_client, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body()))
    ready_client("other")

    assert debitura.get_customer_case("acme", case.id).reference == case.reference
    with pytest.raises(NotFound):
        debitura.get_customer_case("other", case.id)


def test_contract_status_shows_what_is_unsigned_and_where_to_sign(sandbox, referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    case = debitura.create_case("acme", raw(case_body("DE", allowPendingContracts=True)))

    status = debitura.contract_status("acme", case.id)

    assert status.sdca.signed is False
    assert status.sdca.solution_url.startswith(f"{sandbox.urls.ui}/onboarding/companydetails/")
    assert status.poa.signed is False
    assert status.pricing_appendix.signed is False
    assert status.needs_poa_signing is True
    assert status.collection_partner_name == "Rhein Forderungsmanagement GmbH"
    with sandbox.session() as s:
        domain.complete_combined_signing(s, domain.active_link(s, "acme").creditor_id)
    signed = debitura.contract_status("acme", case.id)
    assert (signed.sdca.signed, signed.poa.signed, signed.needs_poa_signing) == (True, True, False)
    assert signed.poa.solution_url is None


def test_age_buckets_on_a_case_set_its_blended_fee(ready, debitura, case_body):
    payload = case_body(amountToRecover=10000, dueDate=None,
                        amountToRecoverOver12Months=4000, amountToRecoverOver24Months=1000)

    case = debitura.create_case("acme", raw(payload))

    assert case.pre_legal_success_fee == Decimal("7.5") + Decimal("3.9")


@pytest.mark.parametrize("case_id", ["not-a-uuid", "12345", "INV-1"])
def test_a_malformed_case_id_is_a_400_not_a_404(ready, debitura, case_id):
    with pytest.raises(InvalidRequest) as raised:
        debitura.get_customer_case("acme", case_id)

    assert raised.value.http_status == 400
    with pytest.raises(NotFound):
        debitura.get_customer_case("acme", "3fa85f64-5717-4562-b3fc-2c963f66afa6")


def test_a_waiting_case_read_back_still_carries_its_signing_url(referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    created = debitura.create_case("acme", raw(case_body(allowPendingContracts=True)))

    again = debitura.get_customer_case("acme", created.id)

    assert again.signing_handoff_url == created.signing_handoff_url


def test_a_case_can_be_assigned_to_a_team_member_of_the_client(sandbox, http, ready, referral, case_body):
    token = referral.mint_token("acme").access_token
    headers = {"Authorization": f"Bearer {token}"}

    assigned = http.post(f"{sandbox.urls.customer_api}/cases", headers=headers,
                         json=case_body(assignedUserEmail="ACME@customer.example"))
    stranger = http.post(f"{sandbox.urls.customer_api}/cases", headers=headers,
                         json=case_body(assignedUserEmail="someone@else.example"))

    assert assigned.json()["assignedUser"] == {"email": "acme@customer.example", "name": "Anna Jensen"}
    assert stranger.status_code == 400 and "AssignedUserEmail" in stranger.json()


def test_test_cases_are_hidden_from_the_partners_case_list_and_counts(ready, debitura, case_body, sandbox, http):
    real = debitura.create_case("acme", raw(case_body(creditorReference="REAL-1")))
    test_case = debitura.create_case("acme", raw(case_body(creditorReference="TEST-1", isTest=True)))

    listed = debitura.referral.list_cases(page_size=100)
    assert [item.id for item in listed.items] == [real.id]
    assert (listed.total_results, listed.summary.total_cases, listed.summary.cases_this_month) == (1, 1, 1)
    assert listed.summary.pending == 1
    assert [item.id for item in debitura.referral.list_cases(external_tenant_id="acme").items] == [real.id]
    assert debitura.referral.get_client("acme").case_stats.cases_total == 1
    clients = http.get(f"{sandbox.urls.referral_api}/clients", headers={"XApiKey": "sandbox-key"}).json()
    assert clients["summary"]["totalCases"] == 1
    # The client itself still reads its test case through the Customer API.
    assert debitura.get_customer_case("acme", test_case.id).is_test_case is True


def preview_body(country: str = "DK", currency: str = "EUR") -> dict:
    return {"amountToRecover": Decimal("5000.00"), "currencyCode": currency, "debtor": {"type": "Company", "countryAlpha2": country}}


def test_the_customer_preview_lists_nothing_for_a_client_that_signed_everything(ready, debitura):
    result = debitura.preview_case("acme", raw(preview_body()))

    assert result.for_client and result.is_eligible and result.partner_name == NORDIC
    assert result.required_actions == () and result.combined_signing_url is None
    assert result.requires_kyc_verification is False and result.pricing.total is not None


def test_the_customer_preview_lists_what_this_client_still_owes_with_urls(ready_client, debitura, sandbox):
    ready_client("acme")
    with sandbox.session() as s:
        assert domain.publish_sdca_version(s) == 2  # the client must sign the new agreement
        s.commit()

    result = debitura.preview_case("acme", raw(preview_body(country="GB", currency="GBP")))

    assert [action.type for action in result.required_actions] == [
        "MissingDebtCollectionContract", "MissingPowerOfAttorney", "MissingKycVerification"]
    assert all(action.solution_url and action.is_blocking for action in result.required_actions)
    assert result.requires_kyc_verification is True and result.has_kyc_on_file is False
    assert "/Signing/PendingContracts" in result.combined_signing_url


def test_the_customer_preview_needs_an_active_link(sandbox, debitura):
    from dashboard.debitura import ClientNotLinked

    with pytest.raises(ClientNotLinked):
        debitura.preview_case("nobody-here", raw(preview_body()))
