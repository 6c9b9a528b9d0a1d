from flask import Blueprint

bp = Blueprint("main", __name__)

from dashboard.main import views  # noqa: E402,F401
