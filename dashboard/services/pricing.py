"""Price a case before it exists: POST /cases/preview on the Referral API (no client needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dashboard import money
from dashboard.authz import ensure_role
from dashboard.debitura import DebituraClient, DebituraError, PreviewResult
from dashboard.services import audit
from dashboard.wiring import debitura as app_debitura


def wire_date(day: date) -> str:
    """Dates go out as the specs' date-time (midnight UTC of that calendar day)."""
    return f"{day.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class AgeBuckets:
    """How much of the amount is overdue by more than 6, 12 and 24 months (each includes the older ones)."""

    over_12_months: Decimal
    over_24_months: Decimal
    over_6_months: Decimal | None = None


@dataclass(frozen=True)
class PricingInput:
    amount: Decimal
    currency: str
    debtor_type: str  # Company | Private
    country: str  # ISO 3166-1 alpha-2
    state: str | None = None  # US debtors only
    due_date: date | None = None
    buckets: AgeBuckets | None = None

    def __post_init__(self) -> None:
        if self.due_date is not None and self.buckets is not None:
            raise ValueError("Give either a due date or the age buckets, not both: Debitura accepts one or the other.")

    @property
    def summary(self) -> str:
        where = f"{self.country}-{self.state}" if self.state else self.country
        return f"{self.currency} {self.amount} · {self.debtor_type} debtor in {where}"


@dataclass(frozen=True)
class PricingQuote:
    """Debitura's answer plus what the fee would be if the whole amount were collected."""

    input: PricingInput
    result: PreviewResult

    @property
    def fee_on_full_recovery(self) -> Decimal | None:
        pricing = self.result.pricing
        if pricing is None or pricing.total is None:
            return None
        return money.quantize(self.input.amount * pricing.total / Decimal(100), self.input.currency)

    @property
    def pending_action_types(self) -> list[str]:
        return [action.type for action in self.result.pending_actions if action.type]


def preview_payload(data: PricingInput) -> dict[str, Any]:
    debtor: dict[str, Any] = {"type": data.debtor_type, "countryAlpha2": data.country}
    if data.country == "US" and data.state:
        debtor["stateAlpha2"] = data.state
    payload: dict[str, Any] = {"amountToRecover": data.amount, "currencyCode": data.currency, "debtor": debtor}
    if data.due_date is not None:
        payload["dueDate"] = wire_date(data.due_date)
    if data.buckets is not None:
        payload["amountToRecoverOver12Months"] = data.buckets.over_12_months
        payload["amountToRecoverOver24Months"] = data.buckets.over_24_months
        if data.buckets.over_6_months is not None:
            payload["amountToRecoverOver6Months"] = data.buckets.over_6_months
    return payload


def preview(data: PricingInput, *, debitura: DebituraClient | None = None, external_tenant_id: str | None = None,
            as_client: bool = False) -> PricingQuote:
    """Ask Debitura what this case would cost; recorded in the audit trail like every call made for an operator.

    Without a client the Referral API answers with what the matched partner asks of any client. `as_client`
    asks the Customer API as that tenant instead, so the steps listed are the ones this client still owes.
    """
    ensure_role("viewer")
    client = debitura or app_debitura()
    try:
        if as_client and external_tenant_id:
            result = client.preview_case(external_tenant_id, preview_payload(data))
        else:
            result = client.referral.preview_case(preview_payload(data))
    except DebituraError as error:
        audit.record(
            "pricing.preview",
            outcome=audit.FAILED,
            summary=f"{data.summary}: {error.user_message}",
            external_tenant_id=external_tenant_id,
            debitura_status=error.http_status,
        )
        raise
    quote = PricingQuote(data, result)
    total = result.pricing.total if result.pricing else None
    verdict = f"{total} % success fee" if result.is_eligible else f"not eligible ({result.ineligibility_reason or 'no reason given'})"
    audit.record("pricing.preview", outcome=audit.OK, summary=f"{data.summary}: {verdict}", external_tenant_id=external_tenant_id, debitura_status=200)
    return quote
