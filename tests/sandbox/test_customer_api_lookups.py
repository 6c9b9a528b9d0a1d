"""Customer API case lookups, the case list and the contract status with the client's bearer token."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboard.sandbox import domain
from dashboard.sandbox.models import Case
from tests.raw_body import raw

NORDIC = "Nordic Inkasso A/S"


@pytest.fixture
def api(sandbox, http, referral):
    def call(method: str, path: str, tenant: str = "acme", **kwargs):
        token = referral.mint_token(tenant).access_token
        return http.request(method, f"{sandbox.urls.customer_api}{path}",
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


@pytest.fixture
def acme_cases(ready_client, poa_signed, debitura, case_body, sandbox):
    """Three cases of "acme" (1000, 2000, 3000 EUR); the second one Active."""
    ready_client("acme")
    poa_signed("acme", NORDIC)
    cases = [
        debitura.create_case("acme", raw(case_body(creditorReference=f"INV-{n}", amountToRecover=n * 1000)))
        for n in (1, 2, 3)
    ]
    with sandbox.session() as s:
        domain.move_case(s, cases[1].id, "Active")
    return cases


def test_cases_are_found_by_the_creditors_reference_and_debituras(api, acme_cases):
    by_ours = api("GET", "/cases/by-creditor-reference/INV-2")
    by_theirs = api("GET", f"/cases/case-reference/{acme_cases[2].reference}")

    assert by_ours.status_code == 200 and by_ours.json()["id"] == acme_cases[1].id
    assert by_theirs.status_code == 200 and by_theirs.json()["creditorReference"] == "INV-3"
    assert api("GET", "/cases/by-creditor-reference/INV-404").status_code == 404
    assert api("GET", "/cases/case-reference/ZZZZZZZZ").status_code == 404
    assert api("GET", "/cases/case-reference/not-a-reference").status_code == 400


def test_another_clients_token_finds_none_of_them(api, acme_cases, ready_client):
    ready_client("globex")

    assert api("GET", "/cases/by-creditor-reference/INV-1", tenant="globex").status_code == 404
    assert api("GET", f"/cases/case-reference/{acme_cases[0].reference}", tenant="globex").status_code == 404
    assert api("GET", "/cases", tenant="globex").json()["page"]["totalResults"] == 0


def test_the_case_list_filters_sorts_and_pages(api, acme_cases):
    listed = api("GET", "/cases", params={"Sort": "GrossAmount:desc", "PageSize": 2}).json()

    assert listed["page"]["totalResults"] == 3 and listed["page"]["totalPages"] == 2
    assert [case["creditorReference"] for case in listed["cases"]] == ["INV-3", "INV-2"]
    active = api("GET", "/cases", params={"Statuses": "Active"}).json()["cases"]
    assert [case["creditorReference"] for case in active] == ["INV-2"]
    both = api("GET", "/cases", params={"Ids": f"{acme_cases[0].id},{acme_cases[2].id}", "Sort": "Nonsense,Date"})
    assert {case["creditorReference"] for case in both.json()["cases"]} == {"INV-1", "INV-3"}
    assert api("GET", "/cases", params={"Statuses": "Sleeping"}).status_code == 400
    assert api("GET", "/cases", params={"PageSize": 500}).status_code == 400
    assert api("GET", "/cases", params={"Ids": "nope"}).status_code == 400


def test_the_contract_status_asks_for_a_resign_after_a_new_version(sandbox, api, acme_cases):
    assert api("GET", "/contracts/debt-collection/status").json() == {
        "signed": True, "requiresResigning": False, "invalidationReason": None, "termsUrl": None, "solutionUrl": None,
    }
    with sandbox.session() as s:
        domain.publish_sdca_version(s)

    status = api("GET", "/contracts/debt-collection/status").json()

    assert status["signed"] is True and status["requiresResigning"] is True
    assert status["invalidationReason"] == "NewVersion"
    assert "/ContractUpgrade/Sign/" in status["solutionUrl"]


def test_the_contract_status_of_a_client_still_onboarding_points_at_onboarding(sandbox, referral, api, client_body):
    referral.create_client(raw(client_body("fresh")))

    status = api("GET", "/contracts/debt-collection/status", tenant="fresh").json()

    assert status["signed"] is False and "/onboarding/companydetails/" in status["solutionUrl"]


def test_quote_requests_and_their_quotes_read_back_and_drive_the_selection_task(sandbox, api, acme_cases):
    case_id = acme_cases[1].id
    with sandbox.session() as s:
        lead = domain.request_quotes(s, case_id, "Legal action against the debtor")
        partner_id = s.get_one(Case, case_id).collection_partner_id
        quote = domain.add_quote(s, lead.id, partner_id, Decimal("22.5"), proposed_solution="Court claim")
        lead_id, quote_id = lead.id, quote.id

    [listed] = api("GET", f"/cases/{case_id}/quote-requests").json()["quoteRequests"]
    assert listed["quoteRequestId"] == lead_id and listed["leadFlowStatus"] == "PendingQuoteSelection"
    assert listed["currentQuotesCount"] == 1
    detail = api("GET", f"/cases/{case_id}/quote-requests/{lead_id}").json()
    assert detail["request"] == "Legal action against the debtor" and detail["isMaxBidCountReached"] is False
    [offer] = api("GET", f"/cases/{case_id}/quote-requests/{lead_id}/quotes").json()["quotes"]
    assert offer["partnerName"] == NORDIC and offer["successFee"] == 22.5
    full = api("GET", f"/cases/{case_id}/quote-requests/{lead_id}/quotes/{quote_id}").json()
    assert full["pricing"]["successFeeFee"] == 22.5
    [task] = api("GET", f"/cases/{case_id}/tasks").json()
    assert task["type"] == "SelectQuoteWinner" and task["leadId"] == lead_id and task["action"] is None

    with sandbox.session() as s:
        domain.select_winner(s, quote_id)
    assert api("GET", f"/cases/{case_id}/tasks").json() == []
    assert api("GET", f"/cases/{case_id}/quote-requests/{lead_id}/quotes/{quote_id}").json()["status"] == "Accepted"
    assert api("GET", f"/cases/{acme_cases[0].id}/quote-requests/{lead_id}").status_code == 404
    assert api("GET", f"/cases/{case_id}/quote-requests/nope").status_code == 400
