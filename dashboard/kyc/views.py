"""Director KYC: which tenants need it, and submitting it for one tenant."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from dashboard.authz import role_required
from dashboard.debitura import DebituraError, InvalidRequest, NotFound
from dashboard.errors.forms import show_debitura_error
from dashboard.errors.handlers import debitura_message
from dashboard.extensions import db
from dashboard.htmx import navigate, render
from dashboard.kyc import bp
from dashboard.kyc.forms import KycForm
from dashboard.kyc_status import kyc_status_words
from dashboard.models import Tenant
from dashboard.services import kyc, submissions
from dashboard.services.tenant_state import derive_state
from dashboard.wiring import debitura

WIRE_FIELDS = {
    "directorFullName": "director_full_name",
    "directorHomeAddress": "director_home_address",
    "directorDateOfBirth": "director_date_of_birth",
}


@bp.get("/")
@role_required("viewer")
def index():
    """Tenants whose cases are refused for missing KYC, or whose KYC Debitura reports as pending."""
    return render("kyc/index.html", tenants=kyc.tenants_needing_kyc())


def _return_submission():
    """The refused case submission the operator came from, if any (to offer going back to it)."""
    key = request.values.get("submission") or ""
    return submissions.find(key) if key else None


@bp.route("/<int:tenant_id>", methods=["GET", "POST"])
@role_required("operator")
def submit(tenant_id: int):
    """Submit the director's name, home address and date of birth for one tenant."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    form = KycForm()
    origin = _return_submission()
    if not form.idempotency_key.data:  # a fresh form, or a posted key the dashboard did not make
        form.idempotency_key.data = kyc.new_key()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                outcome = kyc.submit(
                    tenant.id,
                    form.to_input(),
                    idempotency_key=form.idempotency_key.data,
                    actor=current_user,
                    debitura=debitura(),
                )
            except NotFound:
                form.form_errors.append(
                    "Debitura does not know this client as linked to us (404); check the tenant's link first."
                )
                status = 422
            except InvalidRequest as error:
                show_debitura_error(form, error, WIRE_FIELDS)
                status = 422
            except DebituraError as error:
                form.form_errors.append(
                    debitura_message(error) + " Submitting again is safe: it reuses this form's key."
                )
                status = 422
            else:
                state = kyc_status_words(outcome.tenant.kyc_status or "pending").lower()
                flash(
                    f"KYC submitted for {tenant.company_name or tenant.external_tenant_id}; Debitura now reports it as {state}. "
                    "Cases that were refused for missing KYC can be submitted again.",
                    "success",
                )
                if origin is not None:
                    return navigate(url_for("cases.submission", key=origin.idempotency_key))
                return navigate(url_for("kyc.submit", tenant_id=tenant.id))
        else:
            status = 422
    return render(
        "kyc/submit.html",
        block="kyc_panel",
        status=status,
        form=form,
        tenant=tenant,
        tenant_state=derive_state(tenant),
        origin=origin,
    )
