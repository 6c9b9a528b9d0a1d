"""Operators: sign-in and the first administrator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from dashboard.authz import Actor
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.base import now_utc
from dashboard.models.operators import ROLES, dummy_password_check
from dashboard.services import audit, login_throttle, two_factor
from dashboard.services import sessions as session_service
from dashboard.services.passwords import password_problem


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
    if operator.password_needs_rehash():  # the argon2 parameters changed since this hash was made
        operator.set_password(password)
    db.session.commit()
    return operator


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the operator, or how long to wait when throttled.

    `second_step` means the password was right and the authenticator code is still to come.
    """

    operator: Operator | None
    wait_seconds: int = 0
    second_step: bool = False


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
            audit.record(
                "auth.login", outcome=audit.REFUSED, summary=f"Sign-in refused: too many attempts{who}", operator=known
            )
        return SignIn(None, claim.wait_seconds)
    operator = _check_password(known, password)
    if operator is None:
        audit.record("auth.login", outcome=audit.FAILED, summary=f"Sign-in failed{who}", operator=known)
        return SignIn(None)
    if two_factor.enabled(operator):
        # The account's count is cleared only once the second step succeeds: knowing the password
        # must not buy unlimited guesses at the code.
        return SignIn(operator, second_step=True)
    signed_in(operator, claim, summary="Signed in")
    return SignIn(operator)


def signed_in(operator: Operator, claim: login_throttle.Claim, *, summary: str) -> None:
    operator.last_login_at = now_utc()
    login_throttle.succeeded(claim)
    audit.record("auth.login", outcome=audit.OK, summary=summary, operator=operator)


def second_step(operator_id: int, code: str, *, remote_addr: str = "") -> SignIn:
    """The authenticator (or recovery) code after a right password, counted by the same throttle."""
    operator = db.session.get(Operator, operator_id)
    if operator is None or not operator.active:
        return SignIn(None)
    claim = login_throttle.claim_attempt(operator.email, remote_addr)
    if claim.wait_seconds:
        if claim.locked_now:
            audit.record(
                "auth.two_factor",
                outcome=audit.REFUSED,
                summary="Second sign-in step refused: too many attempts",
                operator=operator,
            )
        return SignIn(None, claim.wait_seconds)
    try:
        kind = two_factor.check(operator, code)
    except two_factor.TwoFactorError as error:
        audit.record("auth.two_factor", outcome=audit.FAILED, summary="Second sign-in step failed", operator=operator)
        raise OperatorError(str(error), field="code") from None
    how = "an authenticator code" if kind == "app" else "a recovery code"
    signed_in(operator, claim, summary=f"Signed in with password and {how}")
    return SignIn(operator)


def change_own_password(operator: Operator, current: str, new: str, *, actor: Actor, remote_addr: str = "") -> None:
    """Change the actor's own password: the current one is required; every session of theirs ends.

    Guesses at the current password count against the sign-in throttle, so a browser left signed in
    is no way round it. The caller signs the browser in again with a fresh session (the one this
    change was made in ended too).
    """
    claim = login_throttle.claim_attempt(operator.email, remote_addr)
    if claim.wait_seconds:
        raise OperatorError(login_throttle.wait_message(claim.wait_seconds), field="current_password")
    if not operator.check_password(current):
        audit.record(
            "auth.password_change",
            outcome=audit.FAILED,
            summary="Password not changed: the current one was wrong",
            operator=actor,
        )
        raise OperatorError("That is not your current password.", field="current_password")
    login_throttle.succeeded(claim)
    if new == current:
        raise OperatorError("The new password must differ from the current one.", field="new_password")
    problem = password_problem(new, email=operator.email)
    if problem:
        raise OperatorError(problem, field="new_password")
    operator.set_password(new)
    operator.must_change_password = False
    operator.end_sessions(session_service.PASSWORD_CHANGED)
    audit.record(
        "auth.password_change",
        outcome=audit.OK,
        summary="Changed their password; every session ended",
        operator=actor,
        commit=False,
    )
    db.session.commit()


def create_operator(email: str, password: str, *, name: str = "", role: str = "operator") -> Operator:
    if role not in ROLES:
        raise OperatorError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    problem = password_problem(password, email=email)
    if problem:
        raise OperatorError(problem, field="password")
    if find_by_email(email) is not None:
        raise OperatorError("An operator with that e-mail already exists.", field="email")
    operator = Operator(email=normalise_email(email), name=name.strip(), role=role)
    operator.set_password(password)
    db.session.add(operator)
    db.session.commit()
    return operator


def operator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Operator)) or 0


def ensure_first_admin(
    email: str = "", password: str = "", *, generate: bool = False
) -> tuple[Operator, str | None] | None:
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
