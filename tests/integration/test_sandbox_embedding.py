"""The sandbox inside the dashboard: its pages are public, its control panel is for admins only."""


def test_the_embedded_control_panel_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/sandbox/control/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/sandbox/control/"


def test_operators_who_are_not_admins_cannot_open_the_control_panel(client, operators):
    operators.login("operator")
    assert client.get("/sandbox/control/").status_code == 302


def test_an_admin_opens_the_control_panel(client, operators):
    operators.login("admin")
    response = client.get("/sandbox/control/")
    assert response.status_code == 200
    assert "Sandbox control panel" in response.get_data(as_text=True)


def test_hosted_customer_pages_need_no_dashboard_login(client):
    response = client.get("/sandbox/ui/ReferralPartner/Approve?token=unknown")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
