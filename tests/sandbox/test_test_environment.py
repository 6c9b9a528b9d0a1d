"""Test-environment endpoints: advancing a test case (Customer API) and deleting a client (Referral API)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.sandbox import domain
from dashboard.sandbox.models import Case, WebhookEvent
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
def acme(ready_client, poa_signed):
    ready_client("acme")
    poa_signed("acme", NORDIC)


def test_a_test_case_advances_to_active_then_closes_paid_once(sandbox, api, acme, debitura, case_body):
    case = debitura.create_case("acme", raw(case_body(isTest=True, amountToRecover=1500)))

    active = api("POST", f"/test/cases/{case.id}/advance", json={"to": "Active"})
    paid = api("POST", f"/test/cases/{case.id}/advance", json={"to": "Closed:Paid", "amount": 1000.0})
    again = api("POST", f"/test/cases/{case.id}/advance", json={"to": "Closed:Paid", "amount": 1000.0})
    mismatch = api("POST", f"/test/cases/{case.id}/advance", json={"to": "Closed:NoPayment"})

    assert active.json() == {"advanced": True, "state": "Active"}
    assert paid.json() == {"advanced": True, "state": "Closed:Paid"}
    assert again.json() == {"advanced": False, "state": "Closed:Paid"}
    assert mismatch.status_code == 400 and "Closed:Paid" in mismatch.json()["message"]
    read = api("GET", f"/cases/{case.id}").json()
    assert (read["lifecycle"], read["closeCode"]) == ("Closed", "Paid")
    assert [p["grossAmount"] for p in api("GET", f"/cases/{case.id}/payments").json()] == [1000.0]
    with sandbox.session() as s:
        events = [e.event_type for e in s.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))]
    assert events.count("case.closed") == 1


@pytest.mark.parametrize("body", [{"to": "Sideways"}, {"to": "Closed:Paid"}, {"to": "Closed:Paid", "amount": -5}, {}])
def test_advance_refuses_unknown_targets_and_missing_amounts(api, acme, debitura, case_body, body):
    case = debitura.create_case("acme", raw(case_body(isTest=True)))

    assert api("POST", f"/test/cases/{case.id}/advance", json=body).status_code == 400


def test_only_test_cases_of_ones_own_advance(api, acme, debitura, case_body, ready_client):
    real = debitura.create_case("acme", raw(case_body()))
    ready_client("globex")

    assert api("POST", f"/test/cases/{real.id}/advance", json={"to": "Active"}).status_code == 400
    assert api("POST", f"/test/cases/{real.id}/advance", json={"to": "Active"}, tenant="globex").status_code == 404


def test_a_client_with_an_active_case_is_not_deletable_until_it_closes(sandbox, http, referral, acme, debitura,
                                                                      case_body, client_body):
    case = debitura.create_case("acme", raw(case_body()))
    with sandbox.session() as s:
        domain.move_case(s, case.id, "Active")
    url = f"{sandbox.urls.referral_api}/clients/acme"
    key = {"XApiKey": "sandbox-key"}

    check = http.get(f"{url}/is-deletable", headers=key).json()
    refused = http.delete(url, headers=key)

    assert check["isDeletable"] is False and check["blockers"][0].startswith("Active case")
    assert refused.status_code == 422 and refused.json()["businessErrors"][0]["type"] == "DeletionBlocked"

    with sandbox.session() as s:
        domain.move_case(s, case.id, "Closed", close_code="Withdrawn by Client")
    assert http.get(f"{url}/is-deletable", headers=key).json() == {"isDeletable": True, "blockers": []}
    assert http.delete(url, headers=key).status_code == 204

    assert http.get(url, headers=key).status_code == 404
    with sandbox.session() as s:
        assert s.scalars(select(Case)).all() == []
    again = referral.create_client(raw(client_body("acme-again", email="acme@customer.example")))
    assert again.status == 202  # a new client: the deleted account no longer matches the e-mail
    assert http.get(f"{sandbox.urls.referral_api}/clients/nobody/is-deletable", headers=key).status_code == 404
    assert http.delete(f"{sandbox.urls.referral_api}/clients/nobody", headers=key).status_code == 404
