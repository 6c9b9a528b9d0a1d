"""Bulk growth for volume tests: ready tenants and cases added with executemany inserts."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from dashboard.sandbox import clock, reference
from dashboard.sandbox.demo.cases import LIFECYCLE_WEIGHTS, CasePlan, add_case
from dashboard.sandbox.demo.draw import pick
from dashboard.sandbox.demo.names import PROFILES, ROOTS, TENANT_COUNTRIES, TRADES
from dashboard.sandbox.demo.rows import Builder
from dashboard.sandbox.demo.tenants import SEED, DemoTenant
from dashboard.sandbox.models import Case, ClientLink, Partner, SandboxState
from dashboard.sandbox.store import Store


def grow(store: Store, tenants: int, cases: int, *, seed: int = SEED) -> None:
    """Add `tenants` ready tenants and `cases` cases spread over them, with bulk inserts."""
    if tenants < 1 and cases > 0:
        raise ValueError("cases need tenants to belong to")
    with store.session() as s:
        now = clock.now(s).replace(microsecond=0)
        partner_id = s.scalars(select(Partner.id)).one()
        version = s.get_one(SandboxState, clock.STATE_ID).sdca_version
        start = s.scalar(select(func.count()).select_from(ClientLink)) or 0
        case_start = s.scalar(select(func.count()).select_from(Case)) or 0
        rng = random.Random(seed + start)
        builder = Builder(now=now, partner_id=partner_id, rng=rng)
        links: list[tuple[DemoTenant, str, str]] = []
        for number in range(start, start + tenants):
            country = TENANT_COUNTRIES[number % len(TENANT_COUNTRIES)]
            legal, currency, cities = PROFILES[country]
            tenant = DemoTenant(
                external_tenant_id=f"bulk-{number:06d}",
                scenario="ready",
                company=f"{ROOTS[number % len(ROOTS)]} {TRADES[number // len(ROOTS) % len(TRADES)]} {number} {legal}",
                country=country,
                city=cities[number % len(cities)],
                currency=currency,
                users=((f"Bulk User {number}", f"owner{number}@bulk{number}.example"),),
                age_days=rng.randint(30, 700),
            )
            creditor_id = builder.creditor(tenant, signed=version, kyc_required=False)
            links.append((tenant, creditor_id, builder.link(tenant, creditor_id, status="ready", step="done")))
        signed: set[tuple[str, str]] = set()
        plans = [CasePlan(name) for name, weight in LIFECYCLE_WEIGHTS for _ in range(weight) if name != "Closed"]
        closed_weight = dict(LIFECYCLE_WEIGHTS)["Closed"]
        plans += [CasePlan("Closed", pick(rng, reference.CLOSE_CODES[:-1])) for _ in range(closed_weight)]
        for index in range(cases):
            tenant, creditor_id, link_id = pick(rng, links)
            plan = pick(rng, plans)
            created = now - timedelta(days=rng.random() * tenant.age_days)
            # Bulk references contain a 0, which demo references never do, so the two never collide.
            row = add_case(
                builder,
                tenant,
                link_id,
                creditor_id,
                plan,
                created=created,
                number=None,
                case_reference=f"G{_base36(case_start + index):>07}",
            )
            if row["collection_partner_id"]:
                signed.add((creditor_id, row["collection_partner_id"]))
        for creditor_id, partner_id_signed in sorted(signed):
            builder.sign(creditor_id, [partner_id_signed], now - timedelta(days=700))
        builder.rows.insert(s)


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text
