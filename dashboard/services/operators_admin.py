"""Managing operators: invite, change role, deactivate and reactivate, reset a password.

Every function takes the acting operator (`actor`), checks that it is an admin and
records the change in the audit trail. The shell (`flask users`) acts as `SHELL`: whoever
can run commands on the server already holds the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from dashboard.authz import Actor, ensure_role
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.operators import ROLES
from dashboard.services import audit
from dashboard.services import sessions as session_service
from dashboard.services.operators import OperatorError, create_operator, find_by_email
from dashboard.services.passwords import password_problem


class ShellActor:
    """The actor for changes made from the server's shell; it holds every role."""

    id: int | None = None
    email: str = "(shell)"
    is_authenticated: bool = True

    def can(self, role: str) -> bool:
        return True


SHELL = ShellActor()


@dataclass(frozen=True)
class Credentials:
    """An operator and the password to hand over; `generated` when the dashboard invented it (shown once)."""

    operator: Operator
    password: str
    generated: bool


def list_operators() -> list[Operator]:
    """Active operators first, then by e-mail."""
    return list(db.session.scalars(select(Operator).order_by(Operator.active.desc(), Operator.email)))


def get_operator(operator_id: int) -> Operator:
    operator = db.session.get(Operator, operator_id)
    if operator is None:
        raise OperatorError("No such operator.")
    return operator


def operator_id_for(email: str) -> int:
    """The id of the operator with this e-mail (the shell names operators by e-mail)."""
    operator = find_by_email(email)
    if operator is None:
        raise OperatorError(f"No operator has the e-mail {email.strip()!r}.")
    return operator.id


def new_password() -> str:
    return secrets.token_urlsafe(12)


def invite(
    email: str, *, name: str = "", role: str = "operator", password: str | None = None, actor: Actor
) -> Credentials:
    """Create an operator; without a password one is generated for the admin to hand over.

    Either way the operator must choose their own password at their first sign-in.
    """
    ensure_role("admin", actor)
    generated = not password
    password = password or new_password()
    try:
        operator = create_operator(email, password, name=name, role=role)
        operator.must_change_password = True
    except OperatorError as error:
        db.session.rollback()
        audit.record("operator.invite", outcome=audit.REFUSED, summary=f"Not created: {error}", operator=actor)
        raise
    audit.record("operator.invite", outcome=audit.OK, summary=f"Created {operator.email} as {role}", operator=actor)
    return Credentials(operator, password, generated)


def change_role(operator_id: int, role: str, *, actor: Actor) -> Operator:
    """Give the operator another role; the last active admin keeps theirs."""
    ensure_role("admin", actor)
    if role not in ROLES:
        raise OperatorError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    operator = get_operator(operator_id)
    if operator.role == role:
        return operator
    if operator.role == "admin" and operator.active:
        _keep_an_admin(operator, "demote")
    previous, operator.role = operator.role, role
    audit.record(
        "operator.role",
        outcome=audit.OK,
        summary=f"{operator.email}: {previous} → {role}",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return operator


def deactivate(operator_id: int, *, actor: Actor) -> Operator:
    """Stop the operator signing in; every open session ends at its next request."""
    ensure_role("admin", actor)
    operator = get_operator(operator_id)
    if operator.id is not None and operator.id == getattr(actor, "id", None):
        raise OperatorError("You cannot deactivate yourself; ask another administrator.")
    if not operator.active:
        return operator
    if operator.role == "admin":
        _keep_an_admin(operator, "deactivate")
    operator.active = False
    operator.end_sessions(session_service.DEACTIVATED)
    audit.record(
        "operator.deactivate", outcome=audit.OK, summary=f"Deactivated {operator.email}", operator=actor, commit=False
    )
    db.session.commit()
    return operator


def reactivate(operator_id: int, *, actor: Actor) -> Operator:
    ensure_role("admin", actor)
    operator = get_operator(operator_id)
    if operator.active:
        return operator
    operator.active = True
    audit.record(
        "operator.reactivate", outcome=audit.OK, summary=f"Reactivated {operator.email}", operator=actor, commit=False
    )
    db.session.commit()
    return operator


def reset_password(operator_id: int, *, password: str | None = None, actor: Actor) -> Credentials:
    """Set a new password (generated unless given); the operator's sessions end, and they choose
    their own password at their next sign-in."""
    ensure_role("admin", actor)
    operator = get_operator(operator_id)
    generated = not password
    password = password or new_password()
    problem = password_problem(password, email=operator.email)
    if problem:
        raise OperatorError(problem, field="password")
    operator.set_password(password)
    operator.must_change_password = True
    operator.end_sessions(session_service.PASSWORD_RESET)
    audit.record(
        "operator.reset_password",
        outcome=audit.OK,
        summary=f"New password for {operator.email}",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return Credentials(operator, password, generated)


def _keep_an_admin(operator: Operator, verb: str) -> None:
    others = db.session.scalar(
        select(func.count())
        .select_from(Operator)
        .where(Operator.role == "admin", Operator.active.is_(True), Operator.id != operator.id)
    )
    if not others:
        raise OperatorError(f"You cannot {verb} the last active administrator.")
