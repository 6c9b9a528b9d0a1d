"""The case workbench in a real Chromium: submitting with a preview, signing URLs, KYC, uploads, form errors.

One live server (and one signed-in operator) serves the module: each test makes its own tenants.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from dashboard.services import return_urls
from tests.cases_support import make_tenant, sandbox_case_count
from tests.e2e.live import serve, signed_in_state
from tests.raw_body import raw

pytestmark = pytest.mark.e2e

TODAY = date.today()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory, "workbench-e2e")


@pytest.fixture(scope="module")
def signed_in(browser, live_server):
    """The operator's cookies, signed in once through the real login page."""
    return signed_in_state(browser, live_server, "operator")


@pytest.fixture
def browser_context_args(browser_context_args, signed_in):
    return {**browser_context_args, "storage_state": signed_in}


def fill_case(page, *, country="Denmark (DK)", currency="EUR · Euro", amount="4200.00", reference="INV-E2E"):
    page.get_by_label("Amount to recover").fill(amount)
    page.get_by_label("Currency").select_option(label=currency)
    page.get_by_label("Invoice date").fill((TODAY - timedelta(days=70)).isoformat())
    page.get_by_label("Due date", exact=True).fill((TODAY - timedelta(days=40)).isoformat())
    page.get_by_label("Creditor reference").fill(reference)
    page.get_by_label("Company", exact=True).check()
    page.get_by_label("Debtor name").fill("Bergen Maritime AS")
    page.get_by_label("Debtor country").select_option(label=country)


def test_an_operator_previews_the_price_then_submits_a_case_for_a_ready_tenant(page, live_server):
    tenant_id, tenant = make_tenant(live_server.app, name="Ready Ledger ApS")
    page.goto(f"/cases/new/{tenant_id}")
    expect(page.get_by_role("heading", name="New case for Ready Ledger ApS")).to_be_visible()
    expect(page.get_by_role("button", name="Submit case to Debitura")).to_have_count(0)

    fill_case(page, reference="INV-READY-1")
    page.get_by_role("button", name="Preview pricing").click()

    expect(page.get_by_role("heading", name="Pricing preview of this case")).to_be_visible()
    expect(page.get_by_text("Total success fee")).to_be_visible()
    expect(page.get_by_label("Amount to recover")).to_have_value("4200.00")
    # The first preview created the draft: the address names it, so a reload keeps what was typed.
    expect(page).to_have_url(re.compile(r"/cases/submissions/case-[0-9a-f-]{36}$"))
    page.reload()
    expect(page.get_by_label("Creditor reference")).to_have_value("INV-READY-1")
    page.get_by_role("button", name="Preview pricing").click()
    page.get_by_role("button", name="Submit case to Debitura").click()

    expect(page.get_by_role("heading", name="Case created")).to_be_visible()
    expect(page.get_by_text("Being checked by Debitura")).to_be_visible()
    assert sandbox_case_count(live_server.app, tenant) == 1
    page.get_by_role("link", name=re.compile(r"^[A-Z0-9]{8}$")).click()
    expect(page.get_by_role("heading", name="Potential revenue")).to_be_visible()
    expect(page.get_by_text("INV-READY-1")).to_be_visible()


def test_a_case_that_comes_back_pending_signing_hands_out_its_url_and_the_queue_adds_a_return_url(page, live_server):
    tenant_id, tenant = make_tenant(live_server.app, name="Unsigned Studio ApS", onboard=False)
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, reference="INV-PENDING-1")
    expect(page.get_by_label("Accept the case while contracts are unsigned")).to_be_checked()
    page.get_by_role("button", name="Preview pricing").click()
    page.get_by_role("button", name="Submit case to Debitura").click()

    expect(page.get_by_text("Pending contract signing").first).to_be_visible()
    signing_url = page.get_by_label("Signing URL", exact=True).input_value()
    assert "/Signing/PendingContracts" in signing_url
    page.get_by_role("button", name="Copy Signing URL").click()
    assert page.evaluate("navigator.clipboard.readText()") == signing_url

    page.get_by_role("link", name="Pending signing").click()
    row = page.get_by_role("row").filter(has_text="Unsigned Studio ApS")
    url_box = row.get_by_label(re.compile("^Signing URL for case"))
    expect(url_box).to_have_value(signing_url)
    page.get_by_label("Return URL for the customer (optional)").fill("https://app.partner.example/cases?tab=open&x=(1)")
    expected = return_urls.build(signing_url, "https://app.partner.example/cases?tab=open&x=(1)")
    expect(url_box).to_have_value(expected)  # the browser builds exactly what the server would
    row.get_by_role("button", name=re.compile("^Copy message with Signing URL")).click()
    message = page.evaluate("navigator.clipboard.readText()")
    assert expected in message and message.startswith("Hello Unsigned Studio ApS")

    page.get_by_label("Return URL for the customer (optional)").fill("app.partner.example/no-scheme")
    expect(page.get_by_text("Enter a full address starting with https://")).to_be_visible()
    expect(url_box).to_have_value(signing_url)


def test_missing_kyc_is_fixed_by_submitting_kyc_and_the_case_then_goes_through(page, live_server):
    tenant_id, tenant = make_tenant(live_server.app, name="Thames Lettings Ltd", poa_for=("GB",))
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, country="United Kingdom (GB)", currency="GBP · Pound Sterling", reference="INV-KYC-1")
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_text("Debitura will refuse this case until the director's KYC is submitted")).to_be_visible()
    expect(page.get_by_text("not required")).to_have_count(0)
    page.get_by_role("button", name="Submit case to Debitura").click()

    expect(page.get_by_role("heading", name="Debitura refused the case")).to_be_visible()
    expect(page.get_by_text("MissingKycVerification")).to_be_visible()
    page.get_by_role("link", name="Submit KYC for Thames Lettings Ltd").click()

    page.get_by_label("Director's full name").fill("Margaret Ellis")
    page.get_by_label("Director's home address").fill("12 Elm Row, Edinburgh EH7 4AA")
    page.get_by_label("Director's date of birth").fill("1971-04-09")
    page.get_by_role("button", name="Submit KYC to Debitura").click()

    expect(page.get_by_text("KYC submitted for Thames Lettings Ltd")).to_be_visible()
    expect(page.get_by_role("heading", name="Debitura refused the case")).to_be_visible()
    page.get_by_role("button", name="Submit again with these details").click()
    expect(page.get_by_label("Creditor reference")).to_have_value("INV-KYC-1")
    page.get_by_role("button", name="Preview pricing").click()
    page.get_by_role("button", name="Submit case to Debitura").click()

    expect(page.get_by_role("heading", name="Case created")).to_be_visible()
    assert sandbox_case_count(live_server.app, tenant) == 1


def _case_for_uploads(live_server):
    _, tenant = make_tenant(live_server.app, name="Upload Works ApS")
    with live_server.app.test_request_context():
        case = live_server.app.extensions["debitura"].create_case(
            tenant,
            raw({
                "currencyCode": "EUR",
                "amountToRecover": 900,
                "date": (TODAY - timedelta(days=30)).isoformat(),
                "debtor": {"type": "Company", "name": "Upload Debtor A/S", "countryAlpha2": "DK"},
            }),
        )
    return case


def file_of(tmp_path, name: str, size: int):
    """A file on disk (sparse, so instant): the browser reads it by path instead of through the test's memory."""
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.truncate(size)
    return path


def test_a_file_upload_shows_its_progress_reaching_100_percent_and_lists_the_file(page, live_server, tmp_path):
    case = _case_for_uploads(live_server)
    page.goto(f"/cases/{case.id}")
    expect(page.get_by_text("No files sent from this dashboard yet.")).to_be_visible()

    page.get_by_label("File to upload").set_input_files(file_of(tmp_path, "statement.pdf", 3 * 1024 * 1024))
    expect(page.get_by_label("Tell the collection partner in the case chat")).to_be_checked()
    page.get_by_role("button", name="Upload file").click()

    expect(page.get_by_role("progressbar", name="Upload progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("100 %", exact=True)).to_be_visible()
    expect(page.get_by_text("statement.pdf was uploaded to the case.")).to_be_visible()
    expect(page.get_by_role("cell", name="statement.pdf", exact=True)).to_be_visible()  # the list refreshed itself


def test_a_30_mb_file_and_an_exe_are_refused_before_any_upload(page, live_server, tmp_path):
    case = _case_for_uploads(live_server)
    uploads_sent = []
    page.on("request", lambda request: uploads_sent.append(request.url) if request.method == "POST" else None)
    page.goto(f"/cases/{case.id}")
    picker = page.get_by_label("File to upload")

    picker.set_input_files({"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"})
    expect(page.get_by_text("Debitura does not accept this file type")).to_be_visible()
    expect(page.get_by_role("button", name="Upload file")).to_be_disabled()

    picker.set_input_files(file_of(tmp_path, "scan.pdf", 30 * 1024 * 1024))
    expect(page.get_by_text("The file is 30.0 MB; Debitura accepts at most 25 MB.")).to_be_visible()
    expect(page.get_by_role("button", name="Upload file")).to_be_disabled()

    assert uploads_sent == []
    expect(page.get_by_text("No files sent from this dashboard yet.")).to_be_visible()


def test_every_form_shows_its_field_errors_and_keeps_the_input(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Careful Typing ApS")

    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, country="United States (US)", currency="USD · US Dollar", reference="INV-ERR")
    page.get_by_label("Invoice date").fill((TODAY + timedelta(days=3)).isoformat())
    page.get_by_label("Debtor e-mail").fill("not-an-address")
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_text("The invoice date cannot be in the future (today is allowed).")).to_be_visible()
    expect(page.get_by_text("Choose the US state: Debitura requires it for debtors in the United States.")).to_be_visible()
    expect(page.get_by_text("Enter a valid e-mail address")).to_be_visible()
    expect(page.get_by_label("Debtor name")).to_have_value("Bergen Maritime AS")
    expect(page.get_by_label("Creditor reference")).to_have_value("INV-ERR")

    page.goto(f"/kyc/{tenant_id}")
    page.get_by_label("Director's full name").fill("Young Director")
    page.get_by_label("Director's home address").fill("1 Nursery Lane")
    page.get_by_label("Director's date of birth").fill((TODAY - timedelta(days=365 * 10)).isoformat())
    page.get_by_role("button", name="Submit KYC to Debitura").click()
    expect(page.get_by_text("A director must be an adult")).to_be_visible()
    expect(page.get_by_label("Director's full name")).to_have_value("Young Director")

    page.goto("/pricing/")
    page.get_by_label("Amount to recover").fill("1000")
    page.get_by_label("Currency").select_option(label="EUR · Euro")
    page.get_by_label("Private person").check()
    page.get_by_label("Debtor country").select_option(label="Germany (DE)")
    page.get_by_label("Several invoices: amounts by age").check()
    page.get_by_label("Overdue more than 12 months").fill("400")
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_text("Give the amounts overdue more than 12 and more than 24 months together")).to_be_visible()
    expect(page.get_by_label("Overdue more than 12 months")).to_have_value("400")
    expect(page.get_by_label("Amount to recover")).to_have_value("1000")

    page.goto(f"/cases/{_case_for_uploads(live_server).id}/files/new")
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_text("Choose a file to upload.")).to_be_visible()


def test_a_decimal_comma_keeps_the_amount_and_an_ambiguous_one_is_refused_with_the_rule(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Komma Regnskab ApS")
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, amount="1234,56", reference="INV-COMMA-1")
    page.get_by_role("button", name="Preview pricing").click()

    result = page.locator("#pricing-result-card")
    expect(result).to_contain_text("EUR 1,234.56")
    expect(result).not_to_contain_text("123,456")
    expect(page.get_by_label("Amount to recover")).to_have_value("1234,56")

    page.get_by_label("Amount to recover").fill("1,234")
    page.get_by_role("button", name="Preview pricing again").click()
    expect(page.get_by_text("“1,234” could be 1234 or 1.234: type 1234 (no thousands separator) or 1.234")).to_be_visible()
    expect(page.get_by_label("Amount to recover")).to_have_value("1,234")
    expect(page.get_by_role("button", name="Submit case to Debitura")).to_have_count(0)


def test_only_tenants_that_can_take_a_case_are_offered_and_a_lost_link_is_named(page, live_server):
    from tests.tenant_data import add_tenant, withdraw_at_debitura

    with live_server.app.app_context():
        declined = add_tenant("e2e-declined", company="Declined Dairy ApS", link_request_status="declined",
                              conflict_type="ClientExistsNeedsLinking")
        declined_id = declined.id
    tenant_id, tenant = make_tenant(live_server.app, name="Linked Looms ApS")

    page.goto("/cases/new")
    chooser = page.get_by_label("Client (tenant)")
    expect(chooser.locator("option", has_text="Linked Looms ApS")).to_have_count(1)
    expect(chooser.locator("option", has_text="Declined Dairy ApS")).to_have_count(0)

    page.goto(f"/cases/new/{declined_id}")
    expect(page.get_by_role("heading", name="No case can be submitted for this client")).to_be_visible()
    expect(page.get_by_text("can be submitted all the same")).to_have_count(0)
    expect(page.get_by_role("button", name="Preview pricing")).to_have_count(0)

    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, reference="INV-LINK-GONE")
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_role("button", name="Submit case to Debitura")).to_be_visible()
    withdraw_at_debitura(live_server.app.extensions["sandbox"], tenant)
    page.get_by_role("button", name="Submit case to Debitura").click()

    expect(page.get_by_role("heading", name="Debitura refused the case")).to_be_visible()
    expect(page.get_by_text("No active client link")).to_be_visible()
    expect(page.get_by_role("heading", name="No answer from Debitura")).to_have_count(0)


def test_the_preview_lists_only_the_steps_this_client_still_owes(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Signed Everything ApS")  # onboarded, PoA for DK signed
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, reference="INV-STEPS-1")
    page.get_by_role("button", name="Preview pricing").click()

    result = page.locator("#pricing-result-card")
    expect(result).to_contain_text("None: everything this partner needs is signed")
    expect(result).not_to_contain_text("power of attorney")
    expect(result).not_to_contain_text("Debt Collection Agreement")
    expect(page.get_by_text("Nothing is missing: submitting creates the case straight away.")).to_be_visible()
    page.get_by_role("button", name="Submit case to Debitura").click()
    expect(page.get_by_role("heading", name="Case created")).to_be_visible()
    expect(page.get_by_text("Pending contract signing")).to_have_count(0)

    unsigned_id, _ = make_tenant(live_server.app, name="Half Signed ApS", poa_for=())
    page.goto(f"/cases/new/{unsigned_id}")
    fill_case(page, reference="INV-STEPS-2")
    page.get_by_role("button", name="Preview pricing").click()
    expect(result).to_contain_text("Sign the power of attorney for the collection partner")
    expect(result).not_to_contain_text("Debt Collection Agreement")
    expect(page.get_by_text("Submitting creates the case in Pending contract signing")).to_be_visible()
    page.get_by_role("button", name="Submit case to Debitura").click()
    expect(page.get_by_text("Pending contract signing").first).to_be_visible()


def test_each_currency_takes_and_shows_its_own_decimals(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Gulf And Yen Traders ApS")
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, amount="1234.567", currency="KWD · Kuwaiti Dinar", reference="INV-KWD-1")
    page.get_by_role("button", name="Preview pricing").click()
    result = page.locator("#pricing-result-card")
    expect(result).to_contain_text("KWD 1,234.567")
    expect(page.locator(".error")).to_have_count(0)

    page.get_by_label("Currency").select_option(label="JPY · Yen")
    page.get_by_label("Amount to recover").fill("25509.09")
    page.get_by_role("button", name="Preview pricing again").click()
    expect(page.get_by_text("JPY has no decimals: type a whole number, e.g. 1250.")).to_be_visible()

    page.get_by_label("Amount to recover").fill("25509")
    page.get_by_role("button", name="Preview pricing").click()
    expect(result).to_contain_text("JPY 25,509")
    fee = result.locator("dt", has_text="Fee if all is collected").locator("xpath=following-sibling::dd[1]")
    expect(fee).to_have_text(re.compile(r"^JPY \d[\d,]*$"))  # the fee is whole yen too
    expect(result).not_to_contain_text("JPY 25,509.00")


def test_every_button_of_the_case_form_waits_while_debitura_makes_it_wait(page, live_server):
    tenant_id, tenant = make_tenant(live_server.app, name="Patient Goods ApS")
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, reference="INV-WAIT-1")
    page.get_by_role("button", name="Preview pricing").click()
    submit = page.get_by_role("button", name="Submit case to Debitura")
    expect(submit).to_be_enabled()
    # Debitura asks for a 2-second pause: the client waits it out and sends the same case again.
    live_server.app.extensions["sandbox"].faults.fail_next(1, "http_429", retry_after=2, path_prefix="/customer-api/cases")

    submit.click()

    expect(submit).to_be_disabled()  # no second press while the first is still on its way
    expect(page.get_by_role("button", name="Preview pricing")).to_be_disabled()
    expect(page.get_by_text("Being checked by Debitura")).to_be_visible()
    assert sandbox_case_count(live_server.app, tenant) == 1
