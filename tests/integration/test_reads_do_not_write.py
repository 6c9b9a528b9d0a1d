"""Opening or polling a page never writes: what changes with time (a link request's deadline
passing) is derived when the page is read, and a polling page shows it within one poll."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Case, Tenant
from dashboard.services import sync as sync_service
from dashboard.services.tenant_state import debitura_now
from tests.raw_body import app_client
from tests.tenant_data import add_tenant

pytestmark = pytest.mark.postgres

# Not data: a cache of counts rebuilt from the rows it counts, and the note of when Debitura last
# answered (every call to Debitura refreshes it, for the outage banner).
NOT_DATA = {"count_cache", "debitura_health"}
# A session's "last seen" is refreshed by reading (at most once a minute, for the idle timeout); nothing else may change.
NOT_DATA_COLUMNS = {"operator_sessions": {"last_seen_at"}}
PENDING = dict(conflict_type="ClientExistsNeedsLinking", link_request_status="pending")


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every dashboard table, every column, in key order."""
    with app.app_context():
        tables = {
            table.name: [tuple(row) for row in db.session.execute(_data_columns(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables
            if table.name not in NOT_DATA
        }
        db.session.remove()
        return tables


def _data_columns(table):
    skipped = NOT_DATA_COLUMNS.get(table.name, set())
    return select(*(column for column in table.columns if column.name not in skipped))


def add_pending(app, tenant_id: str, expires_in: timedelta) -> int:
    with app.app_context():
        tenant = add_tenant(tenant_id, company=f"{tenant_id.title()} Ltd", approval_url=f"https://ui.example/Approve?token={tenant_id}",
                            approval_expires_at=debitura_now() + expires_in, **PENDING)
        return tenant.id


def poll_url(html: str, path: str) -> str:
    return re.search(rf'hx-get="({re.escape(path)}\?since=[^"]+)"', html).group(1).replace("&amp;", "&")


def queue(html: str, key: str) -> str:
    """One triage queue's section."""
    start = html.index(f'id="queue-{key}"')
    end = html.find('<section class="card" id="queue-', start + 10)
    return html[start:end if end != -1 else None]


def chip_count(html: str, label: str) -> int:
    return int(re.search(rf'{label}</span>\s*<span class="count">(\d+)</span>', html).group(1))


def test_no_page_of_the_dashboard_writes_when_opened_or_polled(app, client, operators, sandbox):
    with app.app_context():
        sandbox.ensure_demo()
        assert sync_service.run_sync(debitura=app_client()).status == "succeeded"
        onboarding = add_tenant("slow-starter", onboarding_done=False, onboarding_url="https://ui.example/onboarding/x",
                                onboarding_started_at=debitura_now() - timedelta(days=2, hours=23, minutes=59))
        onboarding_id = onboarding.id
    overdue = add_pending(app, "lapsing", timedelta(minutes=30))
    operators.login("admin")  # signing in writes; from here on only reading
    sandbox.advance_clock(3600)  # the deadline passes and the onboarding becomes stuck, with no write
    with app.app_context():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
        case_ids = db.session.scalars(select(Case.id).order_by(Case.id).limit(10)).all()
    pages = [
        "/triage/", "/tenants/", "/tenants/?state=expired", "/tenants/?state=approval_pending", "/tenants/?sort=-state",
        "/tenants/?sort=changed", "/tenants/?q=laps", "/tenants/export.csv", "/cases/", "/cases/pending",
        "/cases/export.csv", "/webhooks/deliveries", "/audit/", "/revenue/", "/pricing/", "/kyc/", "/sync/",
        *(f"/tenants/{tenant_id}" for tenant_id in tenant_ids),
        *(f"/cases/{case_id}" for case_id in case_ids),
    ]
    before = snapshot(app)

    answers = {}
    for page in pages:
        answer = client.get(page)
        answers[page] = (answer.status_code, answer.get_data(as_text=True))  # streamed exports read to the end
    for page in ("/tenants/", "/triage/", f"/tenants/{overdue}"):
        answer = client.get(poll_url(answers[page][1], page.rstrip("/") + ("/" if page.endswith("/") else "")),
                            headers={"HX-Request": "true"})
        answers[f"{page} (poll)"] = (answer.status_code, answer.get_data(as_text=True))

    assert {page: status for page, (status, _) in answers.items() if status not in (200, 204)} == {}
    after = snapshot(app)
    changed = {name: [row for row in after[name] if row not in before[name]] for name in before if after[name] != before[name]}
    assert changed == {}
    assert "Link expired" in answers[f"/tenants/{overdue}"][1]
    assert "Lapsing Ltd" in answers["/tenants/?state=expired"][1]
    assert "Slow-Starter ApS" in queue(answers["/triage/"][1], "stuck")
    with app.app_context():
        assert db.session.get(Tenant, overdue).state == "approval_pending"  # derived, not written
        assert db.session.get(Tenant, onboarding_id).state == "onboarding"


def test_a_polling_tenant_list_shows_a_deadline_passing_within_one_poll(app, client, operators, sandbox):
    add_pending(app, "ticking", timedelta(minutes=30))
    add_pending(app, "patient", timedelta(days=5))
    operators.login("viewer")
    html = client.get("/tenants/").get_data(as_text=True)
    assert chip_count(html, "Link approval pending") == 2 and chip_count(html, "Link expired") == 0
    poll = poll_url(html, "/tenants/")
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204

    sandbox.advance_clock(31 * 60)

    fragment = client.get(poll, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    ticking = next(row for row in text.split("<tr>") if "Ticking Ltd" in row)
    assert "Link expired" in ticking and "1 min ago" in ticking
    assert "Link approval pending" in next(row for row in text.split("<tr>") if "Patient Ltd" in row)
    assert chip_count(text, "Link expired") == 1 and chip_count(text, "Link approval pending") == 1
    again = poll_url(text, "/tenants/")
    assert client.get(again, headers={"HX-Request": "true"}).status_code == 204  # and then rests again


def test_a_polling_triage_page_moves_a_lapsed_request_to_the_expired_queue(app, client, operators, sandbox):
    add_pending(app, "ticking", timedelta(minutes=30))
    operators.login("viewer")
    html = client.get("/triage/").get_data(as_text=True)
    assert "Ticking Ltd" in queue(html, "expiring")
    poll = poll_url(html, "/triage/")
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204

    sandbox.advance_clock(31 * 60)

    text = client.get(poll, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Ticking Ltd" not in queue(text, "expiring")
    lost = queue(text, "lost")
    assert "Ticking Ltd" in lost and "The link request expired 1 min ago without an answer." in lost


def test_a_polling_tenant_page_shows_its_deadline_passing_within_one_poll(app, client, operators, sandbox):
    tenant_id = add_pending(app, "ticking", timedelta(minutes=30))
    operators.login("viewer")
    html = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    assert "Link approval pending" in html and "https://ui.example/Approve?token=ticking" in html
    poll = poll_url(html, f"/tenants/{tenant_id}")
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204

    sandbox.advance_clock(31 * 60)

    text = client.get(poll, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Link expired" in text
    assert "https://ui.example/Approve?token=ticking" not in text  # the lapsed URL is no longer offered


def test_the_state_chips_count_and_filter_by_the_state_as_of_now(app, client, operators, sandbox):
    add_pending(app, "lapsed", timedelta(minutes=-5))
    add_pending(app, "waiting", timedelta(days=3))
    with app.app_context():
        add_tenant("open-ended", company="Open-Ended Ltd", approval_url="https://ui.example/Approve?token=o", **PENDING)
    operators.login("viewer")

    pending = client.get("/tenants/?state=approval_pending").get_data(as_text=True)
    expired = client.get("/tenants/?state=expired").get_data(as_text=True)

    assert chip_count(pending, "Link approval pending") == 2 and chip_count(pending, "Link expired") == 1
    assert "Waiting Ltd" in pending and "Open-Ended Ltd" in pending and "Lapsed Ltd" not in pending
    assert "Lapsed Ltd" in expired and "Waiting Ltd" not in expired
