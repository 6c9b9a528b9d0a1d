import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_an_operator_signs_in_and_out_in_a_real_browser(page, live_server):
    email = live_server.create_operator("operator")

    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/auth/login?next=%2F")
    expect(page.get_by_role("status", name="Environment")).to_contain_text("SANDBOX")

    sign_in(page, email)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_text("Operator Tester")).to_be_visible()
    expect(page.get_by_role("status", name="Environment")).to_contain_text("SANDBOX")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_a_wrong_password_keeps_the_email_and_says_so_without_revealing_accounts(page, live_server):
    email = live_server.create_operator("viewer")

    sign_in(page, email, password="not the password")
    expect(page.get_by_text("That e-mail and password do not match an active operator.")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value(email)

    sign_in(page, "nobody@partner.example", password="not the password")
    expect(page.get_by_text("That e-mail and password do not match an active operator.")).to_be_visible()
