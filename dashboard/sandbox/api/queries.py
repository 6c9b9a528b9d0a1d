"""Read models for the Referral API's lists: clients, cases and revenue, each page in a few queries.

Summaries ignore the "tab" filters (case Statuses; client OnboardingDone and IsAttributedClient)
but honour the search filters (tenant, dates, query), so they can drive tab badges.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from dashboard.sandbox import clock, domain, reference, wire
from dashboard.sandbox.api import Query
from dashboard.sandbox.countries import COUNTRY_IDS
from dashboard.sandbox.errors import ApiError
from dashboard.sandbox.models import (
    ACTIVE_LINK_STATUSES,
    Case,
    ClientLink,
    Creditor,
    KycVerification,
    RevenueTransaction,
)

ZERO = Decimal("0.00")
MAX_PAGE = 2_147_483_647  # the specs' int32 bound
STAGES = (
    "pending",
    "confirmedPendingInvoice",
    "awaitingCollectionPartnerPayment",
    "readyToInvoiceDebitura",
    "awaitingDebituraPayment",
    "paid",
    "disputed",
)
COMMISSION_STATUSES = ("Unpaid", "Paid", "Credited")
PLATFORM_STATUSES = ("NotInvoiced", "InvoiceIssued", "PaymentReceived", "InvoiceCredited")
REFERRAL_STATUSES = ("Pending", "Invoiced", "Paid", "Disputed")


def page_data(total: int, page: int, size: int, count: int) -> dict[str, int]:
    return {
        "totalResults": total,
        "pageSize": size,
        "currentPage": page,
        "responseCount": count,
        "totalPages": math.ceil(total / size) if total else 0,
    }


def _like(term: str) -> str:
    return "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- clients -----------------------------------------------------------------------------------


def referral_fee_usd(transaction: RevenueTransaction) -> Decimal:
    revenue_usd = reference.to_usd(transaction.debitura_revenue, transaction.currency)
    return (revenue_usd * transaction.referral_fee_percentage / 100).quantize(Decimal("0.01"))


# Debitura hides test cases (isTest, Customer API) from partner views: listings, counts and caseStats.
PARTNER_VISIBLE = Case.is_test.is_(False)


def client_views(
    s: Session, links: list[ClientLink], case_results: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """ClientCreatedResponse for each link, with case stats, earnings and KYC in batch queries."""
    link_ids = [link.id for link in links]
    creditor_ids = [link.creditor_id for link in links]
    counts = {
        row.link_id: (row.total, row.closed or 0)
        for row in s.execute(
            select(
                Case.link_id,
                func.count().label("total"),
                func.sum(case((Case.lifecycle == "Closed", 1), else_=0)).label("closed"),
            )
            .where(Case.link_id.in_(link_ids), PARTNER_VISIBLE)
            .group_by(Case.link_id)
        )
    }
    earnings: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for transaction in s.scalars(select(RevenueTransaction).where(RevenueTransaction.link_id.in_(link_ids))):
        earnings[transaction.link_id] += referral_fee_usd(transaction)
    latest: dict[str, KycVerification] = {}
    for verification in s.scalars(
        select(KycVerification)
        .where(KycVerification.creditor_id.in_(creditor_ids))
        .order_by(KycVerification.date_created, KycVerification.id)
    ):
        latest[verification.creditor_id] = verification
    views = []
    for link in links:
        total, closed = counts.get(link.id, (0, 0))
        kyc = latest.get(link.creditor_id)
        views.append(
            wire.client_response(
                link,
                onboarding_done=domain.sdca_current(s, link.creditor),
                onboarding_url=domain.onboarding_url(s, link),
                kyc_status=domain.kyc_status(link.creditor, kyc),
                kyc=kyc,
                cases_total=total,
                cases_closed=closed,
                earnings_usd=earnings[link.id],
                case_results=case_results,
            )
        )
    return views


def client_view(s: Session, link: ClientLink, case_results: dict[str, Any] | None = None) -> dict[str, Any]:
    return client_views(s, [link], case_results)[0]


def list_clients(s: Session, query: Query) -> dict[str, Any]:
    page = query.integer("Page", 1, maximum=MAX_PAGE)
    size = query.integer("PageSize", 50, maximum=100)
    sort_column, descending = query.sort(
        "dateCreated:desc", {"dateCreated": ClientLink.date_linked, "name": Creditor.company_name}
    )
    searched: list[ColumnElement[bool]] = [ClientLink.status.in_(ACTIVE_LINK_STATUSES)]
    if (tenant := query.text("ExternalTenantId")) is not None:
        searched.append(ClientLink.external_tenant_id == tenant)
    if (start := query.moment("DateCreatedFrom")) is not None:
        searched.append(ClientLink.date_linked >= start)
    if (end := query.moment("DateCreatedTo", end_of_day=True)) is not None:
        searched.append(ClientLink.date_linked <= end)
    if term := (query.text("Query") or "").strip():
        pattern = _like(term)
        searched.append(
            or_(
                func.lower(Creditor.company_name).like(pattern, escape="\\"),
                func.lower(Creditor.office_email).like(pattern, escape="\\"),
                func.lower(Creditor.registration_number).like(pattern, escape="\\"),
            )
        )
    signed = Creditor.sdca_signed_version == domain.state(s).sdca_version
    tabs: list[ColumnElement[bool]] = []
    if (attributed := query.boolean("IsAttributedClient")) is not None:
        tabs.append(ClientLink.is_attributed.is_(attributed))
    if (done := query.boolean("OnboardingDone")) is not None:
        tabs.append(signed if done else or_(Creditor.sdca_signed_version.is_(None), ~signed))
    joined = select(ClientLink).join(Creditor, ClientLink.creditor_id == Creditor.id)
    total = s.scalars(select(func.count()).select_from(joined.where(*searched, *tabs).subquery())).one()
    order = sort_column.desc() if descending else sort_column.asc()
    links = list(
        s.scalars(
            joined.where(*searched, *tabs)
            .options(selectinload(ClientLink.creditor).selectinload(Creditor.users))
            .order_by(order, ClientLink.id)
            .offset((page - 1) * size)
            .limit(size)
        ).unique()
    )
    summary_row = s.execute(
        select(
            func.count(),
            func.sum(case((ClientLink.is_attributed.is_(True), 1), else_=0)),
            func.sum(case((signed, 1), else_=0)),
        )
        .select_from(ClientLink)
        .join(Creditor, ClientLink.creditor_id == Creditor.id)
        .where(*searched)
    ).one()
    searched_links = select(ClientLink.id).join(Creditor, ClientLink.creditor_id == Creditor.id).where(*searched)
    total_cases = s.scalar(
        select(func.count()).select_from(Case).where(Case.link_id.in_(searched_links), PARTNER_VISIBLE)
    )
    clients_total = summary_row[0] or 0
    return {
        "page": page_data(total, page, size, len(links)),
        "summary": {
            "totalClients": clients_total,
            "attributedClients": summary_row[1] or 0,
            "onboardingComplete": summary_row[2] or 0,
            "onboardingPending": clients_total - (summary_row[2] or 0),
            "totalCases": total_cases,
        },
        "clients": client_views(s, links),
    }


# --- cases -------------------------------------------------------------------------------------


# Enum names the Customer API lists for the same filter, for lifecycles the sandbox names otherwise
# (Merged is a real lifecycle no sandbox case ever reaches).
LIFECYCLE_ALIASES = {"leads": "Collecting Quotes", "leadsquotegiven": "Pending Quote Selection", "merged": "Merged"}


def _statuses(query: Query) -> list[str]:
    displays = []
    for value in query.values("Statuses"):
        display = reference.lifecycle_display(value) or LIFECYCLE_ALIASES.get(value.strip().lower())
        if display is None:
            raise ApiError(400, "InvalidRequest", f"Statuses: unknown lifecycle '{value}'.")
        displays.append(display)
    return displays


def _uuids(query: Query, name: str) -> list[str]:
    """A `format: uuid` list filter: a malformed id is a 400, as ASP.NET's binder answers."""
    values = query.values(name)
    try:
        return [str(uuid.UUID(value)) for value in values]
    except ValueError:
        raise ApiError(400, "InvalidRequest", f"{name}: every value must be a UUID.") from None


def _country_codes(ids: list[int]) -> list[str]:
    by_id = {number: code for code, number in COUNTRY_IDS.items()}
    return [by_id[number] for number in ids if number in by_id]


def list_cases(s: Session, query: Query) -> dict[str, Any]:
    page = query.integer("Page", 1, maximum=MAX_PAGE)
    size = query.integer("PageSize", 10, maximum=100)
    sort_column, descending = query.sort(
        "DateCreated:desc",
        {"DateCreated": Case.date_created, "GrossAmount": Case.gross_amount, "DueDate": Case.due_date},
    )
    searched = [_visible_links(s, query.text("ExternalTenantId")), PARTNER_VISIBLE]
    if (start := query.moment("FromDate")) is not None:
        searched.append(Case.date_created >= start)
    if (end := query.moment("ToDate", end_of_day=True)) is not None:
        searched.append(Case.date_created <= end)
    if term := (query.text("Query") or "").strip():
        pattern = _like(term)
        searched.append(
            or_(
                func.lower(Case.reference).like(pattern, escape="\\"),
                func.lower(Case.creditor_reference).like(pattern, escape="\\"),
                func.lower(Case.debtor_name).like(pattern, escape="\\"),
            )
        )
    if country_ids := query.integers("CountryIds"):
        searched.append(Case.debtor_country.in_(_country_codes(country_ids)))
    if partner_ids := _uuids(query, "CollectionPartnerIds"):
        searched.append(Case.collection_partner_id.in_(partner_ids))
    statuses = _statuses(query)
    filtered = [*searched, Case.lifecycle.in_(statuses)] if statuses else searched

    by_lifecycle = dict(s.execute(select(Case.lifecycle, func.count()).where(*searched).group_by(Case.lifecycle)).all())
    groups = {"active": 0, "pending": 0, "closed": 0, "paused": 0}
    for lifecycle, count in by_lifecycle.items():
        groups[reference.lifecycle_group(lifecycle)] += count
    month_start = first_of_month(clock.now(s))
    this_month = s.scalar(select(func.count()).select_from(Case).where(*searched, Case.date_created >= month_start))
    total = (
        sum(count for lifecycle, count in by_lifecycle.items() if lifecycle in statuses)
        if statuses
        else sum(by_lifecycle.values())
    )
    order = sort_column.desc() if descending else sort_column.asc()
    tie_breaker = Case.id.desc() if descending else Case.id.asc()  # same direction, so one index serves both
    # Page through the sort index alone, then load the page's rows: skipped rows are never joined.
    page_ids = list(
        s.scalars(select(Case.id).where(*filtered).order_by(order, tie_breaker).offset((page - 1) * size).limit(size))
    )
    loaded = {row.id: row for row in s.scalars(_with_client(select(Case).where(Case.id.in_(page_ids))))}
    rows = [loaded[case_id] for case_id in page_ids]
    return {
        "page": page_data(total, page, size, len(rows)),
        "cases": [wire.case_item(row) for row in rows],
        "summary": {"totalCases": sum(by_lifecycle.values()), "casesThisMonth": this_month, "byLifecycle": groups},
    }


def _visible_links(s: Session, tenant: str | None):
    """Cases of active links only, phrased so that SQLite can still walk the sort index.

    Nearly every case belongs to an active link, so "not in the few inactive links" (or no
    condition at all) lets the ORDER BY ... LIMIT read one index in order and stop early.
    """
    if tenant is not None:
        tenant_links = select(ClientLink.id).where(
            ClientLink.external_tenant_id == tenant, ClientLink.status.in_(ACTIVE_LINK_STATUSES)
        )
        return Case.link_id.in_(list(s.scalars(tenant_links)))
    hidden = list(s.scalars(select(ClientLink.id).where(ClientLink.status.not_in(ACTIVE_LINK_STATUSES))))
    return Case.link_id.not_in(hidden) if hidden else true()


def _with_client(statement: Select) -> Select:
    return statement.options(joinedload(Case.link).joinedload(ClientLink.creditor).selectinload(Creditor.users))


# --- revenue -----------------------------------------------------------------------------------


def _stage_expression():
    """The stage of a transaction (0-6, the RevenueBreakdown order), for PayWhenPaid partners."""
    txn = RevenueTransaction
    return case(
        (txn.referral_invoicing_status == "Disputed", 6),
        (txn.referral_invoicing_status == "Paid", 5),
        (txn.referral_invoicing_status == "Invoiced", 4),
        (txn.platform_invoicing_status == "PaymentReceived", 3),
        (txn.platform_invoicing_status == "InvoiceIssued", 2),
        (and_(txn.commission_payment_status == "Paid", txn.platform_invoicing_status == "NotInvoiced"), 1),
        else_=0,
    )


def _enum_names(query: Query, name: str, names: tuple[str, ...]) -> list[str]:
    """An integer enum filter: each value by its number or, as ASP.NET's binder also takes, its name."""
    by_name = {member.lower(): member for member in names}
    chosen = []
    for value in query.values(name):
        if re.fullmatch(r"\d+", value):
            if int(value) >= len(names):
                raise ApiError(400, "InvalidRequest", f"{name}: {value} is not a valid value.")
            chosen.append(names[int(value)])
        elif value.lower() in by_name:
            chosen.append(by_name[value.lower()])
        else:
            raise ApiError(400, "InvalidRequest", f"{name}: '{value}' is not a valid value.")
    return chosen


def list_transactions(s: Session, query: Query) -> dict[str, Any]:
    page = query.integer("Page", 1, maximum=MAX_PAGE)
    size = query.integer("PageSize", 10, maximum=100)
    txn = RevenueTransaction
    sort_column, descending = query.sort(
        "collectionDate:desc", {"collectionDate": txn.date, "amount": txn.payment_amount}
    )
    conditions = []
    if (start := query.moment("FromDate")) is not None:
        conditions.append(txn.date >= start)
    if (end := query.moment("ToDate", end_of_day=True)) is not None:
        conditions.append(txn.date <= end)
    if (tenant := query.text("ExternalTenantId")) is not None:
        conditions.append(txn.link_id.in_(select(ClientLink.id).where(ClientLink.external_tenant_id == tenant)))
    if (recognized := query.boolean("HasRecognizedRevenue")) is not None:
        is_recognized = txn.platform_invoicing_status == "PaymentReceived"
        conditions.append(is_recognized if recognized else ~is_recognized)
    for name, column, names in (
        ("CommissionPaymentStatuses", txn.commission_payment_status, COMMISSION_STATUSES),
        ("PlatformInvoicingStatuses", txn.platform_invoicing_status, PLATFORM_STATUSES),
        ("ReferralInvoicingStatuses", txn.referral_invoicing_status, REFERRAL_STATUSES),
    ):
        if chosen := _enum_names(query, name, names):
            conditions.append(column.in_(chosen))
    if len(term := (query.text("Search") or "").strip()) >= 2:
        pattern = _like(term)
        conditions.append(
            or_(
                txn.case_id.in_(select(Case.id).where(func.lower(Case.reference).like(pattern, escape="\\"))),
                txn.link_id.in_(
                    select(ClientLink.id)
                    .join(Creditor, ClientLink.creditor_id == Creditor.id)
                    .where(func.lower(Creditor.company_name).like(pattern, escape="\\"))
                ),
            )
        )
    if country_ids := query.integers("CountryIds"):
        codes = _country_codes(country_ids)
        conditions.append(txn.case_id.in_(select(Case.id).where(Case.debtor_country.in_(codes))))
    if partner_ids := _uuids(query, "CollectionPartnerIds"):
        conditions.append(txn.case_id.in_(select(Case.id).where(Case.collection_partner_id.in_(partner_ids))))
    stage = _stage_expression()
    summary = _revenue_summary(s.execute(select(txn, stage).where(*conditions)).all())
    stages = _enum_names(query, "RevenueStages", STAGES)
    if stages:
        conditions.append(stage.in_([STAGES.index(name) for name in stages]))
    total = s.scalars(select(func.count()).select_from(txn).where(*conditions)).one()
    order = sort_column.desc() if descending else sort_column.asc()
    rows = s.scalars(select(txn).where(*conditions).order_by(order, txn.id).offset((page - 1) * size).limit(size)).all()
    return {
        "data": [wire.transaction_item(row) for row in rows],
        "page": page_data(total, page, size, len(rows)),
        "summary": summary,
    }


def _revenue_summary(rows: Sequence[tuple[RevenueTransaction, int]]) -> dict[str, Any]:
    fees = [ZERO] * len(STAGES)
    counts = [0] * len(STAGES)
    platform_total = ZERO
    for transaction, stage in rows:
        fees[stage] += referral_fee_usd(transaction)
        counts[stage] += 1
        platform_total += reference.to_usd(transaction.debitura_revenue, transaction.currency)
    revenue: dict[str, Any] = {}
    for index, name in enumerate(STAGES):
        revenue[f"{name}ReferralFeeUsd"] = fees[index]
        revenue[f"{name}Count"] = counts[index]
    return {"revenue": revenue, "totalDebituraRevenueUsd": platform_total}


def first_of_month(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
