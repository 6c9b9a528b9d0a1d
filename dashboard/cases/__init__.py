from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from dashboard.cases import submission_views, views  # noqa: E402,F401
