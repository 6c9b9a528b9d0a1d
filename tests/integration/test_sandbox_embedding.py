"""The sandbox inside the dashboard: its pages are public, its control panel is for admins only."""

import pytest


def test_the_embedded_control_panel_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/sandbox/control/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/sandbox/control/"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_someone_signed_in_without_the_admin_role_is_told_why_the_control_panel_is_closed(client, operators, role):
    operators.login(role)

    response = client.get("/sandbox/control/")

    assert response.status_code == 403
    text = " ".join(response.get_data(as_text=True).split())
    assert f"The sandbox control panel needs the admin role; you are signed in as {role}." in text
    assert "Sandbox control panel" not in text
    assert "script-src" in response.headers["Content-Security-Policy"]  # the dashboard's own answer, headers and all


def test_an_admin_opens_the_control_panel(client, operators):
    operators.login("admin")
    response = client.get("/sandbox/control/")
    assert response.status_code == 200
    assert "Sandbox control panel" in response.get_data(as_text=True)


def test_hosted_customer_pages_need_no_dashboard_login(client):
    response = client.get("/sandbox/ui/ReferralPartner/Approve?token=unknown")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
