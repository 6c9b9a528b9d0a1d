"""After an htmx form succeeds, the browser navigates (HX-Redirect) and the success message waits for the next page.

htmx swaps nothing before it follows HX-Redirect, so a message appended out-of-band to that answer
would be lost; the answer is therefore plain text, and the message shows on the page it opens.
"""

from __future__ import annotations

import pytest

from tests.cases_support import make_tenant, module_env

NEW_CLIENT = {"external_tenant_id": "nav-1", "name": "Navigate ApS", "country": "DK", "support_email": "ops@navigate.example",
              "users-0-name": "Nina", "users-0-email": "nina@navigate.example", "onboarding_user": "0"}
KYC = {"director_full_name": "Nina Holm", "director_home_address": "Nørregade 1, 1165 Copenhagen, DK",
       "director_date_of_birth": "1975-05-05", "send_chat_notification": "y"}
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="operator")


def test_an_htmx_client_creation_keeps_its_message_for_the_page_it_opens(env):
    response = env.client.post("/tenants/new", data=NEW_CLIENT, headers={**HTMX, "HX-Target": "new-client-form"})

    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.data == b"" and "HX-Request" in response.headers["Vary"]
    page = env.client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "A fresh onboarding URL is ready" in page


def test_an_htmx_kyc_submission_keeps_its_message_for_the_page_it_opens(env):
    tenant_id, _ = make_tenant(env.app)

    response = env.client.post(f"/kyc/{tenant_id}", data=KYC, headers={**HTMX, "HX-Target": "kyc-panel"})

    assert response.status_code == 200 and response.data == b""
    assert response.headers["HX-Redirect"] == f"/kyc/{tenant_id}"
    assert "KYC submitted for" in env.client.get(response.headers["HX-Redirect"]).get_data(as_text=True)


def test_a_plain_form_that_succeeds_is_redirected_with_303(env):
    other = {**NEW_CLIENT, "external_tenant_id": "nav-2", "support_email": "ops@plain.example",
             "users-0-email": "nina@plain.example"}

    response = env.client.post("/tenants/new", data=other)

    assert response.status_code == 303 and "HX-Redirect" not in response.headers
    assert "A fresh onboarding URL is ready" in env.client.get(response.headers["Location"]).get_data(as_text=True)
