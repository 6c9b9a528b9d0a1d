"""The filtered tenant list as CSV rows, every page of it."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response

from dashboard import csv_export
from dashboard.services import tenants as tenant_service
from dashboard.services.tenant_state import debitura_now, state_info

COLUMNS = (
    "externalTenantId", "company", "state", "registrationNumber", "country", "supportEmail", "userEmails",
    "attributed", "kycStatus", "customerUrl", "approvalExpiresAt", "casesTotal", "stateSince", "lastSeenAt",
)


def _rows(filters: tenant_service.TenantFilter) -> Iterator[tuple]:
    now = debitura_now()
    for tenant in tenant_service.iter_filtered(filters):
        yield (
            tenant.external_tenant_id, tenant.company_name, state_info(tenant.state_at(now)).label, tenant.registration_number,
            tenant.country, tenant.support_email, " ".join(user.get("email") or "" for user in tenant.users or []),
            {True: "yes", False: "no"}.get(tenant.is_attributed, ""), tenant.kyc_status, tenant.customer_url_at(now),
            tenant.approval_expires_at, tenant.cases_total, tenant.state_since_at(now), tenant.last_seen_at,
        )


def csv_response(filters: tenant_service.TenantFilter) -> Response:
    return csv_export.download("tenants", COLUMNS, _rows(filters))
