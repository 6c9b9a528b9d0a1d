"""POST/GET /clients, withdraw and tokens, driven through the real Debitura client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.debitura import AuthenticationError, InvalidRequest, NotFound
from dashboard.debitura.errors import Conflict
from dashboard.sandbox import domain
from dashboard.sandbox.models import Case
from tests.raw_body import raw


def link_id(sandbox, tenant: str) -> str:
    with sandbox.session() as s:
        return domain.active_link(s, tenant).id


def test_a_new_client_is_accepted_with_a_company_details_onboarding_url(sandbox, referral, client_body):
    result = referral.create_client(raw(client_body("acme")))

    assert result.status == 202
    client = result.client
    assert client.onboarding_done is False
    assert client.is_attributed_client is True
    assert client.onboarding_url == f"{sandbox.urls.ui}/onboarding/companydetails/{link_id(sandbox, 'acme')}"
    assert client.company.company_name == "Acme Ltd"
    assert [user.email for user in client.users] == ["acme@customer.example"]
    assert client.kyc_status == "not_required"


def test_calling_again_before_onboarding_returns_202_with_the_url_to_resume_from(sandbox, referral, client_body):
    first = referral.create_client(raw(client_body("acme")))
    second = referral.create_client(raw(client_body("acme")))

    assert second.status == 202
    assert second.client.company.id == first.client.company.id
    assert second.client.onboarding_url == f"{sandbox.urls.ui}/onboarding/companydetails/{link_id(sandbox, 'acme')}"
    assert first.client.onboarding_url == second.client.onboarding_url


def test_an_onboarded_client_answers_201_without_an_onboarding_url(referral, client_body, ready_client):
    ready_client("acme")

    result = referral.create_client(raw(client_body("acme")))

    assert result.status == 201
    assert result.client.onboarding_done is True
    assert result.client.onboarding_url is None


def test_a_new_sdca_version_turns_a_ready_client_back_to_202_with_the_contract_upgrade_url(
    sandbox, referral, client_body, ready_client
):
    link = ready_client("acme")
    with sandbox.session() as s:
        domain.publish_sdca_version(s)

    result = referral.create_client(raw(client_body("acme")))

    assert result.status == 202
    assert result.client.onboarding_url == f"{sandbox.urls.ui}/ContractUpgrade/Sign/{link}"
    assert referral.get_client("acme").onboarding_done is False
    with sandbox.session() as s:
        domain.sign_contract_upgrade(s, link)
    assert referral.create_client(raw(client_body("acme"))).status == 201


def test_cases_sent_with_a_new_client_wait_for_signing_and_uncovered_debtors_are_reported(
    referral, client_body, case_body
):
    payload = client_body(
        "acme",
        cases=[case_body("DE", creditorReference="INV-1"), case_body("KP", creditorReference="INV-2")],
    )

    result = referral.create_client(raw(payload))

    assert result.status == 202
    successful = result.client.case_results.successful_cases
    failed = result.client.case_results.failed_cases
    assert [case.creditor_reference for case in successful] == ["INV-1"]
    assert successful[0].lifecycle == "Pending contract signing"
    assert [(f.case_index, f.creditor_reference, f.error_type) for f in failed] == [(1, "INV-2", "NoPartnerAvailable")]
    assert referral.get_client("acme").case_stats.cases_total == 1


def test_an_invalid_case_aborts_the_whole_request_with_a_field_keyed_400(referral, client_body, case_body):
    payload = client_body("acme", cases=[case_body("DK"), case_body(debtor={"countryAlpha2": "XX"})])

    with pytest.raises(InvalidRequest) as raised:
        referral.create_client(raw(payload))

    assert raised.value.http_status == 400
    assert raised.value.field_errors["cases[1].debtor.countryAlpha2"] == ["Invalid country code: XX"]
    with pytest.raises(NotFound):
        referral.get_client("acme")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"users": []}, "users", "At least one user is required"),
        (
            {"users": [{"name": "A B", "email": "a@x.example"}, {"name": "C D", "email": "c@x.example"}]},
            "users",
            "When multiple users provided, exactly one must have IsOnboardingUser=true",
        ),
        (
            {
                "users": [
                    {"name": "A B", "email": "a@x.example", "isOnboardingUser": True},
                    {"name": "C D", "email": "c@x.example", "isOnboardingUser": True},
                ]
            },
            "users",
            "Only one user can be marked as IsOnboardingUser",
        ),
        (
            {"client": {"name": "Acme", "country": "Atlantis", "supportEmail": "s@acme.example"}},
            "client.country",
            "Unknown country: Atlantis",
        ),
        (
            {"client": {"name": "Acme", "country": "DK", "supportEmail": "not-an-email"}},
            "client.supportEmail",
            "The SupportEmail field is not a valid e-mail address.",
        ),
        ({"users": [{"name": "A B", "email": "nope"}]}, "users[0].email", "The Email field is not a valid e-mail address."),
        ({"client": {"country": "DK", "supportEmail": "s@acme.example"}}, "client.name", "The Name field is required."),
    ],
)
def test_client_requests_are_validated_per_the_docs(referral, client_body, change, field, message):
    with pytest.raises(InvalidRequest) as raised:
        referral.create_client(raw({**client_body("acme"), **change}))

    assert message in raised.value.field_errors[field]


def test_the_old_company_shape_is_refused_for_what_it_lacks_and_its_extra_fields_are_ignored(referral):
    legacy = {
        "externalTenantId": "acme",
        "company": {"name": "Acme", "countryAlpha2": "GB"},
        "users": [{"email": "a@acme.example", "firstName": "A", "lastName": "B", "isOnboardingUser": True}],
    }

    with pytest.raises(InvalidRequest) as raised:
        referral.create_client(raw(legacy))

    errors = raised.value.field_errors
    assert set(errors) == {"client", "users[0].name"}


def test_properties_the_spec_does_not_define_are_ignored(referral, client_body):
    payload = client_body("acme", partnerNote="vip")
    payload["client"]["vatNumber"] = "DK123"
    payload["users"][0]["role"] = "owner"

    result = referral.create_client(raw(payload))

    assert result.status == 202
    assert result.client.company.company_name == "Acme Ltd"


def test_only_the_spec_limits_apply_to_client_details_and_names_stop_at_300(referral, client_body):
    payload = client_body("acme")
    payload["client"].update(registrationNumber="R" * 150, supportPhone="+45 " + "1" * 80)

    assert referral.create_client(raw(payload)).client.company.company_registration_number == "R" * 150
    too_long = client_body("acme-2")
    too_long["client"]["name"] = "N" * 301
    too_long["users"][0]["name"] = "U" * 301
    with pytest.raises(InvalidRequest) as raised:
        referral.create_client(raw(too_long))
    assert {"client.name", "users[0].name"} <= set(raised.value.field_errors)
    assert referral.create_client(raw({**client_body("acme-3"), "client": {**client_body("acme-3")["client"],
                                                                       "name": "N" * 300}})).status == 202


def test_a_country_may_be_given_by_its_english_name(referral, client_body):
    payload = client_body("acme")
    payload["client"]["country"] = "portugal"

    assert referral.create_client(raw(payload)).client.company.country == "Portugal"


def test_a_single_user_is_the_onboarding_user_even_when_not_marked(sandbox, referral, client_body):
    payload = client_body("acme", users=[{"name": "Solo User", "email": "solo@acme.example"}])

    referral.create_client(raw(payload))

    with sandbox.session() as s:
        assert domain.active_link(s, "acme").creditor.users[0].is_onboarding_user is True


def test_a_repeated_call_does_not_create_its_cases_twice(referral, client_body, case_body):
    payload = client_body("acme", cases=[case_body(creditorReference="INV-1")])
    referral.create_client(raw(payload))

    again = referral.create_client(raw(payload))

    assert again.client.case_results.successful_cases == ()
    assert [f.error_type for f in again.client.case_results.failed_cases] == ["IdempotencyViolation"]
    assert again.client.case_stats.cases_total == 1


def test_external_tenant_ids_are_case_sensitive(referral, client_body):
    referral.create_client(raw(client_body("Acme", email="one@acme.example")))

    with pytest.raises(NotFound):
        referral.get_client("acme")
    assert referral.get_client("Acme").external_tenant_id == "Acme"


def test_get_client_answers_404_for_an_unknown_tenant(referral):
    with pytest.raises(NotFound) as raised:
        referral.get_client("nobody")

    assert raised.value.http_status == 404
    assert raised.value.body["businessErrors"][0]["type"] == "NotFound"


def test_a_wrong_api_key_gets_401_with_no_body(sandbox, http):
    response = http.get(f"{sandbox.urls.referral_api}/clients", headers={"XApiKey": "wrong"})

    assert response.status_code == 401
    assert response.content == b""
    assert http.get(f"{sandbox.urls.referral_api}/clients").status_code == 401


def test_the_client_list_pages_filters_sorts_and_summarises(referral, client_body, ready_client):
    ready_client("bravo", client={"name": "Bravo Trading", "country": "DK", "supportEmail": "s@bravo.example",
                                  "registrationNumber": "DK-778899"})
    referral.create_client(raw(client_body("alpha")))
    referral.create_client(raw(client_body("charlie")))

    first = referral.list_clients(page=1, page_size=2, sort="name:asc")
    assert [c.external_tenant_id for c in first.items] == ["alpha", "bravo"]
    assert first.total_results == 3

    assert [c.external_tenant_id for c in referral.list_clients(onboarding_done=True).items] == ["bravo"]
    assert {c.external_tenant_id for c in referral.list_clients(onboarding_done=False).items} == {"alpha", "charlie"}
    assert [c.external_tenant_id for c in referral.list_clients(query="778899").items] == ["bravo"]
    assert [c.external_tenant_id for c in referral.list_clients(query="BRAVO trad").items] == ["bravo"]
    assert referral.list_clients(is_attributed_client=False).items == ()
    newest_first = [c.external_tenant_id for c in referral.list_clients(sort="dateCreated:desc").items]
    assert newest_first == ["charlie", "alpha", "bravo"]


def test_the_client_list_summary_counts_the_whole_portfolio(sandbox, http, referral, client_body, ready_client):
    ready_client("bravo")
    referral.create_client(raw(client_body("alpha")))

    body = http.get(
        f"{sandbox.urls.referral_api}/clients", params={"OnboardingDone": "true"}, headers={"XApiKey": "sandbox-key"}
    ).json()

    assert body["page"]["totalResults"] == 1
    assert body["summary"] == {
        "totalClients": 2,
        "attributedClients": 2,
        "onboardingComplete": 1,
        "onboardingPending": 1,
        "totalCases": 0,
    }


@pytest.mark.parametrize("params", [{"PageSize": "101"}, {"Page": "0"}, {"Sort": "size:asc"}, {"OnboardingDone": "maybe"}])
def test_bad_list_parameters_are_a_400_error_response(sandbox, http, params):
    response = http.get(f"{sandbox.urls.referral_api}/clients", params=params, headers={"XApiKey": "sandbox-key"})

    assert response.status_code == 400
    assert set(response.json()) == {"error", "message", "businessErrors"}


def test_a_token_is_issued_for_any_active_link_even_before_signing(referral, client_body):
    referral.create_client(raw(client_body("acme")))

    token = referral.mint_token("acme")

    assert token.token_type == "Bearer"
    assert token.expires_in == 1800
    assert token.external_tenant_id == "acme"


def test_no_token_without_an_active_link(referral):
    with pytest.raises(NotFound):
        referral.mint_token("nobody")


def test_a_token_expires_after_30_minutes_of_sandbox_time(sandbox, referral, customer, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    token = referral.mint_token("acme").access_token

    sandbox.advance_clock(1801)

    with pytest.raises(AuthenticationError):
        customer.create_case(token, raw(case_body(allowPendingContracts=True)))


def test_the_client_mints_again_after_a_401_and_succeeds(sandbox, referral, debitura, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    debitura.tokens.token_for("acme")
    sandbox.advance_clock(1801)

    case = debitura.create_case("acme", raw(case_body(allowPendingContracts=True)))

    assert case.lifecycle == "Pending contract signing"


def test_withdrawing_archives_the_link_and_frees_the_tenant_id_and_emails(sandbox, referral, client_body, case_body):
    first = referral.create_client(raw(client_body("acme", cases=[case_body()])))

    referral.withdraw_client("acme")

    with pytest.raises(NotFound):
        referral.get_client("acme")
    with pytest.raises(NotFound):
        referral.mint_token("acme")
    again = referral.create_client(raw(client_body("acme")))
    assert again.status == 202
    assert again.client.company.id != first.client.company.id
    with sandbox.session() as s:
        case_id = first.client.case_results.successful_cases[0].id
        assert s.get(Case, case_id).close_code == "CaseNeverStartedInternal"


def test_a_client_whose_case_moved_on_cannot_be_withdrawn(sandbox, referral, client_body, case_body):
    created = referral.create_client(raw(client_body("acme", cases=[case_body()])))
    with sandbox.session() as s:
        domain.move_case(s, created.client.case_results.successful_cases[0].id, "Active")

    with pytest.raises(Conflict) as raised:
        referral.withdraw_client("acme")

    assert raised.value.http_status == 409
    assert raised.value.code == "CasesInProgress"


def test_an_unknown_client_cannot_be_withdrawn(referral):
    with pytest.raises(NotFound):
        referral.withdraw_client("nobody")


def test_kyc_is_pending_once_a_case_routes_to_the_kyc_partner(referral, client_body, case_body):
    referral.create_client(raw(client_body("acme", cases=[case_body("GB")])))

    assert referral.get_client("acme").kyc_status == "pending"


def test_the_client_list_filters_by_link_date(sandbox, referral, client_body):
    referral.create_client(raw(client_body("early")))
    sandbox.advance_clock(3 * 86400)
    referral.create_client(raw(client_body("late")))
    today = sandbox.now().date()

    assert [c.external_tenant_id for c in referral.list_clients().items] == ["late", "early"]
    http = referral.session
    body = http.get(f"{sandbox.urls.referral_api}/clients", params={"DateCreatedFrom": today.isoformat()},
                    headers={"XApiKey": "sandbox-key"}).json()
    assert [item["externalTenantId"] for item in body["clients"]] == ["late"]
    body = http.get(f"{sandbox.urls.referral_api}/clients", params={"DateCreatedTo": (today - timedelta(days=1)).isoformat()},
                    headers={"XApiKey": "sandbox-key"}).json()
    assert [item["externalTenantId"] for item in body["clients"]] == ["early"]


def test_a_creditor_reference_used_twice_in_one_request_is_a_400(referral, client_body, case_body):
    payload = client_body("acme", cases=[case_body(creditorReference="INV-1"), case_body(creditorReference="INV-1")])

    with pytest.raises(InvalidRequest) as raised:
        referral.create_client(raw(payload))

    assert "DuplicateReference" in raised.value.field_errors["cases[1].creditorReference"][0]
    assert raised.value.field_errors["cases"] == ["Case validation failed"]


def test_a_linked_client_that_was_not_attributed_cannot_be_withdrawn(sandbox, referral, client_body):
    from urllib.parse import parse_qs, urlsplit

    with pytest.raises(Conflict) as raised:
        referral.create_client(raw(client_body("acme", email="anna@existing.example")))
    with sandbox.session() as s:
        domain.approve_link_request(s, parse_qs(urlsplit(raised.value.approval_url).query)["token"][0])

    with pytest.raises(Conflict) as refused:
        referral.withdraw_client("acme")

    assert refused.value.code == "ClientNotAttributed"


def test_a_token_stops_working_when_its_link_is_withdrawn(referral, customer, client_body, case_body):
    referral.create_client(raw(client_body("acme")))
    token = referral.mint_token("acme").access_token
    referral.withdraw_client("acme")

    with pytest.raises(AuthenticationError):
        customer.create_case(token, raw(case_body(allowPendingContracts=True)))


def test_the_customer_api_answers_401_without_a_bearer_token(sandbox, http):
    response = http.post(f"{sandbox.urls.customer_api}/cases", json={})

    assert (response.status_code, response.content) == (401, b"")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_concurrent_creation_of_one_tenant_makes_one_client(sandbox, referral, client_body):
    import threading

    from sqlalchemy import func, select

    from dashboard.sandbox.models import ClientLink

    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def create() -> None:
        barrier.wait()
        statuses.append(referral.create_client(raw(client_body("acme"))).status)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [202, 202, 202, 202]
    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(ClientLink)) == 1
