"""Template filters and globals shared by every page."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, url_for

from dashboard import debitura_day
from dashboard.authz import can, may_open
from dashboard.case_words import close_code_words, code_words, lifecycle_words
from dashboard.counting import counted
from dashboard.durations import duration
from dashboard.htmx import register_oob_flash
from dashboard.kyc_status import kyc_status_words
from dashboard.money import format_money
from dashboard.services import return_urls
from dashboard.services.audit import action_label as audit_action_label

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


def _debitura_now_for_request() -> datetime:
    """Debitura's now; read once per request by `dashboard.wiring.debitura_now`, so one page is one moment."""
    from dashboard.wiring import debitura_now

    return debitura_now()


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A relative time written with `duration`: `3 h 5 min ago`, `in 2 d 1 h`."""
    if value is None:
        return "—"
    now = now or _debitura_now_for_request()
    seconds = (value - now).total_seconds()
    if abs(seconds) < 60:
        return "in under a minute" if seconds > 0 else "just now"
    return f"in {duration(seconds)}" if seconds > 0 else f"{duration(seconds)} ago"


def file_size(size: int | None) -> str:
    """Bytes for people: `512 bytes`, `12 KB`, `3.4 MB` (a small file is never "0 KB")."""
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{round(size / 1024):,} KB"
    return f"{size / 1024 / 1024:.1f} MB"


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
    arguments: dict[str, Any] = {**values, key: _PLACEHOLDER}
    pattern = url_for(endpoint, **arguments)
    head, found, tail = pattern.partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{endpoint} does not put {key} in its URL")

    def make(value: object) -> str:
        text = str(value)
        return f"{head}{text if _PLAIN_SEGMENT.fullmatch(text) else quote(text, safe='')}{tail}"

    return make


def page_link(endpoint: str, args: Callable[..., Mapping[str, Any]] | Mapping[str, Any]) -> Callable[[int], str]:
    """A pager's page number → URL: `args` is a filter's `args(page=…)` method, or the query it keeps."""
    if callable(args):
        return lambda number: url_for(endpoint, **args(page=number))
    return lambda number: url_for(endpoint, **{**args, "page": number})


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=format_money,
        percent=percent,
        when=when,
        time_ago=time_ago,
        duration=duration,
        safe_href=safe_href,
        code_words=code_words,
        counted=counted,
        lifecycle_words=lifecycle_words,
        close_code_words=close_code_words,
        kyc_words=kyc_status_words,
        file_size=file_size,
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
        return [(endpoint, label) for endpoint, label in NAV_ITEMS if may_open(views[endpoint])]

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["url_maker"] = url_maker
    app.jinja_env.globals["page_link"] = page_link
    app.jinja_env.globals["action_label"] = audit_action_label
    app.jinja_env.globals["debitura_today"] = debitura_day.today
