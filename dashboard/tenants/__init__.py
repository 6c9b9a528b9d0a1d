from flask import Blueprint

bp = Blueprint("tenants", __name__, url_prefix="/tenants")

from dashboard.tenants import views  # noqa: E402,F401
