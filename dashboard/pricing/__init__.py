from flask import Blueprint

bp = Blueprint("pricing", __name__, url_prefix="/pricing")

from dashboard.pricing import views  # noqa: E402,F401
