"""Cases across all tenants, the pending-signing queue and one case's page."""

from __future__ import annotations

from flask import abort, request

from dashboard import csv_export
from dashboard.authz import role_required
from dashboard.cases import bp
from dashboard.debitura import DebituraError
from dashboard.errors.handlers import debitura_message
from dashboard.extensions import db
from dashboard.htmx import fragment_only, render, unchanged_since
from dashboard.models import Case
from dashboard.services import audit, cases, filter_options, kyc, live, return_urls
from dashboard.services.tenant_state import debitura_now
from dashboard.services.uploads import ALLOWED_EXTENSIONS, MAX_BYTES
from dashboard.services.uploads import new_key as new_upload_key
from dashboard.uploads.forms import UploadForm
from dashboard.wiring import debitura


def _filter_options():
    """Debitura's country and partner choices, asked only when a filter needs them."""
    return filter_options.current(debitura=debitura())


@bp.get("/")
@role_required("viewer")
def index():
    """Every case of every tenant: filter by lifecycle group or value, search, sort, page, export."""
    asked = cases.CaseFilters.from_mapping(request.args)
    listing = cases.list_cases(asked.resolved(_filter_options))
    return render(
        "cases/index.html",
        block="case_results",
        listing=listing,
        asked=asked,
        filters=listing.filters,
        filter_options=_filter_options,  # called by the filter form, outside the results block
        groups=cases.GROUPS,
        lifecycles=cases.LIFECYCLES,
        test_filters=cases.TEST_FILTERS,
    )


@bp.get("/export.csv")
@role_required("viewer")
def export():
    """The filtered cases as CSV (all pages)."""
    filters = cases.CaseFilters.from_mapping(request.args).resolved(_filter_options)
    return csv_export.download("cases", cases.CASE_CSV_HEADER, cases.case_csv_rows(cases.iter_cases(filters)))


@bp.get("/pending")
@role_required("viewer")
def pending():
    """Cases waiting for the client's signatures, with every URL that unblocks them, ready to send; refreshes itself."""
    if (not_changed := unchanged_since(live.triage_marker)) is not None:
        return not_changed
    choice = return_urls.read_choice(request.args.get("return_url"))
    rows = cases.pending_signing()
    return render(
        "cases/pending.html",
        block="pending_queue",
        marker=live.triage_marker(),
        rows=rows,
        urls={case.id: cases.unblocking_urls(case) for case in rows},
        kyc_tenants=kyc.tenants_needing_kyc,  # called outside the queue's block: a refresh does not query it
        return_url=choice.usable,
        typed_return_url=choice.typed,
        return_url_error=choice.error,
        now=debitura_now(),
    )


@bp.get("/<debitura_id:case_id>/unblocking")
@role_required("viewer")
@fragment_only("cases.detail")
def unblocking(case_id: str):
    """The URLs that unblock one pending case, looked up at Debitura when the mirror has none (for the queue's rows)."""
    choice = return_urls.read_choice(request.args.get("return_url"))
    lookup_error = None
    try:
        case = cases.refresh_signing_urls(case_id, debitura=debitura())
    except cases.CaseNotFound:
        abort(404)
    except DebituraError as error:
        case = db.get_or_404(Case, case_id)
        lookup_error = f"Could not look up the URLs: {debitura_message(error)}"
    return render(
        "cases/_unblocking.html",
        case=case,
        case_urls=cases.unblocking_urls(case),
        return_url=choice.usable,
        looked_up=True,
        lookup_error=lookup_error,
    )


@bp.get("/<debitura_id:case_id>")
@role_required("viewer")
def detail(case_id: str):
    """One case as Debitura reports it now: potential revenue, files, validation items, timeline, history."""
    try:
        view = cases.load_case(case_id, debitura=debitura())
    except cases.CaseNotFound:
        abort(404)
    choice = return_urls.read_choice(request.args.get("return_url"))
    upload_form = UploadForm(formdata=None, idempotency_key=new_upload_key())
    return render(
        "cases/detail.html",
        block="case_activity",
        view=view,
        case=view.case,
        detail=view.detail,
        unblocking=cases.unblocking_urls(view.case),
        upload_form=upload_form,
        max_bytes=MAX_BYTES,
        allowed=ALLOWED_EXTENSIONS,
        history_entries=audit.history_for(case_id=view.case.id),
        history_query={"case": view.case.id},
        return_url=choice.usable,
        typed_return_url=choice.typed,
        return_url_error=choice.error,
    )
