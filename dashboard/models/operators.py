"""Operators: the people who sign in to the dashboard."""

from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import String, UniqueConstraint, false, update
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db
from dashboard.models.base import Model, now_utc

ROLES = ("viewer", "operator", "admin")

_STRONG = PasswordHasher()
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    """Argon2id at full strength; test runs (TESTING) hash with the cheapest parameters, since
    each full-strength hash costs about half a second. Verification reads the parameters from
    the stored hash, so either hasher checks any password."""
    if has_app_context() and current_app.config.get("TESTING"):
        return _CHEAP
    return _STRONG


class Operator(UserMixin, Model):
    __tablename__ = "operators"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_operators_oidc_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="operator")
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an admin or the shell chose the password: it must be changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_login_at: Mapped[datetime | None]
    # The person at the company identity provider, once they signed in through it: `sub` is unique per issuer.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive operators
        return self.active

    # The token of the session this request runs in (dashboard.services.sessions); Flask-Login keeps it in the cookie.
    if TYPE_CHECKING:
        session_token: str | None  # declared apart: an annotation here would ask the ORM for a column
    session_token = None  # not a column

    def get_id(self) -> str | None:
        return self.session_token

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher().hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def password_needs_rehash(self) -> bool:
        """True when the stored hash was made with other argon2 parameters than the current ones."""
        try:
            return _hasher().check_needs_rehash(self.password_hash)
        except InvalidHashError:
            return False

    def end_sessions(self, reason: str = "ended") -> None:
        """End every open session of this operator (committed with the caller's change)."""
        from dashboard.models.sessions import OperatorSession

        db.session.execute(
            update(OperatorSession)
            .where(OperatorSession.operator_id == self.id, OperatorSession.ended_at.is_(None))
            .values(ended_at=now_utc(), end_reason=reason)
        )

    def can(self, role: str) -> bool:
        """True when this operator holds `role` or a stronger one."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def __repr__(self) -> str:
        return f"<Operator {self.id} {self.email} {self.role}>"


def dummy_password_check() -> None:
    """Spend the same time as a real check, so unknown e-mails are not revealed by timing."""
    _hasher().hash("not-a-real-password")
