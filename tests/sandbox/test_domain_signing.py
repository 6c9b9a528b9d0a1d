"""Onboarding and signing transitions, as the hosted pages and the control panel call them."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from dashboard.sandbox import domain, reference
from dashboard.sandbox.errors import StepNotAvailable
from dashboard.sandbox.models import Case, ContractSignature, WebhookEvent
from dashboard.sandbox.validation import KycInput
from tests.raw_body import raw

RHEIN = reference.partner_by_name("Rhein Forderungsmanagement GmbH")
NORDIC = reference.partner_by_name("Nordic Inkasso A/S")


def events(s) -> list[str]:
    return [event.event_type for event in s.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))]


@pytest.fixture
def new_client(referral, client_body, case_body):
    """A 202 client with one German and one Danish case waiting for signing."""
    referral.create_client(raw(client_body("acme", cases=[case_body("DE"), case_body("DK")])))
    return referral


def link_of(s, tenant: str = "acme"):
    return domain.active_link(s, tenant)


def test_completing_onboarding_signs_the_poas_first_then_the_sdca_and_releases_the_cases(sandbox, new_client):
    with sandbox.session() as s:
        link = link_of(s)
        domain.complete_onboarding(s, link.id)

        assert (link.status, link.onboarding_step) == ("ready", "done")
        assert events(s) == [
            "case.created", "case.created", "client.onboarding.poa_signed", "client.onboarding.contract_signed",
            "case.updated", "case.updated",
        ]
        lifecycles = set(s.scalars(select(Case.lifecycle)))
        kinds = set(s.scalars(select(ContractSignature.kind).where(ContractSignature.collection_partner_id == RHEIN.id)))
    assert lifecycles == {"Pending Verification Internal"}
    assert kinds == {"poa", "jpa"}


def test_onboarding_without_cases_only_signs_the_contract(sandbox, referral, client_body):
    referral.create_client(raw(client_body("solo")))

    with sandbox.session() as s:
        domain.complete_onboarding(s, link_of(s, "solo").id)
        assert events(s) == ["client.onboarding.contract_signed"]


def test_the_onboarding_progress_is_remembered_until_done(sandbox, new_client):
    with sandbox.session() as s:
        link = domain.record_onboarding_step(s, link_of(s).id, "users")
        assert link.onboarding_step == "users"
        domain.complete_onboarding(s, link.id)
        assert domain.record_onboarding_step(s, link.id, "users").onboarding_step == "done"


def test_a_contract_upgrade_needs_a_first_signature(sandbox, new_client):
    with sandbox.session() as s, pytest.raises(StepNotAvailable):
        domain.sign_contract_upgrade(s, link_of(s).id)


def test_a_contract_upgrade_signs_the_new_version_once(sandbox, ready_client):
    link_id = ready_client("acme")
    with sandbox.session() as s:
        assert domain.publish_sdca_version(s) == 2
        assert domain.sdca_current(s, link_of(s).creditor) is False
        domain.sign_contract_upgrade(s, link_id)
        domain.sign_contract_upgrade(s, link_id)
        assert link_of(s).creditor.sdca_signed_version == 2
        assert events(s).count("client.onboarding.contract_signed") == 2


def test_a_poa_alone_does_not_release_cases_while_the_sdca_is_unsigned(sandbox, new_client):
    with sandbox.session() as s:
        domain.sign_power_of_attorney(s, link_of(s).id, NORDIC.id)
        assert set(s.scalars(select(Case.lifecycle))) == {"Pending contract signing"}
        assert events(s)[-1] == "client.onboarding.poa_signed"
        assert domain.pending_signing_steps(s, link_of(s).creditor_id) == ["sdca", f"poa:{RHEIN.id}"]


def test_signing_the_poa_of_a_carve_out_partner_also_signs_its_jpa(sandbox, ready_client):
    link_id = ready_client("acme")
    with sandbox.session() as s:
        domain.sign_power_of_attorney(s, link_id, RHEIN.id)
        creditor_id = link_of(s).creditor_id
        assert domain.partner_contracts_signed(s, creditor_id, RHEIN.id, "DE") is True
        assert domain.partner_contracts_signed(s, creditor_id, NORDIC.id, "DK") is False


def test_an_unknown_partner_cannot_be_signed_for(sandbox, new_client):
    with sandbox.session() as s, pytest.raises(StepNotAvailable):
        domain.sign_power_of_attorney(s, link_of(s).id, "not-a-partner")


def test_a_withdrawn_link_offers_no_hosted_steps(sandbox, new_client):
    with sandbox.session() as s:
        link_id = link_of(s).id
    new_client.withdraw_client("acme")

    with sandbox.session() as s, pytest.raises(StepNotAvailable):
        domain.complete_onboarding(s, link_id)


def test_combined_signing_walks_every_step_including_kyc(sandbox, referral, client_body, case_body):
    referral.create_client(raw(client_body("uk", cases=[case_body("GB")])))
    kyc = KycInput(full_name="Anna Jensen", home_address="1 High St", date_of_birth=date(1980, 5, 1))
    with sandbox.session() as s:
        creditor_id = link_of(s, "uk").creditor_id
        oriel = reference.partner_by_name("Oriel Collections").id
        assert domain.pending_signing_steps(s, creditor_id) == ["sdca", f"poa:{oriel}", "kyc"]

        moved = domain.complete_combined_signing(s, creditor_id, kyc=kyc)

        assert [case.lifecycle for case in moved] == ["Pending Verification Internal"]
        assert domain.pending_signing_steps(s, creditor_id) == []
        assert domain.latest_kyc(s, creditor_id).director_full_name == "Anna Jensen"


def test_a_finished_signing_chain_returns_with_completed_true():
    assert domain.with_completed_flag("https://app.example/done?x=1") == "https://app.example/done?x=1&completed=true"
    assert domain.with_completed_flag("https://app.example/done") == "https://app.example/done?completed=true"


def test_review_needs_a_submission_and_a_known_status(sandbox, referral, client_body):
    referral.create_client(raw(client_body("acme")))

    with sandbox.session() as s, pytest.raises(StepNotAvailable):
        domain.review_kyc(s, "acme")
    with sandbox.session() as s, pytest.raises(ValueError):
        domain.review_kyc(s, "acme", status="Approved")


def test_the_combined_signing_url_names_the_link_and_the_return_url(sandbox):
    url = sandbox.urls.combined_signing("link-1", "https://app.example/back?a=1&b=2")

    query = parse_qs(urlsplit(url).query)
    assert query == {"link": ["link-1"], "returnUrl": ["https://app.example/back?a=1&b=2"]}


@pytest.mark.parametrize("days", [0, 31])
def test_the_approval_ttl_must_be_between_1_and_30_days(days):
    from dashboard.sandbox import SandboxConfig

    with pytest.raises(ValueError):
        SandboxConfig(approval_ttl_days=days)
