from __future__ import annotations

from flask import current_app, flash, url_for
from flask_login import current_user
from sqlalchemy import select

from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.htmx import render
from dashboard.models import SyncRun
from dashboard.services import audit
from dashboard.services import sync as sync_service
from dashboard.sync import bp
from dashboard.sync.background import start_in_background

RECENT_RUNS = 20


@bp.route("/")
@role_required("viewer")
def index():
    """Recent sync runs, and (for admins) the button that starts one."""
    runs = db.session.scalars(
        select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(RECENT_RUNS)
    ).all()
    return render("sync/index.html", runs=runs, run=runs[0] if runs else None)


@bp.route("/start", methods=["POST"])
@role_required("admin")
def start():
    """Open a sync run (refused while another runs) and do it in the background."""
    try:
        run = sync_service.start_run(trigger="admin", operator_id=current_user.id)
    except sync_service.SyncAlreadyRunning as busy:
        flash(str(busy), "warning")
        audit.record("sync.start", outcome=audit.REFUSED, summary="Another sync was running", operator=current_user)
        return render(
            "sync/index.html",
            block="sync_progress",
            redirect_plain=url_for("sync.index"),
            run=sync_service.latest_run(),
        )
    audit.record(
        "sync.start",
        outcome=audit.OK,
        summary=f"Sync run {run.id} started" + (" (resumed)" if run.resumed else ""),
        operator=current_user,
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    start_in_background(app, run.id)
    return render(
        "sync/index.html", block="sync_progress", redirect_plain=url_for("sync.index"), run=run, trigger="syncStarted"
    )


@bp.route("/runs/<int:run_id>")
@role_required("viewer")
def progress(run_id: int):
    """One run's progress; the panel polls this every second until the run ends."""
    run = db.get_or_404(SyncRun, run_id)
    db.session.refresh(run)
    return render("sync/index.html", block="sync_progress", run=run)
