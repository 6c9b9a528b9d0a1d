"""Before anything else: an operator who must set up two-factor sign-in or choose a new password does that first."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import current_user

from dashboard.htmx import navigate
from dashboard.models.sessions import PASSWORD
from dashboard.services import two_factor

# What stays reachable meanwhile: the two pages themselves, signing out, and the static files they use.
OPEN_MEANWHILE = frozenset({"auth.two_factor_setup", "auth.change_password", "auth.logout", "static"})


def hold_until_the_account_is_ready():
    """Only for password sessions: company sign-in has its own second factor and no dashboard password."""
    if request.endpoint in OPEN_MEANWHILE or not getattr(current_user, "is_authenticated", False):
        return None
    record = g.get("operator_session")
    if record is None or record.method != PASSWORD:
        return None
    if two_factor.required(current_user) and not two_factor.enabled(current_user):
        flash("Your role needs two-factor sign-in. Set up an authenticator app to continue.", "info")
        return navigate(url_for("auth.two_factor_setup"))
    if current_user.must_change_password:
        flash("Your password was set by an administrator. Choose your own to continue.", "info")
        return navigate(url_for("auth.change_password"))
    return None
