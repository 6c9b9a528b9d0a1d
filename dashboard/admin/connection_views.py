"""The connection page: environment and base URLs, whether the API key works, last sync, token cache."""

from dashboard.admin import bp
from dashboard.admin.views import actor
from dashboard.authz import role_required
from dashboard.htmx import render
from dashboard.jinja import ENVIRONMENT_LABELS
from dashboard.services import connection
from dashboard.wiring import debitura


def _context(**extra):
    endpoints = connection.endpoints()
    return {
        "endpoints": endpoints,
        "environment_label": ENVIRONMENT_LABELS[endpoints.environment],
        "last_sync": connection.last_sync(),
        "tokens": connection.token_cache_state(),
        **extra,
    }


@bp.route("/connection")
@role_required("admin")
def connection_status():
    """Where the dashboard points and how the link to Debitura is doing; the key check loads on its own."""
    return render("admin/connection.html", **_context(check=None))


@bp.route("/connection/check")
@role_required("admin")
def connection_check():
    """Ask Debitura's GET /me whether the API key works (the panel alone for htmx, else the whole page)."""
    check = connection.check_api_key(actor=actor(), debitura=debitura())
    return render("admin/connection.html", block="key_check", **_context(check=check))
