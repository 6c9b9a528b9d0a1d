"""The revenue page: seven stages, totals and the transactions, all from GET /reporting/transactions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw

# (day of March 2025, debitura revenue, commission, platform invoicing, referral invoicing) -> stage
TRANSACTIONS = [
    (3, "100.00", "Unpaid", "NotInvoiced", "Pending"),  # pending
    (5, "40.00", "Paid", "NotInvoiced", "Pending"),  # confirmed, awaiting invoice
    (9, "60.00", "Paid", "InvoiceIssued", "Pending"),  # awaiting collection partner payment
    (12, "80.00", "Paid", "PaymentReceived", "Pending"),  # ready to invoice Debitura
    (15, "20.00", "Paid", "PaymentReceived", "Invoiced"),  # awaiting Debitura payment
    (18, "200.00", "Paid", "PaymentReceived", "Paid"),  # paid
    (21, "10.00", "Paid", "InvoiceIssued", "Disputed"),  # disputed
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


@pytest.fixture(scope="module")
def revenue(env):
    """One tenant with a USD case and one transaction in each stage (50 % referral fee: the fee is half the revenue)."""
    _, tenant = make_tenant(env.app, name="Ledgerline Inc", poa_for=("US",))
    with env.app.test_request_context():
        case = env.debitura.create_case(
            tenant,
            raw({
                "currencyCode": "USD",
                "amountToRecover": Decimal("10000.00"),
                "date": (date.today() - timedelta(days=200)).isoformat(),
                "debtor": {"type": "Company", "name": "Acme Widgets LLC", "countryAlpha2": "US", "stateAlpha2": "NY"},
            }),
        )
    with env.sandbox.session() as s:
        link = domain.active_link(s, tenant)
        for day, revenue_usd, commission, platform, referral in TRANSACTIONS:
            s.add(
                sandbox_models.RevenueTransaction(
                    case_id=case.id,
                    link_id=link.id,
                    date=datetime(2025, 3, day, 12, tzinfo=UTC),
                    payment_amount=Decimal(revenue_usd) * 10,
                    currency="USD",
                    debitura_revenue=Decimal(revenue_usd),
                    referral_fee_percentage=Decimal("50"),
                    commission_payment_status=commission,
                    platform_invoicing_status=platform,
                    referral_invoicing_status=referral,
                )
            )
    return tenant, case


def page(env, query=""):
    return env.client.get(f"/revenue/?{query}")


def test_the_seven_stages_show_as_bars_with_their_fees_counts_and_total(env, revenue):
    html = page(env).get_data(as_text=True)

    for label, fee in [
        ("Pending (estimate)", "50.00"),
        ("Confirmed, awaiting Debitura&#39;s invoice", "20.00"),
        ("Awaiting collection partner payment", "30.00"),
        ("Ready to invoice Debitura", "40.00"),
        ("Awaiting Debitura&#39;s payment", "10.00"),
        ("Paid", "100.00"),
        ("Disputed", "5.00"),
    ]:
        assert f'<th scope="row">{label}</th>' in html
        assert f'value="{fee}"' in html and f"USD {fee}" in html
    assert html.count("<meter") == 7 and 'max="100.00"' in html
    assert "<strong>USD 255.00</strong>" in html
    assert "7 transactions" in html and "Acme Widgets LLC" in html


def test_filtering_by_invoicing_status_narrows_the_table_and_the_totals(env, revenue):
    html = page(env, "status=2").get_data(as_text=True)

    assert "1 transaction" in html and "<strong>USD 100.00</strong>" in html
    assert 'value="2" checked' in html


def test_date_range_tenant_and_search_filters_reach_debitura(env, revenue):
    tenant, case = revenue

    ranged = page(env, "from_date=2025-03-10&to_date=2025-03-16").get_data(as_text=True)
    other_tenant = page(env, "tenant=somebody-else").get_data(as_text=True)
    searched = page(env, f"tenant={tenant}&search={case.reference}").get_data(as_text=True)

    assert "2 transactions" in ranged
    assert "No transactions match these filters" in other_tenant and "<strong>USD 0.00</strong>" in other_tenant
    assert "7 transactions" in searched


def test_a_date_that_cannot_be_read_is_explained_and_left_out(env, revenue):
    response = page(env, "from_date=03/10/2025&to_date=2025-03-01")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD." in html and 'value="03/10/2025"' in html


def test_an_end_before_the_start_is_explained(env, revenue):
    html = page(env, "from_date=2025-03-10&to_date=2025-03-01").get_data(as_text=True)

    assert "The end date is before the start date." in html


def test_the_csv_export_lists_every_filtered_transaction(env, revenue):
    tenant, case = revenue

    response = env.client.get("/revenue/export.csv?status=0")

    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert response.mimetype == "text/csv"
    assert rows[0][0] == "Transaction id" and len(rows) == 1 + 4  # not yet invoiced by us: the first four stages
    assert {row[2] for row in rows[1:]} == {tenant} and {row[4] for row in rows[1:]} == {case.reference}
    assert sorted(row[14] for row in rows[1:]) == ["20.00", "30.00", "40.00", "50.00"]


def test_htmx_swaps_only_the_results(env, revenue):
    response = env.client.get("/revenue/?status=3", headers={"HX-Request": "true", "HX-Target": "revenue-results"})

    html = response.get_data(as_text=True)
    assert "<html" not in html and "<strong>USD 5.00</strong>" in html
    assert "HX-Request" in response.headers["Vary"]
