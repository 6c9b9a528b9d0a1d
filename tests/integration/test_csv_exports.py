"""CSV exports as a spreadsheet reads them: UTF-8 with a byte order mark, labels beside codes, the URLs to send."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw
from tests.tenant_data import add_tenant

ONBOARDING_URL = "https://ui.example/onboarding/companydetails/L2"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


def table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_tenant_export_is_excel_readable_utf8_with_labels_beside_codes_and_the_url_to_send(env):
    with env.app.app_context():
        add_tenant("bro-1", company="Brødrene Ærø ApS", onboarding_done=False, onboarding_url=ONBOARDING_URL,
                   kyc_status="not_required")
        tenant = add_tenant("ready-1", company="Klar ApS", onboarding_done=True, kyc_status="pending")
        ready_id = tenant.id

    response = env.client.get("/tenants/export.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    assert "Brødrene Ærø ApS".encode() in body
    rows = {row[0]: dict(zip(table(response)[0], row)) for row in table(response)[1:]}
    onboarding, ready = rows["bro-1"], rows["ready-1"]
    assert (onboarding["state"], onboarding["stateCode"]) == ("Onboarding in progress", "onboarding")
    assert (onboarding["kyc"], onboarding["kycStatus"]) == ("Not asked for yet", "not_required")
    assert (ready["kyc"], ready["kycStatus"]) == ("Needed, not verified yet", "pending")
    assert onboarding["customerUrl"] == ONBOARDING_URL and onboarding["customerUrlKind"] == "Onboarding"
    assert onboarding["nextStep"].startswith("Send the customer the onboarding URL")
    assert ready["customerUrl"] == "" and ready["dashboardUrl"] == f"http://dashboard.test/tenants/{ready_id}"


def test_the_revenue_export_and_page_name_each_status_in_words_beside_its_code(env):
    _, tenant = make_tenant(env.app, name="Ledgerline Inc", poa_for=("US",))
    with env.app.test_request_context():
        case = env.debitura.create_case(tenant, raw({
            "currencyCode": "USD", "amountToRecover": Decimal("10000.00"), "date": "2025-01-02",
            "debtor": {"type": "Company", "name": "Acme Widgets LLC", "countryAlpha2": "US", "stateAlpha2": "NY"},
        }))
    with env.sandbox.session() as s:
        s.add(sandbox_models.RevenueTransaction(
            case_id=case.id, link_id=domain.active_link(s, tenant).id, date=datetime(2025, 3, 3, 12, tzinfo=UTC),
            payment_amount=Decimal("1000"), currency="USD", debitura_revenue=Decimal("100"),
            referral_fee_percentage=Decimal("50"), commission_payment_status="Unpaid",
            platform_invoicing_status="NotInvoiced", referral_invoicing_status="Pending",
        ))

    page = env.client.get("/revenue/").get_data(as_text=True)
    rows = table(env.client.get("/revenue/export.csv"))

    assert "NotInvoiced" not in page and "Collection partner not invoiced yet" in page
    record = dict(zip(rows[0], rows[1]))
    assert (record["Platform invoicing"], record["Platform invoicing code"]) == ("Collection partner not invoiced yet", "NotInvoiced")
    assert (record["Commission payment"], record["Commission payment code"]) == ("Commission unpaid", "Unpaid")
    assert (record["Referral invoicing"], record["Referral invoicing code"]) == ("Pending", "Pending")


ISO_UTC_TO_THE_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def test_every_timestamp_column_of_every_export_is_iso_8601_utc_to_the_second(env):
    from dashboard.extensions import db
    from dashboard.models import Case

    fine = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)  # microseconds, as webhooks and syncs store them
    with env.app.app_context():
        tenant = add_tenant("stamps-1", onboarding_done=True, approval_expires_at=fine, last_seen_at=fine)
        db.session.add(Case(id="case-stamps-1", tenant_id=tenant.id, external_tenant_id="stamps-1", reference="ST-1",
                            lifecycle="Active", date_created=fine))
        db.session.commit()

    tenants = {row[0]: dict(zip(table(env.client.get("/tenants/export.csv"))[0], row))
               for row in table(env.client.get("/tenants/export.csv"))[1:]}
    record = tenants["stamps-1"]
    for column in ("approvalExpiresAt", "stateSince", "lastSeenAt"):
        if record[column]:
            assert ISO_UTC_TO_THE_SECOND.fullmatch(record[column]), (column, record[column])
    assert record["lastSeenAt"] == "2026-03-04T05:06:07+00:00"

    cases = table(env.client.get("/cases/export.csv"))
    created = {row[cases[0].index("Case id")]: row[cases[0].index("Created")] for row in cases[1:]}
    assert created["case-stamps-1"] == "2026-03-04T05:06:07+00:00"
    assert all(ISO_UTC_TO_THE_SECOND.fullmatch(value) for value in created.values() if value)

    audit = table(env.client.get("/audit/export.csv"))
    assert all(ISO_UTC_TO_THE_SECOND.fullmatch(row[0]) for row in audit[1:])
