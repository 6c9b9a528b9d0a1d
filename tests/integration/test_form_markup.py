"""The field macro's ARIA references point at elements that are on the page, and at the field's hint and errors."""

import re

import pytest
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired

from dashboard.forms import DashboardForm

pytestmark = pytest.mark.postgres


def referenced_ids(html: str) -> list[str]:
    return [ref for refs in re.findall(r'aria-(?:describedby|labelledby)="([^"]*)"', html) for ref in refs.split()]


def test_the_login_page_refers_only_to_ids_it_has(client):
    html = client.get("/auth/login").get_data(as_text=True)

    assert 'id="remember"' in html
    for ref in referenced_ids(html):
        assert f'id="{ref}"' in html, f"aria reference to missing id {ref!r}"


def test_a_checkbox_is_described_by_its_hint_only_when_it_has_one(app):
    class Consent(DashboardForm):
        agree = BooleanField("I agree")

    with app.test_request_context():
        field = app.jinja_env.get_template("_macros/forms.html").module.field
        form = Consent(meta={"csrf": False})
        plain, hinted = str(field(form.agree)), str(field(form.agree, hint="You can change this later."))

    assert "aria-describedby" not in plain
    assert 'aria-describedby="agree-hint"' in hinted and 'id="agree-hint"' in hinted



def test_a_field_is_described_by_its_hint_and_then_by_its_error(app):
    class Amount(DashboardForm):
        amount = StringField("Amount", validators=[DataRequired("Enter the amount.")])

    with app.test_request_context(method="POST", data={"amount": ""}):
        field = app.jinja_env.get_template("_macros/forms.html").module.field
        form = Amount(meta={"csrf": False})
        fresh = str(field(form.amount, hint="e.g. 5000.00"))
        assert not form.validate()
        refused = str(field(form.amount, hint="e.g. 5000.00"))

    assert 'aria-describedby="amount-hint"' in fresh and "aria-invalid" not in fresh
    assert 'aria-describedby="amount-hint amount-error"' in refused and 'aria-invalid="true"' in refused
    assert 'id="amount-hint"' in refused and 'id="amount-error">Enter the amount.' in refused


def test_a_radio_group_is_described_by_its_hint_and_its_error(app):
    class Kind(DashboardForm):
        kind = RadioField("Debtor", choices={"company": "Company", "person": "Private person"})

    with app.test_request_context(method="POST", data={"kind": "neither"}):
        group = app.jinja_env.get_template("_macros/forms.html").module.radio_group
        form = Kind(meta={"csrf": False})
        assert not form.validate()
        html = str(group(form.kind, hint="As on the invoice."))

    assert 'aria-describedby="kind-hint kind-error"' in html
    assert 'id="kind-hint"' in html and 'id="kind-error"' in html
