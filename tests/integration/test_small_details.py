"""Small things a demanding operator notices: date ranges, references, quiet syncs and reads, the icon, a way back."""

from __future__ import annotations

import io

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Tenant
from dashboard.services import sync as sync_service
from tests.cases_support import make_tenant
from tests.raw_body import app_client
from tests.tenant_data import create_case, create_client


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_reversed_date_range_in_the_audit_trail_is_explained_not_silently_empty(client, operators):
    operators.login("viewer")

    html = client.get("/audit/?since=2026-03-10&until=2026-03-01").get_data(as_text=True)

    assert "The end date is before the start date, so it is left out: only the start date filters." in html
    assert "Signed in" in html  # the sign-in just made still shows: the reversed range was not applied


def test_the_webhook_test_form_takes_the_case_reference_the_lists_show(app, client, operators, debitura):
    operators.login("admin")
    _, tenant = make_tenant(app, name="Reference Works ApS")
    with app.test_request_context():
        case = create_case(debitura, tenant)
    sync_service_run(app)

    response = client.post("/admin/webhooks/test", data={"event_type": "case.updated", "case_id": case.reference.lower()})

    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.test"))
        assert entry.case_id == case.id  # resolved to Debitura's id before asking Debitura


def sync_service_run(app) -> int:
    """Run a sync; how many tenants it reported changed."""
    with app.app_context():
        return sync_service.run_sync(debitura=app_client()).tenants_changed


def test_a_sync_with_nothing_new_reports_no_changed_tenant_and_keeps_the_onboarding_url(app, debitura):
    for number in range(3):
        create_client(debitura, f"quiet-{number}")  # onboarding: Debitura adds a fresh session to each read
    first = sync_service_run(app)
    with app.app_context():
        urls = dict(db.session.execute(select(Tenant.external_tenant_id, Tenant.onboarding_url)).all())

    second = sync_service_run(app)

    assert (first, second) == (3, 0)
    with app.app_context():
        assert dict(db.session.execute(select(Tenant.external_tenant_id, Tenant.onboarding_url)).all()) == urls


def test_opening_admin_webhooks_is_a_read_and_leaves_no_audit_entry(app, client, operators):
    operators.login("admin")
    before = audit_actions(app)

    for _ in range(3):
        assert client.get("/admin/webhooks").status_code == 200

    assert audit_actions(app) == before


def test_every_page_links_an_icon_and_favicon_ico_answers(client, operators):
    assert client.get("/favicon.ico").status_code == 200  # signed in or not
    operators.login("viewer")
    html = client.get("/tenants/").get_data(as_text=True)
    icon = client.get("/favicon.ico")

    assert '<link rel="icon" href="/static/favicon.ico">' in html
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon" and icon.data[:4] == b"\x00\x00\x01\x00"


def test_an_upload_over_the_limit_without_javascript_ends_on_a_page_with_a_way_back(app, client, operators):
    operators.login("operator")
    app.config["MAX_CONTENT_LENGTH"] = 1024  # the same refusal as at 26 MB, without sending 26 MB (it names the limit in force)
    page = "http://localhost/cases/some-case"

    response = client.post("/cases/some-case/files/new", headers={"Referer": page},
                           data={"file": (io.BytesIO(b"x" * 4096), "big.pdf")}, content_type="multipart/form-data")

    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than 1 KB, the most this server accepts" in html
    assert f'<a href="{page}">Go back to the page you came from</a>' in html
