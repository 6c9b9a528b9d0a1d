"""In a real browser: two-factor enrolment and sign-in, a password change forced at first sign-in,
the sessions page, the idle timeout (a short SESSION_IDLE_MINUTES) and a cookie replayed after sign-out."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from dashboard.extensions import db
from dashboard.models import OperatorSession
from dashboard.models.base import now_utc
from dashboard.services import operators_admin
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.live import serve

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "lanterns over the harbour"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory, "sign-in-security", REQUIRE_2FA="admins", SESSION_IDLE_MINUTES=1)


def idle_for(live_server, minutes: int) -> None:
    """Time passes with no request: every session was last seen `minutes` ago."""
    with live_server.app.app_context():
        db.session.execute(update(OperatorSession).values(last_seen_at=now_utc() - timedelta(minutes=minutes)))
        db.session.commit()


def test_an_admin_sets_up_an_authenticator_app_then_signs_in_with_it(page, live_server):
    email = live_server.create_operator("admin", "totp.admin@partner.example")
    sign_in(page, email)

    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_text("Your role needs two-factor sign-in.")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code to add totp.admin@partner.example"))).to_be_visible()
    totp = pyotp.TOTP(page.locator("#totp-key").inner_text().replace(" ", ""))
    page.goto("/triage/")  # nothing else opens before the setup is done
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    code = page.get_by_label("Code from your app")
    code.fill("123")
    code.press("Enter")
    expect(page.get_by_text("That code does not match.")).to_be_visible()
    expect(page.get_by_label("Code from your app")).to_have_value("123")
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_label("Code").press("Enter")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_password_handed_over_by_an_admin_is_changed_at_first_sign_in(page, live_server):
    with live_server.app.app_context():
        issued = operators_admin.invite("first.day@partner.example", role="operator", actor=operators_admin.SHELL).password
    sign_in(page, "first.day@partner.example", issued)

    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    page.get_by_label("Current password").fill(issued)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("New password again").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("one of the most common ones")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Current password").fill(issued)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_the_sessions_page_lists_both_browsers_and_ends_the_other(page, live_server, new_context):
    email = live_server.create_operator("operator", "two.browsers@partner.example")
    other = new_context(user_agent="Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
    other_page = other.new_page()
    sign_in(other_page, email)
    expect(other_page.get_by_role("navigation", name="Main")).to_be_visible()

    sign_in(page, email)
    page.get_by_role("link", name=re.compile("Operator Tester")).click()
    page.get_by_role("link", name="Your sessions").click()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="this browser")).to_have_count(1)
    page.get_by_role("button", name=re.compile("^End session: Firefox on Windows")).click()
    expect(page.get_by_text("The session on Firefox on Windows has ended.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Firefox on Windows")).to_have_count(0)

    other_page.reload()
    expect(other_page.get_by_role("heading", name="Sign in")).to_be_visible()
    other.close()


def test_an_idle_session_ends_and_says_so_on_the_sign_in_page(page, live_server):
    email = live_server.create_operator("operator", "idle@partner.example")
    sign_in(page, email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tenants").click()
    expect(page.get_by_role("heading", name="Tenants", exact=True)).to_be_visible()

    idle_for(live_server, 3)  # SESSION_IDLE_MINUTES=1, and last seen is kept to the minute
    page.get_by_label("Search tenants").fill("acme")  # an htmx request: the whole page goes to sign-in, not a fragment

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You were signed out after 1 minute without activity.")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tenants", exact=True)).to_be_visible()  # back where it was


def test_a_cookie_saved_before_signing_out_is_refused_afterwards(page, live_server, new_context):
    email = live_server.create_operator("operator", "replay@partner.example")
    sign_in(page, email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    saved = page.context.storage_state()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    replay = new_context(storage_state=saved)
    replayed = replay.new_page()
    replayed.goto("/triage/")
    expect(replayed.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(replayed.get_by_role("navigation", name="Main")).to_have_count(0)
    replay.close()
