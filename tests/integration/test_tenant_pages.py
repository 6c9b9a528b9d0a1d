"""The tenant list and the tenant page: chips, search, sort, pages, CSV, htmx partials, live refresh, actions."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from dashboard import create_app
from dashboard.debitura import (
    ClientDetails,
    ClientUser,
    CreateClientRequest,
    KycSubmission,
)
from dashboard.extensions import db
from dashboard.models import AuditEntry, Tenant
from dashboard.models.base import now_utc
from dashboard.sandbox import domain as sandbox_domain
from dashboard.services import mirror, mirror_events
from dashboard.services.tenant_state import debitura_now
from tests.conftest import OperatorActions, make_config, prepare_databases
from tests.support import page as parsed_page
from tests.tenant_data import add_tenant, create_client

pytestmark = pytest.mark.shared_app

HX = {"HX-Request": "true", "HX-Target": "tenant-results"}


@contextmanager
def statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def seed_mixed(app):
    """Tenants in several states, straight into the mirror."""
    with app.app_context():
        now = debitura_now()
        add_tenant("acme", company="Acme ApS", onboarding_done=True, registration_number="DK-1111")
        add_tenant("bolt", company="Bolt A/S", onboarding_done=False, onboarding_url="https://ui.example/onboarding/companydetails/L2")
        add_tenant("crane", company="Crane Ltd", conflict_type="ClientExistsNeedsLinking", link_request_status="pending",
                   approval_url="https://ui.example/ReferralPartner/Approve?token=T3", approval_expires_at=now + timedelta(hours=30))
        add_tenant("delta", company="Delta GmbH", conflict_type="AlreadyLinkedToAnotherPartner")
        add_tenant("echo", company="=Echo Formula", onboarding_done=True, users=[{"email": "boss@echo.example", "name": "Eve"}])


@pytest.fixture
def mixed(app):
    seed_mixed(app)


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """One app with the mixed tenants and a signed-in viewer, shared by the tests that only read."""
    tmp_path = tmp_path_factory.mktemp("tenant-list")
    app = create_app(make_config(f"sqlite:///{tmp_path / 'dashboard.db'}", tmp_path))
    prepare_databases(app)
    seed_mixed(app)
    client = app.test_client()
    OperatorActions(app, client).login("viewer")
    yield client
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


SEEDED = {"acme": 1, "bolt": 2, "crane": 3, "delta": 4, "echo": 5}  # ids in insertion order


def text_of(response) -> str:
    return parsed_page(response).text


def page(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<code>([^<]+)</code>", body)


def test_the_list_shows_every_tenant_with_its_state_and_chips_with_counts(reader):
    html = page(reader, "/tenants/")

    assert set(rows(html)) == {"acme", "bolt", "crane", "delta", "echo"}
    assert re.search(r"Ready</span>\s*<span class=\"count\">2<", html)
    assert re.search(r"Link approval pending</span>\s*<span class=\"count\">1<", html)
    assert re.search(r"All <span class=\"count\">5<", html)


def test_the_default_order_is_by_company_and_a_header_click_reverses_it(reader):
    assert rows(page(reader, "/tenants/")) == ["echo", "acme", "bolt", "crane", "delta"]  # "=Echo" sorts first
    assert rows(page(reader, "/tenants/?sort=-company")) == ["delta", "crane", "bolt", "acme", "echo"]
    assert 'aria-sort="descending"' in page(reader, "/tenants/?sort=-company")


SEARCHES = [("q=bolt", ["bolt"]), ("q=DK-1111", ["acme"]), ("q=boss@echo", ["echo"]), ("q=CRANE", ["crane"]),
            ("state=approval_pending", ["crane"]), ("state=ready&q=acme", ["acme"]), ("q=100%25", [])]


def test_search_and_state_filter_narrow_the_table(reader):
    for query, expected in SEARCHES:
        assert rows(page(reader, f"/tenants/?{query}")) == expected, query


def test_a_chip_marks_the_current_state_and_keeps_the_search(reader):
    html = page(reader, "/tenants/?state=ready&q=a")

    current = re.search(r'<a class="chip"[^>]*aria-current="true"', html).group(0)
    assert "state=ready" not in current or "q=a" in current
    assert 'name="state" value="ready" form="tenant-filters"' in html


def test_an_htmx_request_gets_only_the_results_fragment(reader):
    fragment = reader.get("/tenants/?q=bolt", headers=HX)
    full = reader.get("/tenants/?q=bolt")

    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="tenant-results"')
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in full.get_data(as_text=True)
    assert 'hx-push-url="true"' in full.get_data(as_text=True)


@pytest.mark.postgres
def test_pages_of_25_keep_their_filters_in_the_links(client, operators, app):
    with app.app_context():
        for number in range(30):
            add_tenant(f"t-{number:02d}", company=f"Company {number:02d}", onboarding_done=True)
    operators.login("viewer")

    first = page(client, "/tenants/?state=ready")
    second = page(client, "/tenants/?state=ready&page=2")

    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert "page 1 of 2" in first and 'href="/tenants/?state=ready&amp;page=2"' in first
    assert rows(page(client, "/tenants/?page=99")) == rows(second)  # past the end: the last page


def test_nonsense_arguments_fall_back_to_defaults(reader):
    assert len(rows(page(reader, "/tenants/?page=abc&sort=drop+table&state=nope"))) == 5
    assert reader.get("/tenants/99999").status_code == 404


def test_the_list_issues_the_same_queries_for_3_or_30_tenants(app, client, operators):
    operators.login("viewer")
    with app.app_context():
        for number in range(3):
            add_tenant(f"a-{number}", onboarding_done=True)
    with statements(app) as few:
        page(client, "/tenants/")
    with app.app_context():
        for number in range(27):
            add_tenant(f"b-{number}", onboarding_done=False)
    with statements(app) as many:
        page(client, "/tenants/")

    assert len(many) == len(few) <= 8


def test_a_poll_with_the_current_marker_answers_204_and_a_change_brings_the_fragment(app, client, operators, mixed):
    operators.login("viewer")
    html = page(client, "/tenants/")
    poll_url = re.search(r'hx-get="(/tenants/\?since=[^"]+)"', html).group(1).replace("&amp;", "&")

    unchanged = client.get(poll_url, headers=HX)
    assert unchanged.status_code == 204 and unchanged.data == b""

    with app.app_context():
        tenant = mirror.find_tenant("bolt")
        mirror_events.apply_event("client.onboarding.contract_signed", {"externalTenantId": "bolt"}, occurred_at=debitura_now())
        db.session.commit()
        assert tenant.state == "ready"
    changed = client.get(poll_url, headers=HX)
    assert changed.status_code == 200
    assert re.search(r"Ready</span>\s*<span class=\"count\">3<", changed.get_data(as_text=True))


def test_the_csv_export_has_every_filtered_row_and_defuses_formulas(reader):
    response = reader.get("/tenants/export.csv?state=ready")

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0][:3] == ["externalTenantId", "company", "state"]
    assert sorted(row[0] for row in table[1:]) == ["acme", "echo"]
    assert "'=Echo Formula" in [row[1] for row in table[1:]]


def test_an_empty_mirror_and_an_empty_search_say_so(client, operators, app):
    operators.login("admin")
    assert "No tenants in the mirror yet" in page(client, "/tenants/")
    with app.app_context():
        add_tenant("one", onboarding_done=True)
    html = page(client, "/tenants/?q=nothing-like-this")
    assert "No tenant matches “nothing-like-this”" in html


def test_the_tenant_page_shows_the_approval_url_deadline_and_a_ready_message(reader):
    html = page(reader, f"/tenants/{SEEDED['crane']}")

    assert "Link approval pending" in html
    assert 'value="https://ui.example/ReferralPartner/Approve?token=T3"' in html
    assert "Copy URL" in html and "Copy message" in html
    assert "approve the link between the two here before" in html
    assert "Approval deadline" in html and "in 1 d" in html
    assert "No cases for this tenant yet." in html
    assert "No webhook has mentioned this tenant yet." in html


def test_the_return_url_builder_adds_an_encoded_return_address_or_explains_why_not(reader):
    good = page(reader, f"/tenants/{SEEDED['bolt']}?return_url=https://app.example/done?tenant=bolt%26x=1")
    bad = page(reader, f"/tenants/{SEEDED['bolt']}?return_url=ftp://nope")

    assert "L2?returnUrl=https%3A%2F%2Fapp.example%2Fdone%3Ftenant%3Dbolt%26x%3D1" in good
    assert "starting with https://" in bad
    assert 'value="https://ui.example/onboarding/companydetails/L2"' in bad
    assert "with completed=true when they finished, without it when they left to do it later" in good


def test_the_tenant_page_polls_cheaply_and_refreshes_on_change(client, operators, app, mixed):
    operators.login("viewer")
    with app.app_context():
        tenant_id = mirror.find_tenant("bolt").id
    html = page(client, f"/tenants/{tenant_id}")
    poll_url = re.search(r'hx-get="(/tenants/\d+\?since=[^"]+)"', html).group(1)

    with statements(app) as seen:
        assert client.get(poll_url, headers={"HX-Request": "true"}).status_code == 204
    assert len(seen) <= 3  # the operator's session, the tenant, the marker

    with app.app_context():
        mirror_events.apply_event("client.onboarding.contract_signed", {"externalTenantId": "bolt"}, occurred_at=debitura_now())
        db.session.commit()
    fresh = client.get(poll_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fresh.lstrip().startswith('<div id="tenant-live"') and "Ready" in fresh


def test_the_tenant_and_kyc_pages_say_when_a_kyc_submission_is_under_review(app, client, operators, debitura, sandbox):
    create_client(debitura, "kyc-review")
    debitura.referral.submit_kyc("kyc-review", KycSubmission(director_full_name="Ada Moss", director_home_address="4 Park Rd, Bath", director_date_of_birth=debitura_now().date().replace(year=1971)))
    with app.app_context():
        tenant_id = mirror.upsert_tenant_from_client(debitura.referral.get_client("kyc-review"), source="sync").id
    operators.login("viewer")
    assert "Needed, not verified yet: submitted, not yet reviewed" in text_of(client.get(f"/tenants/{tenant_id}"))

    with sandbox.session() as s:
        sandbox_domain.review_kyc(s, "kyc-review", "Processing")
    with app.app_context():
        mirror.upsert_tenant_from_client(debitura.referral.get_client("kyc-review"), source="sync")

    assert "Needed, not verified yet: submission under review (Processing)" in text_of(client.get(f"/tenants/{tenant_id}"))
    assert "under review (Processing)" in client.get("/kyc/").get_data(as_text=True)
    with sandbox.session() as s:
        sandbox_domain.review_kyc(s, "kyc-review", "Completed")
    with app.app_context():
        assert mirror.upsert_tenant_from_client(debitura.referral.get_client("kyc-review"), source="sync").kyc_status == "verified"
    page = client.get(f"/tenants/{tenant_id}").get_data(as_text=True)
    assert "under review" not in page and "Verified" in page


def test_reissuing_sends_post_clients_again_and_shows_a_fresh_url(app, client, operators, debitura):
    create_client(debitura, "fresh")
    with app.app_context():
        tenant = mirror.upsert_tenant_from_client(debitura.referral.get_client("fresh"), source="sync")
        tenant_id, current_url = tenant.id, tenant.onboarding_url
        tenant.onboarding_url = "https://testreferral.debitura.com/onboarding/companydetails/stale"
        db.session.commit()
    operators.login("operator")

    response = client.post(f"/tenants/{tenant_id}/reissue", headers={"HX-Request": "true", "HX-Target": "tenant-live"})

    body = response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "tenantChanged"
    assert "A fresh onboarding URL is ready" in body  # the out-of-band flash
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant.onboarding_url == current_url and current_url in body
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.external_tenant_id == "fresh")) == "client.reissue_url"


def test_reissuing_after_an_expired_link_request_issues_a_fresh_approval_url(app, client, operators, debitura, sandbox):
    payload_email = "ops@existing.example"
    conflict = create_client(debitura, "late", payload_email)
    with app.app_context():
        mirror.record_conflict("late", conflict, request=CreateClientRequest(
            "late", ClientDetails(name="Late Co", country="DK", support_email=payload_email),
            (ClientUser("Lo", payload_email, is_onboarding_user=True),)))
        tenant_id = mirror.find_tenant("late").id
    sandbox.advance_clock(8 * 86400)  # also runs the hourly expiry job
    operators.login("operator")

    client.post(f"/tenants/{tenant_id}/reissue")

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant.state == "approval_pending"
        assert tenant.approval_url != conflict.approval_url


def test_withdrawing_asks_for_confirmation_then_withdraws_at_debitura(app, client, operators, debitura):
    create_client(debitura, "gone")
    with app.app_context():
        tenant_id = mirror.upsert_tenant_from_client(debitura.referral.get_client("gone"), source="sync").id
    operators.login("admin")

    confirm = page(client, f"/tenants/{tenant_id}/withdraw")
    assert "Yes, withdraw the link" in confirm
    assert client.post(f"/tenants/{tenant_id}/withdraw").status_code == 400  # no confirmation, no withdrawal

    done = client.post(f"/tenants/{tenant_id}/withdraw", data={"confirm": "yes"}, follow_redirects=True)

    assert "The link is withdrawn at Debitura." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Tenant, tenant_id).state == "withdrawn"


def test_a_withdrawal_the_mirror_shows_debitura_must_refuse_is_neither_offered_nor_sent(app, client, operators, debitura, sandbox):
    conflict = create_client(debitura, "linked", "x@existing.example")
    create_client(debitura, "busy")
    with app.app_context():
        tenant = mirror.record_conflict("linked", conflict)
        tenant.is_attributed, tenant.conflict_type, tenant.link_request_status = False, None, None
        tenant.onboarding_done = True
        from dashboard.services.tenant_state import refresh_state

        refresh_state(tenant)
        busy = mirror.upsert_tenant_from_client(debitura.referral.get_client("busy"), source="sync")
        from dashboard.models import Case

        db.session.add(Case(id="case-busy-1", tenant_id=busy.id, external_tenant_id="busy", reference="BUSY0001", lifecycle="Active"))
        db.session.commit()
        unattributed_id, busy_id = tenant.id, busy.id
    operators.login("admin")

    unattributed = text_of(client.get(f"/tenants/{unattributed_id}"))
    busy_page = text_of(client.get(f"/tenants/{busy_id}"))

    assert "Withdraw the link" not in unattributed and "Withdraw the link" not in busy_page
    assert "Withdrawing is not possible: the client is not attributed to us" in unattributed
    assert "Withdrawing is not possible: case BUSY0001 has moved past Pending contract signing (Active)." in busy_page
    assert "Yes, withdraw the link" not in text_of(client.get(f"/tenants/{busy_id}/withdraw"))
    refused = text_of(client.post(f"/tenants/{busy_id}/withdraw", data={"confirm": "yes"}, follow_redirects=True))
    assert "The link cannot be withdrawn: case BUSY0001 has moved past Pending contract signing (Active)." in refused
    with sandbox.session() as s:
        assert sandbox_domain.require_link(s, "busy") is not None  # nothing was sent


def test_a_withdrawal_debitura_refuses_is_explained_once(app, client, operators, debitura, sandbox):
    from dashboard.sandbox.domain.cases import move_case
    from tests.tenant_data import create_case

    create_client(debitura, "moved")
    case = create_case(debitura, "moved")
    with sandbox.session() as s:
        move_case(s, case.id, "Active")
    with app.app_context():
        tenant_id = mirror.upsert_tenant_from_client(debitura.referral.get_client("moved"), source="sync").id  # case not mirrored yet
    operators.login("admin")

    assert "Withdraw the link" in text_of(client.get(f"/tenants/{tenant_id}"))
    response = client.post(f"/tenants/{tenant_id}/withdraw", data={"confirm": "yes"}, follow_redirects=True)

    text = text_of(response)
    assert "Debitura refused the withdrawal: The client cannot be withdrawn: a case has moved past Pending contract signing." in text
    assert text.count("moved past Pending contract signing") == 1


def test_withdrawal_is_for_admins_only(client, operators, app, mixed):
    with app.app_context():
        tenant_id = mirror.find_tenant("acme").id
        mirror.find_tenant("acme").is_attributed = True
        db.session.commit()
    for role in ("viewer", "operator"):
        operators.login(role)
        assert client.post(f"/tenants/{tenant_id}/withdraw", data={"confirm": "yes"}).status_code == 403
        assert "Withdraw the link" not in page(client, f"/tenants/{tenant_id}")
        operators.logout()
    operators.login("admin")
    assert "Withdraw the link" in page(client, f"/tenants/{tenant_id}")


def test_viewers_see_no_action_buttons_and_cannot_post_them(reader):
    tenant_id = SEEDED["bolt"]

    html = page(reader, f"/tenants/{tenant_id}")

    assert "Re-issue the onboarding URL" not in html
    assert reader.post(f"/tenants/{tenant_id}/reissue").status_code == 403
    assert reader.post(f"/tenants/{tenant_id}/refresh").status_code == 403


def test_reading_again_from_debitura_notices_a_link_that_is_gone(app, client, operators, debitura, sandbox):
    create_client(debitura, "vanish")
    with app.app_context():
        tenant_id = mirror.upsert_tenant_from_client(debitura.referral.get_client("vanish"), source="sync").id
    from tests.tenant_data import withdraw_at_debitura

    withdraw_at_debitura(sandbox, "vanish")
    operators.login("operator")

    client.post(f"/tenants/{tenant_id}/refresh")

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant.state == "withdrawn" and tenant.missing_since is not None
        assert tenant.last_seen_at > now_utc() - timedelta(minutes=1)


def test_reading_again_a_tenant_waiting_for_approval_leaves_it_waiting(app, client, operators, debitura):
    conflict = create_client(debitura, "waiting", "w@existing.example")
    with app.app_context():
        tenant_id = mirror.record_conflict("waiting", conflict).id
    operators.login("operator")

    response = client.post(f"/tenants/{tenant_id}/refresh", follow_redirects=True)

    assert "no active link for this tenant id yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Tenant, tenant_id).state == "approval_pending"


def test_the_tenant_page_names_the_source_and_time_of_each_case_count(app, client, operators, debitura, sandbox):
    from tests.tenant_data import complete_onboarding, create_case

    create_client(debitura, "counted")
    complete_onboarding(sandbox, "counted")
    create_case(debitura, "counted")
    with app.app_context():
        tenant_id = mirror.upsert_tenant_from_client(debitura.referral.get_client("counted"), source="api").id
        read_at = db.session.get(Tenant, tenant_id).case_stats_as_of
    operators.login("viewer")

    html = page(client, f"/tenants/{tenant_id}")
    counts = html.split('id="case-counts"', 1)[1].split("</dd>", 1)[0]

    assert read_at is not None
    assert re.search(r"Debitura's figures: 1 total, 0 closed;.*caseStats, as of " + re.escape(f"{read_at:%Y-%m-%d %H:%M} UTC"),
                     " ".join(counts.split()))
    assert "In this dashboard: 0 total, 0 closed" in counts  # the mirror has not received the case yet
    assert 'id="case-counts-differ"' in counts
    assert "No cases for this tenant yet." in html


def test_the_list_sorts_by_cases_biggest_first_then_reversed_with_ties_in_a_stable_order(app, client, operators):
    with app.app_context():
        for external_id, total in (("few-a", 3), ("many", 10), ("few-b", 3), ("none", 0)):
            add_tenant(external_id, onboarding_done=True, cases_total=total)
    operators.login("viewer")

    listing = page(client, "/tenants/")
    header = re.search(r'<th scope="col" class="num">\s*<a href="([^"]+)" hx-get="[^"]+">Cases</a>', listing)
    assert header, "the Cases header is a sort link like the others"
    first_click = header.group(1).replace("&amp;", "&")
    assert "sort=-cases" in first_click

    descending = page(client, first_click)
    assert rows(descending) == ["many", "few-a", "few-b", "none"]  # ties keep the order they were added in
    assert re.search(r'<th scope="col" class="num" aria-sort="descending">\s*<a href="[^"]*sort=cases', descending)
    assert rows(page(client, "/tenants/?sort=cases")) == ["none", "few-a", "few-b", "many"]
