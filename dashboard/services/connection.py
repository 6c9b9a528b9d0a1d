"""The state of the dashboard's link to Debitura: where it points, whether the key works, sync and token cache.

Nothing here ever reveals a credential: the API key is checked, never shown; the token
cache is counted, never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    AuthenticationError,
    DebituraClient,
    DebituraError,
    PermissionDenied,
)
from dashboard.extensions import db
from dashboard.models import BearerToken, SyncRun
from dashboard.models.base import now_utc
from dashboard.services import audit
from dashboard.services.webhook_admin import receiver_url


@dataclass(frozen=True)
class Endpoints:
    environment: str
    referral_api: str
    customer_api: str
    hosted_ui: str
    webhook_receiver: str


@dataclass(frozen=True)
class KeyCheck:
    """The answer to GET /me, made just now."""

    ok: bool
    checked_at: datetime
    message: str
    partner_name: str | None = None
    referral_fee_percentage: Decimal | None = None
    partner_active: bool | None = None
    http_status: int | None = None
    rate_limit: dict | None = None  # e.g. {"limit": 2000, "remaining": 1998}, when Debitura reports it


@dataclass(frozen=True)
class TokenCacheState:
    tenants_with_token: int  # unexpired tokens held, one per tenant
    expired: int  # kept rows past their expiry, replaced on next use


def endpoints() -> Endpoints:
    config = current_app.config
    return Endpoints(
        environment=config["DEBITURA_ENV"],
        referral_api=config["DEBITURA_REFERRAL_API_URL"],
        customer_api=config["DEBITURA_CUSTOMER_API_URL"],
        hosted_ui=config["DEBITURA_UI_URL"],
        webhook_receiver=receiver_url(),
    )


def check_api_key(*, actor: Actor, debitura: DebituraClient) -> KeyCheck:
    """Call GET /me with the partner's key and say plainly what came back; recorded in the audit trail."""
    ensure_role("admin", actor)
    try:
        partner = debitura.referral.me()
    except DebituraError as error:
        check = KeyCheck(
            ok=False,
            checked_at=now_utc(),
            message=_failure_message(error),
            http_status=error.http_status,
            rate_limit=_rate_limit(debitura),
        )
        audit.record(
            "connection.check",
            outcome=audit.FAILED,
            summary=f"GET /me: {check.message}",
            debitura_status=error.http_status,
            operator=actor,
        )
        return check
    check = KeyCheck(
        ok=True,
        checked_at=now_utc(),
        message="Debitura accepted the API key.",
        partner_name=partner.company_name,
        referral_fee_percentage=partner.referral_fee_percentage,
        partner_active=partner.is_active,
        http_status=200,
        rate_limit=_rate_limit(debitura),
    )
    audit.record(
        "connection.check", outcome=audit.OK, summary="GET /me: API key accepted", debitura_status=200, operator=actor
    )
    return check


def last_sync() -> SyncRun | None:
    return db.session.scalar(select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))


def token_cache_state(now: datetime | None = None) -> TokenCacheState:
    """Counts only: the tokens themselves never leave the token store."""
    now = now or now_utc()
    valid, expired = db.session.execute(
        select(
            func.count().filter(BearerToken.expires_at > now),
            func.count().filter(BearerToken.expires_at <= now),
        )
    ).one()
    return TokenCacheState(tenants_with_token=valid or 0, expired=expired or 0)


def _rate_limit(debitura: DebituraClient) -> dict | None:
    return getattr(debitura.referral, "last_rate_limit", None)


def _failure_message(error: DebituraError) -> str:
    if isinstance(error, AuthenticationError):
        return "Debitura rejected the API key (401): check DEBITURA_API_KEY and the environment it belongs to."
    if isinstance(error, PermissionDenied):
        return "Debitura refused the API key (403): the partner account may be inactive."
    status = f" ({error.http_status})" if error.http_status else ""
    return f"Debitura could not be asked{status}: {(error.user_message or type(error).__name__).rstrip('.')}."
