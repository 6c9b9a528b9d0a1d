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

from dashboard.config import parse_role_map
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.models.base import now_utc
from dashboard.models.operators import ROLES
from dashboard.services import audit
from dashboard.services.operators import find_by_email, normalise_email

ACTION = "auth.sso"


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


def role_for(claims: Mapping) -> str | None:
    """The strongest role any of the person's groups maps to, or None."""
    role_map = parse_role_map(current_app.config["OIDC_ROLE_MAP"])
    value = claims.get(current_app.config["OIDC_ROLE_CLAIM"])
    groups = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles = {role_map[group] for group in groups if isinstance(group, str) and group in role_map}
    return max(roles, key=ROLES.index) if roles else None


def _groups_text(claims: Mapping) -> str:
    value = claims.get(current_app.config["OIDC_ROLE_CLAIM"])
    groups = [value] if isinstance(value, str) else [g for g in value if isinstance(g, str)] if isinstance(value, list) else []
    return ", ".join(groups)[:300] or "none"


def _linked_operator(issuer: str, subject: str) -> Operator | None:
    return db.session.scalar(
        select(Operator).where(Operator.oidc_issuer == issuer, Operator.oidc_subject == subject)
    )


def _refuse(summary: str, refusal: str, operator: Operator | None = None) -> CompanySignIn:
    audit.record(ACTION, outcome=audit.REFUSED, summary=summary, operator=operator)
    return CompanySignIn(None, refusal)


def sign_in(claims: Mapping) -> CompanySignIn:
    """Match (issuer, subject) to an operator, creating or linking one when the person maps to a role."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    email = normalise_email(str(claims.get("email") or ""))
    who = email or f"subject {subject[:100]}"
    role = role_for(claims)
    operator = _linked_operator(issuer, subject)
    if operator is None and email and claims.get("email_verified") is not False:
        candidate = find_by_email(email)
        if candidate is not None and candidate.oidc_subject is None:
            operator = candidate
    if role is None:
        if operator is not None:
            operator.end_sessions()  # removed from every mapped group: no session of theirs goes on
        return _refuse(
            f"Company sign-in refused for {who}: no dashboard role for groups {_groups_text(claims)}",
            "Your company account is not in any group that has access to this dashboard. "
            "Ask an administrator to add you to one of the desk's groups.",
            operator,
        )
    if operator is None:
        if not email:
            return _refuse(
                f"Company sign-in refused for {who}: the identity provider sent no e-mail address",
                "The identity provider did not share your e-mail address, so no account could be created. "
                "Ask an administrator to allow the email scope for this dashboard.",
            )
        if find_by_email(email) is not None:
            return _refuse(
                f"Company sign-in refused for {who}: the e-mail belongs to an account linked to another identity",
                "An operator with your e-mail address is already linked to a different company identity. "
                "Ask an administrator to sort out the two accounts.",
            )
        operator = Operator(email=email, name=str(claims.get("name") or "")[:200], role=role)
        operator.set_password(secrets.token_urlsafe(32))  # nobody knows it: this account signs in through SSO
        operator.oidc_issuer, operator.oidc_subject = issuer, subject
        db.session.add(operator)
        created = True
    else:
        created = False
        if not operator.active:
            return _refuse(
                f"Company sign-in refused for {who}: the account is deactivated",
                "Your dashboard account is deactivated. Ask an administrator to reactivate it.",
                operator,
            )
        operator.oidc_issuer, operator.oidc_subject = issuer, subject
    previous_role, operator.role = operator.role, role
    if claims.get("name") and not operator.name:
        operator.name = str(claims["name"])[:200]
    operator.last_login_at = now_utc()
    db.session.flush()
    if created:
        change = f"; account created as {role}"
    elif previous_role != role:
        change = f"; role changed from {previous_role} to {role}"
    else:
        change = f" as {role}"
    audit.record(ACTION, outcome=audit.OK, summary=f"Signed in through the company identity provider{change}",
                 operator=operator)
    return CompanySignIn(operator)
