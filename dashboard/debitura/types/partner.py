"""The partner's own account: its profile, bearer tokens it mints, webhook subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..fields import camel_keys, flag, integer, moment, money, strings, text


@dataclass(frozen=True)
class AccessToken:
    """A Customer API bearer token for one client; its repr never shows the token."""

    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_in: int = 1800
    external_tenant_id: str | None = None
    creditor_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token='***', token_type={self.token_type!r}, expires_in={self.expires_in!r}, "
            f"external_tenant_id={self.external_tenant_id!r}, creditor_id={self.creditor_id!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_json(cls, data: Any) -> AccessToken:
        f = camel_keys(data)
        return cls(
            access_token=text(f.get("accessToken")) or "",
            token_type=text(f.get("tokenType")) or "Bearer",
            # Debitura documents a fixed 30-minute lifetime; older answers omit the field.
            expires_in=integer(f.get("expiresIn")) or 1800,
            external_tenant_id=text(f.get("externalTenantId")),
            creditor_id=text(f.get("creditorId")),
        )


@dataclass(frozen=True)
class Webhook:
    """A webhook subscription; ``secret`` is only present right after creation or regeneration and never in repr."""

    id: str | None
    url: str | None = None
    events: tuple[str, ...] = ()
    is_active: bool = False
    is_test_mode: bool = False
    disabled_reason: str | None = None
    created_utc: datetime | None = None
    updated_utc: datetime | None = None
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Webhook:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            url=text(f.get("url")),
            events=strings(f.get("events")),
            is_active=bool(flag(f.get("isActive"))),
            is_test_mode=bool(flag(f.get("isTestMode"))),
            disabled_reason=text(f.get("disabledReason")),
            created_utc=moment(f.get("createdUtc")),
            updated_utc=moment(f.get("updatedUtc")),
            secret=text(f.get("secret")),
        )


@dataclass(frozen=True)
class Partner:
    """The referral partner behind the API key (``GET /me``)."""

    id: str | None
    company_name: str | None = None
    short_name: str | None = None
    contact_email: str | None = None
    external_system_id: str | None = None
    referral_fee_percentage: Decimal | None = None
    is_active: bool = False
    is_public_demo: bool = False
    logo_url: str | None = None
    background_color_code: str | None = None
    font_color: str | None = None
    font_family: str | None = None
    invoicing_trigger_mode: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Partner:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            company_name=text(f.get("companyName")),
            short_name=text(f.get("shortName")),
            contact_email=text(f.get("contactEmail")),
            external_system_id=text(f.get("externalSystemId")),
            referral_fee_percentage=money(f.get("referralFeePercentage")),
            is_active=bool(flag(f.get("isActive"))),
            is_public_demo=bool(flag(f.get("isPublicDemo"))),
            logo_url=text(f.get("logoUrl")),
            background_color_code=text(f.get("backgroundColorCode")),
            font_color=text(f.get("fontColor")),
            font_family=text(f.get("fontFamily")),
            invoicing_trigger_mode=text(f.get("invoicingTriggerMode")),
        )


@dataclass(frozen=True)
class TestWebhookResult:
    """TriggerTestWebhookResponse: how many subscriptions Debitura queued the test event for."""

    __test__ = False  # not a pytest test class, whatever its name

    event_type: str | None = None
    enqueued_count: int = 0
    message: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> TestWebhookResult:
        values = camel_keys(data)
        return cls(
            event_type=text(values.get("eventType")),
            enqueued_count=integer(values.get("enqueuedCount")) or 0,
            message=text(values.get("message")),
        )
