"""The audit trail page: search and filter every recorded action, and export the result as CSV."""

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from dashboard import csv_export
from dashboard.audit import bp
from dashboard.audit.forms import AuditFilterForm
from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.htmx import render
from dashboard.models import Tenant
from dashboard.services import audit
from dashboard.services.query_args import page_number

PER_PAGE = 50


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.set_actions(audit.known_actions())
    form.validate()
    return form


def _query_args(form: AuditFilterForm) -> dict[str, Any]:
    """The filter as it appears in URLs (empty fields left out)."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


def _tenant_links(entries) -> dict[str, str]:
    """Links to the tenant pages of the shown entries, found with one query for the whole page."""
    wanted = {entry.external_tenant_id for entry in entries if entry.external_tenant_id}
    if not wanted:
        return {}
    found = db.session.execute(
        select(Tenant.external_tenant_id, Tenant.id).where(Tenant.external_tenant_id.in_(wanted))
    )
    return {external_id: url_for("tenants.detail", tenant_id=tenant_id) for external_id, tenant_id in found}


def _case_url(case_id: str) -> str:
    return url_for("cases.detail", case_id=case_id)


@bp.route("/")
@role_required("viewer")
def index():
    """Who did what, when, on which tenant or case, and how it ended; newest first."""
    form = _filter_form()
    audit_filter = form.to_filter()
    page = page_number(request.args.get("page", 1))
    pagination = audit.search(audit_filter, page=page, per_page=PER_PAGE)
    args = _query_args(form)
    return render(
        "audit/index.html",
        block="audit_results",
        form=form,
        pagination=pagination,
        filtered=audit_filter.active,
        query_args=args,
        export_url=url_for("audit.export", **args),
        tenant_links=_tenant_links(pagination.items),
        case_url=_case_url,
        page_url=lambda number: url_for("audit.index", **args, page=number),
    )


@bp.route("/export.csv")
@role_required("viewer")
def export():
    """The filtered entries as a CSV file, streamed."""
    return csv_export.download("audit", audit.CSV_COLUMNS, audit.csv_rows(_filter_form().to_filter()))
