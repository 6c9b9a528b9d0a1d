"""CSV export of the filtered tenant list, streamed so large mirrors never sit in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, stream_with_context

from dashboard.services import tenants as tenant_service
from dashboard.services.tenant_state import state_info

COLUMNS = (
    "externalTenantId", "company", "state", "registrationNumber", "country", "supportEmail", "userEmails",
    "attributed", "kycStatus", "customerUrl", "approvalExpiresAt", "casesTotal", "stateSince", "lastSeenAt",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(tenant) -> list[str]:
    values = (
        tenant.external_tenant_id, tenant.company_name, state_info(tenant.state).label, tenant.registration_number,
        tenant.country, tenant.support_email, " ".join(user.get("email") or "" for user in tenant.users or []),
        {True: "yes", False: "no"}.get(tenant.is_attributed, ""), tenant.kyc_status, tenant.customer_url,
        tenant.approval_expires_at, tenant.cases_total, tenant.state_changed_at, tenant.last_seen_at,
    )
    return [_cell(value) for value in values]


def _lines(filters: tenant_service.TenantFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for tenant in tenant_service.iter_filtered(filters):
        writer.writerow(_row(tenant))
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filters: tenant_service.TenantFilter) -> Response:
    response = Response(stream_with_context(_lines(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="tenants.csv"'
    return response
