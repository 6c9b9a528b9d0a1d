from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dashboard.auth import bp
from dashboard.auth.forms import LoginForm
from dashboard.forms import validated
from dashboard.services import audit, login_throttle
from dashboard.services import operators as operator_service
from dashboard.services.company_sign_in import provider_name, sso_enabled

NO_MATCH = "That e-mail and password do not match an active operator."
PASSWORD_LOGIN_OFF = "Password sign-in is turned off here: sign in with your company account."


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a login; anything else goes home."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; it never says whether an e-mail is known, throttled or not."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not current_app.config.get("PASSWORD_LOGIN", True):
        if request.method == "POST":
            return _login_page(form, refusal=PASSWORD_LOGIN_OFF), 403
        return _login_page(form)
    if form.validate_on_submit():
        attempt = operator_service.sign_in(validated(form.email.data), validated(form.password.data), remote_addr=request.remote_addr or "")
        if attempt.operator is not None:
            login_user(attempt.operator, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")), code=303)
        if attempt.wait_seconds:
            form.password.errors = [*form.password.errors, login_throttle.wait_message(attempt.wait_seconds)]
            retry_after = {"Retry-After": str(attempt.wait_seconds)}
            return _login_page(form), 429, retry_after
        form.password.errors = [*form.password.errors, NO_MATCH]
        return _login_page(form), 401
    status = 422 if form.errors else 200
    return _login_page(form), status


def _login_page(form: LoginForm, refusal: str = "") -> str:
    """The password form when password sign-in is on; the company sign-in button when SSO is configured."""
    return render_template(
        "auth/login.html",
        form=form,
        password_login=current_app.config.get("PASSWORD_LOGIN", True),
        sso_provider=provider_name() if sso_enabled() else None,
        next_path=request.args.get("next", ""),
        refusal=refusal,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out and return to the sign-in page."""
    audit.record("auth.logout", outcome=audit.OK, summary="Signed out", operator=current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)
