"""Template filters and globals shared by every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, url_for

from dashboard.authz import can, may_open
from dashboard.money import format_money
from dashboard.htmx import register_oob_flash
from dashboard.services import return_urls

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


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_href(url: str | None) -> str:
    """The URL when it is an absolute http(s) address, else "".

    Every URL that came from Debitura (onboarding, approval, signing, solution URLs) passes through
    here before it lands in an attribute or a copy button, so a `javascript:` or `data:` value sent
    by a faulty or hostile upstream can never become something a click runs. Templates show a
    refused value as plain text instead.
    """
    text = (url or "").strip()
    # Browsers drop tabs and newlines inside URLs, so "java\tscript:" would still run: refuse any.
    if not text or _SPACE_OR_CONTROL.search(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return text


def _outage_for_banner():
    from flask_login import current_user

    from dashboard.services.debitura_health import current_outage

    if not getattr(current_user, "is_authenticated", False):
        return None
    return current_outage()


_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")  # needs no quoting in a path
_PLACEHOLDER = "7355608419"  # stands for the varying value in url_maker; no id looks like it


def url_maker(endpoint: str, key: str, **values) -> Callable[[object], str]:
    """`url_for(endpoint, key=…, **values)` for every row of a table at the cost of one call.

    The URL is built once with a placeholder for `key`, then each row's value (quoted as a
    path segment) takes the placeholder's place; routing stays the single source of the URL.
    """
    pattern = url_for(endpoint, **{key: _PLACEHOLDER}, **values)
    head, found, tail = pattern.partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{endpoint} does not put {key} in its URL")

    def make(value: object) -> str:
        text = str(value)
        return f"{head}{text if _PLAIN_SEGMENT.fullmatch(text) else quote(text, safe='')}{tail}"

    return make


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=format_money,
        percent=percent,
        when=when,
        time_ago=time_ago,
        safe_href=safe_href,
        # `{{ url|with_return_url(return_url) }}`: the hosted URL with the customer's return address, when valid.
        with_return_url=return_urls.build_or_keep,
    )
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
            "debitura_outage": _outage_for_banner(),
        }

    def nav_items():
        views = current_app.view_functions
        return [(endpoint, label) for endpoint, label in NAV_ITEMS if endpoint in views and may_open(views[endpoint])]

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["url_maker"] = url_maker
