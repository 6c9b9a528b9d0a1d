"""Money collected on cases, and the revenue stages its referral fee moves through."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference
from dashboard.sandbox.errors import NotFound
from dashboard.sandbox.models import Case, CasePayment, RevenueTransaction

REVENUE_STATUSES = {
    "commission": ("Unpaid", "Paid", "Credited"),
    "platform": ("NotInvoiced", "InvoiceIssued", "PaymentReceived", "InvoiceCredited"),
    "referral": ("Pending", "Invoiced", "Paid", "Disputed"),
}


def record_collection(
    s: Session,
    case_id: str,
    amount: Decimal,
    *,
    recipient: str = "CollectionPartner",
    method: str = "BankTransfer",
    at: datetime | None = None,
) -> RevenueTransaction | None:
    """Money collected on a case (a payment on it); a revenue transaction when the partner earns on it."""
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    case.remainder = max(case.remainder - amount, Decimal("0.00"))
    now = at or clock.now(s)
    s.add(
        CasePayment(
            case_id=case.id,
            date=now,
            gross_amount=amount,
            currency=case.currency,
            recipient=recipient,
            method=method,
            date_created=now,
        )
    )
    link = case.link
    fee = case.success_fee_percentage
    # Attributed links earn on every case; non-attributed ones only on cases sent with the partner's token.
    if case.is_test or fee is None or not (link.is_attributed or case.via_partner):
        return None
    revenue = (amount * fee / 100 * reference.PLATFORM_SHARE_PERCENTAGE / 100).quantize(Decimal("0.01"))
    transaction = RevenueTransaction(
        case_id=case.id,
        link_id=link.id,
        date=now,
        payment_amount=amount,
        currency=case.currency,
        debitura_revenue=revenue,
        referral_fee_percentage=link.fee_percentage_snapshot,
    )
    s.add(transaction)
    s.flush()
    return transaction


def set_transaction_status(
    s: Session,
    transaction_id: str,
    *,
    commission: str | None = None,
    platform: str | None = None,
    referral: str | None = None,
) -> RevenueTransaction:
    """Move a revenue transaction through the stages (Debitura's back office, in the control panel)."""
    transaction = s.get(RevenueTransaction, transaction_id)
    if transaction is None:
        raise NotFound("Transaction not found.")
    for kind, value in (("commission", commission), ("platform", platform), ("referral", referral)):
        if value is not None and value not in REVENUE_STATUSES[kind]:
            raise ValueError(f"Unknown {kind} status: {value}")
    if commission is not None:
        transaction.commission_payment_status = commission
    if platform is not None:
        transaction.platform_invoicing_status = platform
    if referral is not None:
        transaction.referral_invoicing_status = referral
    return transaction
