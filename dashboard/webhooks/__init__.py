from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from dashboard.webhooks import summaries, views  # noqa: E402,F401

# The tenant page's timeline shows events the same way the delivery log does.
bp.add_app_template_global(summaries.describe, "describe_webhook")
bp.add_app_template_global(summaries.outcome, "webhook_outcome")
