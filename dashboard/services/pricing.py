"""Price a case before it exists: POST /cases/preview on the Referral API (no client needed)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dashboard import money
from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    AgeBuckets,
    DebituraClient,
    DebituraError,
    PreviewCaseRequest,
    PreviewResult,
)
from dashboard.services import audit

# The preview body is the form's input as it stands: amount, currency, debtor and one age description.
PricingInput = PreviewCaseRequest
__all__ = ["AgeBuckets", "PricingInput", "PricingQuote", "preview"]


def summary_of(data: PricingInput) -> str:
    where = f"{data.country}-{data.state}" if data.state else data.country
    return f"{data.currency} {data.amount} · {data.debtor_type} debtor in {where}"


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


def preview(
    data: PricingInput,
    *,
    actor: Actor,
    debitura: DebituraClient,
    external_tenant_id: str | None = None,
    as_client: bool = False,
) -> PricingQuote:
    """Ask Debitura what this case would cost; recorded in the audit trail like every call made for an operator.

    Without a client the Referral API answers with what the matched partner asks of any client. `as_client`
    asks the Customer API as that tenant instead, so the steps listed are the ones this client still owes.
    """
    ensure_role("viewer", actor)
    try:
        if as_client and external_tenant_id:
            result = debitura.preview_case(external_tenant_id, data)
        else:
            result = debitura.referral.preview_case(data)
    except DebituraError as error:
        audit.record(
            "pricing.preview",
            outcome=audit.FAILED,
            summary=f"{summary_of(data)}: {error.user_message}",
            external_tenant_id=external_tenant_id,
            debitura_status=error.http_status,
            operator=actor,
        )
        raise
    quote = PricingQuote(data, result)
    total = result.pricing.total if result.pricing else None
    verdict = (
        f"{total} % success fee"
        if result.is_eligible
        else f"not eligible ({result.ineligibility_reason or 'no reason given'})"
    )
    audit.record(
        "pricing.preview",
        outcome=audit.OK,
        summary=f"{summary_of(data)}: {verdict}",
        external_tenant_id=external_tenant_id,
        debitura_status=200,
        operator=actor,
    )
    return quote
