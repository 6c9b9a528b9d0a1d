"""Manual case submission for one tenant: form → pricing preview → confirm, exactly once per key."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from dashboard.authz import role_required
from dashboard.cases import bp
from dashboard.cases.forms import WIRE_FIELDS, CaseForm
from dashboard.debitura import DebituraError
from dashboard.errors.forms import show_debitura_error
from dashboard.extensions import db
from dashboard.htmx import render
from dashboard.models import Tenant
from dashboard.services import submissions
from dashboard.services.tenant_state import derive_state
from dashboard.wiring import debitura

PANEL = "submission_panel"
ALREADY_SENT = {
    "sending": "This submission is being sent right now; this click sent nothing more.",
    "created": "This submission was already sent; nothing was sent again.",
    "failed": "This submission already went out once; nothing was sent again. Use Retry to resend it under the same key.",
    "rejected": "Debitura already refused this submission; nothing was sent again.",
}


def _submission_or_404(key: str):
    submission = submissions.find(key)
    if submission is None:
        abort(404)
    return submission


def _form_for(submission, formdata=None) -> CaseForm:
    """The form as last typed for this submission (or fresh, with the defaults, for a new draft)."""
    if formdata is None and submission.form_data:
        formdata = MultiDict({name: value for name, value in submission.form_data.items() if value != ""})
    form = CaseForm(formdata=formdata, tenant_id=submission.tenant_id)
    form.idempotency_key.data = submission.idempotency_key
    return form


def _page(
    submission,
    form: CaseForm,
    *,
    tenant=None,
    quote=None,
    status: int = 200,
    note: str | None = None,
    push_url: str | None = None,
):
    tenant = tenant or submission.tenant
    return render(
        "cases/submission.html",
        block=PANEL,
        status=status,
        push_url=push_url,
        submission=submission,
        tenant=tenant,
        tenant_state=derive_state(tenant),
        accepts_cases=submissions.accepts_cases(tenant),
        form=form,
        quote=quote,
        note=note,
    )


def _tenant_or_404(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    return tenant


@bp.get("/new", defaults={"tenant_id": None})
@bp.get("/new/<int:tenant_id>")
@role_required("operator")
def new(tenant_id: int | None):
    """The empty case form for a tenant (or the tenant chooser); opening it writes nothing."""
    if tenant_id is None:
        chosen = request.args.get("tenant", type=int)
        if chosen:
            return redirect(url_for("cases.new", tenant_id=chosen), 303)
        return render(
            "cases/choose_tenant.html",
            tenants=submissions.tenants_accepting_cases(),
            left_out=submissions.tenants_not_accepting_cases(),
        )
    tenant = _tenant_or_404(tenant_id)
    return _page(None, CaseForm(formdata=None, tenant_id=tenant.id), tenant=tenant)


@bp.post("/new/<int:tenant_id>")
@role_required("operator")
def create(tenant_id: int):
    """Start the draft (its Idempotency-Key is minted here) and price what was typed.

    A POST without the form's fields only starts the draft and opens it.
    """
    tenant = _tenant_or_404(tenant_id)
    form = CaseForm(formdata=request.form, tenant_id=tenant.id)
    if not submissions.accepts_cases(tenant):
        # The panel says why (htmx swaps a 422 answer; it leaves other 4xx to the error display).
        return _page(None, form, tenant=tenant, status=422)
    if "action" not in request.form:
        return redirect(
            url_for("cases.submission", key=submissions.start(tenant.id, actor=current_user).idempotency_key), 303
        )
    if not form.validate():
        return _page(None, form, tenant=tenant, status=422)
    draft = submissions.start(tenant.id, actor=current_user, form_data=form.typed_input())
    form.idempotency_key.data = draft.idempotency_key
    # The price comes first: sending needs a preview of exactly this body, whatever button was pressed.
    return _preview_or_send(
        draft, form, action="preview", push_url=url_for("cases.submission", key=draft.idempotency_key)
    )


@bp.get("/submissions/<key>")
@role_required("operator")
def submission(key: str):
    """The submission as it stands: the form with its input, the outcome, or a note that it is being sent."""
    current = _submission_or_404(key)
    return _page(current, _form_for(current), quote=submissions.last_preview(current))


@bp.post("/submissions/<key>")
@role_required("operator")
def submit(key: str):
    """Preview the pricing of the typed case, or send it once the operator has seen that price."""
    current = _submission_or_404(key)
    if current.status != "draft":
        # A second click while the first is in flight, or after it finished: show the state, never resend.
        return _page(current, _form_for(current), note=ALREADY_SENT[current.status])
    form = _form_for(current, formdata=request.form)
    if not form.validate():
        submissions.save_input(key, form.typed_input())
        return _page(current, form, status=422)
    return _preview_or_send(current, form, action=request.form.get("action"))


def _preview_or_send(current, form: CaseForm, *, action: str | None, push_url: str | None = None):
    key = current.idempotency_key
    draft = form.to_draft()
    note = None
    try:
        if action == "submit":
            try:
                current = submissions.submit(key, draft, form.typed_input(), actor=current_user, debitura=debitura())
            except submissions.PreviewRequired:
                note = "The values changed since the last preview: check this price, then submit."
            else:
                if current.status == "created":
                    flash(f"Case {current.case_reference or current.case_id} was created.", "success")
                return redirect(url_for("cases.submission", key=key), 303)
        quote = submissions.preview(key, draft, form.typed_input(), actor=current_user, debitura=debitura())
    except DebituraError as error:
        show_debitura_error(form, error, WIRE_FIELDS, prefix="Debitura: ")
        return _page(current, form, status=422, push_url=push_url)
    return _page(current, form, quote=quote, note=note, push_url=push_url)


@bp.post("/submissions/<key>/retry")
@role_required("operator")
def retry(key: str):
    """Send a submission that got no answer again, with the same key and body: Debitura replays, never duplicates."""
    _submission_or_404(key)
    current = submissions.retry(key, actor=current_user, debitura=debitura())
    if current.status == "created":
        flash(f"Case {current.case_reference or current.case_id} was created.", "success")
    return redirect(url_for("cases.submission", key=key), 303)


@bp.post("/submissions/<key>/copy")
@role_required("operator")
def resubmit(key: str):
    """Start again from a refused submission's input, under a fresh key (the old key would replay the refusal)."""
    _submission_or_404(key)
    try:
        fresh = submissions.copy_as_new(key, actor=current_user)
    except submissions.TenantCannotTakeCases as refusal:
        flash(f"No new submission was started. {refusal}", "error")
        return redirect(url_for("cases.submission", key=key), 303)
    flash("A new submission was started with the same details; preview and submit it when ready.", "info")
    return redirect(url_for("cases.submission", key=fresh.idempotency_key), 303)
