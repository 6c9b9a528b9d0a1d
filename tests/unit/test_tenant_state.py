"""The derived tenant state: every state, its precedence, and the words shown to support staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.models import Tenant
from dashboard.services.tenant_state import STATE_CODES, STATES, derive_state, refresh_state

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def tenant(**facts) -> Tenant:
    return Tenant(external_tenant_id="t-1", company_name="Acme ApS", users=[], **facts)


CASES = {
    "ready": dict(onboarding_done=True),
    "onboarding": dict(onboarding_done=False, onboarding_url="https://ui.example/onboarding/companydetails/abc"),
    "resign_needed": dict(onboarding_done=True, onboarding_url="https://ui.example/ContractUpgrade/Sign/abc"),
    "approval_pending": dict(
        conflict_type="ClientExistsNeedsLinking", link_request_status="pending",
        approval_url="https://ui.example/ReferralPartner/Approve?token=x", approval_expires_at=NOW + timedelta(days=3),
    ),
    "declined": dict(conflict_type="ClientExistsNeedsLinking", link_request_status="declined"),
    "expired": dict(conflict_type="ClientExistsNeedsLinking", link_request_status="expired"),
    "other_partner": dict(conflict_type="AlreadyLinkedToAnotherPartner"),
    "invalid_client_type": dict(conflict_type="InvalidClientType"),
    "tenant_conflict": dict(conflict_type="AlreadyLinkedDifferentTenant"),
    "withdrawn": dict(onboarding_done=True, withdrawn_at=NOW - timedelta(days=1)),
}


def test_the_state_list_covers_every_documented_state_once():
    assert list(STATE_CODES) == list(CASES)
    assert len({info.label for info in STATES}) == len(STATES)


@pytest.mark.parametrize("code", list(CASES))
def test_each_state_is_derived_from_its_facts_with_an_explanation_and_a_next_step(code):
    state = derive_state(tenant(**CASES[code]), NOW)

    assert state.code == code
    assert state.label and state.explanation.endswith((".", "”")) and state.next_action


def test_the_spelling_client_already_linked_to_another_partner_means_the_same():
    assert derive_state(tenant(conflict_type="ClientAlreadyLinkedToAnotherPartner"), NOW).code == "other_partner"


def test_a_pending_approval_past_its_deadline_reads_as_expired_before_debitura_says_so():
    facts = dict(CASES["approval_pending"], approval_expires_at=NOW - timedelta(minutes=1))

    assert derive_state(tenant(**facts), NOW).code == "expired"


def test_a_pending_approval_says_how_much_time_is_left():
    facts = dict(CASES["approval_pending"], approval_expires_at=NOW + timedelta(days=1, hours=5, minutes=10))

    assert "expires in 1 d 5 h" in derive_state(tenant(**facts), NOW).explanation


def test_an_approved_link_falls_through_to_onboarding_facts():
    approved = tenant(conflict_type="ClientExistsNeedsLinking", link_request_status="approved", onboarding_done=True)

    assert derive_state(approved, NOW).code == "ready"


def test_a_link_missing_at_debitura_reads_as_withdrawn_whatever_else_is_known():
    gone = tenant(onboarding_done=True, conflict_type="AlreadyLinkedDifferentTenant", missing_since=NOW)

    assert derive_state(gone, NOW).code == "withdrawn"


def test_onboarding_says_how_long_ago_it_started():
    stuck = tenant(onboarding_done=False, onboarding_started_at=NOW - timedelta(days=4, hours=2))

    assert "started 4 days ago" in derive_state(stuck, NOW).explanation


def test_hard_conflicts_quote_what_debitura_said():
    blocked = tenant(conflict_type="InvalidClientType", conflict_message="The matched account is a collection partner.")

    assert "The matched account is a collection partner." in derive_state(blocked, NOW).explanation


def test_refresh_state_stores_the_code_and_notes_when_it_changed():
    row = tenant(**CASES["onboarding"])
    refresh_state(row, NOW)
    first_change = row.state_changed_at
    assert row.state == "onboarding"

    refresh_state(row, NOW)
    assert row.state_changed_at == first_change

    row.onboarding_done, row.onboarding_url = True, None
    refresh_state(row, NOW)
    assert row.state == "ready"
    assert row.state_changed_at >= first_change
