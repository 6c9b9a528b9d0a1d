"""Your account: change your password, set up two-factor sign-in, see and end your sessions."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from dashboard.auth import bp
from dashboard.auth.forms import ChangePasswordForm, EnrolForm
from dashboard.auth.signing_in import begin
from dashboard.auth.views import safe_next
from dashboard.forms import validated
from dashboard.models.sessions import PASSWORD
from dashboard.services import operators as operator_service
from dashboard.services import sessions as session_service
from dashboard.services import two_factor as two_factor_service
from dashboard.services.operators import OperatorError

_ENROLMENT_KEY = "totp_enrolment"  # the new secret, sealed, between showing the QR code and its first code


def _me():
    return current_user._get_current_object()


def _private(body: str, status: int = 200):
    """A page showing a secret to its owner: never cached, never kept in history."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account")
@login_required
def account():
    """What protects your sign-in, and links to change it."""
    operator = _me()
    return render_template(
        "auth/account.html",
        two_factor_on=two_factor_service.enabled(operator),
        two_factor_required=two_factor_service.required(operator),
        unused_codes=two_factor_service.unused_recovery_codes(operator.id),
        company_session=g.operator_session.method != PASSWORD,
        session_count=len(session_service.open_sessions(operator.id)),
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your own password; every session ends and this browser continues in a new one."""
    form = ChangePasswordForm()
    operator = _me()
    forced = operator.must_change_password
    if form.validate_on_submit():
        current = g.operator_session
        try:
            operator_service.change_own_password(
                operator,
                validated(form.current_password.data),
                validated(form.new_password.data),
                actor=operator,
                remote_addr=request.remote_addr or "",
            )
        except OperatorError as error:
            getattr(form, error.field or "new_password").errors.append(str(error))
            return render_template("auth/password.html", form=form, forced=forced), 422
        begin(operator, method=current.method, remembered=current.remembered)
        flash("Your password is changed. Any other session of yours has ended.", "success")
        return redirect(url_for("main.home") if forced else url_for("auth.account"), code=303)
    return render_template("auth/password.html", form=form, forced=forced), 422 if form.errors else 200


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Add an authenticator app: scan the QR code (or type the key), then confirm with one code."""
    operator = _me()
    if two_factor_service.enabled(operator):
        flash("Two-factor sign-in is already on for your account.", "info")
        return redirect(url_for("auth.account"), code=303)
    form = EnrolForm()
    secret = two_factor_service.unseal(session.get(_ENROLMENT_KEY, ""))
    if form.validate_on_submit():
        if secret is None:
            form.code.errors = [
                *form.code.errors,
                "The setup had expired. Scan this new code with your app, then type its code.",
            ]
        else:
            try:
                codes = two_factor_service.enable(operator, secret, validated(form.code.data), actor=operator)
            except two_factor_service.TwoFactorError as error:
                form.code.errors = [*form.code.errors, str(error)]
            else:
                session.pop(_ENROLMENT_KEY, None)
                return _private(
                    render_template(
                        "auth/recovery_codes.html",
                        codes=codes,
                        first_time=True,
                        continue_to=safe_next(request.args.get("next")),
                    )
                )
    if secret is None:
        secret = two_factor_service.new_secret()
        session[_ENROLMENT_KEY] = two_factor_service.seal(secret)
    uri = two_factor_service.provisioning_uri(secret, operator.email)
    body = render_template(
        "auth/two_factor_setup.html",
        form=form,
        key=two_factor_service.grouped(secret),
        qr=two_factor_service.qr_svg(uri, title=f"QR code to add {operator.email} to an authenticator app"),
        required=two_factor_service.required(operator),
    )
    return _private(body, 422 if form.errors else 200)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes():
    """Ten new recovery codes, shown once; the old ones stop working."""
    try:
        codes = two_factor_service.regenerate_recovery_codes(_me(), actor=_me())
    except two_factor_service.TwoFactorError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.account"), code=303)
    return _private(
        render_template("auth/recovery_codes.html", codes=codes, first_time=False, continue_to=url_for("auth.account"))
    )


@bp.route("/sessions")
@login_required
def sessions():
    """Where you are signed in; end any of them."""
    return render_template(
        "auth/sessions.html",
        records=session_service.open_sessions(current_user.id),
        current_id=g.operator_session.id,
        idle_minutes=session_service.idle_minutes(),
    )


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int):
    """End one of your sessions; ending this browser's signs it out."""
    ended = session_service.revoke(session_id, actor=_me())
    if ended is None:
        flash("That session had already ended.", "info")
    elif ended.id == g.operator_session.id:
        logout_user()
        session.clear()
        flash("You ended this browser's session and are signed out.", "info")
        return redirect(url_for("auth.login"), code=303)
    else:
        flash(f"The session on {ended.device} has ended.", "success")
    return redirect(url_for("auth.sessions"), code=303)
