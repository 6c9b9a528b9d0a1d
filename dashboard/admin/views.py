"""The admin landing page: operators, webhooks and the Debitura connection at a glance."""

from flask_login import current_user
from sqlalchemy import func, select

from dashboard.admin import bp
from dashboard.authz import role_required
from dashboard.extensions import db
from dashboard.htmx import render
from dashboard.models import Operator
from dashboard.services import connection, webhook_admin


def actor():
    """The signed-in operator, as the services want it (not the request-bound proxy)."""
    return current_user._get_current_object()


@bp.route("/")
@role_required("admin")
def index():
    """Admin home: how many operators per role, delivery health, the connection settings and the last sync."""
    counts = dict(
        db.session.execute(
            select(Operator.role, func.count()).where(Operator.active.is_(True)).group_by(Operator.role)
        ).all()
    )
    return render(
        "admin/index.html",
        role_counts=counts,
        health=webhook_admin.delivery_health(),
        endpoints=connection.endpoints(),
        last_sync=connection.last_sync(),
        tokens=connection.token_cache_state(),
    )
