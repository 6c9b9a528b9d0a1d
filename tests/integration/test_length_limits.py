"""Length rules: Debitura's limits, refused by name and number, and never a browser `maxlength` that cuts silently."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Tenant

pytestmark = pytest.mark.shared_app


def new_client(**changes) -> dict[str, str]:
    data = {
        "external_tenant_id": "long-1", "name": "NewCo ApS", "country": "DK", "support_email": "anna@newco.example",
        "users-0-name": "Anna Berg", "users-0-email": "anna@newco.example", "onboarding_user": "0",
    }
    data.update(changes)
    return data


def test_a_company_name_over_debituras_300_characters_is_refused_here_by_name_and_nothing_is_sent(app, client, operators):
    operators.login("operator")

    response = client.post("/tenants/new", data=new_client(name="N" * 301))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Company name can be at most 300 characters; this one has 301." in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tenant)) == 0
    accepted = client.post("/tenants/new", data=new_client(name="N" * 300))
    assert accepted.status_code == 303  # Debitura takes exactly 300


def test_generic_length_messages_are_replaced_by_ones_naming_the_field_and_the_limit(app, client, operators):
    operators.login("operator")

    html = client.post("/tenants/new", data=new_client(external_tenant_id="t" * 256, city="C" * 101)).get_data(as_text=True)

    assert "Field cannot be longer than" not in html
    assert "Tenant id (externalTenantId) can be at most 255 characters; this one has 256." in html
    assert "City can be at most 100 characters; this one has 101." in html


@pytest.mark.parametrize("url", ["/tenants/new", "/auth/login"])
def test_no_form_cuts_what_is_typed_with_a_maxlength_attribute(app, client, operators, url):
    if url != "/auth/login":
        operators.login("operator")

    html = client.get(url).get_data(as_text=True)

    assert "<form" in html and re.search(r"maxlength=", html) is None
