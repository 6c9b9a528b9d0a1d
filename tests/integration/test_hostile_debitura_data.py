"""Hostile data from Debitura: markup and script URLs in names and links, huge strings, missing fields.

Names reach the mirror the way they would from Debitura: the sandbox's own records are made
hostile and a sync reads them through the real client. Links Debitura computes itself (the
sandbox cannot be made to hand out a `javascript:` URL) are fed through the client's own
parsers (`Client.from_json`, `Case.from_json`) into the mirror, as a sync or submission would.
Every page that shows them must escape them and never turn one into a clickable script URL.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from benchmarks import apps, webhook_events
from dashboard.debitura.types import Case as CustomerCase
from dashboard.debitura.types import Client
from dashboard.extensions import db
from dashboard.models import Tenant
from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from dashboard.services import mirror
from dashboard.services import sync as sync_service
from tests.cases_support import make_tenant
from tests.conftest import make_config
from tests.raw_body import app_client, raw
from tests.support import Page

pytestmark = pytest.mark.postgres

SCRIPT = '<script>alert("owned")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
HOSTILE = f"Acme {SCRIPT}{IMAGE} ApS"
SCRIPT_URLS = (
    "javascript:alert(document.cookie)",
    "  JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
)
HUGE = "W" * 20_000


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path, DEBITURA_WEBHOOK_SECRET=apps.WEBHOOK_SECRET)


def assert_safe(response, what: str) -> Page:
    assert response.status_code == 200, f"{what} answered {response.status_code}"
    shown = Page(response.get_data(as_text=True))
    assert SCRIPT not in shown.html, f"{what} printed markup from Debitura unescaped"
    assert shown.inline_scripts == 0, f"{what} has an inline script"
    assert shown.event_handlers == [], f"{what} has event-handler attributes: {shown.event_handlers[:3]}"
    assert shown.script_urls() == [], f"{what} makes a script URL clickable: {shown.script_urls()[:3]}"
    return shown


def pending_case(app, external_tenant_id: str) -> str:
    """A case waiting for signatures: its debtor is in a country whose power of attorney is unsigned."""
    with app.test_request_context():
        case = app.extensions["debitura"].create_case(external_tenant_id, raw({
            "currencyCode": "EUR", "amountToRecover": Decimal("950.00"),
            "date": (date.today() - timedelta(days=40)).isoformat(),
            "creditorReference": "HOSTILE-1",
            "debtor": {"type": "Company", "name": "Plain Debtor AB", "countryAlpha2": "SE"},
            "allowPendingContracts": True,
        }))
    return case.id


def make_hostile_at_debitura(sandbox, external_tenant_id: str, case_id: str, *, huge: bool = False) -> None:
    suffix = HUGE if huge else ""
    with sandbox.session() as s:
        link = domain.active_link(s, external_tenant_id)
        creditor = s.get(sandbox_models.Creditor, link.creditor_id)
        creditor.company_name = HOSTILE + suffix
        creditor.registration_number = IMAGE + suffix
        creditor.city = SCRIPT + suffix
        for user in s.scalars(select(sandbox_models.CreditorUser).where(sandbox_models.CreditorUser.creditor_id == creditor.id)):
            user.name = IMAGE + suffix
        case = s.get(sandbox_models.Case, case_id)
        case.debtor_name = HOSTILE + suffix
        case.creditor_reference = SCRIPT[:50]


def synced(app) -> None:
    with app.app_context():
        run = sync_service.run_sync(debitura=app_client(), trigger="test", fresh=True)
        assert run.status == "succeeded", run.message


def list_pages(tenant_id: int, case_id: str) -> dict[str, str]:
    return {
        "tenants list": "/tenants/",
        "tenants search": "/tenants/?q=acme",
        "tenant page": f"/tenants/{tenant_id}",
        "triage home": "/triage/",
        "cases list": "/cases/",
        "pending queue": "/cases/pending",
        "case page": f"/cases/{case_id}",
        "KYC overview": "/kyc/",
    }


def test_markup_in_names_from_debitura_is_shown_as_text_on_every_page(app, client, operators, sandbox):
    operators.login("admin")
    tenant_id, external_tenant_id = make_tenant(app, name="Plain Name ApS")
    case_id = pending_case(app, external_tenant_id)
    make_hostile_at_debitura(sandbox, external_tenant_id, case_id)
    synced(app)

    for what, url in list_pages(tenant_id, case_id).items():
        shown = assert_safe(client.get(url), what)
        if what in ("tenants list", "tenant page", "cases list"):
            assert HOSTILE in shown.text, f"{what} does not show the name at all"


def test_huge_strings_from_debitura_are_mirrored_and_rendered(app, client, operators, sandbox):
    operators.login("admin")
    tenant_id, external_tenant_id = make_tenant(app, name="Plain Name ApS")
    case_id = pending_case(app, external_tenant_id)
    make_hostile_at_debitura(sandbox, external_tenant_id, case_id, huge=True)
    synced(app)

    for what, url in list_pages(tenant_id, case_id).items():
        assert_safe(client.get(url), what)


def test_script_urls_from_debitura_are_never_clickable(app, client, operators):
    operators.login("admin")
    with app.app_context():
        for number, url in enumerate(SCRIPT_URLS):
            external_tenant_id = f"evil-{number}"
            mirror.upsert_tenant_from_client(Client.from_json({
                "externalTenantId": external_tenant_id, "onboardingDone": False, "onboardingLinks": {"url": url},
                "client": {"name": f"Evil Link {number} {IMAGE}"},
                "users": [{"name": IMAGE, "email": f"owner@evil{number}.example"}],
            }), source="api", status=202)
            mirror.upsert_case(CustomerCase.from_json({
                "id": str(uuid.uuid4()), "reference": f"EVIL{number}", "lifecycle": "Pending contract signing",
                "currencyCode": "EUR", "grossAmount": "10.00", "dateCreated": "2026-01-05T10:00:00Z",
                "debtor": {"name": HOSTILE, "countryAlpha2": "SE"},
                "signingHandoff": {"combinedSigningUrl": url}, "solutionUrl": url,
            }), source="api", external_tenant_id=external_tenant_id)
        tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.external_tenant_id.like("evil-%"))).all()

    for what, url in {"tenants list": "/tenants/", "triage home": "/triage/", "cases list": "/cases/",
                      "pending queue": "/cases/pending",
                      "pending queue with a return URL": "/cases/pending?return_url=https%3A%2F%2Fapp.example%2Fdone"}.items():
        assert_safe(client.get(url), what)
    for tenant_id in tenant_ids:
        assert_safe(client.get(f"/tenants/{tenant_id}"), f"tenant page {tenant_id}")
        assert_safe(client.get(f"/tenants/{tenant_id}?return_url=https%3A%2F%2Fapp.example%2Fdone"), "tenant page, return URL")


def test_records_with_missing_fields_render_without_error(app, client, operators):
    operators.login("admin")
    with app.app_context():
        bare = mirror.upsert_tenant_from_client(Client.from_json({"externalTenantId": "bare-minimum"}), source="api")
        mirror.upsert_case(CustomerCase.from_json({"id": str(uuid.uuid4())}), source="api", external_tenant_id="bare-minimum")
        mirror.upsert_case(CustomerCase.from_json({"id": str(uuid.uuid4()), "lifecycle": "Pending contract signing"}),
                           source="api")
        tenant_id = bare.id

    for what, url in {"tenants list": "/tenants/", "tenant page": f"/tenants/{tenant_id}", "triage home": "/triage/",
                      "cases list": "/cases/", "pending queue": "/cases/pending", "cases export": "/cases/export.csv",
                      "tenants export": "/tenants/export.csv"}.items():
        response = client.get(url)
        body = response.get_data()  # read streamed exports to the end, as a browser would
        response.close()
        assert response.status_code == 200, f"{what} answered {response.status_code}"
        assert body
        if response.mimetype == "text/html":
            assert_safe(response, what)


def test_hostile_webhook_contents_are_shown_escaped_in_the_delivery_log(app, client, operators):
    operators.login("admin")
    envelope = {"id": str(uuid.uuid4()), "specVersion": "1.0", "event": f"case.{SCRIPT}", "timestamp": "2026-01-05T10:00:00Z",
                "data": {"caseId": IMAGE, "externalTenantId": SCRIPT, "lifecycle": HOSTILE}, "links": {"case": SCRIPT_URLS[0]}}
    body = webhook_events.body_of(envelope)
    assert client.post("/webhooks/debitura", data=body,
                       headers=webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)).status_code == 200

    for what, url in {"delivery log": "/webhooks/deliveries", "admin": "/admin/", "webhook admin": "/admin/webhooks",
                      "audit": "/audit/"}.items():
        assert_safe(client.get(url), what)
