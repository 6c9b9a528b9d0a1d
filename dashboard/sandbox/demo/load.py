"""Loading the demo: every row built from the fixed seed, replacing whatever data the sandbox held."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.demo.cases import (
    CasePlan,
    add_case,
    country_for_partner_outside,
    coverage_plans,
    ready_case_plans,
)
from dashboard.sandbox.demo.revenue import add_transactions
from dashboard.sandbox.demo.rows import Builder, Rows
from dashboard.sandbox.demo.tenants import DEMO_SDCA_VERSION, SEED, demo_tenants
from dashboard.sandbox.demo.workspace import add_workspaces
from dashboard.sandbox.models import Base, ClientLink, Partner, SandboxState, WebhookSubscription
from dashboard.sandbox.store import Store


def build_demo(now: datetime, partner_id: str, ttl_days: int) -> Rows:
    """Every demo row, from the fixed seed, dated back from `now`."""
    builder = Builder(now=now.replace(microsecond=0), partner_id=partner_id, rng=random.Random(SEED + 1))
    coverage = coverage_plans()
    fees: dict[str, Decimal] = {}
    case_number = 1
    for tenant in demo_tenants():
        rng = builder.rng
        scenario = tenant.scenario
        if scenario in ("approval_pending", "link_declined", "link_expired"):
            creditor_id = builder.creditor(tenant, signed=rng.choice((1, 2)), kyc_required=False)
            status = {"approval_pending": "pending", "link_declined": "declined", "link_expired": "expired"}[scenario]
            builder.link_request(tenant, creditor_id, status=status, ttl_days=ttl_days)
            continue
        ready = scenario in ("ready", "resign_needed")
        signed = DEMO_SDCA_VERSION if scenario == "ready" else 1 if scenario == "resign_needed" else None
        creditor_id = builder.creditor(
            tenant, signed=signed, kyc_required=tenant.kyc != "not_required", deleted=scenario == "withdrawn"
        )
        status = "ready" if ready else "withdrawn" if scenario == "withdrawn" else "onboarding"
        step = "done" if ready else tenant.step or "companydetails"
        link_id = builder.link(tenant, creditor_id, status=status, step=step)
        fees[link_id] = builder.rows.links[-1]["fee_percentage_snapshot"]
        if not tenant.attributed:
            builder.link_request(tenant, creditor_id, status="approved", link_id=link_id, ttl_days=ttl_days)
        builder.kyc(tenant, creditor_id)
        linked = builder.ago(days=tenant.age_days)
        if ready:
            count = rng.randint(7, 12)
            plans = ready_case_plans(rng, count, coverage)
            if not tenant.attributed:
                # Cases the customer filed directly in Debitura earn the partner nothing.
                plans = [
                    CasePlan(plan.lifecycle, plan.close_code, via_partner=index % 3 != 2)
                    for index, plan in enumerate(plans)
                ]
            rows = []
            for plan in plans:
                created = linked + timedelta(days=rng.uniform(3, max(tenant.age_days - 3, 4)))
                rows.append(add_case(builder, tenant, link_id, creditor_id, plan, created=created, number=case_number))
                case_number += 1
            partners = {row["collection_partner_id"] for row in rows if row["collection_partner_id"]}
            builder.sign(creditor_id, partners, linked + timedelta(days=2))
            if scenario == "resign_needed" or rng.random() < 0.12:
                # Sent with allowPendingContracts after the new SDCA (or for a new collection partner).
                country = country_for_partner_outside(rng, partners)
                add_case(
                    builder,
                    tenant,
                    link_id,
                    creditor_id,
                    CasePlan("Pending contract signing"),
                    created=builder.ago(days=rng.uniform(0.5, 6)),
                    country=country,
                    number=case_number,
                )
                case_number += 1
        elif scenario in ("onboarding_not_started", "onboarding_in_progress", "withdrawn"):
            # Sent with the client: waiting for the contracts to be signed.
            for _ in range(rng.randint(1, 3)):
                plan = (
                    CasePlan("Closed", "CaseNeverStartedInternal")
                    if scenario == "withdrawn"
                    else CasePlan("Pending contract signing")
                )
                add_case(
                    builder,
                    tenant,
                    link_id,
                    creditor_id,
                    plan,
                    created=linked + timedelta(minutes=5),
                    number=case_number,
                )
                case_number += 1
    _test_cases(builder, fees)
    add_transactions(builder, builder.rows.cases, fees)
    add_workspaces(builder)
    return builder.rows


def _test_cases(builder: Builder, fees: dict[str, Decimal]) -> None:
    """A handful of isTest cases on one ready tenant, as an integration's CI run would leave them.

    The client reads them through the Customer API; the partner's GET /cases and counts never show them.
    """
    tenant = next(tenant for tenant in demo_tenants() if tenant.scenario == "ready")
    link = next(row for row in builder.rows.links if row["external_tenant_id"] == tenant.external_tenant_id)
    for index in range(6):
        add_case(
            builder,
            tenant,
            link["id"],
            link["creditor_id"],
            CasePlan(
                ("Pending Verification Internal", "Active", "Closed")[index % 3],
                "Paid" if index % 3 == 2 else None,
                is_test=True,
            ),
            created=builder.ago(days=index * 9 + 1),
            number=9000 + index,
        )


KEPT_TABLES = (SandboxState.__tablename__, Partner.__tablename__, WebhookSubscription.__tablename__)


def clear(s: Session) -> None:
    """Delete the sandbox's data; the state row, the partner and its webhook subscriptions (configuration,
    not data) stay. The demo replaces what was there, it never adds to it."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            s.execute(delete(table))


def ensure_demo(store: Store) -> bool:
    """Load the demo data into an empty sandbox; True when it was loaded."""
    with store.session() as s:
        if s.scalars(select(ClientLink.id)).first() is not None:
            return False
    load_demo(store)
    return True


def load_demo(store: Store) -> None:
    """Replace the sandbox's data with the demo data (the clock and the partner stay)."""
    with store.session() as s:
        clear(s)
        state = s.get_one(SandboxState, clock.STATE_ID)
        state.sdca_version = DEMO_SDCA_VERSION
        partner = s.scalars(select(Partner)).one()
        build_demo(clock.now(s), partner.id, state.approval_ttl_days).insert(s)
