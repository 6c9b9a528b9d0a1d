"""The filtered tenant list as CSV rows, every page of it.

Every coded value comes twice, side by side: the label support staff read, then the code
Debitura (or the dashboard) uses, for filters and scripts. Each row carries the URL the
customer needs now and the tenant's page in the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, url_for

from dashboard import csv_export
from dashboard.kyc_status import kyc_status_words
from dashboard.services import tenants as tenant_service
from dashboard.services.tenant_state import debitura_now, state_info

COLUMNS = (
    "externalTenantId",
    "company",
    "state",
    "stateCode",
    "nextStep",
    "customerUrl",
    "customerUrlKind",
    "registrationNumber",
    "country",
    "supportEmail",
    "userEmails",
    "attributed",
    "kyc",
    "kycStatus",
    "approvalExpiresAt",
    "casesTotal",
    "stateSince",
    "lastSeenAt",
    "dashboardUrl",
)
URL_KINDS = {"approval_pending": "Approval", "resign_needed": "Contract re-sign", "onboarding": "Onboarding"}


def _rows(filters: tenant_service.TenantFilter) -> Iterator[tuple]:
    public_url = current_app.config["DASHBOARD_PUBLIC_URL"].rstrip("/")
    now = debitura_now()
    for tenant in tenant_service.iter_filtered(filters):
        info = state_info(tenant.state_at(now))
        customer_url = tenant.customer_url_at(now)
        yield (
            tenant.external_tenant_id,
            tenant.company_name,
            info.label,
            info.code,
            info.next_action,
            customer_url,
            URL_KINDS.get(info.code, "") if customer_url else "",
            tenant.registration_number,
            tenant.country,
            tenant.support_email,
            " ".join(user.get("email") or "" for user in tenant.users or []),
            "" if tenant.is_attributed is None else "yes" if tenant.is_attributed else "no",
            kyc_status_words(tenant.kyc_status) if tenant.kyc_status else "",
            tenant.kyc_status,
            tenant.approval_expires_at,
            tenant.cases_total,
            tenant.state_since_at(now),
            tenant.last_seen_at,
            public_url + url_for("tenants.detail", tenant_id=tenant.id),
        )


def csv_response(filters: tenant_service.TenantFilter) -> Response:
    return csv_export.download("tenants", COLUMNS, _rows(filters))
