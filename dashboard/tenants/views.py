from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from dashboard.authz import can, role_required
from dashboard.debitura.errors import (
    BusinessRuleError,
    DebituraConnectionError,
    DebituraError,
    InvalidRequest,
)
from dashboard.errors.forms import show_debitura_error
from dashboard.extensions import db
from dashboard.htmx import navigate, render, unchanged_since
from dashboard.models import Case, Tenant, WebhookEvent
from dashboard.services import (
    audit,
    first_cases,
    live,
    mirror,
    pricing,
    return_urls,
    submissions,
)
from dashboard.services import tenants as tenant_service
from dashboard.services.tenant_state import (
    NEEDS_LINKING,
    STATES,
    TenantState,
    debitura_now,
    derive_state,
    refusal_state,
    state_info,
)
from dashboard.tenants import bp
from dashboard.tenants.export import csv_response
from dashboard.tenants.forms import MAX_FIRST_CASES, NewClientForm, without_case
from dashboard.tenants.messages import customer_message
from dashboard.wiring import debitura

TIMELINE_LIMIT = 50
CASES_LIMIT = 50


@bp.route("/")
@role_required("viewer")
def index():
    """Every tenant with its derived state: chips per state, search, sort, pages; refreshes itself."""
    if (not_changed := unchanged_since(live.tenants_marker)) is not None:
        return not_changed
    now = debitura_now()
    asked = tenant_service.TenantFilter.from_args(request.args)
    counts = tenant_service.state_counts(asked.q, now)
    total = counts.get(asked.state, 0) if asked.state else sum(counts.values())  # no second pass to count
    filters = asked.on_page(total)
    page = db.paginate(
        tenant_service.tenant_rows(filters, now),
        page=filters.page,
        per_page=tenant_service.PAGE_SIZE,
        error_out=False,
        count=False,
    )
    page.total = total
    return render(
        "tenants/index.html",
        block="tenant_results",
        filters=filters,
        past_the_end=asked.page if asked.page != filters.page else None,
        page=page,
        counts=counts,
        states=STATES,
        state_info=state_info,
        marker=live.tenants_marker(now),
        now=now,
    )


@bp.route("/export.csv")
@role_required("viewer")
def export():
    """The filtered tenants as CSV (every page, not just the one on screen)."""
    filters = tenant_service.TenantFilter.from_args(request.args)
    return csv_response(filters)


def _detail_context(tenant: Tenant) -> dict:
    now = debitura_now()
    first_cases.settle_carried(tenant, debitura=debitura())
    cases = db.session.scalars(
        select(Case).where(Case.tenant_id == tenant.id).order_by(Case.date_created.desc(), Case.id).limit(CASES_LIMIT)
    ).all()
    cases_count, mirror_closed, mirror_as_of = db.session.execute(
        select(func.count(), func.count().filter(Case.lifecycle == "Closed"), func.max(Case.last_seen_at)).where(
            Case.tenant_id == tenant.id
        )
    ).one()
    events = db.session.scalars(
        select(WebhookEvent)
        .where(WebhookEvent.external_tenant_id == tenant.external_tenant_id)
        .order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    history = audit.history_for(external_tenant_id=tenant.external_tenant_id)
    choice = return_urls.read_choice(request.args.get("return_url"))
    missing = tenant_service.missing_for_reissue(tenant)
    return {
        "tenant": tenant,
        "state": derive_state(tenant, now),
        "now": now,
        "cases": cases,
        "cases_count": cases_count,
        "mirror_closed": mirror_closed,
        "mirror_as_of": mirror_as_of,
        "events": events,
        "history_entries": history,
        "marker": live.tenant_marker(tenant.id, tenant.external_tenant_id, now),
        "return_url": choice.usable,
        "typed_return_url": choice.typed,
        "return_url_error": choice.error,
        "message": customer_message(tenant, current_app.config["PARTNER_PRODUCT_NAME"], now),
        "case_url": _case_url,
        "reissue_missing": missing,
        "reissue_missing_words": tenant_service.in_words(missing) if missing else "",
        "first": first_cases.standing(tenant, now),
        "describe_case": first_cases.describe,
        "kyc_gap": first_cases.kyc_gap(tenant),
        "accepts_cases": submissions.accepts_cases(tenant),
        "withdrawal_blocker": tenant_service.withdrawal_blocker(tenant) if can("admin") else None,
    }


def _case_url(case: Case) -> str:
    return url_for("cases.detail", case_id=case.id)


@bp.route("/<int:tenant_id>")
@role_required("viewer")
def detail(tenant_id: int):
    """One tenant: who they are, where they stand, the URL they need, their cases and events."""
    tenant = db.get_or_404(Tenant, tenant_id)
    if (not_changed := unchanged_since(lambda: live.tenant_marker(tenant.id, tenant.external_tenant_id))) is not None:
        return not_changed
    return render("tenants/detail.html", block="tenant_live", **_detail_context(tenant))


def _after_action(tenant: Tenant, trigger: str):
    return render(
        "tenants/detail.html",
        block="tenant_live",
        trigger=trigger,
        redirect_plain=url_for("tenants.detail", tenant_id=tenant.id),
        **_detail_context(tenant),
    )


def _flash_outcome(outcome: tenant_service.ClientOutcome) -> None:
    state = derive_state(outcome.tenant)
    if outcome.existed and outcome.conflict is not None and outcome.conflict_type != NEEDS_LINKING:
        refused = _conflict_state(outcome)
        flash(
            f"Debitura refused: {refused.label}. {refused.explanation} Nothing about this tenant was changed. "
            f"{refused.next_action}",
            "error",
        )
    elif outcome.status == 201:
        flash("Debitura says the client is ready: onboarding is complete and cases can be submitted.", "success")
    elif outcome.status == 202 and state.code == "resign_needed":
        flash("A fresh contract re-sign URL is ready: copy it and send it to the customer.", "success")
    elif outcome.status == 202:
        flash("A fresh onboarding URL is ready: copy it and send it to the customer.", "success")
    elif state.code == "approval_pending":
        flash("The company already has a Debitura account: send the customer the approval URL below.", "warning")
    else:
        flash(f"Debitura answered: {state.label}. {state.next_action}", "error")
    _flash_first_cases(outcome.tenant)


def _flash_first_cases(tenant: Tenant) -> None:
    created = len(first_cases.of_outcome(tenant, first_cases.CREATED))
    failed = len(first_cases.of_outcome(tenant, first_cases.FAILED))
    waiting = len(first_cases.of_outcome(tenant, first_cases.WAITING))
    if failed:
        flash(
            f"{created} of {created + failed} first cases {'was' if created == 1 else 'were'} created; "
            f"{failed} could not be: see “First cases” below for why and what to do.",
            "warning",
        )
    elif created:
        flash(f"{created} first case{'s' if created != 1 else ''} created with the client.", "success")
    elif waiting:
        flash(
            f"{waiting} first case{'s' if waiting != 1 else ''} will be created when the customer approves the link.",
            "info",
        )


@bp.route("/<int:tenant_id>/reissue", methods=["POST"])
@role_required("operator")
def reissue(tenant_id: int):
    """Re-send POST /clients for this tenant to get a fresh onboarding or approval URL."""
    tenant = db.get_or_404(Tenant, tenant_id)
    try:
        outcome = tenant_service.reissue_url(tenant.id, actor=current_user, debitura=debitura())
    except tenant_service.ReissueDetailsMissing as missing:
        flash(str(missing), "error")
        return _after_action(tenant, "tenantChanged")
    except InvalidRequest as error:
        flash(
            f"Debitura refused the stored details: {tenant_service.refused_fields_in_words(error)} "
            "Use “Correct the details and send them” to fix them.",
            "error",
        )
        return _after_action(db.get_or_404(Tenant, tenant_id), "tenantChanged")
    except BusinessRuleError as error:
        flash(
            f"Debitura refused the stored details: {error.user_message} Create the client again with corrected details.",
            "error",
        )
        return _after_action(db.get_or_404(Tenant, tenant_id), "tenantChanged")
    _flash_outcome(outcome)
    return _after_action(outcome.tenant, "tenantChanged")


@bp.route("/<int:tenant_id>/first-cases/<int:number>/drop", methods=["POST"])
@role_required("operator")
def drop_first_case(tenant_id: int, number: int):
    """Give up on a first case Debitura could not create: it is no longer sent with a re-issue."""
    try:
        tenant = first_cases.drop(tenant_id, number, actor=current_user)
    except first_cases.FirstCaseNotFound:
        flash("That case is no longer waiting for a decision; the page shows where it stands now.", "info")
        tenant = db.get_or_404(Tenant, tenant_id)
    else:
        flash("The case was dropped: it will not be sent again.", "success")
    return _after_action(tenant, "tenantChanged")


@bp.route("/<int:tenant_id>/first-cases/<int:number>/correct", methods=["POST"])
@role_required("operator")
def correct_first_case(tenant_id: int, number: int):
    """Start a manual submission from a failed first case, to change its debtor and send it."""
    try:
        submission = first_cases.start_corrected(tenant_id, number, actor=current_user)
    except first_cases.FirstCaseNotFound:
        flash("That case is no longer waiting for a decision; the page shows where it stands now.", "info")
        return _after_action(db.get_or_404(Tenant, tenant_id), "tenantChanged")
    except submissions.TenantCannotTakeCases as refusal:
        flash(f"No case can be submitted for this client yet. {refusal}", "error")
        return _after_action(db.get_or_404(Tenant, tenant_id), "tenantChanged")
    flash("The case is filled in as it was sent: change the debtor, preview the price and submit it.", "info")
    return navigate(url_for("cases.submission", key=submission.idempotency_key))


@bp.route("/<int:tenant_id>/refresh", methods=["POST"])
@role_required("operator")
def refresh(tenant_id: int):
    """Read this tenant again from Debitura now, instead of waiting for the next sync."""
    tenant, found = tenant_service.refresh(tenant_id, actor=current_user, debitura=debitura())
    if found:
        flash("Read from Debitura just now.", "info")
    elif tenant.state == "withdrawn":
        flash("Debitura has no active link for this tenant id any more: it was withdrawn or archived.", "warning")
    else:
        flash("Debitura has no active link for this tenant id yet, as expected in this state.", "info")
    return _after_action(tenant, "tenantChanged")


@bp.route("/<int:tenant_id>/withdraw", methods=["GET", "POST"])
@role_required("admin")
def withdraw(tenant_id: int):
    """Withdraw the link at Debitura, after an explicit confirmation step."""
    tenant = db.get_or_404(Tenant, tenant_id)
    if request.method == "GET":
        return render(
            "tenants/withdraw.html",
            tenant=tenant,
            state=derive_state(tenant),
            blocker=tenant_service.withdrawal_blocker(tenant),
            rule=tenant_service.WITHDRAW_RULE,
        )
    if request.form.get("confirm") != "yes":
        abort(400)
    try:
        tenant_service.withdraw(tenant.id, actor=current_user, debitura=debitura())
    except tenant_service.TenantActionRefused as refused:
        flash(str(refused), "error")
    else:
        flash("The link is withdrawn at Debitura.", "success")
    return redirect(url_for("tenants.detail", tenant_id=tenant.id), code=303)


def _new_client_page(form: NewClientForm, *, status: int = 200, quotes=None, **context):
    existing = context.pop("existing", None)
    conflict = context.pop("conflict", None)
    return render(
        "tenants/new.html",
        block="new_client_form",
        status=status,
        form=form,
        conflict=conflict,
        conflict_state=_conflict_state(conflict) if conflict else None,
        existing=existing,
        existing_state=derive_state(existing) if existing is not None else None,
        named_tenant=_named_tenant(conflict),
        quotes=quotes or {},
        max_cases=MAX_FIRST_CASES,
        **context,
    )


def _edit_cases():
    """Add or remove a first case: the page comes back with everything typed, nothing validated or sent."""
    removed = request.form.get("remove_case", type=int)
    form = NewClientForm(formdata=without_case(request.form, removed) if removed is not None else request.form)
    if "add_case" in request.form and len(form.cases) < MAX_FIRST_CASES:
        form.cases.append_entry()
    existing = mirror.find_tenant(form.external_tenant_id.data) if form.external_tenant_id.data else None
    return _new_client_page(form, existing=existing)


def _preview_cases(form: NewClientForm):
    """Debitura's price for each first case that is filled in correctly; the others show what to fix."""
    quotes = {}
    valid = True
    for index, entry in enumerate(form.cases):
        if not entry.validate(form):
            valid = False
            continue
        try:
            quotes[index] = pricing.preview(
                submissions.pricing_input(entry.form.to_draft()), actor=current_user, debitura=debitura()
            )
        except DebituraError as error:
            entry.form.form_errors.append(f"Debitura could not price this case: {error.user_message}")
    existing = mirror.find_tenant(form.external_tenant_id.data) if form.external_tenant_id.data else None
    return _new_client_page(form, status=200 if valid else 422, quotes=quotes, existing=existing)


@bp.route("/new", methods=["GET", "POST"])
@role_required("operator")
def new():
    """Create a client at Debitura (POST /clients), with its first cases, and show plainly what came back."""
    if request.method == "POST" and ("add_case" in request.form or "remove_case" in request.form):
        return _edit_cases()
    form = NewClientForm()
    conflict = None
    status = 200
    if not form.is_submitted() and (source := request.args.get("tenant", type=int)) is not None:
        form.fill_from(db.get_or_404(Tenant, source))
    if form.is_submitted() and request.form.get("action") == "preview_cases":
        return _preview_cases(form)
    valid = form.validate_on_submit()  # first: it strips control characters no query may carry
    existing = mirror.find_tenant(form.external_tenant_id.data) if form.external_tenant_id.data else None
    if valid and existing is not None and not form.for_existing.data:
        form.external_tenant_id.errors = [
            *form.external_tenant_id.errors,
            "This tenant id already exists in the dashboard. Open the tenant to re-issue its URL, or tick "
            "“Send these details for the existing tenant” to send them anyway.",
        ]
        valid = False
    if valid:
        try:
            outcome = tenant_service.create_client(form.to_request(), actor=current_user, debitura=debitura())
        except BusinessRuleError as error:
            form.form_errors.extend(e.message for e in error.errors if e.message)
            if not error.errors:
                form.form_errors.append(error.user_message)
            status = 422
        except DebituraError as error:
            if isinstance(error, InvalidRequest) and form.cases.entries:
                form.form_errors.append(
                    "Debitura refused the request, so nothing was created: neither the client nor "
                    "any case. Each problem is marked next to its field."
                )
                if any(path.lower().startswith("cases[") for path in error.field_errors):
                    error.field_errors.pop("cases", None)  # its "Case validation failed" is what the line above says
            if isinstance(error, DebituraConnectionError) and error.timed_out_after is not None:
                # There is no tenant page to read again yet; a repeat of the same details is safe instead.
                form.form_errors.append(
                    f"Debitura did not answer within {error.timed_out_after:g} s, so it may or may not have created "
                    "the client. Send the same details again: Debitura answers a repeat with what it did "
                    "the first time, so nothing is created twice."
                )
            else:
                show_debitura_error(form, error, form.field_for_path)
            status = 422
        else:
            if outcome.status in (201, 202) or outcome.conflict_type == NEEDS_LINKING:
                _flash_outcome(outcome)
                return navigate(url_for("tenants.detail", tenant_id=outcome.tenant.id))
            conflict = outcome
            form.for_existing.data = True  # the tenant id is recorded now: a corrected retry is for it
            status = 422
    elif form.is_submitted():
        status = 422
    return _new_client_page(form, status=status, conflict=conflict, existing=existing)


def _conflict_state(outcome: tenant_service.ClientOutcome) -> TenantState:
    if outcome.existed:
        return refusal_state(outcome.conflict_type, outcome.conflict.message if outcome.conflict else None)
    return derive_state(outcome.tenant)


def _named_tenant(outcome: tenant_service.ClientOutcome | None) -> tuple[str, Tenant | None] | None:
    """The tenant id Debitura says this company is linked under (a tenant id conflict), and our row for it."""
    data = (outcome.conflict.data or {}) if outcome is not None and outcome.conflict is not None else {}
    named = data.get("existingExternalTenantId")
    if not isinstance(named, str) or not named:
        return None
    return named, mirror.find_tenant(named)
