from flask import Blueprint

bp = Blueprint("uploads", __name__, url_prefix="/cases")

from dashboard.uploads import views  # noqa: E402,F401
