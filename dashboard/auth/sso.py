"""Company sign-in: OpenID Connect's authorization code flow with PKCE (S256), through Authlib.

Authlib keeps state, nonce and the PKCE verifier in the signed session, checks the returned state,
and verifies the ID token (signature against the issuer's JWKS from its discovery document, issuer,
audience, nonce, expiry). This module only turns the outcome into a signed-in operator or a refusal.
"""

from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from requests import RequestException

from dashboard.auth import bp
from dashboard.auth.signing_in import begin
from dashboard.auth.views import safe_next
from dashboard.debitura.redaction import register_secret
from dashboard.models.sessions import COMPANY
from dashboard.services import audit, company_sign_in
from dashboard.services.company_sign_in import provider_name, sso_enabled

PROVIDER = "company"
IDP_TIMEOUT_SECONDS = 10
_NEXT_KEY = "sso_next"
_EXTENSION = "company_sign_in"


@bp.record
def _register_client(state) -> None:
    app: Flask = state.app
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    register_secret(app.config["OIDC_CLIENT_SECRET"])
    oauth = OAuth(app)
    app.extensions[_EXTENSION] = oauth
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": IDP_TIMEOUT_SECONDS,
        },
    )


def _client():
    return current_app.extensions[_EXTENSION].create_client(PROVIDER)


def _callback_url() -> str:
    """Built from the public address, so it is the one registered at the provider behind any proxy."""
    return current_app.config["DASHBOARD_PUBLIC_URL"].rstrip("/") + url_for("auth.sso_callback")


def _refused(message: str, status: int = 403, heading: str = "Sign-in refused"):
    return render_template("auth/sso_refused.html", heading=heading, message=message), status


def _unreachable():
    return _refused(
        f"{provider_name()} cannot be reached right now. Try again in a minute.",
        503,
        heading="Company sign-in unavailable",
    )


@bp.route("/sso/start")
def sso_start():
    """Send the browser to the identity provider with fresh state, nonce and PKCE challenge."""
    if not sso_enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    session[_NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        return _client().authorize_redirect(_callback_url())
    except (RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("Identity provider unreachable at sign-in start: %s", type(error).__name__)
        return _unreachable()


@bp.route("/sso/callback")
def sso_callback():
    """The provider's answer: verify it, then sign the person in with the role their groups map to."""
    if not sso_enabled():
        abort(404)
    try:
        issuer = {"essential": True, "values": [current_app.config["OIDC_ISSUER"]]}
        token = _client().authorize_access_token(claims_options={"iss": issuer, "sub": {"essential": True}})
    except OAuthError as error:
        audit.record(
            company_sign_in.ACTION,
            outcome=audit.REFUSED,
            operator=current_user,
            summary=f"Company sign-in refused: {_reason(error)}",
        )
        return _refused(
            "The sign-in could not be completed: the answer from the identity provider did not match the sign-in "
            "this browser started, or the provider refused it. Start again from the sign-in page.",
            400,
        )
    except (AuthlibBaseError, JoseError, ValueError) as error:
        audit.record(
            company_sign_in.ACTION,
            outcome=audit.REFUSED,
            operator=current_user,
            summary=f"Company sign-in refused: the ID token failed verification ({type(error).__name__})",
        )
        return _refused("The identity provider's answer could not be verified. Start again from the sign-in page.", 400)
    except RequestException as error:
        current_app.logger.warning("Identity provider unreachable at sign-in: %s", type(error).__name__)
        return _unreachable()
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        audit.record(
            company_sign_in.ACTION,
            outcome=audit.REFUSED,
            operator=current_user,
            summary="Company sign-in refused: the provider returned no ID token",
        )
        return _refused("The identity provider returned no ID token. Start again from the sign-in page.", 400)
    outcome = company_sign_in.sign_in(claims)
    if outcome.operator is None:
        return _refused(outcome.refusal)
    target = session.pop(_NEXT_KEY, None) or url_for("main.home")
    begin(outcome.operator, method=COMPANY)
    return redirect(target, code=303)


def _reason(error: OAuthError) -> str:
    """The OAuth error code only: descriptions come from outside and are not trusted to be tidy."""
    code = getattr(error, "error", "") or "invalid response"
    return str(code).replace("_", " ")[:80]
