"""The partner's revenue from GET /reporting/transactions: the seven stages, their totals, the transactions.

Amounts are Debitura's USD figures, read as Decimal and never converted through floats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from dashboard import money
from dashboard.debitura import DebituraClient, Transaction, TransactionsPage
from dashboard.debitura.types import REVENUE_STAGES
from dashboard.services.query_args import page_number, search_text

PAGE_SIZE = 50

STAGE_LABELS = {
    "pending": "Pending (estimate)",
    "confirmed_pending_invoice": "Confirmed, awaiting Debitura's invoice",
    "awaiting_collection_partner_payment": "Awaiting collection partner payment",
    "ready_to_invoice_debitura": "Ready to invoice Debitura",
    "awaiting_debitura_payment": "Awaiting Debitura's payment",
    "paid": "Paid",
    "disputed": "Disputed",
}
# ReferralInvoicingStatus: the integers the filter takes, and the names Debitura reports.
INVOICING_STATUSES = {0: "Pending", 1: "Invoiced", 2: "Paid", 3: "Disputed"}
# The other two statuses as Debitura spells them, and in words (PlatformInvoicingStatus is about the
# collection partner's invoice from Debitura, CommissionPaymentStatus about that partner's payment).
PLATFORM_INVOICING_LABELS = {
    "NotInvoiced": "Collection partner not invoiced yet",
    "InvoiceIssued": "Collection partner invoiced",
    "PaymentReceived": "Collection partner paid Debitura",
    "InvoiceCredited": "Collection partner's invoice credited",
}
COMMISSION_PAYMENT_LABELS = {
    "Unpaid": "Commission unpaid",
    "Paid": "Commission paid",
    "Credited": "Commission credited",
}


def status_label(labels: Mapping[str, str], code: str | None) -> str:
    """A status in words; a code Debitura adds later is split into words rather than shown glued."""
    if not code:
        return ""
    return labels.get(code) or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).capitalize()


@dataclass(frozen=True)
class RevenueFilters:
    from_date: date | None = None
    to_date: date | None = None
    tenant: str = ""
    search: str = ""
    invoicing_statuses: tuple[int, ...] = ()
    page: int = 1

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query parameters for links (a filter change returns to page 1)."""
        if any(name != "page" for name in changes):
            changes.setdefault("page", 1)
        values = replace(self, **changes)
        args: dict[str, Any] = {}
        if values.from_date:
            args["from_date"] = values.from_date.isoformat()
        if values.to_date:
            args["to_date"] = values.to_date.isoformat()
        if values.tenant:
            args["tenant"] = values.tenant
        if values.search:
            args["search"] = values.search
        if values.invoicing_statuses:
            args["status"] = list(values.invoicing_statuses)
        if values.page != 1:
            args["page"] = values.page
        return args

    def query(self) -> dict[str, Any]:
        """The client's keyword filters: whole days, inclusive, in UTC."""
        return {
            "from_date": datetime.combine(self.from_date, time.min, tzinfo=UTC) if self.from_date else None,
            "to_date": datetime.combine(self.to_date, time(23, 59, 59), tzinfo=UTC) if self.to_date else None,
            "external_tenant_id": self.tenant or None,
            "search": self.search or None,
            "referral_invoicing_statuses": list(self.invoicing_statuses) or None,
        }


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    fee: Decimal
    count: int


@dataclass(frozen=True)
class RevenueReport:
    filters: RevenueFilters
    page: TransactionsPage
    stages: list[Stage]

    @property
    def total_fee(self) -> Decimal:
        return sum((stage.fee for stage in self.stages), Decimal("0"))

    @property
    def total_count(self) -> int:
        return sum(stage.count for stage in self.stages)

    @property
    def largest_fee(self) -> Decimal:
        """The chart's scale: the largest bucket (at least 1, so an all-zero chart still draws)."""
        return max([stage.fee for stage in self.stages] + [Decimal("1")])


def stages_of(page: TransactionsPage) -> list[Stage]:
    return [
        Stage(key, STAGE_LABELS[key], getattr(page.revenue, key).fee, getattr(page.revenue, key).count)
        for key in REVENUE_STAGES
    ]


def load(filters: RevenueFilters, *, debitura: DebituraClient) -> RevenueReport:
    page = debitura.referral.list_transactions(page=filters.page, page_size=PAGE_SIZE, **filters.query())
    return RevenueReport(filters, page, stages_of(page))


def iter_transactions(filters: RevenueFilters, *, debitura: DebituraClient) -> Iterator[Transaction]:
    yield from debitura.referral.iter_transactions(**filters.query())


def parse_filters(values: Mapping[str, Any], statuses: list[str]) -> tuple[RevenueFilters, dict[str, str]]:
    """Filters from query parameters, and a message per parameter that could not be read."""
    problems: dict[str, str] = {}

    def day(name: str) -> date | None:
        text = (values.get(name) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems[name] = "Enter a date as YYYY-MM-DD."
            return None

    from_date, to_date = day("from_date"), day("to_date")
    if from_date and to_date and from_date > to_date:
        problems["to_date"] = "The end date is before the start date."
    chosen = []
    for value in statuses:
        try:
            number = int(value)
        except ValueError:
            continue
        if number in INVOICING_STATUSES and number not in chosen:
            chosen.append(number)
    page = page_number(values.get("page") or 1)
    filters = RevenueFilters(
        from_date=from_date,
        to_date=to_date if "to_date" not in problems else None,
        tenant=search_text(values.get("tenant"), limit=255),
        search=search_text(values.get("search")),
        invoicing_statuses=tuple(sorted(chosen)),
        page=page,
    )
    return filters, problems


TRANSACTION_CSV_HEADER = (
    "Transaction id",
    "Date",
    "External tenant id",
    "Client",
    "Case reference",
    "Debtor",
    "Case amount",
    "Case currency",
    "Payment amount",
    "Payment currency",
    "Payment date",
    "Referral fee %",
    "Referral fee",
    "Fee currency",
    "Referral fee USD",
    "Estimate",
    "Recognized",
    "Commission payment",
    "Commission payment code",
    "Platform invoicing",
    "Platform invoicing code",
    "Referral invoicing",
    "Referral invoicing code",
)


def transaction_csv_rows(transactions) -> Iterator[tuple]:
    for item in transactions:
        yield (
            item.transaction_id,
            item.date,
            item.external_tenant_id,
            item.company_name,
            item.case_reference,
            item.debtor_name,
            money.plain(item.original_amount, item.original_currency),
            item.original_currency,
            money.plain(item.payment_amount, item.payment_currency),
            item.payment_currency,
            item.payment_date,
            item.referral_fee_percentage,
            money.plain(item.referral_fee_amount, item.earnings_currency),
            item.earnings_currency,
            money.plain(item.referral_fee_amount_usd, "USD"),
            "yes" if item.is_estimate else "no",
            "yes" if item.is_recognized else "no",
            status_label(COMMISSION_PAYMENT_LABELS, item.commission_payment_status),
            item.commission_payment_status,
            status_label(PLATFORM_INVOICING_LABELS, item.platform_invoicing_status),
            item.platform_invoicing_status,
            status_label({}, item.referral_invoicing_status),
            item.referral_invoicing_status,
        )
