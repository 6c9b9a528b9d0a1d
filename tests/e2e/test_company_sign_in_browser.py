"""Company sign-in through a real OpenID Connect provider process and a real Chromium."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator, OperatorSession

pytestmark = pytest.mark.e2e

ROLE_MAP = "desk-admins=admin,desk-agents=operator,desk-readers=viewer"
PROVIDER_NAME = "Partner ID"


class Provider:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def register_client(self, redirect_uri: str) -> dict:
        response = requests.post(f"{self.issuer}/oauth2/clients", json={"redirect_uris": [redirect_uri]}, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_person(self, sub: str, *, email: str, name: str, groups: list[str]) -> None:
        claims = {"email": email, "email_verified": True, "name": name, "groups": groups}
        requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider():
    script = Path(__file__).with_name("oidc_provider_process.py")
    process = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        port = int(process.stdout.readline())
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.stdin.close()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def provider_pages_are_not_ours(new_context, oidc_provider):
    """The provider's own authorize page is checked by nobody here; every page of the dashboard still is."""
    new_context.accessibility.foreign_origins.add(oidc_provider.issuer)


@pytest.fixture
def live_app_config(live_app_config, oidc_provider):
    client = oidc_provider.register_client(f"{live_app_config['DASHBOARD_PUBLIC_URL']}/auth/sso/callback")
    return {
        **live_app_config,
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_CLIENT_ID": client["client_id"],
        "OIDC_CLIENT_SECRET": client["client_secret"],
        "OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "REQUIRE_2FA": "admins",  # asked of password sign-in only: a company admin goes straight in
    }


def company_sign_in(page, sub: str) -> None:
    page.goto("/auth/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def operator_for(live_server, email: str) -> Operator | None:
    with live_server.app.app_context():
        operator = db.session.scalar(select(Operator).where(Operator.email == email))
        if operator is not None:
            db.session.expunge(operator)
        return operator


def audit_summaries(live_server) -> list[str]:
    with live_server.app.app_context():
        return list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "auth.sso")))


def test_a_mapped_admin_signs_in_with_pkce_and_gets_the_admin_pages(page, live_server, oidc_provider, caplog):
    caplog.set_level(logging.DEBUG)
    oidc_provider.set_person("ada", email="ada@partner.example", name="Ada Admin", groups=["staff", "desk-admins"])

    page.goto("/auth/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    query = parse_qs(urlsplit(page.url).query)
    assert page.url.startswith(f"{oidc_provider.issuer}/oauth2/authorize")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"{live_server.url}/auth/sso/callback"]
    page.get_by_placeholder("sub").fill("ada")
    page.get_by_role("button", name="Authorize", exact=True).click()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Admin")).to_be_visible()
    expect(page.get_by_text("Ada Admin")).to_be_visible()
    operator = operator_for(live_server, "ada@partner.example")
    assert (operator.role, operator.oidc_subject, operator.oidc_issuer) == ("admin", "ada", oidc_provider.issuer)
    with live_server.app.app_context():
        record = db.session.scalar(select(OperatorSession).where(OperatorSession.operator_id == operator.id))
        assert (record.method, record.ended_at) == ("company", None)  # a server-side session like any other
    summaries = audit_summaries(live_server)
    assert summaries == ["Signed in through the company identity provider; account created as admin"]
    config = live_server.app.config
    secret = config["OIDC_CLIENT_SECRET"]
    basic = base64.b64encode(f"{config['OIDC_CLIENT_ID']}:{secret}".encode()).decode()
    for place, text in (("page", page.content()), ("logs", caplog.text), ("audit trail", " ".join(summaries))):
        assert secret not in text and basic not in text, f"the client secret is in the {place}"


def test_a_person_in_no_mapped_group_is_refused_and_no_account_is_created(page, live_server, oidc_provider):
    oidc_provider.set_person("mallory", email="mallory@partner.example", name="Mallory", groups=["marketing"])

    company_sign_in(page, "mallory")

    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("not in any group that has access to this dashboard")
    assert operator_for(live_server, "mallory@partner.example") is None
    assert audit_summaries(live_server) == [
        "Company sign-in refused for mallory@partner.example: no dashboard role for groups marketing"
    ]
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_tampered_state_on_the_callback_is_refused(page, live_server, oidc_provider):
    oidc_provider.set_person("trent", email="trent@partner.example", name="Trent", groups=["desk-agents"])

    def tamper(route):
        """The provider's answer sends the browser to the callback: change `state` on its way there."""
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch(max_redirects=0)
        parts = urlsplit(response.headers["location"])
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        query["state"] = "forged-" + query["state"]
        tampered = urlunsplit(parts._replace(query=urlencode(query)))
        route.fulfill(status=302, headers={"Location": tampered})

    page.route(f"{oidc_provider.issuer}/oauth2/authorize?*", tamper)
    company_sign_in(page, "trent")

    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("did not match the sign-in this browser started")
    assert operator_for(live_server, "trent@partner.example") is None
    assert audit_summaries(live_server) == ["Company sign-in refused: mismatching state"]
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_role_is_read_again_at_every_sign_in(page, live_server, oidc_provider):
    oidc_provider.set_person("grace", email="grace@partner.example", name="Grace Agent", groups=["desk-agents"])
    company_sign_in(page, "grace")
    nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_text("(operator)")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    sign_out(page)

    oidc_provider.set_person("grace", email="grace@partner.example", name="Grace Agent", groups=["desk-admins"])
    company_sign_in(page, "grace")
    expect(nav.get_by_role("link", name="Admin")).to_be_visible()
    expect(page.get_by_text("(admin)")).to_be_visible()
    sign_out(page)

    oidc_provider.set_person("grace", email="grace@partner.example", name="Grace Agent", groups=[])
    company_sign_in(page, "grace")
    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert audit_summaries(live_server) == [
        "Signed in through the company identity provider; account created as operator",
        "Signed in through the company identity provider; role changed from operator to admin",
        "Company sign-in refused for grace@partner.example: no dashboard role for groups none",
    ]


def test_company_sign_in_returns_to_the_page_that_asked_for_it(page, live_server, oidc_provider):
    oidc_provider.set_person("rita", email="rita@partner.example", name="Rita Reader", groups=["desk-readers"])

    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_placeholder("sub").fill("rita")
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/audit/")
    expect(page.get_by_text("(viewer)")).to_be_visible()
