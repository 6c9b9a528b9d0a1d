"""Outage: Debitura unreachable (every call dropped), after the mirror was filled while it answered.

Every page must still render from the mirror, say plainly that Debitura cannot be reached and
how old what it shows is ("as of ..."); every write must fail cleanly, with the operator's
input still in the form.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Case, SyncRun, Tenant
from dashboard.services import kyc, uploads
from dashboard.services import sync as sync_service
from tests.cases_support import case_form
from tests.raw_body import app_client
from tests.support import Page, client_that_records_waits

pytestmark = pytest.mark.postgres

BANNER = re.compile(
    r"Debitura\b[^.!]{0,160}\b(unreachable|not responding|not answering|did not answer|cannot be reached|"
    r"could not be reached|is down|offline|unavailable)", re.IGNORECASE)
# "as of 09:14", or the same said otherwise: "last synced 5 minutes ago", "last saw it 2 hours ago".
AS_OF = re.compile(r"\bas of\b|\blast (saw|seen|synced|sync|updated|read)\b", re.IGNORECASE)


@pytest.fixture
def outage(app, client, operators, sandbox):
    """A mirror synced from the demo data, an admin signed in, then Debitura stops answering."""
    client_that_records_waits(app)  # retries against a dead host note their waits instead of sleeping
    sandbox.load_demo()
    with app.app_context():
        assert sync_service.run_sync(debitura=app_client(), trigger="test", fresh=True).status == "succeeded"
        ids = {
            "tenant": db.session.scalar(select(Tenant.id).where(Tenant.state == "ready").order_by(Tenant.id).limit(1)),
            "case": db.session.scalar(select(Case.id).order_by(Case.id).limit(1)),
        }
    operators.login("admin")
    sandbox.faults.fail_ratio(1.0, ["connection_reset"], seed=1)
    with app.app_context():
        failed = sync_service.run_sync(debitura=app_client(), trigger="test")  # the scheduled sync notices first
        assert failed.status == "failed"
        assert db.session.scalar(select(SyncRun.status).order_by(SyncRun.id.desc()).limit(1)) == "failed"
    return ids


PAGES = {
    "triage home": "/triage/",
    "tenants list": "/tenants/",
    "tenant page": "/tenants/{tenant}",
    "cases list": "/cases/",
    "pending queue": "/cases/pending",
    "case page": "/cases/{case}",
    "KYC overview": "/kyc/",
    "revenue": "/revenue/",
    "pricing preview": "/pricing/",
    "webhook deliveries": "/webhooks/deliveries",
    "audit trail": "/audit/",
    "admin": "/admin/",
    "connection": "/admin/connection",
    "webhook subscriptions": "/admin/webhooks",
}


def test_every_page_renders_from_the_mirror_with_a_banner_and_an_as_of_time(client, outage):
    problems = []
    for name, url in PAGES.items():
        response = client.get(url.format(**outage))
        text = Page(response.get_data(as_text=True)).text
        if response.status_code != 200:
            problems.append(f"{name}: answered {response.status_code}")
            continue
        if not BANNER.search(text):
            problems.append(f"{name}: no banner saying Debitura cannot be reached")
        if not AS_OF.search(text):
            problems.append(f"{name}: no 'as of' time for what it shows")

    assert problems == []


def lost_input(response, values: dict[str, str]) -> list[str]:
    """The fields whose typed value did not come back in the form."""
    shown = Page(response.get_data(as_text=True))
    return [name for name, value in values.items() if shown.value(name) != value]


def test_writes_fail_cleanly_and_keep_the_operators_input(client, outage):
    tenant, case_id = outage["tenant"], outage["case"]
    problems: list[str] = []

    def expect(what: str, response, statuses: tuple[int, ...], typed: dict[str, str]) -> None:
        if response.status_code not in statuses:
            problems.append(f"{what}: answered {response.status_code}, expected {statuses}")
        elif lost := lost_input(response, typed):
            problems.append(f"{what}: lost the input of {lost}")

    new_client = {"external_tenant_id": "outage-new", "name": "Outage Test ApS", "country": "DK",
                  "support_email": "support@outage.example", "users-0-name": "Anna Berg",
                  "users-0-email": "anna@outage.example"}
    expect("new client", client.post("/tenants/new", data={**new_client, "onboarding_user": "0"}), (422,), new_client)

    key = client.post(f"/cases/new/{tenant}").headers["Location"].rsplit("/", 1)[-1]
    typed = case_form(creditor_reference="OUTAGE-1")
    expect("case preview", client.post(f"/cases/submissions/{key}", data={**typed, "action": "preview"}), (422,),
           {name: typed[name] for name in ("creditor_reference", "debtor_name", "amount_to_recover", "invoice_date")})

    director = {"director_full_name": "Margaret Ellis", "director_home_address": "12 Elm Row, Edinburgh",
                "director_date_of_birth": "1971-04-09", "idempotency_key": kyc.new_key()}
    expect("KYC", client.post(f"/kyc/{tenant}", data=director), (422,),
           {name: director[name] for name in ("director_full_name", "director_home_address", "idempotency_key")})

    file_key = uploads.new_key()
    expect("file upload", client.post(f"/cases/{case_id}/files/new", content_type="multipart/form-data", data={
        "idempotency_key": file_key, "file": (io.BytesIO(b"%PDF-1.4"), "invoice.pdf")}), (502,), {"idempotency_key": file_key})

    pricing = {"amount": "1200.00", "currency": "EUR", "debtor_type": "Company", "country": "DK",
               "age_mode": "due_date", "due_date": (date.today() - timedelta(days=200)).isoformat()}
    expect("pricing preview", client.get("/pricing/", query_string=pricing), (422,),
           {"amount": "1200.00", "due_date": pricing["due_date"]})

    hook = {"url": "https://hooks.example/outage"}
    expect("new webhook", client.post("/admin/webhooks/new", data={**hook, "events": ["case.created"]}), (422,), hook)

    reissued = client.post(f"/tenants/{tenant}/reissue")
    if reissued.status_code not in (303, 502):
        problems.append(f"re-issue URL: answered {reissued.status_code}")

    assert problems == []
