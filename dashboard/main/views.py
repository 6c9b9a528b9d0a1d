from flask import current_app, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.main import bp


@bp.route("/")
@role_required("viewer")
def home():
    """The operator's start page: the triage queues once they exist."""
    if "triage.home" in current_app.view_functions:
        return redirect(url_for("triage.home"))
    return render_template("main/home.html")


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
