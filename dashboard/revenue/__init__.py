from flask import Blueprint

bp = Blueprint("revenue", __name__, url_prefix="/revenue")

from dashboard.revenue import views  # noqa: E402,F401
