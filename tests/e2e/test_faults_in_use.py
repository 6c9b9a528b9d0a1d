"""A support agent's day with Debitura failing: every write action, a fault primed in the control panel, the real button.

For each action the trainer switches a fault on in the sandbox control panel (its own tab), the agent
presses the button, reads what happened next to it or in the alert region, finds what they typed still
there, and, once the trainer clears the fault, presses again and succeeds. Each action meets one kind of
fault, and re-issuing meets all four, so every kind is seen on htmx and plain forms alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from dashboard.models import Operator
from dashboard.services import operators_admin
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from tests.cases_support import make_tenant
from tests.e2e.conftest import sign_in
from tests.e2e.faults import (
    FAULT_KINDS,
    HTTP_429,
    HTTP_500,
    RESET,
    TIMEOUT,
    ControlPanel,
    FaultKind,
    alert,
    control_panel,  # noqa: F401  (fixture)
    serve,
)
from tests.e2e.live import signed_in_state
from tests.raw_body import app_client, raw

pytestmark = pytest.mark.e2e

TODAY = date.today()
BANNER = "Debitura cannot be reached"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module")
def admin_state(browser, live_server):
    return signed_in_state(browser, live_server, "admin")


@pytest.fixture
def browser_context_args(browser_context_args, admin_state):
    return {**browser_context_args, "storage_state": admin_state}


@pytest.fixture(autouse=True)
def no_fault_left_behind(live_server):
    """A test that failed half-way must not leave its faults to the next one."""
    yield
    live_server.app.extensions["sandbox"].faults.clear()


@dataclass(frozen=True)
class Action:
    """One write action as the agent does it: open and fill in, press, check what was kept, see it succeed."""

    name: str
    prepare: Callable[[Page, object], None]
    press: Callable[[Page], None]
    kept: Callable[[Page], None]
    succeeded: Callable[[Page], None]
    again: Callable[[Page], None] | None = None  # pressing again, when that is not the same button
    outage_banner: bool = True  # plain pages show it anyway; htmx answers bring it in out of band

    def __str__(self) -> str:
        return self.name


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _nothing_typed(page: Page) -> None:
    """A one-button action: the page it was pressed on is still there."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# --- the actions ------------------------------------------------------------------------------------------


def _open_tenant(onboard: bool):
    def prepare(page: Page, server) -> None:
        tenant_id, _ = make_tenant(server.app, name="Patient Pixel ApS", onboard=onboard)
        page.goto(f"/tenants/{tenant_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Patient Pixel ApS")

    return prepare


def _create_client_form(page: Page, server) -> None:
    page.goto("/tenants/new")
    tenant = _unique("fault")
    page.get_by_label("Tenant id (externalTenantId)").fill(tenant)
    page.get_by_label("Company name").fill("Kept Typing ApS")
    page.get_by_label("Country", exact=True).fill("DK")
    page.get_by_label("Support e-mail").fill(f"support@{tenant}.example")
    page.get_by_label("User 1 name").fill("Karen Kept")
    page.get_by_label("User 1 e-mail").fill(f"karen@{tenant}.example")


def _withdraw_page(page: Page, server) -> None:
    tenant_id, _ = make_tenant(server.app, name="Leaving Soon ApS")
    page.goto(f"/tenants/{tenant_id}/withdraw")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Withdraw the link to Leaving Soon ApS")


def _again_on_withdraw(page: Page) -> None:
    page.go_back()
    page.get_by_role("button", name="Yes, withdraw the link").click()


def _case_form(page: Page, server) -> None:
    tenant_id, _ = make_tenant(server.app, name="Case Keeper ApS")
    page.goto(f"/cases/new/{tenant_id}")
    _fill_case(page)
    page.get_by_role("button", name="Preview pricing").click()
    expect(page.get_by_role("button", name="Submit case to Debitura")).to_be_visible()


def _fill_case(page: Page) -> None:
    page.get_by_label("Amount to recover").fill("4200.00")
    page.get_by_label("Currency").select_option(label="EUR · Euro")
    page.get_by_label("Invoice date").fill((TODAY - timedelta(days=70)).isoformat())
    page.get_by_label("Due date", exact=True).fill((TODAY - timedelta(days=40)).isoformat())
    page.get_by_label("Creditor reference").fill("INV-KEPT-1")
    page.get_by_label("Company", exact=True).check()
    page.get_by_label("Debtor name").fill("Bergen Maritime AS")
    page.get_by_label("Debtor country").select_option(label="Denmark (DK)")


def _pricing_form(page: Page, server) -> None:
    page.goto("/pricing/")
    page.get_by_label("Amount to recover").fill("1234")
    page.get_by_label("Currency").select_option(label="EUR · Euro")
    page.get_by_label("Company", exact=True).check()
    page.get_by_label("Debtor country").select_option(label="Germany (DE)")


def _upload_form(page: Page, server) -> None:
    _, tenant = make_tenant(server.app, name="Paper Trail ApS")
    with server.app.test_request_context():
        case = server.app.extensions["debitura"].create_case(tenant, raw({
            "currencyCode": "EUR",
            "amountToRecover": 900,
            "date": (TODAY - timedelta(days=30)).isoformat(),
            "debtor": {"type": "Company", "name": "Paper Debtor A/S", "countryAlpha2": "DK"},
        }))
    page.goto(f"/cases/{case.id}")
    page.get_by_label("File to upload").set_input_files(
        {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 kept " * 100})


def _kyc_form(page: Page, server) -> None:
    tenant_id, _ = make_tenant(server.app, name="Known Director ApS")
    page.goto(f"/kyc/{tenant_id}")
    page.get_by_label("Director's full name").fill("Dagny Director")
    page.get_by_label("Director's home address").fill("Nørregade 1, 1165 Copenhagen, DK")
    page.get_by_label("Director's date of birth").fill("1975-05-05")


def _webhook_form(page: Page, server) -> None:
    page.goto("/admin/webhooks")
    page.get_by_label("Delivery URL").fill("https://kept.example/hook")
    page.get_by_label("case.closed").check()


def _webhooks_page(page: Page, server) -> None:
    with server.app.app_context():
        ensure_sandbox_subscription(app_client())
    page.goto("/admin/webhooks")
    page.on("dialog", lambda dialog: dialog.accept())  # "Rotate the signing secret?"


def _again_on_webhooks(page: Page) -> None:
    page.go_back()
    page.get_by_role("button", name="Rotate secret").first.click()


def _sync_page(page: Page, server) -> None:
    page.goto("/sync/")
    expect(page.get_by_role("button", name="Sync now")).to_be_visible()


def _click(name: str):
    return lambda page: page.get_by_role("button", name=name).click()


def _sees(text: str):
    return lambda page: expect(page.get_by_text(text).first).to_be_visible()


def _value(label: str, value: str, exact: bool = False):
    return lambda page: expect(page.get_by_label(label, exact=exact)).to_have_value(value)


CREATE_CLIENT = Action(
    "create client", _create_client_form, _click("Create client"), _value("Company name", "Kept Typing ApS"),
    _sees("A fresh onboarding URL is ready"))
REISSUE = Action(
    "re-issue", _open_tenant(onboard=False), _click("Re-issue the onboarding URL"), _nothing_typed,
    _sees("A fresh onboarding URL is ready"))
READ_AGAIN = Action(
    "read again", _open_tenant(onboard=True), _click("Read again from Debitura"), _nothing_typed,
    _sees("Read from Debitura just now."))
WITHDRAW = Action(
    "withdraw", _withdraw_page, _click("Yes, withdraw the link"), _nothing_typed,
    _sees("The link is withdrawn at Debitura."), again=_again_on_withdraw)
SUBMIT_CASE = Action(
    "submit case", _case_form, _click("Submit case to Debitura"),
    lambda page: expect(page.get_by_role("definition").filter(has_text="INV-KEPT-1")).to_be_visible(),
    lambda page: expect(page.get_by_role("heading", name="Case created")).to_be_visible(), again=_click("Retry"))
PREVIEW_PRICING = Action(
    "preview pricing", _pricing_form, _click("Preview pricing"), _value("Amount to recover", "1234"),
    _sees("Total success fee"))
UPLOAD = Action(
    "upload", _upload_form, _click("Upload file"),
    lambda page: expect(page.get_by_role("button", name="Retry upload")).to_be_visible(),
    _sees("statement.pdf was uploaded to the case."), again=_click("Retry upload"))
KYC = Action(
    "kyc", _kyc_form, _click("Submit KYC to Debitura"), _value("Director's full name", "Dagny Director"),
    _sees("KYC submitted for"))
WEBHOOK = Action(
    "webhook subscription", _webhook_form, _click("Create subscription"), _value("Delivery URL", "https://kept.example/hook"),
    _sees("Subscription created."))
ROTATE_SECRET = Action(
    "webhook secret rotation", _webhooks_page, lambda page: page.get_by_role("button", name="Rotate secret").first.click(),
    _nothing_typed, _sees("New signing secret stored"), again=_again_on_webhooks)
SYNC = Action(
    "sync start", _sync_page, _click("Sync now"), _nothing_typed, _sees("Sync succeeded"))

CASES = [
    (REISSUE, fault) for fault in FAULT_KINDS
] + [
    (CREATE_CLIENT, RESET),
    (READ_AGAIN, TIMEOUT),
    (WITHDRAW, HTTP_500),
    (SUBMIT_CASE, RESET),
    (PREVIEW_PRICING, HTTP_429),
    (UPLOAD, HTTP_500),
    (KYC, TIMEOUT),
    (WEBHOOK, HTTP_429),
    (ROTATE_SECRET, TIMEOUT),
    (SYNC, RESET),
]


@pytest.mark.parametrize(("action", "fault"), CASES, ids=[f"{action}-{fault}" for action, fault in CASES])
def test_a_failing_debitura_is_explained_where_the_agent_looks_and_nothing_typed_is_lost(
    page, live_server, control_panel: ControlPanel, action: Action, fault: FaultKind
):
    action.prepare(page, live_server)
    control_panel.switch_on(fault)

    action.press(page)

    expect(alert(page, fault.message).first).to_be_visible()
    action.kept(page)
    outage = fault in (RESET, TIMEOUT)
    expect(page.get_by_role("alert").filter(has_text=BANNER)).to_have_count(1 if outage else 0)

    control_panel.clear()
    (action.again or action.press)(page)
    action.succeeded(page)
    if outage:
        expect(page.get_by_role("alert").filter(has_text=BANNER)).to_have_count(0)


# --- refusals that are not Debitura's: an expired form, a role, a size ------------------------------------


def _rotate_csrf_key(page: Page, app) -> None:
    """What happens when the session's CSRF key changes while a form is open (a new sign-in elsewhere, a
    server-side rotation): the session cookie now holds another key, so the open form's token is stale."""
    serializer = app.session_interface.get_signing_serializer(app)
    [cookie] = [c for c in page.context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"]]
    data = serializer.loads(cookie["value"])
    data["csrf_token"] = uuid.uuid4().hex
    page.context.add_cookies([{**cookie, "value": serializer.dumps(data)}])


def test_a_form_whose_csrf_token_expired_while_open_keeps_the_input_and_works_on_the_second_press(page, live_server):
    _create_client_form(page, live_server)
    _rotate_csrf_key(page, live_server.app)

    page.get_by_role("button", name="Create client").click()

    expect(alert(page, "The form had expired, so nothing was sent. It is renewed now: press the button again "
                       "(what you typed is kept).")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Kept Typing ApS")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_text("A fresh onboarding URL is ready")).to_be_visible()


def test_an_operator_made_viewer_while_the_page_was_open_is_told_to_ask_an_admin(browser, live_server):
    app = live_server.app
    tenant_id, _ = make_tenant(app, name="Role Change ApS")
    email = live_server.create_operator("operator", f"{_unique('demoted')}@partner.example")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/tenants/{tenant_id}")
    with app.app_context():
        admin = Operator.query.filter_by(role="admin").first()
        operators_admin.change_role(Operator.query.filter_by(email=email).one().id, "viewer", actor=admin)

    page.get_by_role("button", name="Read again from Debitura").click()

    expect(alert(page, "Your role does not allow that action. Nothing was changed; ask an admin if you need it done.")
           ).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Read again from Debitura")).to_have_count(0)
    context.close()


def test_an_upload_refused_by_the_server_at_413_says_the_limit_and_can_be_retried(page, live_server):
    app = live_server.app
    _upload_form(page, live_server)
    app.config["MAX_CONTENT_LENGTH"] = 1024  # a proxy or server limit below the file's size
    try:
        page.get_by_role("button", name="Upload file").click()
        expect(alert(page, "That upload is larger than 1 KB, the most this server accepts; nothing was sent.")).to_be_visible()
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024
    page.get_by_role("button", name="Retry upload").click()
    expect(page.get_by_text("statement.pdf was uploaded to the case.")).to_be_visible()


def test_operator_admin_refusals_name_their_reason_keep_the_input_and_then_succeed(page, live_server):
    taken = live_server.create_operator("viewer", f"{_unique('taken')}@partner.example")
    page.goto("/admin/operators")
    invite = page.get_by_role("region", name="Add an operator")
    invite.get_by_label("E-mail").fill(taken)
    invite.get_by_label("Name", exact=True).fill("Second Try")

    invite.get_by_role("button", name="Add operator").click()

    expect(invite.get_by_text("An operator with that e-mail already exists.")).to_be_visible()
    expect(invite.get_by_label("Name", exact=True)).to_have_value("Second Try")
    fresh = f"{_unique('fresh')}@partner.example"
    invite.get_by_label("E-mail").fill(fresh)
    invite.get_by_role("button", name="Add operator").click()
    expect(page.get_by_text(fresh).first).to_be_visible()

    page.goto("/admin/operators")
    own_row = page.get_by_role("row").filter(has_text="admin@partner.example")
    own_row.get_by_label("Role for admin@partner.example").select_option("viewer")
    own_row.get_by_role("button", name="Change role").click()
    expect(alert(page, "You cannot demote the last active administrator.")).to_be_visible()
