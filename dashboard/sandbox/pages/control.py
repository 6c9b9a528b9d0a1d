"""The sandbox's control panel (`/control/`): play Debitura's side of the story by hand.

Operators and testers use it to move time (which also runs the hourly link-expiry job), move cases
through their lifecycle, publish a new SDCA version, put a tenant's KYC under review or verify it,
block a creditor, link an e-mail to another partner, inject faults, switch rate limiting, push
pending webhooks out, and reset everything to the demo data.

Plain forms with POST-redirect-GET. There is no CSRF token (this panel exists only in the
sandbox); every POST is same-origin checked instead, see `pages.origin`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from dashboard.sandbox import clock, domain, faults, reference
from dashboard.sandbox.context import close_session, db, parts
from dashboard.sandbox.errors import SandboxError
from dashboard.sandbox.models import (
    ACTIVE_LINK_STATUSES,
    Case,
    CaseTask,
    ClientLink,
    KycVerification,
    LinkRequest,
    RateBucket,
    SandboxState,
    WebhookDelivery,
    WebhookSubscription,
)
from dashboard.sandbox.pages.origin import refuse_cross_origin_posts

# The templates live at the top of the sandbox package, shared with the hosted pages.
SANDBOX_PACKAGE = Path(__file__).resolve().parents[1]
bp = Blueprint("sandbox_control", __name__, root_path=str(SANDBOX_PACKAGE), template_folder="templates")
bp.before_request(refuse_cross_origin_posts)

CLOCK_SHORTCUTS = (("+1 hour", 3600), ("+1 day", 86400), ("+8 days", 8 * 86400))
CLOCK_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
MAX_ADVANCE_SECONDS = 400 * 86400
FAULT_LABELS = {
    "latency": "Slow answer (latency)",
    "timeout_before": "Timeout before the work is done",
    "timeout_after": "Timeout after the work is done",
    "http_500": "HTTP 500 error",
    "http_503": "HTTP 503 unavailable",
    "http_429": "HTTP 429 rate limited",
    "connection_reset": "Connection reset",
    "duplicate_webhook": "Duplicate webhook delivery",
    "reorder_webhooks": "Out-of-order webhook delivery",
}
KYC_REVIEW_STATES = {"Processing": "is under review (Processing)", "Completed": "verified"}
CASE_CHOICES = 200
RECENT_DELIVERIES = 30


def _back() -> BaseResponse:
    return redirect(url_for("sandbox_control.index"), code=303)


def run_change(action: Callable[[Session], str]) -> BaseResponse:
    """Apply one change in one transaction, flash its outcome (or why it failed), back to the panel."""
    s = db()
    try:
        message = action(s)
    except (SandboxError, ValueError) as error:
        s.rollback()
        flash(str(error), "error")
    else:
        s.commit()
        flash(message, "info")
    return _back()


# --- reading -----------------------------------------------------------------------------------


def _offset_text(seconds: int) -> str:
    if seconds == 0:
        return "in step with real time"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{value} {unit}{'s' if value != 1 else ''}"
        for value, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if value
    ]
    return (", ".join(parts) or "under a minute") + " ahead of real time"


def _time_left(expires_at: datetime, now: datetime) -> str:
    left = expires_at - now
    if left <= timedelta(0):
        return "past its expiry (the hourly job will expire it)"
    hours = int(left.total_seconds() // 3600)
    if hours >= 24:
        return f"{hours // 24} d {hours % 24} h left"
    return f"{hours} h {left.seconds % 3600 // 60} min left"


def _overview(s: Session) -> dict[str, Any]:
    now = clock.now(s)
    state = domain.state(s)
    latest_kyc = (
        select(KycVerification.creditor_id, func.max(KycVerification.id).label("latest_id"))
        .group_by(KycVerification.creditor_id)
        .subquery()
    )
    kyc_to_review = s.execute(
        select(ClientLink.external_tenant_id, ClientLink.creditor_id)
        .join(latest_kyc, latest_kyc.c.creditor_id == ClientLink.creditor_id)
        .join(KycVerification, KycVerification.id == latest_kyc.c.latest_id)
        .where(
            ClientLink.status.in_(ACTIVE_LINK_STATUSES),
            KycVerification.verification_status.is_distinct_from("Completed"),
        )
        .order_by(ClientLink.external_tenant_id)
    ).all()
    return {
        "now": now,
        "offset": _offset_text(state.clock_offset_seconds),
        "state": state,
        "plan": faults.current_plan(s),
        # Newest first by the creation index alone, so the list stays quick with 100,000 cases.
        "cases": s.scalars(select(Case).order_by(Case.date_created.desc()).limit(CASE_CHOICES)).all(),
        "kyc_to_review": kyc_to_review,
        "account_tasks": s.execute(
            select(CaseTask, ClientLink.external_tenant_id)
            .join(ClientLink, ClientLink.creditor_id == CaseTask.creditor_id)
            .where(CaseTask.case_id.is_(None), CaseTask.status == "Open", ClientLink.status.in_(ACTIVE_LINK_STATUSES))
            .order_by(CaseTask.date_created)
        ).all(),
        "tenants_ready": s.scalars(
            select(ClientLink.external_tenant_id)
            .where(ClientLink.status.in_(ACTIVE_LINK_STATUSES))
            .order_by(ClientLink.external_tenant_id)
        ).all(),
        "subscriptions": s.scalars(select(WebhookSubscription).order_by(WebhookSubscription.created_utc)).all(),
        "deliveries": s.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(RECENT_DELIVERIES)
        ).all(),
        "pending_deliveries": s.scalar(select(func.count()).where(WebhookDelivery.status == "pending")),
        "link_requests": [
            (link_request, _time_left(link_request.expires_at, now))
            for link_request in s.scalars(
                select(LinkRequest).where(LinkRequest.status == "pending").order_by(LinkRequest.expires_at)
            )
        ],
    }


@bp.get("/")
def index():
    """Everything at a glance, with one form per action."""
    return render_template(
        "sandbox/control.html",
        lifecycles=[display for _, display in reference.LIFECYCLES],
        close_codes=reference.CLOSE_CODES,
        shortcuts=CLOCK_SHORTCUTS,
        fault_labels=FAULT_LABELS,
        http_kinds=faults.HTTP_KINDS,
        webhook_kinds=faults.WEBHOOK_KINDS,
        **_overview(db()),
    )


# --- actions -----------------------------------------------------------------------------------


def _number(name: str, default: Decimal) -> Decimal:
    """A number from the form; a malformed one becomes a readable message, not an error page."""
    text = request.form.get(name, "").strip()
    if not text:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"Enter a number for {name.replace('_', ' ')}.") from None
    if not value.is_finite():
        raise ValueError(f"Enter a number for {name.replace('_', ' ')}.")
    return value


def _advance_seconds() -> int:
    if request.form.get("seconds"):
        seconds = int(_number("seconds", Decimal(0)))
    else:
        unit = CLOCK_UNITS.get(request.form.get("unit", ""))
        if unit is None:
            raise ValueError("Choose minutes, hours or days.")
        seconds = int(_number("amount", Decimal(0)) * unit)
    if not 0 < seconds <= MAX_ADVANCE_SECONDS:
        raise ValueError("Advance the clock by a positive amount of at most 400 days.")
    return seconds


@bp.post("/clock")
def advance_clock():
    """Move sandbox time forward, then run the hourly job that expires link requests."""

    def action(s: Session) -> str:
        now = clock.advance(s, _advance_seconds())
        expired = domain.expire_link_requests(s)
        return f"Sandbox time is now {now:%Y-%m-%d %H:%M} UTC; {expired} link request(s) expired."

    return run_change(action)


@bp.post("/cases/move")
def move_case():
    """Move a case to another lifecycle (fires case.updated, and case.closed when closing)."""

    def action(s: Session) -> str:
        lifecycle = request.form.get("lifecycle", "")
        close_code = request.form.get("close_code") or None
        if close_code and lifecycle != "Closed":
            raise ValueError("A close code only applies when the case is closed.")
        case = domain.move_case(s, request.form.get("case_id", ""), lifecycle, close_code=close_code)
        closed = f" ({case.close_code})" if case.close_code else ""
        return f"Case {case.reference} is now {case.lifecycle}{closed}."

    return run_change(action)


@bp.post("/sdca")
def publish_sdca():
    """Publish a new SDCA version: ready clients must sign again (POST /clients answers 202)."""
    return run_change(lambda s: f"SDCA version {domain.publish_sdca_version(s)} published; every client must re-sign.")


@bp.post("/kyc/review")
def review_kyc():
    """Debitura reviews a tenant's latest KYC submission: Processing (under review) or Completed (verified)."""

    def action(s: Session) -> str:
        tenant = request.form.get("external_tenant_id", "")
        status = request.form.get("status") or "Completed"
        if status not in KYC_REVIEW_STATES:
            raise ValueError("Choose Processing or Completed.")
        domain.review_kyc(s, tenant, status)
        return f"KYC of {tenant} {KYC_REVIEW_STATES[status]}."

    return run_change(action)


@bp.post("/creditors/blocked")
def block_creditor():
    """Block (or unblock) a tenant's creditor account: its new cases answer 422 CreditorBlocked."""

    def action(s: Session) -> str:
        tenant = request.form.get("external_tenant_id", "").strip()
        if not tenant:
            raise ValueError("Enter the tenant's externalTenantId.")
        blocked = request.form.get("blocked") != "no"
        creditor = domain.set_creditor_blocked(s, tenant, blocked)
        if blocked:
            return f"{creditor.company_name} ({tenant}) is blocked: new cases answer 422 CreditorBlocked."
        return f"{creditor.company_name} ({tenant}) is no longer blocked."

    return run_change(action)


@bp.post("/other-partner")
def link_to_other_partner():
    """Give an e-mail an account linked to another partner: POST /clients with it gets that 409."""

    def action(s: Session) -> str:
        email = request.form.get("email", "")
        domain.link_email_to_other_partner(s, email)
        return (
            f"{email.strip().lower()} now belongs to an account linked to another referral partner: "
            "POST /clients naming it answers 409 ClientAlreadyLinkedToAnotherPartner."
        )

    return run_change(action)


@bp.post("/faults")
def add_fault():
    """Fail the next N calls (or a share of calls) in a chosen way, optionally under one path."""

    def action(s: Session) -> str:
        kind = request.form.get("kind", "")
        if kind not in FAULT_LABELS:
            raise ValueError("Choose a kind of fault.")
        path_prefix = request.form.get("path_prefix", "").strip() or None
        latency_ms = int(_number("latency_ms", Decimal(1000)))
        if request.form.get("mode") == "ratio":
            percent = _number("percent", Decimal(0))
            if not 0 < percent <= 100:
                raise ValueError("The share of calls must be between 1 and 100 %.")
            faults.fail_ratio(
                s,
                float(percent / 100),
                [kind],
                seed=int(_number("seed", Decimal(0))),
                path_prefix=path_prefix,
                latency_ms=latency_ms,
            )
            return f"{FAULT_LABELS[kind]} on {percent} % of calls."
        count = int(_number("count", Decimal(0)))
        if not 0 < count <= 1000:
            raise ValueError("Fail between 1 and 1000 calls.")
        faults.fail_next(s, count, kind, path_prefix=path_prefix, latency_ms=latency_ms)
        return f"{FAULT_LABELS[kind]} on the next {count} call(s)."

    return run_change(action)


@bp.post("/faults/clear")
def clear_faults():
    """Remove every primed fault."""

    def action(s: Session) -> str:
        faults.clear(s)
        return "All faults cleared."

    return run_change(action)


@bp.post("/rate-limit")
def rate_limit():
    """Switch rate limiting on or off, with a per-minute limit (the hourly and daily ones follow it)."""

    def action(s: Session) -> str:
        enabled = request.form.get("enabled") == "on"
        limit = int(_number("limit", Decimal(2000)))
        if not 1 <= limit <= 100_000:
            raise ValueError("The limit must be between 1 and 100,000 calls a minute.")
        s.execute(
            update(SandboxState)
            .where(SandboxState.id == clock.STATE_ID)
            .values(rate_limit_enabled=enabled, rate_limit_per_minute=limit)
        )
        s.execute(delete(RateBucket))  # every window starts empty
        return f"Rate limiting {'on' if enabled else 'off'} ({limit} calls a minute)."

    return run_change(action)


@bp.post("/webhooks/deliver")
def deliver_webhooks():
    """Send every webhook delivery that is due now."""
    close_session()  # the dispatcher works in its own transactions
    attempted = parts().deliver()
    flash(f"{attempted} webhook delivery attempt(s) made.", "info")
    return _back()


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Start over from the demo data, after a confirmation step."""
    if request.method == "GET":
        return render_template("sandbox/control_reset.html")
    if request.form.get("confirm") != "yes":
        return _back()
    close_session()  # release this request's connection before the tables are dropped
    parts().reset()
    flash("The sandbox was reset to the demo data.", "info")
    return _back()
