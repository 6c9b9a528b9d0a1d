"""Role checks, enforced in views and services alike (never in templates alone)."""

from __future__ import annotations

from functools import wraps
from typing import Protocol

from flask import abort, request
from flask_login import current_user, login_required

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A viewer changes nothing, but must still be able to sign in and out and look after their own account.
VIEWER_MAY_POST = frozenset(
    {
        "auth.login",
        "auth.logout",
        "auth.two_factor",
        "auth.two_factor_setup",
        "auth.recovery_codes",
        "auth.change_password",
        "auth.revoke_session",
    }
)


class Actor(Protocol):
    """Whoever acts: a signed-in operator, or the shell (`flask users`)."""

    id: int | None
    email: str
    is_authenticated: bool

    def can(self, role: str) -> bool: ...


class NotAllowed(PermissionError):
    """The signed-in operator's role does not allow this action."""


def ensure_role(role: str, actor: Actor | None) -> None:
    """Service-layer guard: raise NotAllowed unless `actor` (given by the caller, never guessed) holds `role` or more."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.can(role):
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

        # Read by the navigation, which links only what the role may open.
        wrapped.required_role = role  # type: ignore[attr-defined]  # a mark on a function object
        return wrapped

    return decorator


def may_open(view) -> bool:
    """For the navigation: whether the signed-in operator's role lets them open this view."""
    role = getattr(view, "required_role", None)
    return role is None or can(role)


def can(role: str) -> bool:
    """For templates: show a button only when its action is allowed (the view checks again)."""
    return bool(getattr(current_user, "is_authenticated", False) and current_user.can(role))


def refuse_viewer_writes():
    """Before every request: a signed-in viewer's POST (or PUT, PATCH, DELETE) is refused with 403,
    whatever the URL, so a view that forgot its decorator still cannot be used to change anything."""
    if request.method in SAFE_METHODS or request.endpoint in VIEWER_MAY_POST:
        return None
    if getattr(current_user, "is_authenticated", False) and not current_user.can("operator"):
        abort(403)
    return None
