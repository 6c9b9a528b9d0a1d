"""The axe-core check that every browser test runs: it finds real violations, at the step that reached them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import AccessibilityCheck, Totals, violations_on

pytestmark = pytest.mark.e2e

PAGE_URL = "http://a11y.example/form"
CLEAN_PAGE = """<!doctype html>
<html lang="en"><head><title>Form</title></head>
<body><main><h1>Form</h1><p id="status">Ready</p></main></body></html>"""
UNLABELLED_FIELD = "<input type='text' id='unlabelled'>"
FAINT_TEXT = "<p id='faint' style='color:#ccc;background:#fff'>Hard to read</p>"


@pytest.fixture
def watched(browser):
    """A context of its own, watched like the fixture does, so that its findings can be inspected."""
    context = browser.new_context()
    context.route(PAGE_URL, lambda route: route.fulfill(content_type="text/html", body=CLEAN_PAGE))
    check = AccessibilityCheck(totals=Totals())
    check.watch(context)
    yield context, check
    context.close()


@pytest.fixture
def unwatched_page(browser):
    """A page outside the automatic check: these tests leave violations on it on purpose."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def add_to_main(page, html: str) -> None:
    page.evaluate("(html) => document.querySelector('main').insertAdjacentHTML('beforeend', html)", html)


def test_axe_names_the_rule_impact_element_and_page_of_each_violation(unwatched_page):
    page = unwatched_page
    page.set_content(CLEAN_PAGE.replace("</main>", UNLABELLED_FIELD + FAINT_TEXT + "</main>"))

    found = {violation.rule: violation for violation in violations_on(page)}

    assert set(found) == {"label", "color-contrast"}
    assert (found["label"].impact, found["label"].targets) == ("critical", ("#unlabelled",))
    assert (found["color-contrast"].impact, found["color-contrast"].targets) == ("serious", ("#faint",))
    assert found["label"].describe().startswith("label [critical] Form elements must have labels at about:blank\n    #unlabelled")


def test_a_clean_page_has_no_violations(page):
    page.set_content(CLEAN_PAGE)
    assert violations_on(page) == []


def test_a_reference_to_a_missing_id_counts_as_a_violation(unwatched_page):
    page = unwatched_page
    page.set_content(CLEAN_PAGE.replace(
        "</main>", "<label><input type='checkbox' aria-describedby='None'> Keep me signed in</label></main>"))

    [violation] = violations_on(page)

    assert (violation.rule, violation.impact) == ("aria-valid-attr-value", "critical")
    assert 'aria-describedby="None"' in violation.summary


def test_a_state_is_checked_before_the_tests_next_step_even_when_it_passes_quickly(watched):
    context, check = watched
    page = context.new_page()
    page.goto(PAGE_URL)
    expect(page.get_by_text("Ready")).to_be_visible()
    assert check.violations == []

    add_to_main(page, UNLABELLED_FIELD)  # as an htmx swap would
    expect(page.get_by_role("textbox")).to_have_count(1)
    assert [violation.rule for violation in check.violations] == ["label"]  # found at this step, not at the end

    page.evaluate("document.getElementById('unlabelled').remove()")
    expect(page.get_by_role("textbox")).to_have_count(0)
    assert "label [critical] Form elements must have labels at http://a11y.example/form" in check.report()


def test_a_state_with_an_htmx_request_under_way_is_checked_once_it_has_settled(watched):
    context, check = watched
    page = context.new_page()
    page.goto(PAGE_URL)
    expect(page.get_by_text("Ready")).to_be_visible()
    checks = check.totals.checks

    page.evaluate("document.getElementById('status').classList.add('htmx-request')")
    add_to_main(page, UNLABELLED_FIELD)
    expect(page.get_by_role("textbox")).to_have_count(1)
    assert (check.totals.checks, check.violations) == (checks, [])

    page.evaluate("document.getElementById('status').classList.remove('htmx-request')")
    expect(page.get_by_role("textbox")).to_have_count(1)
    assert [violation.rule for violation in check.violations] == ["label"]


def test_a_removal_that_breaks_a_reference_elsewhere_on_the_page_is_found(watched):
    context, check = watched
    page = context.new_page()
    page.goto(PAGE_URL)
    page.evaluate("document.body.insertAdjacentHTML('afterbegin', "
                  "\"<header><label>Amount <input aria-describedby='status'></label></header>\")")
    expect(page.get_by_label("Amount")).to_be_visible()
    assert check.violations == []

    page.evaluate("document.getElementById('status').remove()")  # a change inside <main>, the reference outside
    expect(page.get_by_text("Ready")).to_have_count(0)

    assert [violation.rule for violation in check.violations] == ["aria-valid-attr-value"]


def test_a_change_of_attributes_alone_is_a_new_state(watched):
    context, check = watched
    page = context.new_page()
    page.goto(PAGE_URL)
    expect(page.get_by_text("Ready")).to_be_visible()

    page.evaluate("document.getElementById('status').setAttribute('aria-describedby', 'None')")
    expect(page.get_by_text("Ready")).to_have_attribute("aria-describedby", "None")

    assert [violation.rule for violation in check.violations] == ["aria-valid-attr-value"]


def test_the_final_state_is_checked_when_the_test_ends(watched):
    context, check = watched
    page = context.new_page()
    page.goto(PAGE_URL)
    expect(page.get_by_text("Ready")).to_be_visible()
    add_to_main(page, FAINT_TEXT)

    check.check_final_states()

    assert [violation.rule for violation in check.violations] == ["color-contrast"]


def test_pages_opened_during_the_test_are_watched_and_an_unchanged_state_is_checked_once(watched):
    context, check = watched
    first = context.new_page()
    first.goto(PAGE_URL)
    expect(first.get_by_text("Ready")).to_be_visible()
    second = first.context.new_page()
    second.goto(PAGE_URL)
    expect(second.get_by_text("Ready")).to_be_visible()
    add_to_main(second, UNLABELLED_FIELD)
    expect(second.get_by_role("textbox")).to_be_visible()

    assert [violation.rule for violation in check.violations] == ["label"]
    assert (check.totals.checks, check.totals.axe_runs) == (3, 2)


def test_a_page_under_a_paused_fake_clock_is_checked_too(watched):
    context, check = watched
    page = context.new_page()
    page.clock.install()
    page.goto(PAGE_URL)
    page.clock.pause_at(1_800_000_000_000)
    add_to_main(page, UNLABELLED_FIELD)
    expect(page.get_by_role("textbox")).to_be_visible()

    assert [violation.rule for violation in check.violations] == ["label"]
