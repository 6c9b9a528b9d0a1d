"""Revenue: the seven stages of the partner's referral fees, and the transactions behind them."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from dashboard import csv_export
from dashboard.authz import role_required
from dashboard.debitura.errors import DebituraConnectionError, RateLimited, ServerError
from dashboard.extensions import db
from dashboard.htmx import render
from dashboard.models import Tenant
from dashboard.revenue import bp
from dashboard.services import revenue
from dashboard.wiring import debitura


def _filters():
    return revenue.parse_filters(request.args, request.args.getlist("status"))


@bp.get("/")
@role_required("viewer")
def index():
    """Referral fees by stage (chart and totals) and the transactions, filtered by date, tenant, text and invoicing status."""
    filters, problems = _filters()
    try:
        report = revenue.load(filters, debitura=debitura())
    except (DebituraConnectionError, ServerError, RateLimited):
        # Revenue has no local copy: say so plainly and keep the page (and its filters) usable.
        report = None
    tenants = db.session.execute(
        select(Tenant.external_tenant_id, Tenant.company_name).order_by(Tenant.company_name).limit(500)
    ).all()
    return render(
        "revenue/index.html",
        block="revenue_results",
        status=422 if problems else 200,
        report=report,
        filters=filters,
        problems=problems,
        statuses=revenue.INVOICING_STATUSES,
        status_label=revenue.status_label,
        platform_labels=revenue.PLATFORM_INVOICING_LABELS,
        tenants=tenants,
    )


@bp.get("/export.csv")
@role_required("viewer")
def export():
    """Every transaction matching the filters, as CSV."""
    filters, _ = _filters()
    rows = revenue.transaction_csv_rows(revenue.iter_transactions(filters, debitura=debitura()))
    return csv_export.download("revenue", revenue.TRANSACTION_CSV_HEADER, rows)
