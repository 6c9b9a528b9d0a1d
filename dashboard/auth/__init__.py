from flask import Blueprint

from dashboard.authz import refuse_viewer_writes

bp = Blueprint("auth", __name__, url_prefix="/auth")
# Registered app-wide here because every request passes through sign-in rules.
bp.before_app_request(refuse_viewer_writes)

from dashboard.auth import sso, views  # noqa: E402,F401
