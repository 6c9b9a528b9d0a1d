"""Operators: sign-in and the first administrator."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.base import now_utc
from dashboard.models.operators import ROLES, dummy_password_check


class OperatorError(ValueError):
    """An operator change that cannot be made as asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.email == normalise_email(email)))


def authenticate(email: str, password: str, *, remote_addr: str = "") -> Operator | None:
    """The operator when e-mail and password match an active account, else None."""
    operator = find_by_email(email)
    if operator is None:
        dummy_password_check()
        return None
    if not operator.check_password(password) or not operator.active:
        return None
    operator.last_login_at = now_utc()
    db.session.commit()
    return operator


def create_operator(email: str, password: str, *, name: str = "", role: str = "operator") -> Operator:
    if role not in ROLES:
        raise OperatorError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(password) < 10:
        raise OperatorError("Passwords need at least 10 characters.")
    if find_by_email(email) is not None:
        raise OperatorError("An operator with that e-mail already exists.")
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
