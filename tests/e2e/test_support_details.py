"""Details support staff meet in a real Chromium: length rules, closed cases, focus, wide names, small files.

One live server (and one signed-in operator) serves the module: each test makes its own tenants.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.sandbox import domain
from dashboard.services import cases, mirror
from tests.cases_support import make_tenant
from tests.e2e.live import serve, signed_in_state
from tests.raw_body import app_client
from tests.tenant_data import add_tenant, create_case

pytestmark = pytest.mark.e2e

LONG_RETURN_URL = "https://app.partner.example/done?state=" + "x" * (2141 - len("https://app.partner.example/done?state="))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory, "support-details-e2e")


@pytest.fixture(scope="module")
def signed_in(browser, live_server):
    """The operator's cookies, signed in once through the real login page."""
    return signed_in_state(browser, live_server, "operator")


@pytest.fixture
def browser_context_args(browser_context_args, signed_in):
    return {**browser_context_args, "storage_state": signed_in}


def test_a_return_url_longer_than_debitura_takes_is_refused_whole_never_cut_into_the_copied_url(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Longline ApS", onboard=False)
    page.goto(f"/tenants/{tenant_id}")
    url_box = page.get_by_label("onboarding URL", exact=True)
    onboarding_url = url_box.input_value()

    page.get_by_label("Return URL for the customer (optional)").fill(LONG_RETURN_URL)

    expect(page.get_by_label("Return URL for the customer (optional)")).to_have_value(LONG_RETURN_URL)
    expect(page.get_by_text("The return address is 2141 characters long; Debitura accepts at most 2048.")).to_be_visible()
    expect(url_box).to_have_value(onboarding_url)  # nothing built from a cut address
    page.get_by_role("button", name="Add to the URLs").click()  # without the script's help: the server's rule
    expect(page.get_by_text("The return address is 2141 characters long; Debitura accepts at most 2048.")).to_be_visible()
    expect(page.get_by_label("onboarding URL", exact=True)).to_have_value(onboarding_url)


def test_a_kyc_address_over_the_limit_is_refused_with_the_rule_and_kept_whole(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Overlong Address Ltd", poa_for=("GB",))
    page.goto(f"/kyc/{tenant_id}")
    page.get_by_label("Director's full name").fill("Margaret Ellis")
    page.get_by_label("Director's home address").fill("A" * 1001)
    page.get_by_label("Director's date of birth").fill("1971-04-09")
    page.get_by_role("button", name=re.compile("^Submit")).click()

    expect(page.get_by_text("Director's home address can be at most 1,000 characters; this one has 1,001.")).to_be_visible()
    expect(page.get_by_label("Director's home address")).to_have_value("A" * 1001)


def case_in(live_server, tenant: str, lifecycle: str, close_code: str | None = None) -> str:
    """A case of `tenant` at the sandbox, moved to `lifecycle`; its id."""
    app = live_server.app
    with app.test_request_context():
        created = create_case(app.extensions["debitura"], tenant)
        mirror.upsert_case(created, source="api", external_tenant_id=tenant)
    if lifecycle != "Pending contract signing":
        with app.extensions["sandbox"].session() as s:
            domain.move_case(s, created.id, lifecycle, close_code)
    return created.id


def test_a_closed_case_offers_no_upload_and_no_potential_revenue(page, live_server):
    _, tenant = make_tenant(live_server.app, name="Finished Business ApS")
    case_id = case_in(live_server, tenant, "Closed", "Paid")

    page.goto(f"/cases/{case_id}")

    expect(page.get_by_role("heading", name="Revenue", exact=True)).to_be_visible()
    expect(page.get_by_text("nothing more will be collected")).to_be_visible()
    expect(page.get_by_role("heading", name="Potential revenue")).to_have_count(0)
    expect(page.get_by_text("The case is closed, so it takes no more files.")).to_be_visible()
    expect(page.get_by_role("button", name="Upload file")).to_have_count(0)
    page.goto(f"/cases/{case_id}/files/new")  # the form's own page, as without JavaScript
    expect(page.get_by_text("The case is closed, so it takes no more files.")).to_be_visible()
    expect(page.get_by_role("button", name="Upload file")).to_have_count(0)


def test_what_debitura_asks_for_is_in_words_not_codes(page, live_server):
    _, tenant = make_tenant(live_server.app, name="Paperwork ApS")
    case_id = case_in(live_server, tenant, "More Info Required")

    page.goto(f"/cases/{case_id}")

    section = page.get_by_role("region", name="Information Debitura asks for")
    expect(section.get_by_text("Provide documents:")).to_be_visible()
    expect(section).not_to_contain_text("ProvideDocuments")


def test_each_url_that_unblocks_a_pending_case_names_its_step(page, live_server):
    _, tenant = make_tenant(live_server.app, name="Two Steps Studio ApS", onboard=False)
    case_id = case_in(live_server, tenant, "Pending contract signing")
    with live_server.app.test_request_context():
        cases.refresh_signing_urls(case_id, debitura=app_client())  # what the queue asks Debitura for a case without URLs

    page.goto("/cases/pending")

    row = page.get_by_role("row").filter(has_text="Two Steps Studio ApS")
    expect(row.get_by_text("Every pending step in one flow")).to_be_visible()
    expect(row.get_by_text("Only the debt collection agreement")).to_be_visible()
    expect(row.get_by_text("Only the power of attorney")).to_be_visible()
    expect(row.get_by_text("One step on its own")).to_have_count(0)
    expect(row.get_by_label(re.compile("^Power of attorney URL for case"))).to_have_value(re.compile("^https?://"))


def test_re_issuing_an_approval_url_reads_as_a_normal_step_in_the_history(page, live_server):
    page.goto("/tenants/new")
    page.get_by_label("Tenant id (externalTenantId)").fill("existing-approval-1")
    page.get_by_label("Company name").fill("Known Account ApS")
    page.get_by_label("Country").fill("DK")
    page.get_by_label("Support e-mail").fill("billing@existing.example")
    page.get_by_label("User 1 name").fill("Anna Berg")
    page.get_by_label("User 1 e-mail").fill("anna@existing.example")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_text("send the customer the approval URL below")).to_be_visible()

    page.get_by_role("button", name="Re-issue the approval URL").click()

    history = page.get_by_role("region", name="History")
    expect(history.get_by_role("row").filter(has_text="Re-issue URL")).to_contain_text("Approval URL issued")
    expect(history).not_to_contain_text("refused")
    expect(history).not_to_contain_text("HTTP 409")
    expect(history).not_to_contain_text("client.reissue_url")


def test_a_300_character_company_name_without_spaces_neither_widens_the_page_nor_squeezes_the_columns(page, live_server):
    name = "Unbroken" * 37 + "ApS!"  # 300 characters, no space to wrap at
    with live_server.app.app_context():  # an expired link: the triage lists it
        add_tenant("unbroken-1", company=name, conflict_type="ClientExistsNeedsLinking", link_request_status="expired")
    page.set_viewport_size({"width": 1280, "height": 900})

    for url in ("/", "/tenants/"):
        page.goto(url)
        expect(page.get_by_role("link", name=name).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        name_cell = page.get_by_role("cell").filter(has=page.get_by_role("link", name=name)).first
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name)).first
        # The name wraps in a column of its own size; the rest of the row keeps the width its columns need.
        assert name_cell.bounding_box()["width"] <= 450
        assert row.bounding_box()["width"] - name_cell.bounding_box()["width"] >= 600


def test_keyboard_focus_stays_on_the_chip_or_header_used_and_survives_a_live_refresh(page, live_server):
    with live_server.app.app_context():
        for number in range(3):
            add_tenant(f"focus-{number}", company=f"Focus Keeper {number} ApS", onboarding_done=True)
        add_tenant("focus-wait", company="Focus Waiting ApS", onboarding_done=False)
    page.goto("/tenants/")

    chip = page.get_by_role("link", name=re.compile(r"^Ready \d+$"))
    chip.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"state=ready"))
    expect(page.get_by_role("link", name=re.compile(r"^Ready \d+$"))).to_be_focused()

    page.get_by_role("link", name="State", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="State ▲")).to_be_focused()

    company = page.get_by_role("link", name="Focus Keeper 1 ApS")
    company.focus()
    with live_server.app.app_context():  # a change the 5-second refresh brings in
        add_tenant("focus-new", company="Focus Newcomer ApS", onboarding_done=True)
    expect(page.get_by_role("link", name="Focus Newcomer ApS")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("link", name="Focus Keeper 1 ApS")).to_be_focused()


def test_after_read_again_focus_returns_to_the_button_and_an_error_takes_it_to_the_alert(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Focused Reader ApS", onboard=False)
    page.goto(f"/tenants/{tenant_id}")

    page.get_by_role("button", name="Read again from Debitura").click()
    expect(page.get_by_text("Read from Debitura just now.")).to_be_visible()
    expect(page.get_by_role("button", name="Read again from Debitura")).to_be_focused()

    page.goto("/tenants/new")
    page.get_by_label("Tenant id (externalTenantId)").fill("focus-form-1")
    page.get_by_label("Company name").fill("Formfix ApS")
    page.get_by_label("Support e-mail").fill("not-an-address")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_label("Country")).to_be_focused()  # the first field to fix
    expect(page.get_by_text("Enter a valid e-mail address.").first).to_be_visible()


def test_a_refused_re_issue_moves_focus_to_the_alert_that_says_why(page, live_server):
    with live_server.app.app_context():
        tenant_id = add_tenant("focus-lapsed", company="Lapsed Focus ApS", conflict_type="ClientExistsNeedsLinking",
                               link_request_status="expired", country="DK", support_email="support@lapsed.example").id
    page.goto(f"/tenants/{tenant_id}")
    live_server.app.extensions["sandbox"].faults.fail_next(1, "http_500")  # Debitura fails the re-sent request

    page.get_by_role("button", name="Re-issue the approval URL").click()

    expect(page.get_by_role("alert").first).to_be_focused()


def test_a_small_upload_shows_its_size_in_bytes_and_joins_timeline_and_history_without_a_reload(page, live_server):
    _, tenant = make_tenant(live_server.app, name="Small Files ApS")
    case_id = case_in(live_server, tenant, "Active")
    page.goto(f"/cases/{case_id}")
    timeline = page.get_by_role("region", name="Timeline")
    history = page.get_by_role("region", name="History")
    expect(timeline).not_to_contain_text("File uploaded")

    page.get_by_label("File to upload").set_input_files({"name": "note.txt", "mimeType": "text/plain", "buffer": b"x" * 512})
    page.get_by_role("button", name="Upload file").click()

    files = page.get_by_role("region", name="Files")
    expect(files.get_by_role("row").filter(has_text="note.txt")).to_contain_text("512 bytes")
    expect(timeline).to_contain_text("File uploaded")
    expect(history.get_by_role("row").filter(has_text="File upload")).to_contain_text("note.txt")
