"""The triage home: each queue holds exactly its tenants or cases, says why, and offers the next step."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case
from dashboard.services.tenant_state import debitura_now
from tests.tenant_data import add_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.shared_app]


def section(html: str, key: str) -> str:
    start = html.index(f'id="queue-{key}"')
    end = html.find('<section class="card" id="queue-', start + 10)
    return html[start:end if end != -1 else None]


def seed(app, suffix: str = "") -> None:
    with app.app_context():
        now = debitura_now()
        pending = dict(conflict_type="ClientExistsNeedsLinking", link_request_status="pending")
        add_tenant(f"soon{suffix}", company=f"Soon{suffix} Ltd", approval_url=f"https://ui.example/Approve?token=soon{suffix}",
                   approval_expires_at=now + timedelta(hours=10), **pending)
        add_tenant(f"later{suffix}", company=f"Later{suffix} Ltd", approval_url="https://ui.example/Approve?token=later",
                   approval_expires_at=now + timedelta(days=5), **pending)
        add_tenant(f"lapsed{suffix}", company=f"Lapsed{suffix} Ltd", conflict_type="ClientExistsNeedsLinking", link_request_status="expired")
        add_tenant(f"said-no{suffix}", company=f"SaidNo{suffix} Ltd", conflict_type="ClientExistsNeedsLinking", link_request_status="declined")
        add_tenant(f"stuck{suffix}", company=f"Stuck{suffix} Ltd", onboarding_done=False,
                   onboarding_url=f"https://ui.example/onboarding/companydetails/stuck{suffix}", onboarding_started_at=now - timedelta(days=4))
        add_tenant(f"fresh{suffix}", company=f"Fresh{suffix} Ltd", onboarding_done=False,
                   onboarding_url="https://ui.example/onboarding/companydetails/fresh", onboarding_started_at=now - timedelta(days=1))
        add_tenant(f"resign{suffix}", company=f"Resign{suffix} Ltd", onboarding_done=True,
                   onboarding_url=f"https://ui.example/ContractUpgrade/Sign/resign{suffix}")
        blocked = add_tenant(f"uk{suffix}", company=f"UK{suffix} Ltd", onboarding_done=True, kyc_status="pending", kyc_blocked_cases=2)
        add_tenant(f"uk-done{suffix}", company=f"UKDone{suffix} Ltd", onboarding_done=True, kyc_status="pending",
                   kyc_blocked_cases=1, kyc_submitted_at=now)
        add_tenant(f"ready{suffix}", company=f"Ready{suffix} Ltd", onboarding_done=True)
        db.session.add(Case(id=f"case-sign{suffix}", tenant_id=blocked.id, external_tenant_id=blocked.external_tenant_id,
                            reference=f"REF-SIGN{suffix}", debtor_name="Debtor Ltd", gross_amount=Decimal("250.00"), currency="GBP",
                            lifecycle=PENDING_SIGNING, signing_url=f"https://ui.example/Signing/PendingContracts?link=sign{suffix}",
                            date_created=now - timedelta(days=2), is_test=False, needs_info=False, validation_items=[],
                            solution_urls=[], search_text=""))
        db.session.add(Case(id=f"case-active{suffix}", tenant_id=blocked.id, reference=f"REF-ACTIVE{suffix}", lifecycle="Active",
                            is_test=False, needs_info=False, validation_items=[], solution_urls=[], search_text=""))
        db.session.commit()


@pytest.fixture
def seeded(app):
    seed(app)


@pytest.mark.postgres
def test_each_queue_holds_exactly_its_rows_with_a_reason_and_a_next_step(client, operators, seeded):
    operators.login("operator")

    html = client.get("/triage/").get_data(as_text=True)

    expiring = section(html, "expiring")
    assert "Soon Ltd" in expiring and "Later Ltd" not in expiring
    assert "Approval link expires in 9 h" in expiring or "Approval link expires in 10 h" in expiring
    assert 'data-copy="https://ui.example/Approve?token=soon"' in expiring

    lost = section(html, "lost")
    assert "Lapsed Ltd" in lost and "SaidNo Ltd" in lost
    assert "expired" in lost and "Re-issue URL" in lost
    assert "declined the link" in lost and "Call or write to the customer." in lost

    stuck = section(html, "stuck")
    assert "Stuck Ltd" in stuck and "Fresh Ltd" not in stuck
    assert "Onboarding started 4 d ago and is not finished." in stuck
    assert 'data-copy="https://ui.example/onboarding/companydetails/stuck"' in stuck

    resign = section(html, "resign")
    assert "Resign Ltd" in resign and 'data-copy="https://ui.example/ContractUpgrade/Sign/resign"' in resign

    kyc = section(html, "kyc")
    assert "UK Ltd" in kyc and "UKDone Ltd" not in kyc
    assert "2 case submissions refused with MissingKycVerification" in kyc

    signing = section(html, "signing")
    assert "REF-SIGN" in signing and "REF-ACTIVE" not in signing
    assert 'data-copy="https://ui.example/Signing/PendingContracts?link=sign"' in signing
    assert "Waiting for signatures since 2 d ago" in signing

    assert "Ready Ltd" not in html


def test_every_queue_has_an_empty_state(client, operators):
    operators.login("viewer")

    html = client.get("/triage/").get_data(as_text=True)

    for message in ("No link request expires in the next 48 hours.", "No expired or declined link requests.",
                    "Nobody has been stuck in onboarding for more than 3 days.", "No client needs to re-sign the agreement.",
                    "No client is blocked by missing KYC.", "No case is waiting for signatures."):
        assert message in html
    assert "The mirror has never been synced." in html


def test_viewers_see_the_queues_without_action_buttons(client, operators, seeded):
    operators.login("viewer")

    html = client.get("/triage/").get_data(as_text=True)

    assert "Lapsed Ltd" in html and "Re-issue URL" not in html
    assert "Copy URL" in html  # copying is reading


def test_the_home_page_leads_to_triage(client, operators):
    operators.login("viewer")

    assert client.get("/").headers["Location"].endswith("/triage/")


def test_triage_issues_the_same_queries_however_long_the_queues(app, client, operators, seeded):
    operators.login("viewer")
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731

    event.listen(engine, "before_cursor_execute", listener)
    client.get("/triage/")
    few = len(seen)
    seed(app, "-2")
    seed(app, "-3")
    seen.clear()
    client.get("/triage/")
    event.remove(engine, "before_cursor_execute", listener)

    assert len(seen) == few


def test_triage_polls_cheaply_and_refreshes_when_a_case_changes(app, client, operators, seeded):
    operators.login("viewer")
    html = client.get("/triage/").get_data(as_text=True)
    poll = re.search(r'hx-get="(/triage/\?since=[^"]+)"', html).group(1)

    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204

    with app.app_context():
        db.session.get(Case, "case-sign").lifecycle = "Active"
        db.session.commit()
    fresh = client.get(poll, headers={"HX-Request": "true"})
    assert fresh.status_code == 200
    assert "No case is waiting for signatures." in fresh.get_data(as_text=True)
    assert "<html" not in fresh.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/triage/")

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
