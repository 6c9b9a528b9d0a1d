"""The cases list, the pending-signing queue and the case page, over a mirror filled with known cases."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from dashboard.extensions import db
from dashboard.models import Case, Tenant, WebhookEvent
from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw

BASE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SIGNING_URL = "https://testreferral.debitura.com/Signing/PendingContracts?link=abc"

# (reference, creditor reference, debtor, lifecycle, amount, currency, days after BASE, due date, test?)
ROWS = [
    ("AAA11111", "INV-1", "Nordlys ApS", "Active", "1200.00", "EUR", 1, date(2025, 1, 10), False),
    ("BBB22222", "INV-2", "Fjord Trading", "Pending contract signing", "300.50", "DKK", 2, date(2025, 2, 1), False),
    ("CCC33333", "=cmd|' /C calc'!A0", "Gamma GmbH", "Closed", "99000.00", "EUR", 3, None, False),
    ("DDD44444", "INV-4", "Delta Ltd", "Paused", "15.00", "GBP", 4, date(2024, 12, 24), True),
    ("EEE55555", "INV-5", "Epsilon SARL", "Collecting Quotes", "7000.00", "EUR", 5, date(2025, 2, 20), False),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


@pytest.fixture(scope="module")
def seeded(env):
    """Two tenants and five mirrored cases with known values."""
    with env.app.app_context():
        north = Tenant(external_tenant_id="north-1", company_name="Northwind Books", kyc_blocked_cases=2, kyc_status="pending")
        south = Tenant(external_tenant_id="south-2", company_name="Southpaw Studio")
        db.session.add_all([north, south])
        db.session.flush()
        for index, (ref, creditor_ref, debtor, lifecycle, amount, currency, days, due, test) in enumerate(ROWS):
            tenant = north if index % 2 == 0 else south
            db.session.add(
                Case(
                    id=f"case-{ref.lower()}",
                    tenant_id=tenant.id,
                    external_tenant_id=tenant.external_tenant_id,
                    client_name=tenant.company_name,
                    reference=ref,
                    creditor_reference=creditor_ref,
                    debtor_name=debtor,
                    debtor_country="DK",
                    gross_amount=Decimal(amount),
                    remainder=Decimal(amount),
                    currency=currency,
                    lifecycle=lifecycle,
                    close_code="Paid" if lifecycle == "Closed" else None,
                    is_test=test,
                    date_created=BASE + timedelta(days=days),
                    due_date=due,
                    signing_url=SIGNING_URL if lifecycle == "Pending contract signing" else None,
                    solution_urls=["https://testreferral.debitura.com/PowerOfAttorney/Sign/abc?collectionPartnerId=p1"]
                    if lifecycle == "Pending contract signing" else [],
                    search_text=" ".join([ref, creditor_ref, debtor, tenant.company_name, tenant.external_tenant_id]).lower(),
                    validation_items=[],
                )
            )
        db.session.commit()
    return env


def references(html: str) -> list[str]:
    return [ref for ref, *_ in sorted(ROWS, key=lambda row: html.find(row[0])) if ref in html]


def get(env, url, **headers):
    return env.client.get(url, headers=headers)


def test_the_list_shows_every_case_with_group_counts_newest_first(seeded):
    html = get(seeded, "/cases/").get_data(as_text=True)

    assert references(html) == ["EEE55555", "DDD44444", "CCC33333", "BBB22222", "AAA11111"]
    for group, count in (("All", 5), ("Active", 1), ("Pending", 2), ("Closed", 1), ("Paused", 1)):
        assert f'{group} <span class="count">{count}</span>' in html
    assert "EUR 1,200.00" in html and "DKK 300.50" in html  # amounts always with their currency
    assert 'badge badge--test' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("group=Pending", ["EEE55555", "BBB22222"]),
        ("lifecycle=Collecting+Quotes", ["EEE55555"]),
        ("q=aaa11111", ["AAA11111"]),
        ("q=INV-4", ["DDD44444"]),
        ("q=gamma", ["CCC33333"]),
        ("q=southpaw", ["DDD44444", "BBB22222"]),
        ("test=exclude", ["EEE55555", "CCC33333", "BBB22222", "AAA11111"]),
        ("test=only", ["DDD44444"]),
        ("sort=amount&direction=asc", ["DDD44444", "BBB22222", "AAA11111", "EEE55555", "CCC33333"]),
        ("sort=due&direction=desc", ["EEE55555", "BBB22222", "AAA11111", "DDD44444", "CCC33333"]),
        ("group=Nonsense&sort=evil&direction=sideways&page=x", ["EEE55555", "DDD44444", "CCC33333", "BBB22222", "AAA11111"]),
    ],
)
def test_filters_search_and_sorting_narrow_and_order_the_list(seeded, query, expected):
    response = get(seeded, f"/cases/?{query}")

    assert response.status_code == 200
    assert references(response.get_data(as_text=True)) == expected


def test_group_counts_follow_the_search_but_not_the_group(seeded):
    html = get(seeded, "/cases/?group=Active&q=southpaw").get_data(as_text=True)

    assert 'All <span class="count">2</span>' in html
    assert 'Paused <span class="count">1</span>' in html
    assert "No case matches these filters." in html


def test_htmx_gets_the_results_fragment_with_the_filters_kept_for_the_next_request(seeded):
    response = get(seeded, "/cases/?group=Closed&sort=amount", **{"HX-Request": "true", "HX-Target": "case-results"})

    html = response.get_data(as_text=True)
    assert "<html" not in html and "CCC33333" in html and "AAA11111" not in html
    assert '<input type="hidden" name="group" value="Closed" form="case-filters">' in html
    assert "HX-Request" in response.headers["Vary"]
    full = get(seeded, "/cases/?group=Closed").get_data(as_text=True)
    assert "<html" in full and 'id="case-filters"' in full


def test_the_list_page_costs_the_same_few_queries_whatever_the_number_of_rows(seeded):
    get(seeded, "/cases/")  # the unfiltered counts are remembered from here on
    counts = []
    for query in ("q=aaa11111", "q=a", ""):
        statements = []
        listener = lambda *args: statements.append(args[2])
        with seeded.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert get(seeded, f"/cases/?{query}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))

    assert counts[0] == counts[1] <= 6  # a search: one row or many
    assert counts[2] <= 6  # the whole list, its counts remembered


def test_the_csv_export_has_every_filtered_row_and_neutralises_formulas(seeded):
    response = get(seeded, "/cases/export.csv?group=Closed")

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Case reference", "Creditor reference", "Client"]
    assert len(rows) == 2
    assert rows[1][0] == "CCC33333" and rows[1][1].startswith("'=")
    assert rows[1][6] == "99000.00" and rows[1][7] == "EUR"


def test_the_pending_queue_hands_out_every_unblocking_url_with_copy_buttons(seeded):
    html = get(seeded, "/cases/pending").get_data(as_text=True)

    assert "BBB22222" in html and "AAA11111" not in html
    assert SIGNING_URL in html and "PowerOfAttorney/Sign/abc?collectionPartnerId=p1" in html
    assert 'aria-label="Copy Signing URL for case BBB22222"' in html
    assert "Copy message" in html and "please" in html.lower()
    assert "Northwind Books" in html and "2 refused submissions" in html  # KYC-blocked tenants are shown too


@pytest.mark.parametrize("query", [
    "", "?group=Pending", "?group=Closed", "?lifecycle=Paused", "?group=Active&lifecycle=Active",
    "?group=Active&lifecycle=Closed", "?test=exclude", "?test=only&group=Paused", "?q=fjord", "?q=nothing-matches",
])
def test_the_total_above_the_list_counts_exactly_the_rows_it_lists(seeded, query):
    html = get(seeded, f"/cases/{query}").get_data(as_text=True)

    shown = len(re.findall(r"<tr>\s*<td><a href=\"/cases/case-", html))
    total = re.search(r'<span class="muted">(\d+) cases?', html)
    assert (int(total.group(1)) if total else 0) == shown


def test_the_group_counts_follow_a_case_that_changes_lifecycle(seeded):
    def closed_count() -> int:
        html = get(seeded, "/cases/").get_data(as_text=True)
        return int(re.search(r'>Closed <span class="count">(\d+)</span>', html).group(1))

    before = closed_count()
    assert closed_count() == before  # read again from the remembered counts
    with seeded.app.app_context():
        db.session.get(Case, "case-eee55555").lifecycle = "Closed"
        db.session.commit()
    try:
        assert closed_count() == before + 1
    finally:
        with seeded.app.app_context():
            db.session.get(Case, "case-eee55555").lifecycle = "Collecting Quotes"
            db.session.commit()
    assert closed_count() == before


def test_the_pending_queue_refreshes_itself_as_a_fragment_only_when_a_case_changed(seeded):
    html = get(seeded, "/cases/pending").get_data(as_text=True)
    poll = re.search(r'hx-get="(/cases/pending\?since=[^"]+)"', html).group(1).replace("&amp;", "&")

    assert get(seeded, poll, **{"HX-Request": "true", "HX-Target": "pending-queue"}).status_code == 204
    with seeded.app.app_context():
        case = db.session.get(Case, "case-bbb22222")
        case.debtor_name, before = "Fjord Trading Renamed", case.debtor_name
        db.session.commit()
    try:
        fresh = get(seeded, poll, **{"HX-Request": "true", "HX-Target": "pending-queue"})
        body = fresh.get_data(as_text=True)
        assert fresh.status_code == 200 and "<html" not in body
        assert body.lstrip().startswith('<section id="pending-queue"') and "Fjord Trading Renamed" in body
    finally:
        with seeded.app.app_context():
            db.session.get(Case, "case-bbb22222").debtor_name = before
            db.session.commit()


def test_a_case_without_a_client_name_shows_its_tenants_name_in_the_lists(seeded):
    with seeded.app.app_context():
        db.session.get(Case, "case-bbb22222").client_name = None
        db.session.commit()
    try:
        for url in ("/cases/", "/cases/pending"):
            response = get(seeded, url)
            row = re.search(r"<tr>\s*<td><a[^>]*>BBB22222</a>.*?</tr>", response.get_data(as_text=True), re.S).group(0)
            assert response.status_code == 200 and "Southpaw Studio" in row
    finally:
        with seeded.app.app_context():
            db.session.get(Case, "case-bbb22222").client_name = "Southpaw Studio"
            db.session.commit()


def test_the_return_url_builder_encodes_the_address_into_every_url(seeded):
    html = get(seeded, "/cases/pending?return_url=https://app.example.com/done?tab=cases%26x=1").get_data(as_text=True)

    encoded = "returnUrl=https%3A%2F%2Fapp.example.com%2Fdone%3Ftab%3Dcases%26x%3D1"
    assert f'value="{SIGNING_URL}&amp;{encoded}"' in html
    assert html.count(encoded) >= 4  # both URLs and both messages


def test_an_invalid_return_url_is_explained_and_leaves_the_urls_untouched(seeded):
    html = get(seeded, "/cases/pending?return_url=javascript:alert(1)").get_data(as_text=True)

    assert "Enter a full address starting with https://" in html
    assert "returnUrl=" not in html
    assert 'value="javascript:alert(1)"' in html  # the typed value stays for correction


def test_a_case_page_shows_debituras_record_with_its_potential_revenue(env):
    tenant_id, tenant = make_tenant(env.app)
    case = create_case(env, tenant)

    html = get(env, f"/cases/{case.id}").get_data(as_text=True)

    assert case.reference in html
    assert "Potential revenue" in html and "Your referral fee" in html and "USD" in html
    assert "Pending Verification Internal" in html
    assert "No files sent from this dashboard yet." in html
    assert "Case created at Debitura" in html
    with env.app.app_context():
        mirrored = db.session.get(Case, case.id)
        assert mirrored.tenant_id == tenant_id and mirrored.last_seen_source == "api"


def test_webhooks_about_the_case_appear_on_its_timeline(env):
    _, tenant = make_tenant(env.app)
    case = create_case(env, tenant)
    with env.app.app_context():
        db.session.add(
            WebhookEvent(
                event_id="evt-timeline-1",
                event_type="case.updated",
                occurred_at=datetime.now(UTC),
                case_id=case.id,
                payload=json.dumps({"data": {"caseId": case.id, "oldLifecycle": "Pending Verification Internal", "lifecycle": "Active"}}),
                outcome="applied",
            )
        )
        db.session.commit()

    html = get(env, f"/cases/{case.id}").get_data(as_text=True)

    assert "Updated (webhook)" in html and "Pending Verification Internal → Active" in html


def test_an_unknown_case_is_not_found(env):
    assert get(env, "/cases/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404


def test_when_debitura_is_down_the_case_page_shows_the_last_copy_marked_stale(env):
    _, tenant = make_tenant(env.app)
    case = create_case(env, tenant)
    get(env, f"/cases/{case.id}")  # mirrored once
    env.sandbox.faults.fail_next(3, "http_503", path_prefix="/referral-api/cases")
    try:
        response = get(env, f"/cases/{case.id}")
    finally:
        env.sandbox.faults.clear()

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="stale"' in html and case.reference in html
    assert "Not available while Debitura does not answer." in html


def create_case(env, tenant: str):
    """A case created at Debitura through the real client (not through the dashboard)."""
    with env.app.test_request_context():
        return env.debitura.create_case(
            tenant,
            raw({
                "currencyCode": "EUR",
                "amountToRecover": Decimal("2500.00"),
                "date": (date.today() - timedelta(days=40)).isoformat(),
                "creditorReference": f"X-{tenant}",
                "debtor": {"type": "Company", "name": "Timeline Debtor A/S", "countryAlpha2": "DK"},
            }),
        )


def test_a_pending_case_without_known_urls_has_them_looked_up_as_its_client(env):
    tenant_id, tenant = make_tenant(env.app, name="Late Signer ApS", onboard=False)
    with env.app.test_request_context():
        created = env.debitura.create_case(
            tenant,
            raw({
                "currencyCode": "EUR",
                "amountToRecover": Decimal("640.00"),
                "date": (date.today() - timedelta(days=10)).isoformat(),
                "allowPendingContracts": True,
                "debtor": {"type": "Company", "name": "Slow Pay ApS", "countryAlpha2": "DK"},
            }),
        )
        # What a sync sees: the Referral API's listing, which carries no signing URL.
        listed = env.debitura.referral.get_case(created.id)
        from dashboard.services import mirror

        mirror.upsert_case(listed, source="sync")
    queue = get(env, "/cases/pending").get_data(as_text=True)
    assert f'hx-get="/cases/{created.id}/unblocking"' in queue and 'hx-trigger="revealed"' in queue

    fragment = get(env, f"/cases/{created.id}/unblocking", **{"HX-Request": "true"})

    html = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert created.signing_handoff_url.replace("&", "&amp;") in html
    assert "/onboarding/companydetails/" in html  # the agreement's own solution URL
    assert "Copy message" in html and "<html" not in html
    with env.app.app_context():
        stored = db.session.get(Case, created.id)
        assert stored.signing_url == created.signing_handoff_url and stored.tenant_id == tenant_id
    assert get(env, f"/cases/{created.id}/unblocking").status_code == 303  # without htmx: the case page


def test_asking_for_urls_of_a_case_that_moved_on_says_so(env):
    _, tenant = make_tenant(env.app)
    case = create_case(env, tenant)
    get(env, f"/cases/{case.id}")  # mirrored

    html = get(env, f"/cases/{case.id}/unblocking", **{"HX-Request": "true"}).get_data(as_text=True)

    assert "Debitura gave no signing URL for this case" in html and "hx-trigger" not in html


def test_a_failed_url_lookup_is_explained_in_the_row(env, seeded):
    html = get(env, "/cases/case-aaa11111/unblocking", **{"HX-Request": "true"}).get_data(as_text=True)

    assert "Could not look up the URLs" in html and "hx-trigger" not in html


def test_amounts_use_their_currencys_minor_units_in_the_list_and_the_csv(seeded):
    amounts = {"case-minor-jpy": ("255.09", "JPY"), "case-minor-kwd": ("1234.567", "KWD")}
    with seeded.app.app_context():
        for case_id, (amount, currency) in amounts.items():
            db.session.add(Case(id=case_id, reference=case_id[-3:].upper() + "MINOR", debtor_name="Minor Units KK",
                                gross_amount=Decimal(amount), remainder=Decimal(amount), currency=currency,
                                lifecycle="Active", search_text="minorunits", validation_items=[]))
        db.session.commit()
    try:
        html = get(seeded, "/cases/?q=minorunits").get_data(as_text=True)
        assert "JPY 255<" in html and "KWD 1,234.567<" in html and "255.09" not in html
        rows = list(csv.reader(io.StringIO(get(seeded, "/cases/export.csv?q=minorunits").get_data(as_text=True))))
        assert sorted((row[6], row[7], row[8]) for row in rows[1:]) == [("1234.567", "KWD", "1234.567"), ("255", "JPY", "255")]
    finally:
        with seeded.app.app_context():
            db.session.query(Case).filter(Case.id.in_(amounts)).delete()
            db.session.commit()
