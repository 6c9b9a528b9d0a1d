"""The hosted customer pages, driven like a browser would: follow the URLs the API hands out, fill the
forms, press the buttons, and check what the partner then sees through the real client."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from dashboard.debitura import BusinessRuleError, Conflict, NotFound
from dashboard.sandbox import domain
from dashboard.sandbox.models import WebhookEvent
from tests.raw_body import raw

RETURN_URL = "https://app.example/debitura/done?tenant=a b&step=2"


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (text, name, value)


class PageParser(HTMLParser):
    """Just enough HTML reading to use a page: forms, headings, labels, and what a strict CSP forbids."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.heading = ""
        self.labels: set[str] = set()
        self.controls: set[str] = set()
        self.forbidden: list[str] = []
        self._in: str | None = None
        self._button: list = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style") or "style" in attributes or any(name.startswith("on") for name in attributes):
            self.forbidden.append(tag)
        if tag == "h1":
            self._in = "h1"
        elif tag == "form":
            self.forms.append(Form(action=attributes.get("action") or ""))
        elif tag == "label" and "for" in attributes:
            self.labels.add(attributes["for"])
        elif tag in ("input", "select", "textarea") and self.forms:
            kind = attributes.get("type", "text")
            if kind not in ("hidden", "radio", "checkbox") and tag != "button":
                self.controls.add(attributes.get("id", f"<{tag} without id>"))
            name = attributes.get("name")
            if tag == "select":
                self._select = name
            elif name and (kind not in ("radio", "checkbox") or "checked" in attributes):
                self.forms[-1].fields[name] = attributes.get("value") or ""
        elif tag == "option" and self._select:
            if "selected" in attributes or self._select not in self.forms[-1].fields:
                self.forms[-1].fields[self._select] = attributes.get("value", "")
        elif tag == "button":
            self._in = "button"
            self._button = ["", attributes.get("name"), attributes.get("value")]

    def handle_endtag(self, tag):
        if tag == "button" and self._in == "button":
            self.forms[-1].buttons.append((self._button[0].strip(), self._button[1], self._button[2]))
        if tag == "select":
            self._select = None
        if tag in ("h1", "button"):
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.heading += data
        elif self._in == "button":
            self._button[0] += data


class Page:
    """A hosted page as a customer sees it."""

    def __init__(self, http: requests.Session, response: requests.Response) -> None:
        self.http = http
        self.response = response
        self.parsed = PageParser()
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.parsed.feed(response.text)

    @classmethod
    def open(cls, http: requests.Session, url: str) -> Page:
        return cls(http, http.get(url, allow_redirects=False)).follow()

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def heading(self) -> str:
        return " ".join(self.parsed.heading.split())

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def location(self) -> str | None:
        return self.response.headers.get("Location")

    def buttons(self) -> list[str]:
        return [text for form in self.parsed.forms for text, _, _ in form.buttons]

    def press(self, button: str, **fields: str) -> Page:
        """Fill the form that holds `button`, press it, and follow redirects inside the sandbox."""
        for form in self.parsed.forms:
            for text, name, value in form.buttons:
                if text == button:
                    data = {**form.fields, **fields}
                    if name:
                        data[name] = value or ""
                    url = urljoin(self.response.url, form.action)
                    return Page(self.http, self.http.post(url, data=data, allow_redirects=False)).follow()
        raise AssertionError(f"no button {button!r} on {self.heading!r}; buttons: {self.buttons()}")

    def follow(self) -> Page:
        page = self
        while page.status in (301, 302, 303) and urlsplit(urljoin(page.response.url, page.location)).netloc == urlsplit(
            page.response.url
        ).netloc:
            page = Page(self.http, self.http.get(urljoin(page.response.url, page.location), allow_redirects=False))
        return page

    def assert_usable(self) -> None:
        """No script or inline style (strict CSP), and every visible control has a label."""
        assert self.parsed.forbidden == [], f"{self.heading}: {self.parsed.forbidden}"
        unlabelled = self.parsed.controls - self.parsed.labels
        assert not unlabelled, f"{self.heading}: controls without a label: {unlabelled}"


def events_of(sandbox, *types: str) -> list[dict]:
    with sandbox.session() as s:
        rows = s.scalars(
            select(WebhookEvent).where(WebhookEvent.event_type.in_(types)).order_by(WebhookEvent.created_at)
        )
        return [row.envelope for row in rows]


def with_return_url(url: str, return_url: str = RETURN_URL) -> str:
    return f"{url}{'&' if '?' in url else '?'}returnUrl={quote(return_url, safe='')}"


def completed_query(location: str) -> dict[str, list[str]]:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://app.example/debitura/done"
    return parse_qs(parts.query)


def existing_customer(tenant: str, *, user: str = "bo", country: str = "DK", cases=None) -> dict:
    return {
        "externalTenantId": tenant,
        "client": {
            "name": f"{tenant.title()} A/S", "country": country, "supportEmail": f"books.{tenant}@existing.example"
        },
        "users": [{"name": "Bo Hansen", "email": f"{user}.{tenant}@existing.example", "isOnboardingUser": True}],
        **({"cases": cases} if cases else {}),
    }


def request_link(referral, payload: dict) -> str:
    with pytest.raises(Conflict) as conflict:
        referral.create_client(raw(payload))
    return conflict.value.approval_url


# --- onboarding ----------------------------------------------------------------------------------


def test_onboarding_walks_details_users_and_signing_then_returns_with_completed(sandbox, http, referral, client_body):
    created = referral.create_client(raw(client_body("walk-1")))

    page = Page.open(http, with_return_url(created.client.onboarding_url))
    assert page.heading == "Company details"
    page.assert_usable()
    page = page.press("Continue", name="Walk One ApS", city="Aarhus")
    assert page.heading == "Users"
    assert "anna jensen" in page.text.lower()
    page = page.press("Continue")
    assert page.heading == "Sign the agreement"
    page.assert_usable()
    finished = page.press("Sign the agreement", code="123456")

    assert finished.status == 303
    assert completed_query(finished.location) == {"tenant": ["a b"], "step": ["2"], "completed": ["true"]}
    client = referral.get_client("walk-1")
    assert client.onboarding_done is True
    assert client.company.company_name == "Walk One ApS"
    assert [event["data"]["externalTenantId"] for event in events_of(sandbox, "client.onboarding.contract_signed")] == [
        "walk-1"
    ]


def test_the_onboarding_url_takes_a_return_url_appended_with_a_question_mark(http, referral, client_body):
    url = referral.create_client(raw(client_body("walk-6"))).client.onboarding_url
    assert "?" not in url

    page = Page.open(http, f"{url}?returnUrl={quote('https://yourapp.com/onboarding-complete', safe='')}")
    finished = page.press("Continue").press("Continue").press("Sign the agreement", code="123456")

    assert finished.status == 303
    assert finished.location == "https://yourapp.com/onboarding-complete?completed=true"


def test_without_a_return_url_onboarding_ends_on_a_plain_done_page(http, referral, client_body):
    url = referral.create_client(raw(client_body("walk-2"))).client.onboarding_url

    page = Page.open(http, url).press("Continue").press("Continue").press("Sign the agreement", code="654321")

    assert page.status == 200
    assert page.heading == "Onboarding complete"
    assert "Go Back" not in page.text
    assert page.buttons() == []


def test_invalid_company_details_are_shown_with_the_input_kept(http, referral, client_body):
    page = Page.open(http, referral.create_client(raw(client_body("walk-3"))).client.onboarding_url)

    page = page.press("Continue", name="", support_email="not-an-email", city="Odense")

    assert page.status == 422
    assert "Enter the company&#39;s legal name." in page.text
    assert "Enter a valid e-mail address" in page.text
    assert 'value="Odense"' in page.text
    assert 'aria-invalid="true"' in page.text
    page.assert_usable()


def test_a_signing_code_must_have_six_digits(http, referral, client_body):
    url = referral.create_client(raw(client_body("walk-4"))).client.onboarding_url
    page = Page.open(http, url).press("Continue").press("Continue")

    page = page.press("Sign the agreement", code="12a45")

    assert page.status == 422
    assert "Enter the six-digit code" in page.text
    assert referral.get_client("walk-4").onboarding_done is False


def test_abandoned_onboarding_resumes_from_the_url_handed_out_again(http, referral, client_body):
    first = referral.create_client(raw(client_body("walk-5"))).client.onboarding_url
    Page.open(http, first).press("Continue")  # then the customer closes the tab

    again = referral.create_client(raw(client_body("walk-5")))

    assert again.status == 202
    assert again.client.onboarding_url == first
    page = Page.open(http, again.client.onboarding_url).press("Continue").press("Continue")
    assert page.press("Sign the agreement", code="111111").heading == "Onboarding complete"


def test_a_client_with_uk_exposure_confirms_a_director_during_onboarding(
    sandbox, http, referral, client_body, case_body
):
    created = referral.create_client(raw(client_body("walk-uk", cases=[case_body("GB")])))
    page = Page.open(http, created.client.onboarding_url).press("Continue").press("Continue")

    assert page.heading == "Director identity"
    page.assert_usable()
    page = page.press("Continue", director_full_name="Mary Smith", director_home_address="1 Mill Lane, Leeds",
                      director_date_of_birth="1975-04-03")
    assert page.heading == "Sign the agreement"
    page.press("Sign the agreement", code="123456")

    client = referral.get_client("walk-uk")
    assert client.kyc_status == "pending"
    assert client.kyc_verification.director_full_name == "Mary Smith"
    with sandbox.session() as s:
        domain.review_kyc(s, "walk-uk")
    assert referral.get_client("walk-uk").kyc_status == "verified"


def test_the_director_form_explains_what_is_wrong(http, referral, client_body, case_body):
    created = referral.create_client(raw(client_body("walk-uk2", cases=[case_body("GB")])))
    page = Page.open(http, created.client.onboarding_url).press("Continue").press("Continue")

    page = page.press("Continue", director_full_name="", director_home_address="Somewhere",
                      director_date_of_birth="2999-01-01")

    assert page.status == 422
    assert page.text.count('class="error"') == 2
    assert 'value="Somewhere"' not in page.text and "Somewhere</textarea>" in page.text


def test_a_finished_onboarding_link_says_so(http, sandbox, referral, ready_client):
    link_id = ready_client("walk-6")
    assert referral.get_client("walk-6").onboarding_url is None

    page = Page.open(http, f"{sandbox.urls.ui}/onboarding/companydetails/{link_id}")

    assert page.heading == "Onboarding is complete"
    assert page.buttons() == []


def test_a_withdrawn_clients_link_shows_a_clear_page(sandbox, http, referral, client_body):
    url = referral.create_client(raw(client_body("walk-7"))).client.onboarding_url
    referral.withdraw_client("walk-7")

    page = Page.open(http, url)

    assert page.status == 409
    assert page.heading == "This page is no longer available"


# --- re-signing and single signatures ------------------------------------------------------------


def back_link(page) -> str | None:
    """Where the page's "Go back to your app" link leads, if it has one."""
    found = re.search(r'<a href="([^"]*)">Go back to your app</a>', page.text)
    return html.unescape(found.group(1)) if found else None


def test_leaving_onboarding_for_later_returns_without_completed(http, referral, client_body):
    url = referral.create_client(raw(client_body("later-1"))).client.onboarding_url
    page = Page.open(http, with_return_url(url)).press("Continue")
    assert page.heading == "Users"
    assert page.buttons() == ["Continue", "I'll do this later"]

    left = page.press("I'll do this later")

    assert left.status == 303
    assert completed_query(left.location) == {"tenant": ["a b"], "step": ["2"]}
    assert referral.get_client("later-1").onboarding_done is False
    resumed = Page.open(http, with_return_url(url))
    assert resumed.press("Continue").press("Continue").press("Sign the agreement", code="123456").status == 303


def test_leaving_an_approval_for_later_keeps_the_request_open(sandbox, http, referral):
    url = request_link(referral, existing_customer("later-2"))

    left = Page.open(http, with_return_url(url)).press("I'll do this later")

    assert "completed" not in completed_query(left.location)
    assert events_of(sandbox, "client.linked", "client.link_declined") == []
    assert Page.open(http, url).buttons() == ["Approve", "Decline"]


def test_pages_that_end_a_flow_link_back_to_the_app(sandbox, http, referral, ready_client):
    link_id = ready_client("later-3")
    done = Page.open(http, with_return_url(f"{sandbox.urls.ui}/onboarding/companydetails/{link_id}"))
    assert done.heading == "Onboarding is complete"
    assert "completed" in completed_query(back_link(done))

    url = request_link(referral, existing_customer("later-4"))
    Page.open(http, url).press("Approve")
    used = Page.open(http, with_return_url(url))
    assert used.heading == "This link has already been used"
    assert completed_query(back_link(used)) == {"tenant": ["a b"], "step": ["2"]}
    assert back_link(Page.open(http, url)) is None


def test_leaving_without_a_return_url_says_nothing_changed(sandbox, http):
    page = Page(http, http.post(f"{sandbox.urls.ui}/later", allow_redirects=False))

    assert page.status == 200
    assert page.heading == "Nothing was changed"
    assert page.buttons() == []


def test_a_new_sdca_version_is_signed_on_the_contract_upgrade_page(sandbox, http, referral, client_body, ready_client):
    ready_client("upgrade-1")
    with sandbox.session() as s:
        domain.publish_sdca_version(s)
    answer = referral.create_client(raw(client_body("upgrade-1")))
    assert answer.status == 202 and "/ContractUpgrade/Sign/" in answer.client.onboarding_url

    page = Page.open(http, with_return_url(answer.client.onboarding_url))
    assert page.heading == "Sign the updated agreement"
    page.assert_usable()
    finished = page.press("Sign the updated agreement", code="222222")

    assert completed_query(finished.location)["completed"] == ["true"]
    assert referral.create_client(raw(client_body("upgrade-1"))).status == 201


def test_a_missing_power_of_attorney_is_signed_from_its_solution_url(http, debitura, ready_client, case_body):
    ready_client("poa-1")
    with pytest.raises(BusinessRuleError) as refused:
        debitura.create_case("poa-1", raw(case_body("SE")))
    solution = next(error.solution_url for error in refused.value.errors if error.type == "MissingPowerOfAttorney")

    page = Page.open(http, solution)
    assert page.heading == "Sign the Power of Attorney for Nordic Inkasso A/S"
    page.press("Sign the Power of Attorney", code="333333")

    assert debitura.create_case("poa-1", raw(case_body("SE"))).lifecycle == "Pending Verification Internal"


def test_missing_kyc_is_submitted_on_the_kyc_page(http, referral, debitura, ready_client, poa_signed, case_body):
    ready_client("kyc-1")
    poa_signed("kyc-1", "Oriel Collections")
    with pytest.raises(BusinessRuleError) as refused:
        debitura.create_case("kyc-1", raw(case_body("GB")))
    solution = next(error.solution_url for error in refused.value.errors if error.type == "MissingKycVerification")

    page = Page.open(http, solution)
    page.assert_usable()
    page.press("Submit identity details", director_full_name="Tom Baker", director_home_address="2 Quay St, Bristol",
               director_date_of_birth="1969-11-30")

    assert referral.get_client("kyc-1").kyc_status == "pending"
    assert debitura.create_case("kyc-1", raw(case_body("GB"))).lifecycle == "Pending Verification Internal"


# --- link approval (the 409 path) ------------------------------------------------------------------


def test_approving_links_the_account_then_walks_the_signing_chain_and_returns(sandbox, http, referral, case_body):
    url = request_link(referral, existing_customer("link-1", cases=[case_body("DE")]))

    page = Page.open(http, with_return_url(url))
    assert page.heading == "Connect Northwind Invoicing ApS to your Debitura account"
    assert page.buttons() == ["Approve", "Decline", "I'll do this later"]
    page = page.press("Approve")

    steps = []
    while page.status != 303:
        steps.append(page.heading)
        page.assert_usable()
        page = page.press(page.buttons()[0], code="444444")

    assert steps == [
        "Sign the Standard Debt Collection Agreement",
        "Sign the Power of Attorney for Rhein Forderungsmanagement GmbH",
        "Sign the Jurisdiction Pricing Appendix for Rhein Forderungsmanagement GmbH",
    ]
    assert completed_query(page.location)["completed"] == ["true"]
    client = referral.get_client("link-1")
    assert client.is_attributed_client is False
    assert client.onboarding_done is True
    assert [case.lifecycle for case in referral.list_cases(external_tenant_id="link-1").items] == [
        "Pending Verification Internal"
    ]
    assert [event["event"] for event in events_of(sandbox, "client.linked", "case.created", "case.updated")] == [
        "client.linked", "case.created", "case.updated"
    ]


def test_a_used_approval_link_says_it_was_already_used(http, referral):
    url = request_link(referral, existing_customer("link-2"))
    page = Page.open(http, url)
    page.press("Approve")

    again = page.press("Approve")  # a second tab, or a double click

    assert again.status == 409
    assert again.heading == "This link has already been used"
    assert Page.open(http, url).heading == "This link has already been used"


def test_declining_fires_the_webhook_and_the_link_cannot_be_used_again(sandbox, http, referral):
    url = request_link(referral, existing_customer("link-3"))

    page = Page.open(http, url).press("Decline")

    assert page.heading == "Request declined"
    assert [event["data"]["externalTenantId"] for event in events_of(sandbox, "client.link_declined")] == ["link-3"]
    assert Page.open(http, url).heading == "This link request was declined"


def test_of_concurrent_approvals_one_wins_and_the_others_get_409(sandbox, referral):
    url = request_link(referral, existing_customer("link-6"))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def approve() -> None:
        with sandbox.mount(requests.Session()) as browser:
            barrier.wait()
            statuses.append(browser.post(url, data={"decision": "approve"}, allow_redirects=False).status_code)

    threads = [threading.Thread(target=approve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [303, 409, 409, 409]  # the winner goes on to sign
    assert [event["event"] for event in events_of(sandbox, "client.linked")] == ["client.linked"]


def test_approving_from_a_second_tab_after_a_decline_is_a_409(sandbox, http, referral):
    url = request_link(referral, existing_customer("link-5"))
    first_tab, second_tab = Page.open(http, url), Page.open(http, url)
    first_tab.press("Decline")

    late = second_tab.press("Approve")

    assert late.status == 409
    with pytest.raises(NotFound):
        referral.get_client("link-5")
    assert [event["event"] for event in events_of(sandbox, "client.linked", "client.link_declined")] == [
        "client.link_declined"
    ]


def test_an_expired_approval_link_says_so_even_before_the_hourly_job_ran(sandbox, http, referral):
    url = request_link(referral, existing_customer("link-4"))
    sandbox.advance_clock(8 * 86400, run_jobs=False)

    page = Page.open(http, url)

    assert page.status == 410
    assert page.heading == "This link has expired"
    page.assert_usable()


def test_an_unknown_token_is_a_clear_not_found_page(http, sandbox):
    page = Page.open(http, f"{sandbox.urls.ui}/ReferralPartner/Approve?token=nope")

    assert page.status == 404
    assert page.heading == "This link is not valid"


@pytest.mark.parametrize(("button", "same_company"), [("Connect Choice-1 A/S", True), ("Create a new company", False)])
def test_the_choice_page_connects_the_existing_company_or_creates_a_new_one(
    sandbox, http, referral, button, same_company
):
    url = request_link(referral, existing_customer("choice-1", user="choice.anna"))
    assert "/ReferralPartner/Choice?token=" in url

    page = Page.open(http, url)
    assert page.buttons() == ["Connect Choice-1 A/S", "Create a new company", "Decline"]
    page.press(button)

    with sandbox.session() as s:
        link = domain.active_link(s, "choice-1")
        link_request = s.scalars(
            select(domain.LinkRequest).where(domain.LinkRequest.external_tenant_id == "choice-1")
        ).one()
        assert (link.creditor_id == link_request.creditor_id) is same_company
    assert referral.get_client("choice-1").is_attributed_client is False


def test_the_combined_signing_chain_ends_with_the_director_step_for_uk_cases(
    sandbox, http, referral, client_body, case_body
):
    created = referral.create_client(raw(client_body("chain-uk", cases=[case_body("GB")])))
    signing_url = created.client.case_results.successful_cases[0].signing_handoff_url

    page = Page.open(http, signing_url)
    page = page.press("Sign the agreement", code="555555").press("Sign the Power of Attorney", code="555555")
    assert page.heading == "Confirm a director's identity"
    page.assert_usable()
    page = page.press("Submit and finish", director_full_name="Ann Lee", director_home_address="9 Elm Row, York",
                      director_date_of_birth="1980-02-02")

    assert page.heading == "All contracts signed"
    assert referral.get_client("chain-uk").kyc_status == "pending"
    assert [case.lifecycle for case in referral.list_cases(external_tenant_id="chain-uk").items] == [
        "Pending Verification Internal"
    ]


def test_a_stale_signing_step_shows_the_step_that_is_actually_next(http, referral, client_body, case_body):
    created = referral.create_client(raw(client_body("chain-2", cases=[case_body("DK")])))
    url = created.client.case_results.successful_cases[0].signing_handoff_url
    second = Page.open(http, url).press("Sign the agreement", code="666666")

    stale = http.post(second.response.url, data={"step": "sdca", "code": "666666"}, allow_redirects=False)

    assert stale.status_code == 303
    assert Page.open(http, urljoin(second.response.url, stale.headers["Location"])).heading == second.heading
    assert second.heading == "Sign the Power of Attorney for Nordic Inkasso A/S"


def test_abandoning_the_signing_chain_signs_nothing(sandbox, http, referral, client_body, case_body):
    created = referral.create_client(raw(client_body("chain-3", cases=[case_body("DK")])))
    url = created.client.case_results.successful_cases[0].signing_handoff_url

    Page.open(http, url).press("Sign the agreement", code="777777")  # then the tab is closed

    assert referral.get_client("chain-3").onboarding_done is False
    assert events_of(sandbox, "client.onboarding.contract_signed") == []
    assert Page.open(http, url).heading == "Sign the Standard Debt Collection Agreement"


# --- cross-cutting ---------------------------------------------------------------------------------


def test_a_cross_origin_form_post_is_refused(http, referral, client_body):
    url = referral.create_client(raw(client_body("origin-1"))).client.onboarding_url

    forged = http.post(url, data={"name": "Evil", "country": "DK", "support_email": "e@evil.example"},
                       headers={"Origin": "https://evil.example"}, allow_redirects=False)
    same_site = http.post(url, data={"name": "Fine ApS", "country": "DK", "support_email": "f@fine.example"},
                          headers={"Origin": "http://sandbox.test"}, allow_redirects=False)

    assert forged.status_code == 403
    assert same_site.status_code == 303
    assert referral.get_client("origin-1").company.company_name == "Fine ApS"


def test_the_partners_branding_is_a_stylesheet(http, sandbox):
    response = http.get(f"{sandbox.urls.ui}/brand.css")

    assert response.headers["Content-Type"].startswith("text/css")
    assert "--brand-bg: #1F3A5F" in response.text
