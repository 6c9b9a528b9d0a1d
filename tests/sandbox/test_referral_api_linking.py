"""The 409 paths of POST /clients: linking an existing account, the Choice page, expiry, refusals."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from dashboard.debitura.errors import Conflict
from dashboard.sandbox import domain
from dashboard.sandbox.errors import LinkRequestUnavailable
from dashboard.sandbox.models import LinkRequest, WebhookEvent
from tests.raw_body import raw


def conflict_of(referral, payload) -> Conflict:
    with pytest.raises(Conflict) as raised:
        referral.create_client(raw(payload))
    assert raised.value.http_status == 409
    return raised.value


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def event_types(sandbox) -> list[str]:
    with sandbox.session() as s:
        return [event.event_type for event in s.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))]


def test_an_existing_account_needs_linking_with_an_approval_url(sandbox, referral, client_body):
    conflict = conflict_of(referral, client_body("acme", email="anna@existing.example"))

    assert conflict.conflict_type == "ClientExistsNeedsLinking"
    assert conflict.approval_url.startswith(f"{sandbox.urls.ui}/ReferralPartner/Approve?token=")
    assert conflict.data == {
        "externalTenantId": "acme",
        "onboardingLinks": {"url": conflict.approval_url},
        "isAttributedClient": False,
    }
    assert event_types(sandbox) == ["client.link_requested"]


def test_a_user_email_starting_with_choice_leads_to_the_choice_page(sandbox, referral, client_body):
    conflict = conflict_of(referral, client_body("acme", email="choice.anna@existing.example"))

    assert conflict.approval_url.startswith(f"{sandbox.urls.ui}/ReferralPartner/Choice?token=")


def test_a_support_email_at_an_existing_account_also_needs_linking(referral, client_body):
    payload = client_body("acme")
    payload["client"]["supportEmail"] = "billing@existing.example"

    assert conflict_of(referral, payload).conflict_type == "ClientExistsNeedsLinking"


def test_resending_while_pending_returns_the_same_url(sandbox, referral, client_body):
    payload = client_body("acme", email="anna@existing.example")
    first = conflict_of(referral, payload)

    second = conflict_of(referral, payload)

    assert second.approval_url == first.approval_url
    assert event_types(sandbox) == ["client.link_requested"]


def test_after_expiry_the_same_call_issues_a_fresh_url(sandbox, referral, client_body):
    payload = client_body("acme", email="anna@existing.example")
    first = conflict_of(referral, payload)
    sandbox.advance_clock(7 * 86400 + 1)

    second = conflict_of(referral, payload)

    assert second.approval_url != first.approval_url
    assert event_types(sandbox) == ["client.link_requested", "client.link_expired", "client.link_requested"]


def test_advancing_the_clock_runs_the_expiry_job_as_the_control_panel_does(sandbox, referral, client_body):
    conflict_of(referral, client_body("acme", email="anna@existing.example"))

    sandbox.advance_clock(7 * 86400 + 1)

    assert event_types(sandbox) == ["client.link_requested", "client.link_expired"]
    with sandbox.session() as s:
        assert s.scalars(select(LinkRequest.status)).one() == "expired"


def test_the_hourly_job_expires_requests_past_their_ttl_only(sandbox, referral, client_body):
    conflict_of(referral, client_body("acme", email="anna@existing.example"))
    sandbox.advance_clock(6 * 86400, run_jobs=False)
    with sandbox.session() as s:
        assert domain.expire_link_requests(s) == 0
    sandbox.advance_clock(86400, run_jobs=False)

    with sandbox.session() as s:
        assert domain.expire_link_requests(s) == 1
        token = s.scalars(select(LinkRequest.token)).one()
    with sandbox.session() as s, pytest.raises(LinkRequestUnavailable) as raised:
        domain.approve_link_request(s, token)
    assert raised.value.reason == "expired"


def test_approval_links_the_account_non_attributed_and_carries_the_cases_through(
    sandbox, referral, client_body, case_body
):
    payload = client_body("acme", email="anna@existing.example", cases=[case_body("DE", creditorReference="INV-7")])
    conflict = conflict_of(referral, payload)

    with sandbox.session() as s:
        domain.approve_link_request(s, token_of(conflict.approval_url))

    client = referral.get_client("acme")
    assert client.is_attributed_client is False
    assert client.onboarding_done is False
    cases = referral.list_cases(external_tenant_id="acme").items
    assert [(case.creditor_reference, case.lifecycle) for case in cases] == [("INV-7", "Pending contract signing")]
    assert event_types(sandbox) == ["client.link_requested", "client.linked", "case.created"]
    assert referral.create_client(raw(payload)).status == 202


def test_a_second_approval_of_the_same_link_is_refused_as_already_used(sandbox, referral, client_body):
    token = token_of(conflict_of(referral, client_body("acme", email="anna@existing.example")).approval_url)
    first, second = sandbox.new_session(), sandbox.new_session()
    try:
        first_view = domain.link_request_by_token(first, token)
        second_view = domain.link_request_by_token(second, token)
        assert first_view.status == second_view.status == "pending"
        domain.approve_link_request(first, token)
        first.commit()

        with pytest.raises(LinkRequestUnavailable) as raised:
            domain.approve_link_request(second, token)
        assert raised.value.reason == "used"
        second.rollback()
    finally:
        first.close()
        second.close()
    assert event_types(sandbox).count("client.linked") == 1


def test_declining_fires_link_declined_and_a_new_call_asks_again(sandbox, referral, client_body):
    payload = client_body("acme", email="anna@existing.example")
    first = conflict_of(referral, payload)
    with sandbox.session() as s:
        domain.decline_link_request(s, token_of(first.approval_url))

    again = conflict_of(referral, payload)

    assert again.approval_url != first.approval_url
    assert event_types(sandbox) == ["client.link_requested", "client.link_declined", "client.link_requested"]
    with sandbox.session() as s:
        declined = s.scalars(select(WebhookEvent).where(WebhookEvent.event_type == "client.link_declined")).one()
        assert "isAttributed" not in declined.envelope["data"]["creditor"]


def test_choosing_a_new_entity_on_the_choice_page_creates_a_separate_creditor(sandbox, referral, client_body):
    conflict = conflict_of(referral, client_body("acme", email="choice.anna@existing.example"))
    with sandbox.session() as s:
        existing_id = domain.link_request_by_token(s, token_of(conflict.approval_url)).creditor_id
        link = domain.approve_link_request(s, token_of(conflict.approval_url), choice="new")
        assert link.creditor_id != existing_id

    assert referral.get_client("acme").company.company_name == "Acme Ltd"


@pytest.mark.parametrize(
    ("email", "conflict_type"),
    [
        ("anna@other-partner.example", "AlreadyLinkedToAnotherPartner"),
        ("anna@collector.example", "InvalidClientType"),
    ],
)
def test_accounts_that_cannot_be_linked_are_refused(sandbox, referral, client_body, email, conflict_type):
    conflict = conflict_of(referral, client_body("acme", email=email))

    assert conflict.conflict_type == conflict_type
    assert event_types(sandbox) == []


def test_both_documented_spellings_of_the_other_partner_conflict_are_answered(sandbox, referral, client_body,
                                                                             contract_check):
    with sandbox.session() as s:
        domain.link_email_to_other_partner(s, "billing@taken.example")

    conflict_of(referral, client_body("acme", email="anna@other-partner.example"))
    conflict_of(referral, client_body("acme", email="billing@taken.example"))

    wire_types = [answer.json()["type"] for _, answer in contract_check if answer.status_code == 409]
    assert wire_types == ["AlreadyLinkedToAnotherPartner", "ClientAlreadyLinkedToAnotherPartner"]
    assert event_types(sandbox) == []


def test_an_email_already_linked_under_another_tenant_id_is_refused(referral, client_body):
    referral.create_client(raw(client_body("acme", email="anna@acme.example")))

    conflict = conflict_of(referral, client_body("acme-2", email="anna@acme.example"))

    assert conflict.conflict_type == "AlreadyLinkedDifferentTenant"
    assert conflict.data["existingExternalTenantId"] == "acme"


def test_the_approval_window_follows_the_partners_ttl(sandbox, referral, client_body):
    with sandbox.session() as s:
        domain.state(s).approval_ttl_days = 30
    conflict_of(referral, client_body("acme", email="anna@existing.example"))

    with sandbox.session() as s:
        request = s.scalars(select(LinkRequest)).one()
        assert (request.expires_at - request.created_at).days == 30
