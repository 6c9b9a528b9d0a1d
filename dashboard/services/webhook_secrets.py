"""Webhook signing secrets, and the check of Debitura's `X-Debitura-Signature` header.

Debitura signs `"<t>.<raw body>"` with HMAC-SHA256 keyed by the base64-DECODED subscription
secret and sends `t=<unix seconds>,v1=<lowercase hex>`. Secrets come from the environment
(DEBITURA_WEBHOOK_SECRET, and DEBITURA_WEBHOOK_PREVIOUS_SECRET during a manual rotation) and
from the database, where the webhook admin stores the secret Debitura returns on create or
rotate. A replaced secret keeps working for a grace period, so deliveries already signed with
it (Debitura retries for about 1.5 h) are not refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import or_, select, update

from dashboard import crypto
from dashboard.debitura import register_secret
from dashboard.extensions import db
from dashboard.models.base import now_utc
from dashboard.models.webhooks import WebhookSecret

PURPOSE = "webhook-secret"
TOLERANCE_SECONDS = 300


def secret_key_bytes(secret: str) -> bytes:
    """The HMAC key: Debitura's secrets are base64; a value that is not base64 is used as it is."""
    try:
        return base64.b64decode(secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        return secret.strip().encode()


def _fingerprint(secret_b64: str) -> str:
    return hashlib.sha256(secret_b64.strip().encode()).hexdigest()[:16]


def accepted_secrets(now: datetime | None = None) -> list[bytes]:
    """Every key a genuine delivery may be signed with right now, current secrets first."""
    now = now or now_utc()
    config = current_app.config
    keys: list[bytes] = []
    ciphertexts = db.session.scalars(
        select(WebhookSecret.ciphertext)
        .where(or_(WebhookSecret.retired_at.is_(None), WebhookSecret.grace_until > now))
        .order_by(WebhookSecret.retired_at.is_not(None), WebhookSecret.created_at.desc())
    ).all()
    for ciphertext in ciphertexts:
        secret = _readable(ciphertext, crypto.keyring())
        if secret is None:
            current_app.logger.warning(
                "A stored webhook secret cannot be read with DATA_ENCRYPTION_KEYS (or SECRET_KEY); it is skipped."
            )
            continue
        register_secret(secret)  # every worker's log redactor learns it, not only the one that stored it
        keys.append(secret_key_bytes(secret))
    for name in ("DEBITURA_WEBHOOK_SECRET", "DEBITURA_WEBHOOK_PREVIOUS_SECRET"):
        if config.get(name):
            keys.append(secret_key_bytes(config[name]))
    unique: list[bytes] = []
    for key in keys:
        if key and key not in unique:
            unique.append(key)
    return unique


@lru_cache(maxsize=32)
def _readable(ciphertext: str, keys: crypto.Keyring) -> str | None:
    """A stored secret in clear, or None; remembered, since every delivery reads the same few rows.

    Keyed by the ciphertext itself, so what is valid still comes from the database on every call.
    """
    try:
        return crypto.decrypt(ciphertext, purpose=PURPOSE, keys=keys)
    except crypto.InvalidToken:
        return None


def store_secret(secret_b64: str, *, grace_seconds: int = 86400) -> WebhookSecret:
    """Make `secret_b64` the current secret; the previous current one stays valid for `grace_seconds`."""
    secret_b64 = (secret_b64 or "").strip()
    if not secret_b64:
        raise ValueError("The webhook secret is empty.")
    register_secret(secret_b64)
    now = now_utc()
    fingerprint = _fingerprint(secret_b64)
    current = db.session.scalars(select(WebhookSecret).where(WebhookSecret.retired_at.is_(None))).all()
    for row in current:
        if row.fingerprint == fingerprint:
            return row  # stored already: storing twice must not shorten anyone's grace
    db.session.execute(
        update(WebhookSecret)
        .where(WebhookSecret.retired_at.is_(None))
        .values(retired_at=now, grace_until=now + timedelta(seconds=grace_seconds))
    )
    row = WebhookSecret(ciphertext=crypto.encrypt(secret_b64, purpose=PURPOSE), fingerprint=fingerprint, created_at=now)
    db.session.add(row)
    db.session.commit()
    return row


def has_stored_secret() -> bool:
    return db.session.scalar(select(WebhookSecret.id).where(WebhookSecret.retired_at.is_(None)).limit(1)) is not None


# ---------------------------------------------------------------- signature check


@dataclass(frozen=True)
class SignatureHeader:
    timestamp: int
    signatures: tuple[str, ...]


class SignatureRejected(Exception):
    """The delivery is not provably Debitura's; `reason` is for our records, never for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_signature_header(header: str | None) -> SignatureHeader:
    if not header:
        raise SignatureRejected("missing_signature")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures:
        raise SignatureRejected("bad_signature")
    return SignatureHeader(timestamp, tuple(signatures))


def expected_signature(key: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(header: str | None, body: bytes, *, keys: list[bytes], now: datetime | None = None) -> None:
    """Raise SignatureRejected unless a v1 signature matches one key and `t` is within 300 s of now."""
    parsed = parse_signature_header(header)
    now_seconds = int((now or now_utc()).timestamp())
    if abs(now_seconds - parsed.timestamp) > TOLERANCE_SECONDS:
        raise SignatureRejected("stale")
    matched = False
    for key in keys:
        expected = expected_signature(key, parsed.timestamp, body)
        for candidate in parsed.signatures:
            # Compare every pair in constant time; never stop early on a match to keep timing flat.
            matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise SignatureRejected("bad_signature")
