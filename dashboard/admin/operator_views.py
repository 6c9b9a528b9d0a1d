"""Operator management: invite, change role, deactivate and reactivate, reset a password."""

from flask import flash, redirect, url_for

from dashboard.admin import bp
from dashboard.admin.forms import ROLE_DESCRIPTIONS, InviteForm, ResetPasswordForm, RoleForm
from dashboard.admin.views import actor
from dashboard.authz import role_required
from dashboard.forms import validated
from dashboard.htmx import render
from dashboard.models.operators import ROLES
from dashboard.services import operators_admin, two_factor
from dashboard.services.operators import OperatorError


def _page(invite_form: InviteForm, *, status: int = 200):
    return render(
        "admin/operators.html",
        status=status,
        operators=operators_admin.list_operators(),
        with_two_factor=two_factor.enabled_ids(),
        invite_form=invite_form,
        roles=ROLES,
        role_descriptions=ROLE_DESCRIPTIONS,
    )


def _back():
    return redirect(url_for("admin.operators"), code=303)


@bp.route("/operators")
@role_required("admin")
def operators():
    """Everyone who can sign in, their role and status; admins also invite and manage them here."""
    return _page(InviteForm())


@bp.route("/operators/invite", methods=["POST"])
@role_required("admin")
def invite():
    """Create an operator; a generated password is shown once on the next page."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        credentials = operators_admin.invite(
            validated(form.email.data),
            name=form.name.data or "",
            role=form.role.data,
            password=form.password.data or None,
            actor=actor(),
        )
    except OperatorError as error:
        field = getattr(form, error.field or "", None)
        if field is None:
            form.form_errors.append(str(error))
        else:
            field.errors = [*field.errors, str(error)]
        return _page(form, status=422)
    if credentials.generated:
        return render("admin/credentials.html", credentials=credentials, created=True)
    flash(f"{credentials.operator.email} can now sign in as {credentials.operator.role}.", "success")
    return _back()


@bp.route("/operators/<int:operator_id>/role", methods=["POST"])
@role_required("admin")
def change_role(operator_id: int):
    """Give an operator another role."""
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "error")
        return _back()
    try:
        operator = operators_admin.change_role(operator_id, form.role.data, actor=actor())
    except OperatorError as error:
        flash(str(error), "error")
        return _back()
    flash(f"{operator.email} is now {operator.role}.", "success")
    return _back()


@bp.route("/operators/<int:operator_id>/deactivate", methods=["POST"])
@role_required("admin")
def deactivate(operator_id: int):
    """Stop an operator signing in; their open sessions end at once."""
    try:
        operator = operators_admin.deactivate(operator_id, actor=actor())
    except OperatorError as error:
        flash(str(error), "error")
        return _back()
    flash(f"{operator.email} is deactivated; their sessions have ended.", "success")
    return _back()


@bp.route("/operators/<int:operator_id>/reactivate", methods=["POST"])
@role_required("admin")
def reactivate(operator_id: int):
    """Let a deactivated operator sign in again."""
    try:
        operator = operators_admin.reactivate(operator_id, actor=actor())
    except OperatorError as error:
        flash(str(error), "error")
        return _back()
    flash(f"{operator.email} can sign in again.", "success")
    return _back()


@bp.route("/operators/<int:operator_id>/password", methods=["POST"])
@role_required("admin")
def reset_password(operator_id: int):
    """Set a new password (generated unless typed); the operator's sessions end."""
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash(" ".join(form.password.errors) or "That password cannot be used.", "error")
        return _back()
    try:
        credentials = operators_admin.reset_password(operator_id, password=form.password.data or None, actor=actor())
    except OperatorError as error:
        flash(str(error), "error")
        return _back()
    if credentials.generated:
        return render("admin/credentials.html", credentials=credentials, created=False)
    flash(f"New password set for {credentials.operator.email}; their sessions have ended.", "success")
    return _back()


@bp.route("/operators/<int:operator_id>/two-factor/reset", methods=["POST"])
@role_required("admin")
def reset_two_factor(operator_id: int):
    """Remove an operator's authenticator app (a lost phone); they set up a new one at their next sign-in."""
    try:
        operator = two_factor.reset(operator_id, actor=actor())
    except OperatorError as error:
        flash(str(error), "error")
        return _back()
    flash(f"Two-factor sign-in of {operator.email} is reset; their sessions have ended.", "success")
    return _back()
