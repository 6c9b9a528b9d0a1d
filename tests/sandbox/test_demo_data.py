"""The demo data: every state the dashboard must show is there, the same on every load, and bulk growth is fast."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.debitura import Conflict, NotFound, WebhookSubscription
from dashboard.debitura.types.revenue import REVENUE_STAGES
from dashboard.sandbox import Sandbox, demo, reference
from dashboard.sandbox.models import Case, ClientLink, LinkRequest, SandboxState
from tests.raw_body import raw


@pytest.fixture(scope="module")
def demo_database(shared_sandbox, tmp_path_factory) -> Path:
    """The demo, loaded once per module into a database file of its own."""
    box = shared_sandbox[0]
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    loader = Sandbox(replace(box.config, database_url=f"sqlite:///{path}"))
    loader.create_schema()
    loader.load_demo()
    loader.close()
    return path


@pytest.fixture
def demo_sandbox(sandbox, shared_sandbox, demo_database):
    """The test sandbox holding a fresh copy of the demo."""
    database = shared_sandbox[1]
    sandbox.engine.dispose()
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(demo_database, database)
    return sandbox


def tenants(scenario: str) -> list[demo.DemoTenant]:
    return [tenant for tenant in demo.demo_tenants() if tenant.scenario == scenario]


def test_the_demo_loads_only_into_an_empty_sandbox(sandbox):
    assert sandbox.ensure_demo() is True
    assert sandbox.ensure_demo() is False
    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(ClientLink)) == 49


def test_about_sixty_tenants_cover_every_onboarding_and_link_state(demo_sandbox):
    everyone = demo.demo_tenants()

    assert 55 <= len(everyone) <= 65
    assert {tenant.scenario for tenant in everyone} == {
        "ready", "resign_needed", "onboarding_not_started", "onboarding_in_progress",
        "approval_pending", "link_declined", "link_expired", "withdrawn",
    }
    assert len({tenant.external_tenant_id for tenant in everyone}) == len(everyone)


def test_each_client_state_reads_back_through_the_api(demo_sandbox, referral):
    clients = {client.external_tenant_id: client for client in referral.iter_clients()}

    for tenant in tenants("ready"):
        assert clients[tenant.external_tenant_id].onboarding_done is True
        assert clients[tenant.external_tenant_id].is_attributed_client is tenant.attributed
    for tenant in tenants("resign_needed"):
        assert "/ui/ContractUpgrade/Sign/" in clients[tenant.external_tenant_id].onboarding_url
    for tenant in tenants("onboarding_not_started") + tenants("onboarding_in_progress"):
        assert "/ui/onboarding/companydetails/" in clients[tenant.external_tenant_id].onboarding_url
    assert Counter(client.is_attributed_client for client in clients.values())[False] >= 4
    for tenant in tenants("withdrawn") + tenants("approval_pending") + tenants("link_declined"):
        with pytest.raises(NotFound):
            referral.get_client(tenant.external_tenant_id)


def test_every_kyc_state_is_present(demo_sandbox, referral):
    statuses = Counter(str(client.kyc_status) for client in referral.iter_clients())

    assert set(statuses) == {"not_required", "pending", "verified"}
    assert statuses["verified"] == 3


def test_link_requests_wait_with_various_times_left_and_some_ended(demo_sandbox):
    now = demo_sandbox.now()
    with demo_sandbox.session() as s:
        requests_by_status = Counter(s.scalars(select(LinkRequest.status)))
        hours_left = sorted(
            (row.expires_at - now).total_seconds() / 3600
            for row in s.scalars(select(LinkRequest).where(LinkRequest.status == "pending"))
        )

    assert requests_by_status == {"pending": 5, "declined": 3, "expired": 3, "approved": 5}
    assert [round(hours) for hours in hours_left] == [3, 20, 47, 100, 160]


def test_conflict_payloads_get_their_409_and_change_nothing(demo_sandbox, referral):
    with demo_sandbox.session() as s:
        before = s.scalar(select(func.count()).select_from(LinkRequest))

    answers = {}
    for payload in demo.DEMO_CONFLICT_PAYLOADS:
        with pytest.raises(Conflict) as conflict:
            referral.create_client(raw(payload))
        answers[payload["externalTenantId"]] = (conflict.value.conflict_type, conflict.value.approval_url)

    assert {tenant: answer[0] for tenant, answer in answers.items()} == demo.DEMO_CONFLICT_TYPES
    assert set(demo.DEMO_CONFLICT_TYPES.values()) == {
        "AlreadyLinkedToAnotherPartner",
        "InvalidClientType",
        "AlreadyLinkedDifferentTenant",
        "ClientExistsNeedsLinking",
    }
    with pytest.raises(Conflict) as again:
        referral.create_client(raw(tenants("approval_pending")[0].payload))
    assert again.value.approval_url == answers[tenants("approval_pending")[0].external_tenant_id][1]
    with demo_sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkRequest)) == before


def test_one_pending_request_leads_to_the_choice_page(demo_sandbox, referral):
    urls = []
    for tenant in tenants("approval_pending"):
        with pytest.raises(Conflict) as conflict:
            referral.create_client(raw(tenant.payload))
        urls.append(conflict.value.approval_url)

    assert sum("/ReferralPartner/Choice?token=" in url for url in urls) == 1
    assert sum("/ReferralPartner/Approve?token=" in url for url in urls) == 4


def test_about_four_hundred_cases_cover_every_lifecycle_and_close_code(demo_sandbox, referral):
    cases = list(referral.iter_cases())

    assert 350 <= len(cases) <= 450
    assert {case.lifecycle for case in cases} == {display for _, display in reference.LIFECYCLES}
    assert {case.close_code for case in cases if case.lifecycle == "Closed"} == set(reference.CLOSE_CODES)
    with demo_sandbox.session() as s:
        test_cases = s.scalars(select(Case).where(Case.is_test.is_(True))).all()
    assert len(test_cases) >= 5
    assert all(case.collection_partner_id is None for case in test_cases)


def test_no_demo_case_is_dated_after_the_sandboxs_now(demo_sandbox, referral):
    now = demo_sandbox.now()

    dates = [(case.reference, name, getattr(case, name)) for case in referral.iter_cases()
             for name in ("date_created", "date_collection_started", "date_finished")]

    assert [entry for entry in dates if entry[2] is not None and entry[2] > now] == []
    started = {case.reference: case.date_collection_started for case in referral.iter_cases()}
    finished = {case.reference: case.date_finished for case in referral.iter_cases()}
    assert [ref for ref, end in finished.items() if end and started[ref] and end < started[ref]] == []


def test_cases_waiting_for_signatures_carry_a_working_signing_url(demo_sandbox, debitura, http, referral):
    waiting = list(referral.iter_cases(statuses=["PendingContractSigning"]))
    assert len(waiting) >= 8

    for item in waiting[:3]:
        case = debitura.get_customer_case(item.client.external_tenant_id, item.id)
        assert "/ui/Signing/PendingContracts?link=" in case.signing_handoff_url
        page = http.get(case.signing_handoff_url)
        assert page.status_code == 200 and "<h1>Sign the" in page.text


def test_a_year_of_revenue_fills_all_seven_stages(demo_sandbox, referral):
    everything = referral.list_transactions(page_size=1)
    now = demo_sandbox.now()
    older_than_300_days = referral.list_transactions(page_size=1, to_date=(now - timedelta(days=300)).date())

    buckets = [getattr(everything.revenue, stage) for stage in REVENUE_STAGES]
    assert all(bucket.count > 0 and bucket.fee > 0 for bucket in buckets)
    assert everything.total_results >= 100
    assert older_than_300_days.total_results > 0


def test_the_demo_is_the_same_on_every_load(demo_sandbox):
    with demo_sandbox.session() as s:
        now = demo_sandbox.now()
        partner_id = s.scalars(select(ClientLink.partner_id)).first()
    first = demo.build_demo(now, partner_id, 7)
    second = demo.build_demo(now, partner_id, 7)

    assert [row["reference"] for row in first.cases] == [row["reference"] for row in second.cases]
    assert [row["token"] for row in first.link_requests] == [row["token"] for row in second.link_requests]
    assert first.transactions == second.transactions


def test_loading_the_demo_again_replaces_it_and_keeps_the_webhook_subscriptions(demo_sandbox, referral):
    referral.create_webhook(WebhookSubscription(url="https://hooks.test/in", events=["case.created"]))

    demo_sandbox.load_demo()

    with demo_sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(ClientLink)) == 49
        assert s.get(SandboxState, 1).sdca_version == demo.DEMO_SDCA_VERSION
    assert len(referral.list_webhooks()) == 1


def test_grow_bulk_inserts_and_the_case_list_stays_fast(sandbox, referral):
    # CPU time, not wall time: everything runs in this thread, and a busy machine must not fail the test.
    started = time.process_time()
    sandbox.grow(tenants=500, cases=5_000)
    grew = time.process_time() - started

    referral.list_cases(page_size=100)  # warm the statement cache
    timings = []
    for _ in range(5):
        started = time.process_time()
        page = referral.list_cases(page_size=100)
        timings.append(time.process_time() - started)

    print(f"\ngrow(500 tenants, 5,000 cases): {grew:.2f} s CPU; GET /cases?PageSize=100 at 5,000 cases through "
          f"the client: median {sorted(timings)[2] * 1000:.1f} ms CPU")
    assert page.total_results == 5_000
    assert len(page.items) == 100
    assert grew < 5
    assert sorted(timings)[2] < 0.1


def test_grow_can_run_twice_without_colliding(sandbox):
    sandbox.grow(tenants=10, cases=50)
    sandbox.grow(tenants=10, cases=50)

    with sandbox.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 100
        assert s.scalar(select(func.count(func.distinct(ClientLink.external_tenant_id)))) == 20


def test_the_demo_workspaces_hold_partner_questions_payments_document_requests_and_account_tasks(
    demo_sandbox, referral, http
):
    from dashboard.sandbox.models import CaseTask, ChatMessage

    with demo_sandbox.session() as s:
        tasks = s.scalars(select(CaseTask).where(CaseTask.status == "Open")).all()
        kinds = Counter(task.type for task in tasks)
        asked = next(task for task in tasks if task.type == "ReplyToChat")
        tenant = s.get_one(Case, asked.case_id).link.external_tenant_id
        case_id = asked.case_id
        needs_info = next(task for task in tasks if task.type == "MoreInfoNeeded")
        needs_tenant = s.get_one(Case, needs_info.case_id).link.external_tenant_id
        account_task = next(task for task in tasks if task.type == "AssignBankAccount")
        account_tenant = s.scalars(
            select(ClientLink.external_tenant_id).where(ClientLink.creditor_id == account_task.creditor_id)
        ).first()
        paid = s.scalars(select(Case).where(Case.close_code == "Paid", Case.is_test.is_(False))).first()
        assert s.scalar(select(func.count()).select_from(ChatMessage)) >= kinds["ReplyToChat"]
    assert kinds["ReplyToChat"] >= 5 and kinds["MoreInfoNeeded"] >= 3 and kinds["SignContract"] >= 1

    def get(path: str, who: str):
        token = referral.mint_token(who).access_token
        answer = http.get(f"{demo_sandbox.urls.customer_api}{path}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        return answer.json()

    assert get(f"/cases/{case_id}/chats", tenant)[-1]["roleLabel"] == "Partner"
    assert "ReplyToChat" in {task["type"] for task in get(f"/cases/{case_id}/tasks", tenant)}
    assert get(f"/cases/{needs_info.case_id}/validation", needs_tenant)["items"]
    assert "AssignBankAccount" in {task["type"] for task in get("/tasks?PageSize=100", account_tenant)["tasks"]}
    payments = get(f"/cases/{paid.id}/payments", paid.link.external_tenant_id)
    assert sum(Decimal(str(p["grossAmount"])) for p in payments) == paid.gross_amount
