"""Every time a page shows is on Debitura's clock (the sandbox's own in the sandbox), every span of
time is written one way, and a time that is only an estimate says so."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.jinja import duration
from dashboard.sandbox.models import LinkRequest
from dashboard.services import sync as sync_service
from dashboard.services.tenant_state import debitura_now
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from dashboard.sync.cli import first_sandbox_sync
from tests.raw_body import app_client
from tests.tenant_data import add_tenant, complete_onboarding, create_client

DAY = 86400


def row_of(html: str, text: str) -> str:
    return next(row for row in html.split("<tr>") if text in row)


@pytest.mark.parametrize(
    ("seconds", "written"),
    [(30, "under a minute"), (60, "1 min"), (3725, "1 h 2 min"), (10560, "2 h 56 min"), (DAY, "1 d"),
     (3 * DAY + 300, "3 d"), (21 * DAY + 7200, "21 d 2 h"), (timedelta(hours=-5), "5 h")],
)
def test_one_way_to_write_a_span_of_time(seconds, written):
    assert duration(seconds) == written


def test_state_since_comes_from_debituras_facts_not_from_when_the_mirror_filled(app, client, operators, sandbox, debitura):
    with app.test_request_context():
        create_client(debitura, "slowpoke")
        create_client(debitura, "prompt")
    complete_onboarding(sandbox, "prompt")
    sandbox.advance_clock(21 * DAY)
    with app.app_context():
        assert sync_service.run_sync(debitura=app_client()).status == "succeeded"
    operators.login("viewer")

    html = client.get("/tenants/").get_data(as_text=True)

    assert "<td>21 d ago</td>" in row_of(html, "Slowpoke ApS")  # onboarding began when the link was made
    assert "<td>noticed just now</td>" in row_of(html, "Prompt ApS")  # Debitura does not date a finished onboarding
    assert "<td>just now" in row_of(html, "Slowpoke ApS")  # last seen: the sync, on the same clock


def test_linked_and_last_seen_read_on_one_clock(app, client, operators, sandbox, debitura):
    with app.test_request_context():
        create_client(debitura, "clocked")
    complete_onboarding(sandbox, "clocked")
    linked_on = sandbox.now().strftime("%Y-%m-%d")
    sandbox.advance_clock(8 * DAY)
    with app.app_context():
        sync_service.run_sync(debitura=app_client())
        seen_on = debitura_now().strftime("%Y-%m-%d")
        from dashboard.extensions import db
        from dashboard.models import Tenant

        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.external_tenant_id == "clocked"))
    operators.login("viewer")

    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)

    assert re.search(rf"<dt>Linked</dt><dd>{linked_on} \d\d:\d\d UTC</dd>", page)
    assert re.search(rf"<dt>Last seen</dt><dd>{seen_on} \d\d:\d\d UTC via sync</dd>", page)


def test_a_link_declined_a_month_ago_is_not_declined_just_now(app, client, operators, sandbox):
    with app.test_request_context():
        sandbox.ensure_demo()
        ensure_sandbox_subscription(app_client())
        first_sandbox_sync()
    with sandbox.session() as s:
        declined = s.scalars(select(LinkRequest).where(LinkRequest.status == "declined")).all()
        ages = {request.external_tenant_id: sandbox.now() - request.decided_at for request in declined}
    assert ages and min(ages.values()) > timedelta(days=7)
    operators.login("viewer")

    triage = client.get("/triage/").get_data(as_text=True)

    assert "declined the link just now" not in triage
    for age in ages.values():
        assert f"The customer declined the link {duration(age)} ago." in triage


def test_an_approval_deadline_reads_the_same_in_every_place(app, client, operators):
    with app.app_context():
        tenant = add_tenant("ticking", company="Ticking Ltd", conflict_type="ClientExistsNeedsLinking",
                            link_request_status="pending", approval_url="https://ui.example/Approve?token=t",
                            approval_expires_at=debitura_now() + timedelta(hours=2, minutes=56, seconds=40))
        tenant_id = tenant.id
    operators.login("viewer")

    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    assert "It expires in 2 h 56 min." in page
    assert "(in 2 h 56 min)" in page
    assert "Approval link expires in 2 h 56 min." in client.get("/triage/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("estimated", "said"),
    [(False, "approve the link between the two here before {day}, 13:02 UTC:"),
     (True, "approve the link between the two here as soon as you can, by {day}, 13:02 UTC at the latest:")],
)
def test_the_customer_note_gives_the_deadlines_time_and_says_when_it_is_only_estimated(app, client, operators, estimated, said):
    with app.app_context():
        deadline = (debitura_now() + timedelta(days=5)).replace(hour=13, minute=2, second=0, microsecond=0)
        tenant = add_tenant("noted", company="Noted Ltd", conflict_type="ClientExistsNeedsLinking",
                            link_request_status="pending", approval_url="https://ui.example/Approve?token=n",
                            approval_expires_at=deadline, approval_deadline_estimated=estimated)
        tenant_id = tenant.id
    operators.login("viewer")

    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)

    assert said.format(day=f"{deadline.day} {deadline:%B %Y}") in page


def test_the_dashboards_own_log_is_on_the_same_clock_as_debituras_facts(app, client, operators, sandbox, debitura):
    with app.test_request_context():
        ensure_sandbox_subscription(app_client())
    sandbox.advance_clock(8 * DAY)
    with app.test_request_context():
        create_client(debitura, "logged")
    complete_onboarding(sandbox, "logged")
    assert sandbox.dispatch_pending() >= 1  # the onboarding webhooks reach the receiver
    with app.app_context():
        sync_service.run_sync(debitura=app_client())
        today = debitura_now().strftime("%Y-%m-%d")
        from dashboard.extensions import db
        from dashboard.models import Tenant

        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.external_tenant_id == "logged"))
    operators.login("operator")
    assert client.post(f"/tenants/{tenant_id}/refresh").status_code == 303

    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    events = page.split('id="timeline-heading"')[1].split("</section>")[0]
    history = page.split('id="history-heading"')[1].split("</section>")[0]
    assert f'datetime="{today}T' in events and ">just now</time>" in events
    assert f'datetime="{today}T' in history and ">just now</time>" in history
    assert re.search(rf"<dt>Last seen</dt><dd>{today} ", page)
    assert "Mirror last synced just now" in client.get("/triage/").get_data(as_text=True)


def test_a_submission_on_its_way_counts_from_the_same_clock(app, client, operators, sandbox):
    from flask_login import login_user

    from dashboard.extensions import db
    from dashboard.models import Operator
    from dashboard.services import submissions
    from tests.cases_support import make_tenant

    tenant_id, _ = make_tenant(app)
    email = operators.login("operator")
    sandbox.advance_clock(8 * DAY)
    with app.test_request_context():
        operator = db.session.query(Operator).filter_by(email=email).one()
        login_user(operator)
        key = submissions.start(tenant_id, actor=operator).idempotency_key
        assert submissions._claim(key, from_statuses=("draft",), values={})

    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)

    assert "This submission is on its way (since just now)." in page


def test_debituras_clock_is_the_clients_answer_and_the_sandbox_answers_it(app, sandbox, debitura):
    from datetime import UTC, datetime

    sandbox.advance_clock(3 * DAY)

    told = debitura.now()

    assert abs(told - sandbox.now()) < timedelta(seconds=5)
    assert told - datetime.now(UTC) > timedelta(days=2, hours=23)
    with app.test_request_context():
        assert abs(debitura_now() - told) < timedelta(seconds=5)  # every caller reads it through the client


def test_a_page_asks_debituras_clock_once(app, client, operators, monkeypatch):
    with app.app_context():
        for index in range(3):
            add_tenant(f"clock-{index}", company=f"Clock {index} Ltd", conflict_type="ClientExistsNeedsLinking",
                       link_request_status="pending", approval_url=f"https://ui.example/Approve?token={index}",
                       approval_expires_at=debitura_now() + timedelta(hours=index + 1))
    operators.login("viewer")
    the_client = app.extensions["debitura"]
    asked = []
    told = the_client.now
    monkeypatch.setattr(the_client, "now", lambda: asked.append(1) or told())

    page = client.get("/tenants/").get_data(as_text=True)

    assert "Clock 2 Ltd" in page
    assert len(asked) == 1  # one page, one moment: every time on it is measured from the same now
