from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from dashboard.auth import bp
from dashboard.auth.forms import LoginForm, SecondStepForm
from dashboard.auth.signing_in import await_second_step, begin, forget_pending, pending
from dashboard.forms import validated
from dashboard.models.sessions import PASSWORD
from dashboard.services import login_throttle
from dashboard.services import operators as operator_service
from dashboard.services import sessions as session_service
from dashboard.services.company_sign_in import provider_name, sso_enabled
from dashboard.services.operators import OperatorError

NO_MATCH = "That e-mail and password do not match an active operator."
PASSWORD_LOGIN_OFF = "Password sign-in is turned off here: sign in with your company account."
SECOND_STEP_LAPSED = "Sign in with your password first; the code must follow within five minutes."


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
        attempt = operator_service.sign_in(
            validated(form.email.data), validated(form.password.data), remote_addr=request.remote_addr or ""
        )
        target = safe_next(request.args.get("next"))
        if attempt.operator is not None and attempt.second_step:
            await_second_step(attempt.operator, remembered=form.remember.data, next_path=target)
            return redirect(url_for("auth.two_factor"), code=303)
        if attempt.operator is not None:
            begin(attempt.operator, method=PASSWORD, remembered=form.remember.data)
            return redirect(target, code=303)
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
        remember_days=current_app.config["SESSION_REMEMBER_DAYS"],
    )


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor():
    """The second sign-in step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    waiting = pending()
    if waiting is None:
        forget_pending()
        flash(SECOND_STEP_LAPSED, "info")
        return redirect(url_for("auth.login"), code=303)
    form = SecondStepForm()
    if not form.validate_on_submit():
        return render_template("auth/two_factor.html", form=form), 422 if form.errors else 200
    try:
        attempt = operator_service.second_step(
            waiting["operator"], validated(form.code.data), remote_addr=request.remote_addr or ""
        )
    except OperatorError as error:
        form.code.errors = [*form.code.errors, str(error)]
        return render_template("auth/two_factor.html", form=form), 401
    if attempt.wait_seconds:
        form.code.errors = [*form.code.errors, login_throttle.wait_message(attempt.wait_seconds)]
        return render_template("auth/two_factor.html", form=form), 429, {"Retry-After": str(attempt.wait_seconds)}
    if attempt.operator is None:
        forget_pending()
        flash(NO_MATCH, "error")
        return redirect(url_for("auth.login"), code=303)
    begin(attempt.operator, method=PASSWORD, remembered=bool(waiting.get("remember")))
    return redirect(safe_next(waiting.get("next")), code=303)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: the session record ends, so this cookie is refused even if it is replayed."""
    session_service.sign_out(g.operator_session, actor=current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)
