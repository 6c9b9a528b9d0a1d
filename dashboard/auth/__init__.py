from flask import Blueprint

from dashboard.auth.gates import hold_until_the_account_is_ready
from dashboard.authz import refuse_viewer_writes

bp = Blueprint("auth", __name__, url_prefix="/auth")
# Registered app-wide here because every request passes through sign-in rules.
bp.before_app_request(refuse_viewer_writes)
bp.before_app_request(hold_until_the_account_is_ready)

from dashboard.auth import account, sso, views  # noqa: E402,F401
