"""A date that may not be in the future is judged by Debitura's day (its clock, in UTC), and the
form says which day counts as today, with the operator's own date when their time zone differs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user

from dashboard.debitura_day import COOKIE, long_date
from dashboard.extensions import db
from dashboard.models import Operator
from dashboard.services import submissions
from tests.cases_support import case_form, make_tenant


def move_debitura_to(sandbox, hour: int, minute: int):
    """Advance the sandbox clock (it only moves forward) to the next hour:minute UTC."""
    now = sandbox.now()
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return sandbox.advance_clock(int((target - now).total_seconds()) + 1)


@pytest.fixture
def draft(app, client, operators):
    """A signed-in operator and a fresh case draft for a ready tenant; returns the submission URL."""
    tenant_id, _ = make_tenant(app)
    email = operators.login("operator")
    with app.test_request_context():
        operator = db.session.query(Operator).filter_by(email=email).one()
        login_user(operator)
        key = submissions.start(tenant_id, actor=operator).idempotency_key
    return f"/cases/submissions/{key}"


def preview(client, url: str, **overrides):
    return client.post(url, data={**case_form(**overrides), "action": "preview"})


def test_in_auckland_after_1100_utc_the_local_today_is_refused_and_both_days_are_named(app, client, sandbox, draft):
    now = move_debitura_to(sandbox, 13, 9)
    debitura_today, auckland_today = now.date(), now.date() + timedelta(days=1)
    client.set_cookie(COOKIE, "Pacific/Auckland")

    form = client.get(draft).get_data(as_text=True)
    assert (f"Not in the future. Today counts as {long_date(debitura_today)}, Debitura&#39;s date in UTC; "
            f"in your time zone (Pacific/Auckland) it is already {long_date(auckland_today)}.") in form

    refused = preview(client, draft, invoice_date=auckland_today.isoformat(), due_date="")
    assert refused.status_code == 422
    assert ("The invoice date cannot be in the future (today is allowed). Debitura counts days in UTC, where today is "
            f"{long_date(debitura_today)}; in your time zone (Pacific/Auckland) it is already {long_date(auckland_today)}."
            ) in refused.get_data(as_text=True)

    accepted = preview(client, draft, invoice_date=debitura_today.isoformat(), due_date=debitura_today.isoformat())
    assert "cannot be in the future" not in accepted.get_data(as_text=True)
    assert accepted.status_code == 200


def test_behind_utc_the_operator_is_told_debituras_day_is_already_the_next(app, client, sandbox, draft):
    now = move_debitura_to(sandbox, 2, 30)
    client.set_cookie(COOKIE, "America/Los_Angeles")
    form = client.get(draft).get_data(as_text=True)
    assert (f"Today counts as {long_date(now.date())}, Debitura&#39;s date in UTC; in your time zone "
            f"(America/Los_Angeles) it is still {long_date(now.date() - timedelta(days=1))}.") in form


def test_the_day_is_debituras_even_when_the_sandbox_clock_runs_ahead_of_the_wall_clock(app, client, sandbox, draft):
    sandbox.advance_clock(3 * 86400)
    debitura_today = sandbox.now().date()
    accepted = preview(client, draft, invoice_date=debitura_today.isoformat(), due_date="")
    assert "cannot be in the future" not in accepted.get_data(as_text=True)
    refused = preview(client, draft, invoice_date=(debitura_today + timedelta(days=1)).isoformat(), due_date="")
    assert f"The invoice date cannot be in the future (today is allowed). Today is {long_date(debitura_today)}." in (
        refused.get_data(as_text=True)
    )


@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons", "../../etc/localtime", "UTC" + "x" * 80])
def test_without_a_usable_time_zone_only_debituras_day_is_named(app, client, sandbox, draft, zone):
    if zone:
        client.set_cookie(COOKIE, zone)
    form = client.get(draft).get_data(as_text=True)
    assert f"Not in the future; today ({long_date(sandbox.now().date())}) is allowed." in form
    assert "your time zone" not in form


def test_the_pricing_preview_names_the_same_day(app, client, sandbox, operators):
    now = move_debitura_to(sandbox, 13, 9)
    operators.login("operator")
    client.set_cookie(COOKIE, "Pacific/Auckland")
    page = client.get("/pricing/").get_data(as_text=True)
    assert f"Today counts as {long_date(now.date())}, Debitura&#39;s date in UTC" in page
