from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from dashboard.admin import connection_views, operator_views, views, webhook_views  # noqa: E402,F401
