"""In a real Chromium: submitting KYC, through its htmx swap and the page it opens, breaks no content-policy rule."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cases_support import make_tenant
from tests.e2e.live import serve, signed_in_state

pytestmark = pytest.mark.e2e

# Every violation caused by the dashboard's pages or scripts (not by the accessibility checker the tests
# inject through the debugging protocol, which has no source file here), kept on the window by a listener
# added before any page script runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", event => {
  if (!(event.sourceFile || "").startsWith(location.origin)) return;
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory, "kyc-csp-e2e")


@pytest.fixture(scope="module")
def signed_in(browser, live_server):
    return signed_in_state(browser, live_server, "operator")


@pytest.fixture
def browser_context_args(browser_context_args, signed_in):
    return {**browser_context_args, "storage_state": signed_in}


def test_a_kyc_submission_and_its_success_page_report_no_content_policy_violation(page, live_server):
    tenant_id, _ = make_tenant(live_server.app, name="Policy Check Ltd", poa_for=("GB",))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"/kyc/{tenant_id}")
    page.get_by_role("button", name="Submit KYC to Debitura").click()  # nothing typed: the panel comes back swapped, 422

    page.get_by_label("Director's full name").fill("Margaret Ellis")
    page.get_by_label("Director's home address").fill("12 Elm Row, Edinburgh EH7 4AA")
    page.get_by_label("Director's date of birth").fill("1971-04-09")
    page.get_by_role("button", name="Submit KYC to Debitura").click()

    expect(page.get_by_text("KYC submitted for Policy Check Ltd")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Debitura now reports it as (needed, not verified yet|verified|not asked for yet)\."))).to_be_visible()
    expect(page.get_by_role("button", name="Submit KYC to Debitura")).to_be_enabled()
    assert page.evaluate("window.__cspViolations") == []


def test_kyc_sent_from_a_refused_case_and_the_way_back_report_no_content_policy_violation(page, live_server):
    from tests.e2e.test_case_workbench import fill_case

    tenant_id, _ = make_tenant(live_server.app, name="Refused Policy Ltd", poa_for=("GB",))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"/cases/new/{tenant_id}")
    fill_case(page, country="United Kingdom (GB)", currency="GBP · Pound Sterling", reference="INV-CSP-1")
    page.get_by_role("button", name="Preview pricing").click()
    page.get_by_role("button", name="Submit case to Debitura").click()
    expect(page.get_by_role("heading", name="Debitura refused the case")).to_be_visible()
    page.get_by_role("link", name="Submit KYC for Refused Policy Ltd").click()

    page.get_by_label("Director's full name").fill("Margaret Ellis")
    page.get_by_label("Director's home address").fill("12 Elm Row, Edinburgh EH7 4AA")
    page.get_by_label("Director's date of birth").fill("1971-04-09")
    page.get_by_role("button", name="Submit KYC to Debitura").click()

    expect(page.get_by_text("KYC submitted for Refused Policy Ltd")).to_be_visible()
    expect(page.get_by_role("heading", name="Debitura refused the case")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []

