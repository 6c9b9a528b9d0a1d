"""Credentials: the partner's XApiKey on the Referral API, minted JWTs on the Customer API.

Tokens are HS256 JWTs naming one client link, valid for 30 minutes of *sandbox* time,
so advancing the sandbox clock expires them. A token stops working as soon as its
link is no longer active.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.models import ClientLink

TOKEN_LIFETIME_SECONDS = 1800
ISSUER = "debitura-sandbox"


def api_key_valid(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def api_key_scope(api_key: str) -> str:
    """A stable, non-secret name for an API key (idempotency scopes are stored in the database)."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


def mint_token(s: Session, link: ClientLink, secret: str) -> dict[str, Any]:
    """AccessTokenResponse for one active link (signing is not required to mint)."""
    issued = clock.now(s)
    claims = {
        "iss": ISSUER,
        "sub": link.id,
        "ext": link.external_tenant_id,
        "creditor_id": link.creditor_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=TOKEN_LIFETIME_SECONDS)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return {
        "accessToken": jwt.encode(claims, secret, algorithm="HS256"),
        "tokenType": "Bearer",
        "expiresIn": TOKEN_LIFETIME_SECONDS,
        "externalTenantId": link.external_tenant_id,
        "creditorId": link.creditor_id,
    }


def link_for_bearer(s: Session, authorization: str | None, secret: str) -> ClientLink | None:
    """The active link a `Bearer <jwt>` header speaks for; None when missing, invalid or expired."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    token = authorization[7:].strip()
    try:
        # Expiry is checked against sandbox time below, not the machine's clock.
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError:
        return None
    if claims["exp"] <= clock.now(s).timestamp():
        return None
    link = s.get(ClientLink, claims["sub"])
    if link is None or not link.is_active:
        return None
    return link
