from flask import Blueprint

from dashboard.services import return_urls

bp = Blueprint("tenants", __name__, url_prefix="/tenants")
# The shared return-URL macro needs this filter; registering it twice (cases does too) is harmless.
bp.add_app_template_filter(return_urls.build_or_keep, "with_return_url")

from dashboard.tenants import views  # noqa: E402,F401
