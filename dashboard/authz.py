"""Role checks, enforced in views and services alike (never in templates alone)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


class NotAllowed(PermissionError):
    """The signed-in operator's role does not allow this action."""


def ensure_role(role: str, operator=None) -> None:
    """Service-layer guard: raise NotAllowed unless the operator holds `role` or more."""
    operator = operator if operator is not None else current_user
    if not getattr(operator, "is_authenticated", False) or not operator.can(role):
        raise NotAllowed(f"This action needs the {role} role.")


def role_required(role: str):
    """View decorator: sign-in required, then 403 unless the role is held."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can(role: str) -> bool:
    """For templates: show a button only when its action is allowed (the view checks again)."""
    return bool(getattr(current_user, "is_authenticated", False) and current_user.can(role))
