"""Sign-in through the company identity provider: the verified ID token's claims become an operator.

The role comes from the provider at every sign-in (OIDC_ROLE_CLAIM through OIDC_ROLE_MAP), so a
changed group changes the role and a person in no mapped group is refused. Accounts are created
only for people who map to a role. Nothing from the token except names and groups reaches the audit trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dashboard.config import parse_role_map
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.base import now_utc
from dashboard.models.operators import ROLES
from dashboard.services import audit
from dashboard.services.operators import find_by_email, normalise_email

ACTION = "auth.sso"
MAX_EMAIL_LENGTH = 320  # the operators.email column
MAX_SUBJECT_LENGTH = 255  # OpenID Connect's limit for `sub`


def sso_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    """How the sign-in button names the provider: OIDC_PROVIDER_NAME, else the issuer's host."""
    return current_app.config.get("OIDC_PROVIDER_NAME") or urlsplit(current_app.config["OIDC_ISSUER"]).hostname or "SSO"


@dataclass(frozen=True)
class CompanySignIn:
    """The operator to sign in, or the sentence that explains the refusal."""

    operator: Operator | None
    refusal: str = ""


def _claimed_groups(claims: Mapping) -> list[str]:
    """The values of OIDC_ROLE_CLAIM: a list of names, or one name; anything else counts as none."""
    value = claims.get(current_app.config["OIDC_ROLE_CLAIM"])
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [group for group in values if isinstance(group, str)]


def role_for(claims: Mapping) -> str | None:
    """The strongest role any of the person's groups maps to, or None."""
    role_map = parse_role_map(current_app.config["OIDC_ROLE_MAP"])
    roles = {role_map[group] for group in _claimed_groups(claims) if group in role_map}
    return max(roles, key=ROLES.index) if roles else None


def _groups_text(claims: Mapping) -> str:
    return ", ".join(_claimed_groups(claims))[:300] or "none"


def _linked_operator(issuer: str, subject: str) -> Operator | None:
    return db.session.scalar(select(Operator).where(Operator.oidc_issuer == issuer, Operator.oidc_subject == subject))


def _refuse(summary: str, refusal: str, operator: Operator | None = None) -> CompanySignIn:
    audit.record(ACTION, outcome=audit.REFUSED, summary=summary, operator=operator)
    return CompanySignIn(None, refusal)


def _known_operator(issuer: str, subject: str, email: str, claims: Mapping) -> Operator | None:
    """The account linked to this identity, else an unlinked account with the same (verified) e-mail."""
    operator = _linked_operator(issuer, subject)
    if operator is None and email and claims.get("email_verified") is not False:
        candidate = find_by_email(email)
        if candidate is not None and candidate.oidc_subject is None:
            operator = candidate
    return operator


def _new_operator(email: str, role: str) -> Operator:
    operator = Operator(email=email, name="", role=role)
    operator.set_password(secrets.token_urlsafe(32))  # nobody knows it: this account signs in through SSO
    db.session.add(operator)
    return operator


def sign_in(claims: Mapping) -> CompanySignIn:
    """Match (issuer, subject) to an operator, creating or linking one when the person maps to a role."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    email = normalise_email(str(claims.get("email") or ""))
    if len(email) > MAX_EMAIL_LENGTH:
        email = ""
    who = email or f"subject {subject[:100]}"
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        return _refuse(
            f"Company sign-in refused for {who}: the subject is empty or longer than 255 characters",
            "The identity provider's answer names no usable account. Ask an administrator.",
        )
    role = role_for(claims)
    operator = _known_operator(issuer, subject, email, claims)
    if role is None:
        if operator is not None:
            operator.end_sessions()  # removed from every mapped group: no session of theirs goes on
        return _refuse(
            f"Company sign-in refused for {who}: no dashboard role for groups {_groups_text(claims)}",
            "Your company account is not in any group that has access to this dashboard. "
            "Ask an administrator to add you to one of the desk's groups.",
            operator,
        )
    if operator is None and not email:
        return _refuse(
            f"Company sign-in refused for {who}: the identity provider sent no e-mail address",
            "The identity provider did not share your e-mail address, so no account could be created. "
            "Ask an administrator to allow the email scope for this dashboard.",
        )
    if operator is None and find_by_email(email) is not None:
        return _refuse(
            f"Company sign-in refused for {who}: the e-mail belongs to an account that cannot be linked",
            "An operator with your e-mail address already exists and is linked to a different company identity "
            "(or the provider has not verified the address). Ask an administrator to sort out the accounts.",
        )
    if operator is not None and not operator.active:
        return _refuse(
            f"Company sign-in refused for {who}: the account is deactivated",
            "Your dashboard account is deactivated. Ask an administrator to reactivate it.",
            operator,
        )
    created = operator is None
    operator = operator or _new_operator(email, role)
    previous_role = operator.role
    operator.oidc_issuer, operator.oidc_subject, operator.role = issuer, subject, role
    if claims.get("name") and not operator.name:
        operator.name = str(claims["name"])[:200]
    operator.last_login_at = now_utc()
    try:
        db.session.flush()
    except IntegrityError:  # the same person's first sign-in, twice at once: the other one won
        db.session.rollback()
        return CompanySignIn(None, "Another sign-in of yours was finishing at the same moment. Sign in again.")
    if created:
        change = f"; account created as {role}"
    elif previous_role != role:
        change = f"; role changed from {previous_role} to {role}"
    else:
        change = f" as {role}"
    audit.record(
        ACTION, outcome=audit.OK, summary=f"Signed in through the company identity provider{change}", operator=operator
    )
    return CompanySignIn(operator)
