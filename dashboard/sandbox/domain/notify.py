"""The webhook events state changes fire: client events name the tenant and creditor, case events the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dashboard.sandbox import events, wire
from dashboard.sandbox.domain.lookups import urls
from dashboard.sandbox.models import Case, ClientLink, Creditor


def client_event(
    s: Session,
    event_type: str,
    external_tenant_id: str,
    creditor: Creditor,
    *,
    is_attributed: bool | None,
    at: datetime | None = None,
    **extra: Any,
) -> None:
    data = {
        "externalTenantId": external_tenant_id,
        "creditor": wire.creditor_event_data(creditor, is_attributed=is_attributed),
        **extra,
    }
    events.emit(s, event_type, data, {"client": urls(s).client(external_tenant_id)}, at=at)


def case_event_payload(s: Session, case: Case, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    data = {
        "caseId": case.id,
        "reference": case.reference,
        "externalTenantId": case.link.external_tenant_id,
        "lifecycle": case.lifecycle,
        **extra,
    }
    links = {
        "case": f"{urls(s).referral_api}/cases/{case.id}",
        "client": urls(s).client(case.link.external_tenant_id),
    }
    return data, links


def client_event_payload(s: Session, link: ClientLink, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    data = {
        "externalTenantId": link.external_tenant_id,
        "creditor": wire.creditor_event_data(link, is_attributed=link.is_attributed),
        **extra,
    }
    return data, {"client": urls(s).client(link.external_tenant_id)}


def case_event(s: Session, event_type: str, case: Case, **extra: Any) -> None:
    data, links = case_event_payload(s, case, **extra)
    events.emit(s, event_type, data, links, is_test_data=case.is_test)
