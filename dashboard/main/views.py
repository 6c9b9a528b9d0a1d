from flask import abort, current_app, jsonify, redirect, send_from_directory, url_for
from sqlalchemy import text

from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.main import bp


@bp.route("/")
@role_required("viewer")
def home():
    """The operator's start page: the triage queues."""
    return redirect(url_for("triage.home"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (downloads, error pages); no login."""
    if current_app.static_folder is None:
        abort(404)
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.route("/healthz")
def health():
    """Liveness and database reachability for load balancers; no login, no secrets."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the probe must answer whatever the database does
        current_app.logger.exception("health check: database unreachable")
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
