from flask import Blueprint

bp = Blueprint("sync", __name__, url_prefix="/sync")

from dashboard.sync import views  # noqa: E402,F401
