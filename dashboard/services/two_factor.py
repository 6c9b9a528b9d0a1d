"""Two-factor authentication for password sign-in: authenticator apps (TOTP, RFC 6238) and recovery codes.

The secret is stored encrypted with DATA_ENCRYPTION_KEYS; the newest time step whose code was accepted
is kept, so a code is accepted once (a second use within its window is refused). Ten recovery codes are
made at enrolment, shown once and stored as SHA-256 hashes; each works once. REQUIRE_2FA says who must
have a second factor (admins by default).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from dashboard import crypto
from dashboard.authz import Actor, ensure_role
from dashboard.extensions import db
from dashboard.models import Operator, RecoveryCode, SecondFactor
from dashboard.models.base import now_utc
from dashboard.orm import rows_matched
from dashboard.services import audit
from dashboard.services import sessions as session_service

PURPOSE = "totp-secret"
PENDING_PURPOSE = "totp-enrolment"
ISSUER = "Partner desk"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(ValueError):
    """A code that cannot be accepted; the message says what to do."""


def required(operator: Operator) -> bool:
    """Whether REQUIRE_2FA asks this operator to have a second factor for password sign-in."""
    rule = current_app.config.get("REQUIRE_2FA", "admins")
    return rule == "all" or (rule == "admins" and operator.role == "admin")


def factor_of(operator_id: int) -> SecondFactor | None:
    return db.session.get(SecondFactor, operator_id)


def enabled(operator: Operator) -> bool:
    return factor_of(operator.id) is not None


def enabled_ids() -> set[int]:
    """Operators with a second factor, for the operators list."""
    return set(db.session.scalars(select(SecondFactor.operator_id)))


# Enrolment: a new secret travels sealed in the signed session cookie until a code from it is confirmed.


def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str) -> str:
    return crypto.encrypt(secret, purpose=PENDING_PURPOSE)


def unseal(sealed: str) -> str | None:
    try:
        return crypto.decrypt(sealed, purpose=PENDING_PURPOSE)
    except (crypto.InvalidToken, TypeError, ValueError):
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str, *, title: str) -> Markup:
    """The QR code as inline SVG markup (drawn on the server: no script, no style attribute)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=2, title=title, svgclass="qr", lineclass=None, dark="#000", light="#fff"
    )
    return Markup(svg)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(character for character in (code or "").lower() if character.isalnum())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (this one or either neighbour, for clock drift) whose code this is."""
    current = int(now.timestamp()) // STEP_SECONDS
    totp = pyotp.TOTP(secret)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def enable(operator: Operator, secret: str, code: str, *, actor: Actor, now: datetime | None = None) -> list[str]:
    """Turn on the second factor once a code from the new secret matches; returns the recovery codes (shown once)."""
    step = _matching_step(secret, _normalise(code), now or now_utc())
    if step is None:
        raise TwoFactorError(
            "That code does not match. Check the time on your phone and type the code your app shows now."
        )
    factor = factor_of(operator.id)
    if factor is None:
        factor = SecondFactor(operator_id=operator.id)
        db.session.add(factor)
    factor.ciphertext = crypto.encrypt(secret, purpose=PURPOSE)
    factor.last_step = step
    factor.enabled_at = now_utc()
    codes = _replace_recovery_codes(operator.id)
    audit.record(
        "auth.two_factor_enable",
        outcome=audit.OK,
        summary="Set up an authenticator app for sign-in",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _replace_recovery_codes(operator_id: int) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.operator_id == operator_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(operator_id=operator_id, code_hash=_hash(code)) for code in codes)
    return codes


def regenerate_recovery_codes(operator: Operator, *, actor: Actor) -> list[str]:
    """New recovery codes (shown once); the old ones stop working."""
    if not enabled(operator):
        raise TwoFactorError("Set up an authenticator app first; recovery codes come with it.")
    codes = _replace_recovery_codes(operator.id)
    audit.record(
        "auth.recovery_codes",
        outcome=audit.OK,
        summary="Made new recovery codes; the old ones no longer work",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return codes


def unused_recovery_codes(operator_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.operator_id == operator_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def check(operator: Operator, code: str, *, now: datetime | None = None) -> str:
    """Accept a code from the authenticator app or an unused recovery code; returns which ("app" or "recovery").

    Raises TwoFactorError when neither matches or the code was already used. Each acceptance is one
    conditional UPDATE, so two requests racing with the same code cannot both pass.
    """
    now = now or now_utc()
    typed = _normalise(code)
    factor = factor_of(operator.id)
    if factor is None:
        raise TwoFactorError("No authenticator app is set up for this account.")
    if typed.isdigit() and len(typed) == 6:
        secret = crypto.decrypt(factor.ciphertext, purpose=PURPOSE)
        step = _matching_step(secret, typed, now)
        if step is None:
            raise TwoFactorError("That code does not match. Type the code your app shows now.")
        accepted = rows_matched(
            db.session.execute(
                update(SecondFactor)
                .where(SecondFactor.operator_id == operator.id, SecondFactor.last_step < step)
                .values(last_step=step)
            )
        )
        db.session.commit()
        if not accepted:
            raise TwoFactorError("That code was already used. Wait for your app to show the next one.")
        return "app"
    used = rows_matched(
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.operator_id == operator.id,
                RecoveryCode.code_hash == _hash(typed),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
    )
    db.session.commit()
    if not used:
        raise TwoFactorError(
            "That code does not match. Type the 6-digit code from your app, or an unused recovery code."
        )
    return "recovery"


def reset(operator_id: int, *, actor: Actor) -> Operator:
    """An admin removes another operator's second factor (a lost phone); their sessions end.

    They set up a new one at their next password sign-in where REQUIRE_2FA asks for it.
    """
    from dashboard.services.operators import OperatorError

    ensure_role("admin", actor)
    operator = db.session.get(Operator, operator_id)
    if operator is None:
        raise OperatorError("No such operator.")
    if operator.id == getattr(actor, "id", None):
        raise OperatorError("You cannot reset your own two-factor sign-in here; ask another administrator.")
    if factor_of(operator.id) is None:
        raise OperatorError(f"{operator.email} has no two-factor sign-in to reset.")
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.operator_id == operator.id))
    db.session.execute(delete(SecondFactor).where(SecondFactor.operator_id == operator.id))
    operator.end_sessions(session_service.SECOND_FACTOR_RESET)
    audit.record(
        "operator.reset_two_factor",
        outcome=audit.OK,
        summary=f"Reset the two-factor sign-in of {operator.email}; their sessions ended",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return operator
