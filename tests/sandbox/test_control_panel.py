"""The control panel: each form changes the sandbox the way Debitura would, and says what it did."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dashboard.debitura import (
    BusinessRuleError,
    Conflict,
    KycSubmission,
    RateLimited,
    ReferralApi,
    ServerError,
    WebhookSubscription,
)
from dashboard.sandbox import domain
from dashboard.sandbox.models import ClientLink, WebhookEvent
from tests.raw_body import raw


@pytest.fixture
def panel(sandbox, http):
    """`panel(path, **form)`: POST a control-panel form and return the page it redirects to."""

    def post(path: str, **form: str):
        answer = http.post(f"{sandbox.urls.control}{path}", data=form, allow_redirects=False)
        assert answer.status_code == 303, answer.text
        return http.get(f"{sandbox.urls.control}/")

    return post


def flashes(page) -> list[str]:
    return re.findall(r'<p class="flash[^"]*" role="\w+">([^<]*)</p>', page.text)


def event_types(sandbox) -> list[str]:
    with sandbox.session() as s:
        return list(s.scalars(select(WebhookEvent.event_type).order_by(WebhookEvent.created_at)))


def test_the_panel_shows_the_clock_and_has_an_empty_state_for_everything(sandbox, http):
    page = http.get(f"{sandbox.urls.control}/")

    assert page.status_code == 200
    assert "Sandbox time" in page.text and "in step with real time" in page.text
    for empty in ("No cases yet.", "No KYC submission is waiting for review.", "No faults are primed",
                  "No webhook subscriptions yet", "No webhook deliveries yet.", "No link request is waiting."):
        assert empty in page.text
    assert "<script" not in page.text and "style=" not in page.text


def test_advancing_the_clock_runs_the_hourly_expiry_job(sandbox, referral, panel):
    payload = {
        "externalTenantId": "ctl-expiry",
        "client": {"name": "Old Customer A/S", "country": "DK", "supportEmail": "books@existing.example"},
        "users": [{"name": "Bo", "email": "bo.ctl@existing.example", "isOnboardingUser": True}],
    }
    with pytest.raises(Conflict):
        referral.create_client(raw(payload))
    before = sandbox.now()

    page = panel("/clock", seconds=str(8 * 86400))

    assert sandbox.now() - before >= timedelta(days=8)
    assert flashes(page)[0].endswith("1 link request(s) expired.")
    assert "8 days" in page.text and "ahead of real time" in page.text
    assert "client.link_expired" in event_types(sandbox)


def test_a_custom_clock_advance_takes_a_unit_and_rejects_nonsense(sandbox, panel):
    before = sandbox.now()

    page = panel("/clock", amount="90", unit="minutes")
    assert timedelta(minutes=90) <= sandbox.now() - before < timedelta(minutes=91)
    assert "Sandbox time is now" in flashes(page)[0]

    assert flashes(panel("/clock", amount="soon", unit="hours")) == ["Enter a number for amount."]
    assert flashes(panel("/clock", amount="-3", unit="days")) == [
        "Advance the clock by a positive amount of at most 400 days."
    ]


def test_moving_a_case_to_closed_fires_updated_and_closed(sandbox, panel, debitura, ready_client, poa_signed,
                                                          case_body):
    ready_client("ctl-case")
    poa_signed("ctl-case", "Nordic Inkasso A/S")
    case = debitura.create_case("ctl-case", raw(case_body("DK")))

    page = panel("/cases/move", case_id=case.id, lifecycle="Closed", close_code="Debtor Untraceable")

    assert flashes(page) == [f"Case {case.reference} is now Closed (Debtor Untraceable)."]
    moved = debitura.referral.get_case(case.id)
    assert (moved.lifecycle, moved.close_code) == ("Closed", "Debtor Untraceable")
    assert event_types(sandbox)[-2:] == ["case.updated", "case.closed"]


def test_a_close_code_without_closing_is_refused(panel, debitura, ready_client, poa_signed, case_body):
    ready_client("ctl-case2")
    poa_signed("ctl-case2", "Nordic Inkasso A/S")
    case = debitura.create_case("ctl-case2", raw(case_body("DK")))

    page = panel("/cases/move", case_id=case.id, lifecycle="Active", close_code="Paid")

    assert flashes(page) == ["A close code only applies when the case is closed."]
    assert debitura.referral.get_case(case.id).lifecycle == "Pending Verification Internal"


def test_publishing_an_sdca_version_sends_ready_clients_back_to_signing(panel, referral, ready_client, client_body):
    ready_client("ctl-sdca")

    page = panel("/sdca")

    assert flashes(page) == ["SDCA version 2 published; every client must re-sign."]
    again = referral.create_client(raw(client_body("ctl-sdca")))
    assert again.status == 202
    assert "/ContractUpgrade/Sign/" in again.client.onboarding_url


def test_reviewing_kyc_makes_the_client_verified(sandbox, http, panel, referral, ready_client):
    ready_client("ctl-kyc")
    referral.submit_kyc("ctl-kyc", KycSubmission(director_full_name="Ada Moss", director_home_address="4 Park Rd, Bath", director_date_of_birth=date(1971, 1, 1)))
    assert '<option value="ctl-kyc">' in http.get(f"{sandbox.urls.control}/").text

    page = panel("/kyc/review", external_tenant_id="ctl-kyc")

    assert flashes(page) == ["KYC of ctl-kyc verified."]
    assert referral.get_client("ctl-kyc").kyc_status == "verified"
    assert "No KYC submission is waiting for review." in page.text


def test_a_kyc_submission_can_be_put_under_review(sandbox, panel, referral, ready_client):
    ready_client("ctl-kyc-2")
    referral.submit_kyc("ctl-kyc-2", KycSubmission(director_full_name="Ada Moss", director_home_address="4 Park Rd, Bath", director_date_of_birth=date(1971, 1, 1)))

    page = panel("/kyc/review", external_tenant_id="ctl-kyc-2", status="Processing")

    assert flashes(page) == ["KYC of ctl-kyc-2 is under review (Processing)."]
    client = referral.get_client("ctl-kyc-2")
    assert client.kyc_verification.verification_status == "Processing"
    assert client.kyc_status == "pending"
    assert '<option value="ctl-kyc-2">' in page.text  # still waiting for the final review
    assert flashes(panel("/kyc/review", external_tenant_id="ctl-kyc-2", status="Maybe")) == [
        "Choose Processing or Completed."
    ]


def test_blocking_a_creditor_makes_its_cases_answer_creditor_blocked(panel, debitura, ready_client, poa_signed,
                                                                     case_body):
    ready_client("ctl-block")
    poa_signed("ctl-block", "Nordic Inkasso A/S")

    page = panel("/creditors/blocked", external_tenant_id="ctl-block", blocked="yes")

    assert flashes(page) == ["Ctl-Block Ltd (ctl-block) is blocked: new cases answer 422 CreditorBlocked."]
    with pytest.raises(BusinessRuleError) as refused:
        debitura.create_case("ctl-block", raw(case_body()))
    assert refused.value.types == ["CreditorBlocked"]
    assert "Contact support" in refused.value.user_message
    assert flashes(panel("/creditors/blocked", external_tenant_id="ctl-block", blocked="no")) == [
        "Ctl-Block Ltd (ctl-block) is no longer blocked."
    ]
    assert debitura.create_case("ctl-block", raw(case_body())).lifecycle == "Pending Verification Internal"
    assert flashes(panel("/creditors/blocked", external_tenant_id="nobody")) == [
        "No active client link found for this externalTenantId."
    ]


def test_an_email_linked_to_another_partner_gets_the_client_spelling_of_the_409(panel, referral, client_body,
                                                                                contract_check):
    page = panel("/other-partner", email="Owner@Elsewhere.example")

    assert "owner@elsewhere.example now belongs to an account linked to another referral partner" in flashes(page)[0]
    with pytest.raises(Conflict) as conflict:
        referral.create_client(raw(client_body("ctl-other", email="owner@elsewhere.example")))
    assert conflict.value.conflict_type == "AlreadyLinkedToAnotherPartner"  # the client reads both spellings as one
    assert contract_check[-1][1].json()["type"] == "ClientAlreadyLinkedToAnotherPartner"
    assert flashes(panel("/other-partner", email="not an address")) == ["Enter a valid e-mail address."]


@pytest.fixture
def impatient(sandbox, http) -> ReferralApi:
    """A client that does not retry, so an injected failure surfaces."""
    return ReferralApi(sandbox.urls.referral_api, "sandbox-key", session=http, max_retries=0)


def test_faults_for_the_next_calls_hit_the_api_and_can_be_cleared(sandbox, panel, impatient):
    referral = impatient
    page = panel("/faults", kind="http_503", mode="next", count="1", path_prefix="/referral-api/me")
    assert flashes(page) == ["HTTP 503 unavailable on the next 1 call(s)."]
    assert "on the next 1 call(s) under /referral-api/me" in page.text

    with pytest.raises(ServerError):
        referral.me()
    assert referral.me().company_name == "Northwind Invoicing ApS"

    panel("/faults", kind="http_500", mode="ratio", percent="100", path_prefix="/referral-api/me")
    assert flashes(panel("/faults/clear")) == ["All faults cleared."]
    assert sandbox.faults.plan() == {}
    assert referral.me().company_name == "Northwind Invoicing ApS"


def test_fault_settings_are_checked(panel):
    assert flashes(panel("/faults", kind="meteor", mode="next", count="1")) == ["Choose a kind of fault."]
    assert flashes(panel("/faults", kind="latency", mode="next", count="0")) == ["Fail between 1 and 1000 calls."]
    assert flashes(panel("/faults", kind="latency", mode="ratio", percent="150")) == [
        "The share of calls must be between 1 and 100 %."
    ]


def test_rate_limiting_can_be_switched_on_and_off(panel, impatient):
    referral = impatient
    panel("/rate-limit", enabled="on", limit="1")

    referral.me()
    with pytest.raises(RateLimited):
        referral.me()

    assert flashes(panel("/rate-limit", limit="1")) == ["Rate limiting off (1 calls a minute)."]
    referral.me()


def test_pending_webhooks_can_be_pushed_out_from_the_panel(sandbox, panel, referral, ready_client):
    received = []
    sandbox.delivery_session.mount("https://hooks.test/", _recording_endpoint(received))
    referral.create_webhook(WebhookSubscription(url="https://hooks.test/in", events=["client.onboarding.contract_signed"]))
    ready_client("ctl-hook")

    page = panel("/webhooks/deliver")

    assert flashes(page) == ["1 webhook delivery attempt(s) made."]
    assert len(received) == 1
    assert "client.onboarding.contract_signed" in page.text and "delivered" in page.text


def test_reset_asks_first_then_restores_the_demo(sandbox, http, panel, ready_client):
    ready_client("ctl-gone")
    confirm = http.get(f"{sandbox.urls.control}/reset")
    assert "Yes, reset" in confirm.text

    cancelled = http.post(f"{sandbox.urls.control}/reset", data={}, allow_redirects=False)
    assert cancelled.status_code == 303
    with sandbox.session() as s:
        assert domain.active_link(s, "ctl-gone") is not None

    page = panel("/reset", confirm="yes")

    assert flashes(page) == ["The sandbox was reset to the demo data."]
    with sandbox.session() as s:
        assert domain.active_link(s, "ctl-gone") is None
        assert len(s.scalars(select(ClientLink.id)).all()) > 40


def test_a_form_posted_from_another_site_is_refused(sandbox, http):
    answer = http.post(f"{sandbox.urls.control}/sdca", headers={"Referer": "https://evil.example/page"},
                       allow_redirects=False)

    assert answer.status_code == 403
    with sandbox.session() as s:
        assert domain.state(s).sdca_version == 1


def _recording_endpoint(received: list):
    from dashboard.sandbox.transport import WsgiTransport

    def endpoint(environ, start_response):
        received.append(environ["PATH_INFO"])
        start_response("204 No Content", [])
        return [b""]

    return WsgiTransport(endpoint)


@pytest.fixture
def active_case(sandbox, ready_client, poa_signed, debitura, case_body):
    ready_client("ctl-ws")
    poa_signed("ctl-ws", "Nordic Inkasso A/S")
    case = debitura.create_case("ctl-ws", raw(case_body(amountToRecover=1000)))
    with sandbox.session() as s:
        domain.move_case(s, case.id, "Active")
    return case.id


def customer_get(sandbox, http, referral, path: str):
    token = referral.mint_token("ctl-ws").access_token
    answer = http.get(f"{sandbox.urls.customer_api}{path}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    return answer.json()


def test_the_partner_writes_on_a_case_and_the_client_gets_a_task(sandbox, http, referral, panel, active_case):
    page = panel("/workspace/message", case_id=active_case, message="Please confirm the amount.")

    assert "the client has a ReplyToChat task" in flashes(page)[0]
    assert customer_get(sandbox, http, referral, f"/cases/{active_case}/chats")[0]["message"] == "Please confirm the amount."
    assert [t["type"] for t in customer_get(sandbox, http, referral, f"/cases/{active_case}/tasks")] == ["ReplyToChat"]
    assert "Enter a message." in flashes(panel("/workspace/message", case_id=active_case, message=" "))


def test_a_payment_recorded_in_the_panel_is_listed_on_the_case(sandbox, http, referral, panel, active_case):
    page = panel("/workspace/payment", case_id=active_case, amount="250", recipient="Creditor", method="Cash")

    assert "250 EUR paid" in flashes(page)[0] and "750.00 EUR left" in flashes(page)[0]
    [payment] = customer_get(sandbox, http, referral, f"/cases/{active_case}/payments")
    assert (payment["grossAmount"], payment["recipient"], payment["method"]) == (250.0, "Creditor", "Cash")
    refused = panel("/workspace/payment", case_id=active_case, amount="lots", recipient="Creditor", method="Cash")
    assert "Enter the amount paid as a number." in flashes(refused)


def test_a_document_request_turns_the_case_to_more_info_required(sandbox, http, referral, panel, active_case):
    panel("/workspace/document-request", case_id=active_case, area="Documents", description="the delivery note")

    assert customer_get(sandbox, http, referral, f"/cases/{active_case}")["lifecycle"] == "More Info Required"
    validation = customer_get(sandbox, http, referral, f"/cases/{active_case}/validation")
    assert validation["items"] == [{"resolutionArea": "Documents", "description": "the delivery note"}]
    assert "MoreInfoNeeded" in {t["type"] for t in customer_get(sandbox, http, referral, f"/cases/{active_case}/tasks")}


def test_an_account_level_task_opens_and_solves_from_the_panel(sandbox, http, referral, panel, active_case):
    page = panel("/workspace/account-task", external_tenant_id="ctl-ws", type="AssignBankAccount")

    assert "ctl-ws has an open AssignBankAccount task." in flashes(page)
    [task] = customer_get(sandbox, http, referral, "/tasks")["tasks"]
    assert task["type"] == "AssignBankAccount" and task["caseId"] is None
    assert "Mark it solved" in page.text
    panel("/workspace/task/solve", task_id=task["id"])
    assert customer_get(sandbox, http, referral, "/tasks")["tasks"] == []
    assert "Choose one of" in flashes(panel("/workspace/account-task", external_tenant_id="ctl-ws", type="Nap"))[0]
