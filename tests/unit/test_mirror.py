"""The mirror: answers and webhooks folded into tenant and case rows, newest fact wins, in bulk."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from dashboard.debitura import ClientDetails, ClientUser, CreateClientRequest
from dashboard.debitura.errors import Conflict
from dashboard.debitura.types import Case as CustomerCase
from dashboard.debitura.types import CaseItem, Client
from dashboard.extensions import db
from dashboard.models import Case, Tenant
from dashboard.models.webhooks import APPLIED, RECORDED, STALE, UNKNOWN_TYPE
from dashboard.services import mirror, mirror_events

pytestmark = pytest.mark.shared_app

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def client(external_tenant_id="t-1", *, done=False, url="https://ui.example/onboarding/companydetails/L1", **extra) -> Client:
    body = {
        "externalTenantId": external_tenant_id,
        "onboardingDone": done,
        "onboardingLinks": {"url": url},
        "client": {"id": "cred-1", "companyName": "Acme ApS", "officeEmail": "billing@acme.example",
                   "companyRegistrationNumber": "DK123", "country": "Denmark"},
        "users": [{"id": 1, "email": "anna@acme.example", "firstName": "Anna", "lastName": "Berg"}],
        "isAttributedClient": True,
        "dateLinked": "2026-02-20T10:00:00Z",
        "caseStats": {"casesTotal": 3, "casesClosed": 1, "earningsUsd": 12.5},
        "kycStatus": "not_required",
        **extra,
    }
    return Client.from_json(body)


def envelope_data(external_tenant_id="t-1", **extra):
    return {"externalTenantId": external_tenant_id,
            "creditor": {"id": "cred-1", "companyName": "Acme ApS", "isAttributed": False}, **extra}


def test_a_202_answer_creates_a_tenant_in_onboarding_with_its_url_and_facts(ctx):
    tenant = mirror.upsert_tenant_from_client(client(), source="api", status=202, as_of=T0)

    assert tenant.id is not None
    assert tenant.state == "onboarding"
    assert tenant.onboarding_url.endswith("/companydetails/L1")
    assert tenant.onboarding_started_at == datetime(2026, 2, 20, 10, 0, tzinfo=UTC)  # when the link was made
    assert tenant.company_name == "Acme ApS" and tenant.creditor_id == "cred-1"
    assert tenant.users == [{"email": "anna@acme.example", "name": "Anna Berg", "isOnboardingUser": False}]
    assert tenant.earnings_usd == Decimal("12.5") and tenant.cases_total == 3
    assert "dk123" in tenant.search_text and "anna@acme.example" in tenant.search_text
    assert tenant.last_seen_source == "api"


def test_a_201_answer_makes_the_tenant_ready_and_drops_the_url(ctx):
    mirror.upsert_tenant_from_client(client(), source="api", status=202, as_of=T0)
    tenant = mirror.upsert_tenant_from_client(client(done=True), source="api", status=201, as_of=T0 + timedelta(minutes=5))

    assert tenant.state == "ready"
    assert tenant.onboarding_url is None


def test_a_contract_upgrade_url_means_re_sign_needed(ctx):
    tenant = mirror.upsert_tenant_from_client(
        client(done=True, url="https://ui.example/ContractUpgrade/Sign/L1"), source="api", status=202, as_of=T0
    )

    assert tenant.state == "resign_needed"


def test_the_onboarding_flag_sent_by_us_survives_a_sighting_that_lacks_it(ctx):
    tenant = mirror.tenant_for("t-1")
    tenant.users = [{"email": "Anna@acme.example", "name": "Anna", "isOnboardingUser": True}]
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)

    assert tenant.users[0]["isOnboardingUser"] is True


@pytest.mark.postgres
def test_a_needs_linking_conflict_records_the_approval_url_and_a_deadline(ctx, app):
    conflict = Conflict("exists", conflict_type="ClientExistsNeedsLinking",
                        approval_url="https://ui.example/ReferralPartner/Approve?token=abc")
    request = CreateClientRequest("t-9", ClientDetails(name="Old Account A/S", country="DK", support_email="x@existing.example"),
                                  (ClientUser("Bo", "bo@existing.example", is_onboarding_user=True),))

    tenant = mirror.record_conflict("t-9", conflict, request=request, as_of=T0)

    assert tenant.state == "approval_pending"
    assert tenant.approval_url.endswith("token=abc")
    assert tenant.approval_expires_at == T0 + timedelta(days=app.config.get("DEBITURA_APPROVAL_TTL_DAYS", 7))
    assert tenant.company_name == "Old Account A/S" and tenant.is_attributed is False

    again = mirror.record_conflict("t-9", conflict, request=request, as_of=T0 + timedelta(hours=2))
    assert again.approval_expires_at == tenant.approval_expires_at  # same pending request, same deadline


@pytest.mark.parametrize(
    ("conflict_type", "state"),
    [("AlreadyLinkedToAnotherPartner", "other_partner"), ("InvalidClientType", "invalid_client_type"),
     ("AlreadyLinkedDifferentTenant", "tenant_conflict")],
)
def test_hard_conflicts_become_their_own_states(ctx, conflict_type, state):
    tenant = mirror.record_conflict("t-2", Conflict("no", conflict_type=conflict_type), as_of=T0)

    assert tenant.state == state
    assert tenant.approval_url is None


def test_an_answer_fetched_before_a_newer_webhook_does_not_undo_it(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)
    assert mirror_events.apply_event("client.onboarding.contract_signed", envelope_data(), occurred_at=T0 + timedelta(minutes=2)) == APPLIED
    db.session.commit()

    # A sync page read a minute before the signature lands afterwards: it must not reopen onboarding.
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0 + timedelta(minutes=1))

    tenant = mirror.find_tenant("t-1")
    assert tenant.state == "ready"
    assert tenant.onboarding_done is True


@pytest.mark.postgres
def test_link_events_in_any_order_end_in_the_newest_state(ctx):
    data = envelope_data("t-5")
    assert mirror_events.apply_event("client.linked", data, occurred_at=T0 + timedelta(hours=1)) == APPLIED
    assert mirror_events.apply_event("client.link_requested", data, occurred_at=T0) == STALE
    db.session.commit()

    tenant = mirror.find_tenant("t-5")
    assert tenant.link_request_status == "approved"
    assert tenant.is_attributed is False
    assert tenant.state == "onboarding"  # linked, but Debitura has not said the agreement is signed


def test_link_requested_takes_debituras_own_deadline(ctx):
    mirror_events.apply_event("client.link_requested", envelope_data("t-6", expiresAt="2026-03-04T12:00:00Z"), occurred_at=T0)
    db.session.commit()

    tenant = mirror.find_tenant("t-6")
    assert tenant.state == "expired" or tenant.approval_expires_at == datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert tenant.approval_expires_at == datetime(2026, 3, 4, 12, tzinfo=UTC)


def test_declined_and_expired_events_close_the_request(ctx):
    mirror_events.apply_event("client.link_requested", envelope_data("t-7"), occurred_at=T0)
    mirror_events.apply_event("client.link_declined", envelope_data("t-7"), occurred_at=T0 + timedelta(days=1))
    mirror_events.apply_event("client.link_requested", envelope_data("t-8"), occurred_at=T0)
    mirror_events.apply_event("client.link_expired", envelope_data("t-8"), occurred_at=T0 + timedelta(days=7))
    db.session.commit()

    assert mirror.find_tenant("t-7").state == "declined"
    assert mirror.find_tenant("t-8").state == "expired"


def test_the_poa_alone_is_recorded_without_finishing_onboarding(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)

    assert mirror_events.apply_event("client.onboarding.poa_signed", envelope_data(), occurred_at=T0 + timedelta(minutes=1)) == RECORDED
    assert mirror.find_tenant("t-1").state == "onboarding"


@pytest.mark.postgres
def test_case_events_never_move_a_case_backwards(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)
    db.session.commit()
    closed = {"caseId": "c-1", "reference": "R-1", "externalTenantId": "t-1", "lifecycle": "Closed", "closeCode": "Paid"}
    updated = {"caseId": "c-1", "reference": "R-1", "externalTenantId": "t-1", "lifecycle": "Active", "oldLifecycle": "Collecting Quotes"}

    assert mirror_events.apply_event("case.closed", closed, occurred_at=T0 + timedelta(hours=2)) == APPLIED
    assert mirror_events.apply_event("case.updated", updated, occurred_at=T0 + timedelta(hours=1)) == STALE
    db.session.commit()

    case = db.session.get(Case, "c-1")
    assert (case.lifecycle, case.close_code) == ("Closed", "Paid")
    assert case.tenant.external_tenant_id == "t-1"


def test_unknown_event_types_are_reported_as_such(ctx):
    assert mirror_events.apply_event("client.renamed", {"externalTenantId": "t-1"}, occurred_at=T0) == UNKNOWN_TYPE


def customer_case(case_id="c-2", lifecycle="Pending contract signing") -> CustomerCase:
    return CustomerCase.from_json({
        "id": case_id, "reference": "R-2", "creditorReference": "INV-2", "lifecycle": lifecycle, "isTestCase": True,
        "currency": "EUR", "grossAmount": Decimal("1500.25"), "creditor": {"id": "cred-1", "companyName": "Acme ApS"},
        "debtor": {"name": "Debtor Ltd", "countryAlpha2": "GB"},
        "signingHandoff": {"combinedSigningUrl": "https://ui.example/Signing/PendingContracts?link=L1"},
    })


def test_a_customer_api_case_finds_its_tenant_by_creditor_and_keeps_its_signing_url(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)

    case = mirror.upsert_case(customer_case(), source="api")

    assert case.tenant.external_tenant_id == "t-1"
    assert case.signing_url.endswith("link=L1")
    assert case.is_test is True and case.gross_amount == Decimal("1500.25")
    assert "inv-2" in case.search_text


def test_a_referral_case_item_moves_the_case_on_and_drops_the_signing_url(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)
    mirror.upsert_case(customer_case(), source="api")
    item = CaseItem.from_json({"id": "c-2", "reference": "R-2", "lifecycle": "Active", "grossAmount": Decimal("1500.25"),
                               "currency": "EUR", "client": {"externalTenantId": "t-1", "companyName": "Acme ApS"},
                               "debtor": {"name": "Debtor Ltd", "country": "United Kingdom"}})

    case = mirror.upsert_case(item, source="sync")

    assert case.lifecycle == "Active"
    assert case.signing_url is None
    assert case.is_test is True  # the referral listing does not say, so what we knew stays


@pytest.mark.postgres
def test_a_batch_of_cases_costs_the_same_queries_whatever_its_size(ctx):
    mirror.upsert_tenant_from_client(client(), source="sync", as_of=T0)
    db.session.commit()

    def batch(prefix: str, size: int):
        return [CaseItem.from_json({"id": f"{prefix}-{n}", "lifecycle": "Active", "client": {"externalTenantId": "t-1"}})
                for n in range(size)]

    with counted_statements() as small:
        mirror.upsert_cases(batch("a", 2), source="sync", as_of=T0)
        db.session.commit()
    with counted_statements() as large:
        mirror.upsert_cases(batch("b", 60), source="sync", as_of=T0)
        db.session.commit()

    selects = lambda statements: [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects(large)) == len(selects(small)) <= 3
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 62


def test_overdue_approvals_expire_without_waiting_for_the_webhook(ctx):
    mirror.record_conflict("t-3", Conflict("x", conflict_type="ClientExistsNeedsLinking", approval_url="https://u/a"), as_of=T0)

    assert mirror.expire_overdue_approvals(T0 + timedelta(days=1)) == 0
    assert mirror.expire_overdue_approvals(T0 + timedelta(days=30)) == 1
    assert db.session.scalar(select(Tenant.state).where(Tenant.external_tenant_id == "t-3")) == "expired"
