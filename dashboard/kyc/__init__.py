from flask import Blueprint

bp = Blueprint("kyc", __name__, url_prefix="/kyc")

from dashboard.kyc import views  # noqa: E402,F401
