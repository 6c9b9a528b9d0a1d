from __future__ import annotations

from sqlalchemy import select

from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.htmx import render, unchanged_since
from dashboard.models import SyncRun
from dashboard.services import live
from dashboard.services.tenant_state import debitura_now
from dashboard.triage import bp
from dashboard.triage.queues import all_queues


@bp.route("/")
@role_required("viewer")
def home():
    """The support lead's morning queues, each row with its reason and next step; refreshes itself."""
    if (not_changed := unchanged_since(live.triage_marker)) is not None:
        return not_changed
    now = debitura_now()
    last_sync = db.session.scalar(select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))
    return render(
        "triage/home.html",
        block="triage_queues",
        queues=all_queues(now),
        now=now,
        last_sync=last_sync,
        marker=live.triage_marker(now),
    )
