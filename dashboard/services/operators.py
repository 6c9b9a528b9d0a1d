"""Operators: sign-in and the first administrator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.base import now_utc
from dashboard.models.operators import ROLES, dummy_password_check
from dashboard.services import audit, login_throttle

MIN_PASSWORD_LENGTH = 10


class OperatorError(ValueError):
    """An operator change that cannot be made as asked; `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.email == normalise_email(email)))


def authenticate(email: str, password: str, *, remote_addr: str = "") -> Operator | None:
    """The operator when e-mail and password match an active account, else None."""
    return _check_password(find_by_email(email), password)


def _check_password(operator: Operator | None, password: str) -> Operator | None:
    if operator is None:
        dummy_password_check()
        return None
    if not operator.check_password(password) or not operator.active:
        return None
    operator.last_login_at = now_utc()
    db.session.commit()
    return operator


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the operator, or how long to wait when throttled."""

    operator: Operator | None
    wait_seconds: int = 0


def sign_in(email: str, password: str, *, remote_addr: str = "") -> SignIn:
    """Count the attempt, then check the password if the throttle lets it through; audit the outcome.

    A throttled attempt is refused before the password is looked at, for known and
    unknown e-mails alike; it is audited once, when it locks the account or address
    (later refusals are counted by the throttle, not listed). Attempts on unknown e-mails
    are audited without what was typed (it may be a password), and cost the same work as
    attempts on known ones.
    """
    claim = login_throttle.claim_attempt(email, remote_addr)
    known = find_by_email(email)
    who = "" if known is not None else " (unknown e-mail)"
    if claim.wait_seconds:
        if claim.locked_now:
            audit.record("auth.login", outcome=audit.REFUSED, summary=f"Sign-in refused: too many attempts{who}",
                         operator=known)
        return SignIn(None, claim.wait_seconds)
    operator = _check_password(known, password)
    if operator is None:
        audit.record("auth.login", outcome=audit.FAILED, summary=f"Sign-in failed{who}", operator=known)
        return SignIn(None)
    login_throttle.succeeded(claim)
    audit.record("auth.login", outcome=audit.OK, summary="Signed in", operator=operator)
    return SignIn(operator)


def create_operator(email: str, password: str, *, name: str = "", role: str = "operator") -> Operator:
    if role not in ROLES:
        raise OperatorError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperatorError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if find_by_email(email) is not None:
        raise OperatorError("An operator with that e-mail already exists.", field="email")
    operator = Operator(email=normalise_email(email), name=name.strip(), role=role)
    operator.set_password(password)
    db.session.add(operator)
    db.session.commit()
    return operator


def operator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Operator)) or 0


def ensure_first_admin(email: str = "", password: str = "", *, generate: bool = False) -> tuple[Operator, str | None] | None:
    """Create the first admin when nobody exists yet.

    With `generate`, invent the credentials and return the password once so the
    caller can show it; otherwise use the given ones. Returns None when operators exist.
    """
    if operator_count():
        return None
    if email and password:
        return create_operator(email, password, name="Administrator", role="admin"), None
    if not generate:
        return None
    password = secrets.token_urlsafe(12)
    operator = create_operator("admin@sandbox.example", password, name="Sandbox administrator", role="admin")
    return operator, password
