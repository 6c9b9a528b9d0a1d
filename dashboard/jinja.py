"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask, current_app

from dashboard.authz import can
from dashboard.htmx import register_oob_flash

# The main navigation, in working order; an entry shows once its page exists.
NAV_ITEMS = (
    ("triage.home", "Triage"),
    ("tenants.index", "Tenants"),
    ("cases.index", "Cases"),
    ("cases.pending", "Pending signing"),
    ("pricing.preview", "Pricing"),
    ("revenue.index", "Revenue"),
    ("webhooks.deliveries", "Webhook log"),
    ("audit.index", "Audit trail"),
    ("admin.index", "Admin"),
)

ENVIRONMENT_LABELS = {
    "sandbox": "Sandbox: simulated Debitura, safe for training",
    "test": "Debitura TEST environment",
    "production": "Debitura PRODUCTION",
}


def money(amount: Decimal | int | None, currency: str | None = None) -> str:
    """`1234.5, "EUR"` -> `EUR 1,234.50`; amounts are Decimal, never floats."""
    if amount is None:
        return "—"
    value = Decimal(amount).quantize(Decimal("0.01"))
    text = f"{value:,.2f}"
    return f"{currency} {text}" if currency else text


def percent(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f} %"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short relative time: `3 h ago`, `in 2 d`."""
    if value is None:
        return "—"
    now = now or datetime.now(UTC)
    seconds = (value - now).total_seconds()
    future = seconds > 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{int(seconds // size)} {unit}"
            break
    else:
        amount = "less than a minute" if not future else "under a minute"
        return f"in {amount}" if future else "just now"
    return f"in {amount}" if future else f"{amount} ago"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, percent=percent, when=when, time_ago=time_ago)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_oob_flash(app)

    @app.context_processor
    def environment_banner():
        env = current_app.config["DEBITURA_ENV"]
        return {
            "debitura_env": env,
            "debitura_env_label": ENVIRONMENT_LABELS[env],
            "sandbox_control_url": current_app.config.get("SANDBOX_CONTROL_URL"),
        }

    def nav_items():
        return [(endpoint, label) for endpoint, label in NAV_ITEMS if endpoint in current_app.view_functions]

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["can"] = can
