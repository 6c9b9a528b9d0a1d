"""The POST /clients payloads that only ever get a 409 answer, and which answer each gets.

`DEMO_CONFLICT_PAYLOADS` get AlreadyLinkedToAnotherPartner, InvalidClientType or AlreadyLinkedDifferentTenant
(see `DEMO_CONFLICT_TYPES`), plus the approval-pending tenants' own payloads, which get the same
ClientExistsNeedsLinking answer and URL every time. None of them changes the sandbox.
"""

from __future__ import annotations

from typing import Any

from dashboard.sandbox.demo.tenants import demo_tenants


def _conflicts() -> tuple[list[dict[str, Any]], dict[str, str]]:
    known = demo_tenants()
    taken_email = next(tenant for tenant in known if tenant.scenario == "ready").users[0][1]
    specs = [
        (
            "demo-conflict-other-partner",
            "AlreadyLinkedToAnotherPartner",
            "Fjordline Freight AS",
            "NO",
            ("Ola Nordmann", "ola.nordmann@other-partner.example"),
        ),
        (
            "demo-conflict-collector",
            "InvalidClientType",
            "Kredit Inkasso AS",
            "NO",
            ("Kari Hansen", "kari.hansen@collector.example"),
        ),
        (
            "demo-conflict-different-tenant",
            "AlreadyLinkedDifferentTenant",
            "Nordlys Digital ApS",
            "DK",
            ("Nordlys Admin", taken_email),
        ),
    ]
    payloads: list[dict[str, Any]] = []
    types: dict[str, str] = {}
    for tenant_id, conflict, company, country, (name, email) in specs:
        payloads.append(
            {
                "externalTenantId": tenant_id,
                "client": {"name": company, "country": country, "supportEmail": email},
                "users": [{"name": name, "email": email, "isOnboardingUser": True}],
            }
        )
        types[tenant_id] = conflict
    for tenant in known:
        if tenant.scenario == "approval_pending":
            payloads.append(tenant.payload)
            types[tenant.external_tenant_id] = "ClientExistsNeedsLinking"
    return payloads, types


DEMO_CONFLICT_PAYLOADS, DEMO_CONFLICT_TYPES = _conflicts()
