"""The audit trail page: search and filters, pages, CSV export, history blocks, and append-only storage."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import render_template
from sqlalchemy import delete, select, update

from dashboard.extensions import db
from dashboard.models import AuditEntry
from dashboard.models.audit import AuditTrailIsAppendOnly
from dashboard.services import audit
from tests.integration.test_operators_admin import count_queries  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres

ANNA = SimpleNamespace(id=11, email="anna@partner.example")
BO = SimpleNamespace(id=12, email="bo@partner.example")


def add(app, action: str, *, at: datetime | None = None, operator=ANNA, **fields) -> None:
    with app.app_context():
        entry = audit.record(action, outcome=fields.pop("outcome", "ok"), operator=operator, commit=False, **fields)
        if at is not None:
            entry.at = at
        db.session.commit()


@pytest.fixture
def trail(app):
    day = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    add(app, "client.create", at=day, external_tenant_id="acme-1", debitura_status=202, summary="Created Acme ApS")
    add(app, "case.submit", at=day + timedelta(hours=1), external_tenant_id="acme-1", case_id="c-1",
        idempotency_key="key-123", debitura_status=201, summary="Submitted INV-1 for EUR 1,200.00")
    add(app, "case.submit", at=day + timedelta(days=1), operator=BO, external_tenant_id="globex", outcome="failed",
        debitura_status=422, summary="MissingKycVerification")
    add(app, "webhook.rotate", at=day + timedelta(days=2), operator=BO, summary="Rotated the secret of wh-1")
    return day


def rows(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [line for line in ("Created Acme ApS", "Submitted INV-1", "MissingKycVerification", "Rotated the secret") if line in page]


def test_the_trail_lists_entries_newest_first_with_every_detail(client, operators, trail):
    operators.login("viewer")
    response = client.get("/audit/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Rotated the secret") < page.index("MissingKycVerification") < page.index("Created Acme ApS")
    for detail in ("anna@partner.example", "key-123", "HTTP 422", "acme-1", "c-1", "2026-03-10 10:00 UTC"):
        assert detail in page
    assert 'class="error"' not in page  # an unfiltered visit reports no input errors


FILTER_CASES = [
    ({"operator": "bo@"}, ["MissingKycVerification", "Rotated the secret"]),
    ({"action": "case.submit"}, ["Submitted INV-1", "MissingKycVerification"]),
    ({"action": "webhook."}, ["Rotated the secret"]),
    ({"outcome": "failed"}, ["MissingKycVerification"]),
    ({"tenant": "acme-1"}, ["Created Acme ApS", "Submitted INV-1"]),
    ({"tenant": "ACME-1"}, []),  # tenant ids are case-sensitive, as at Debitura
    ({"case": "c-1"}, ["Submitted INV-1"]),
    ({"q": "eur 1,200"}, ["Submitted INV-1"]),
    ({"q": "acme submitted"}, ["Submitted INV-1"]),
    ({"since": "2026-03-11", "until": "2026-03-11"}, ["MissingKycVerification"]),
    ({"since": "2026-03-12"}, ["Rotated the secret"]),
    ({"q": "100%_"}, []),
]


def test_filters_narrow_the_trail(client, operators, trail):
    operators.login("viewer")
    for query, expected in FILTER_CASES:
        response = client.get("/audit/", query_string=query)
        assert response.status_code == 200, query
        assert rows(response) == expected, query


def test_an_htmx_filter_returns_only_the_results_and_keeps_the_url_shareable(client, operators, trail):
    operators.login("viewer")
    response = client.get(
        "/audit/", query_string={"outcome": "failed"}, headers={"HX-Request": "true", "HX-Target": "audit-results"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in page and "<form" not in page
    assert "MissingKycVerification" in page and "Created Acme ApS" not in page
    assert "/audit/export.csv?outcome=failed" in page
    full = client.get("/audit/", query_string={"outcome": "failed"}).get_data(as_text=True)
    assert 'hx-push-url="true"' in full and "<html" in full


def test_bad_filter_input_is_explained_not_a_crash(client, operators, trail):
    operators.login("viewer")
    response = client.get("/audit/", query_string={"since": "yesterday", "page": "many", "outcome": "maybe"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not a valid date value." in page
    assert len(rows(response)) == 4


def test_the_trail_pages_through_long_histories(app, client, operators):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(55):
        add(app, "case.submit", at=start + timedelta(minutes=number), summary=f"Entry {number:02d}.")
    operators.login("viewer")  # recorded too, and newest: 56 entries in all
    first = client.get("/audit/").get_data(as_text=True)
    assert "Signed in" in first and "Entry 54." in first and "Entry 06." in first and "Entry 05." not in first
    assert "Page 1 of 2" in first
    second = client.get("/audit/", query_string={"page": 2}).get_data(as_text=True)
    assert "Entry 05." in second and "Entry 00." in second and "Entry 06." not in second


def test_empty_states_say_what_is_missing(client, operators):
    operators.login("viewer")
    assert "No entries match this filter." in client.get("/audit/", query_string={"tenant": "none"}).get_data(as_text=True)


def test_a_trail_with_nothing_recorded_says_so(app, client, operators):
    operators.login("viewer")
    with app.app_context():
        # The sign-in was recorded: bypass the append-only guard only to empty the table for this check.
        db.session.connection().execute(AuditEntry.__table__.delete())
        db.session.commit()
    assert "Nothing has been recorded yet." in client.get("/audit/").get_data(as_text=True)


def test_the_csv_export_holds_the_filtered_entries_and_defuses_formulas(app, client, operators, trail):
    add(app, "client.create", external_tenant_id="=HYPERLINK(\"http://evil\")", summary="-2+3")
    operators.login("viewer")
    response = client.get("/audit/export.csv", query_string={"action": "case.submit"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0] == list(audit.CSV_COLUMNS)
    assert [row[8] for row in table[1:]] == ["MissingKycVerification", "Submitted INV-1 for EUR 1,200.00"]
    assert table[2][:8] == ["2026-03-10T10:00:00+00:00", "anna@partner.example", "case.submit", "acme-1", "c-1", "ok", "201", "key-123"]

    everything = list(csv.reader(io.StringIO(client.get("/audit/export.csv").get_data().decode("utf-8-sig"))))
    hostile = next(row for row in everything if row[2] == "client.create" and row[8] != "Created Acme ApS")
    assert hostile[3] == "'=HYPERLINK(\"http://evil\")" and hostile[8] == "'-2+3"


def test_history_for_a_tenant_or_a_case(app, trail):
    with app.app_context():
        tenant = audit.history_for(external_tenant_id="acme-1")
        assert [entry.summary for entry in tenant] == ["Submitted INV-1 for EUR 1,200.00", "Created Acme ApS"]
        assert [entry.summary for entry in audit.history_for(case_id="c-1")] == ["Submitted INV-1 for EUR 1,200.00"]
        assert len(audit.history_for(external_tenant_id="acme-1", case_id="c-1")) == 2
        assert len(audit.history_for(external_tenant_id="acme-1", limit=1)) == 1
        assert audit.history_for() == []


def test_the_history_block_renders_entries_and_an_empty_state(app, trail):
    with app.test_request_context("/"):
        entries = audit.history_for(external_tenant_id="acme-1")
        html = render_template("audit/_history.html", history_entries=entries, history_query={"tenant": "acme-1"})
        assert "Submitted INV-1 for EUR 1,200.00" in html and "anna@partner.example" in html
        assert 'href="/audit/?tenant=acme-1"' in html
        empty = render_template("audit/_history.html", history_entries=[])
        assert "No recorded actions yet." in empty


def test_audit_entries_cannot_be_changed_or_removed_through_the_application(app, trail):
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).first()
        entry.summary = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(AuditEntry)).first())
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(update(AuditEntry).values(summary="rewritten"))
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(delete(AuditEntry))
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.summary == "rewritten")) is None
        assert len(db.session.scalars(select(AuditEntry)).all()) == 4


def test_the_trail_page_costs_the_same_queries_for_few_or_many_entries(app, client, operators, count_queries):  # noqa: F811
    operators.login("viewer")
    for number in range(3):
        add(app, "case.submit", summary=f"Few {number}")
    with count_queries() as few:
        assert client.get("/audit/").status_code == 200
    for number in range(40):
        add(app, "case.submit", operator=BO if number % 2 else ANNA, summary=f"Many {number}")
    with count_queries() as many:
        assert client.get("/audit/").status_code == 200
    assert many.count == few.count


def test_entries_link_to_their_tenant_and_case_pages(app, client, operators, trail):
    from tests.tenant_data import add_tenant

    with app.app_context():
        tenant_id = add_tenant("acme-1").id
    operators.login("viewer")
    page = client.get("/audit/").get_data(as_text=True)
    assert page.count(f'<a href="/tenants/{tenant_id}">acme-1</a>') == 2
    assert '<a href="/cases/c-1"><code>c-1</code></a>' in page
    assert "globex" in page and "/tenants/globex" not in page  # not mirrored: no page to link to
