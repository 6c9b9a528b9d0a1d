"""Revenue reporting: transactions and the seven-stage referral fee breakdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..fields import camel, camel_keys, flag, integer, moment, money, objects, text
from .page import Page


@dataclass(frozen=True)
class Transaction:
    """One revenue transaction (``TransactionItem``), flattened to what a revenue table shows."""

    transaction_id: str | None = None
    date: datetime | None = None
    external_tenant_id: str | None = None
    creditor_id: str | None = None
    company_name: str | None = None
    case_id: str | None = None
    case_reference: str | None = None
    debtor_name: str | None = None
    original_amount: Decimal | None = None
    original_currency: str | None = None
    payment_amount: Decimal | None = None
    payment_currency: str | None = None
    payment_date: datetime | None = None
    earnings_currency: str | None = None
    debitura_revenue: Decimal | None = None
    debitura_revenue_usd: Decimal | None = None
    referral_fee_percentage: Decimal | None = None
    referral_fee_amount: Decimal | None = None
    referral_fee_amount_usd: Decimal | None = None
    is_estimate: bool = False
    is_recognized: bool = False
    referral_fee_recognized_usd: Decimal | None = None
    commission_payment_status: str | None = None
    platform_invoicing_status: str | None = None
    referral_invoicing_status: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Transaction:
        f = camel_keys(data)
        client, case, payment = camel_keys(f.get("client")), camel_keys(f.get("case")), camel_keys(f.get("payment"))
        earnings, recognition, status = (
            camel_keys(f.get("earnings")),
            camel_keys(f.get("recognition")),
            camel_keys(f.get("status")),
        )
        return cls(
            transaction_id=text(f.get("transactionId")),
            date=moment(f.get("date")),
            external_tenant_id=text(client.get("externalTenantId")),
            creditor_id=text(client.get("creditorId")),
            company_name=text(client.get("companyName")),
            case_id=text(case.get("invoiceId")),
            case_reference=text(case.get("caseReference")),
            debtor_name=text(case.get("debtorName")),
            original_amount=money(case.get("originalAmount")),
            original_currency=text(case.get("currency")),
            payment_amount=money(payment.get("amount")),
            payment_currency=text(payment.get("currency")),
            payment_date=moment(payment.get("paymentDate")),
            earnings_currency=text(earnings.get("currency")),
            debitura_revenue=money(earnings.get("debituraRevenue")),
            debitura_revenue_usd=money(earnings.get("debituraRevenueUsd")),
            referral_fee_percentage=money(earnings.get("referralFeePercentage")),
            referral_fee_amount=money(earnings.get("referralFeeAmount")),
            referral_fee_amount_usd=money(earnings.get("referralFeeAmountUsd")),
            is_estimate=bool(flag(earnings.get("isEstimate"))),
            is_recognized=bool(flag(recognition.get("isRecognized"))),
            referral_fee_recognized_usd=money(recognition.get("referralFeeRecognizedUsd")),
            commission_payment_status=text(status.get("commissionPaymentStatus")),
            platform_invoicing_status=text(status.get("platformInvoicingStatus")),
            referral_invoicing_status=text(status.get("referralInvoicingStatus")),
        )


@dataclass(frozen=True)
class RevenueBucket:
    fee: Decimal = Decimal("0")
    count: int = 0


REVENUE_STAGES = (
    "pending",
    "confirmed_pending_invoice",
    "awaiting_collection_partner_payment",
    "ready_to_invoice_debitura",
    "awaiting_debitura_payment",
    "paid",
    "disputed",
)


@dataclass(frozen=True)
class RevenueBreakdown:
    """The seven revenue stages, in Debitura's order; fees are the partner's referral fee in USD."""

    pending: RevenueBucket = field(default_factory=RevenueBucket)
    confirmed_pending_invoice: RevenueBucket = field(default_factory=RevenueBucket)
    awaiting_collection_partner_payment: RevenueBucket = field(default_factory=RevenueBucket)
    ready_to_invoice_debitura: RevenueBucket = field(default_factory=RevenueBucket)
    awaiting_debitura_payment: RevenueBucket = field(default_factory=RevenueBucket)
    paid: RevenueBucket = field(default_factory=RevenueBucket)
    disputed: RevenueBucket = field(default_factory=RevenueBucket)

    @classmethod
    def from_json(cls, data: Any) -> RevenueBreakdown:
        f = camel_keys(data)
        buckets = {}
        for stage in REVENUE_STAGES:
            prefix = camel(stage)
            buckets[stage] = RevenueBucket(
                fee=money(f.get(f"{prefix}ReferralFeeUsd")) or Decimal("0"), count=integer(f.get(f"{prefix}Count")) or 0
            )
        return cls(**buckets)


@dataclass(frozen=True)
class TransactionsPage(Page[Transaction]):
    revenue: RevenueBreakdown = field(default_factory=RevenueBreakdown)
    total_debitura_revenue_usd: Decimal = Decimal("0")

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return self.items

    @classmethod
    def from_json(cls, data: Any) -> TransactionsPage:
        f = camel_keys(data)
        summary = camel_keys(f.get("summary"))
        return cls(
            items=tuple(Transaction.from_json(item) for item in objects(f.get("data"))),
            revenue=RevenueBreakdown.from_json(summary.get("revenue")),
            total_debitura_revenue_usd=money(summary.get("totalDebituraRevenueUsd")) or Decimal("0"),
            **Page.meta(f.get("page")),
        )
