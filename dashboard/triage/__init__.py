from flask import Blueprint

bp = Blueprint("triage", __name__, url_prefix="/triage")

from dashboard.triage import views  # noqa: E402,F401
