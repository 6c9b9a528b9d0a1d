"""The pages keep to the Content-Security-Policy: script-src 'self', style-src 'self'.

Every page the dashboard serves (each GET endpoint, filled with real data) is parsed, and so is every
template file: no inline <script>, no <style> block, no style attribute, no on* handler, no hx-on,
and no javascript: URL. Any of these would either be blocked by the browser or open a hole.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import url_for

from dashboard.debitura import WebhookSubscription
from dashboard.extensions import db
from dashboard.models import SyncRun
from dashboard.security import CONTENT_SECURITY_POLICY
from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# GET endpoints that answer with something other than an HTML page of their own.
NOT_PAGES = {"static", "main.health", "cases.export", "tenants.export", "audit.export", "revenue.export", "main.home"}
SIGNED_OUT_PAGES = {"auth.login", "auth.two_factor"}  # a signed-in operator is sent on from these


class PolicyAudit(HTMLParser):
    """Collects everything in an HTML document the policy forbids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in names.items():
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if re.match(r"\s*javascript\s*:", value, re.IGNORECASE):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")

    handle_startendtag = handle_starttag


def policy_problems(html: str) -> list[str]:
    audit = PolicyAudit()
    audit.feed(html)
    audit.close()
    return audit.problems


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="admin")


@pytest.fixture(scope="module")
def pages(env):
    """A URL for every HTML page, with real rows behind the ones that take an id."""
    tenant_id, tenant = make_tenant(env.app)
    submission = env.client.post(f"/cases/new/{tenant_id}").headers["Location"].rsplit("/", 1)[1]
    with env.app.test_request_context():
        case = env.debitura.create_case(tenant, raw({
            "currencyCode": "EUR", "amountToRecover": Decimal("900.00"),
            "date": (date.today() - timedelta(days=30)).isoformat(), "creditorReference": f"CSP-{tenant}",
            "debtor": {"type": "Company", "name": "Policy Debtor A/S", "countryAlpha2": "DK"},
        }))
        webhook = env.debitura.referral.create_webhook(WebhookSubscription(url="https://hooks.example/debitura", events=["case.created"]))
    assert env.client.get(f"/cases/{case.id}").status_code == 200  # mirrors the case, for the pages that read the mirror
    with env.app.app_context():
        run = SyncRun(trigger="admin", status="succeeded", phase="done", finished_at=None)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    values = {
        "tenants.detail": {"tenant_id": tenant_id}, "tenants.withdraw": {"tenant_id": tenant_id},
        "kyc.submit": {"tenant_id": tenant_id}, "cases.detail": {"case_id": case.id},
        "cases.unblocking": {"case_id": case.id}, "uploads.files": {"case_id": case.id},
        "uploads.upload": {"case_id": case.id}, "cases.submission": {"key": submission},
        "admin.edit_webhook": {"webhook_id": webhook.id}, "sync.progress": {"run_id": run_id},
    }
    urls = {}
    with env.app.test_request_context():
        for rule in env.app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES | SIGNED_OUT_PAGES or rule.endpoint.startswith("sandbox"):
                continue
            urls[rule.rule] = url_for(rule.endpoint, **values.get(rule.endpoint, {}))
    urls["a missing page"] = "/no/such/page"
    return urls


def test_the_policy_allows_scripts_and_styles_only_from_the_dashboard_itself():
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "style-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_every_page_keeps_to_the_policy(env, pages):
    checked = {}
    for rule, url in pages.items():
        response = env.client.get(url)
        assert response.status_code in (200, 303, 404), (rule, response.status_code)
        if response.mimetype == "text/html" and response.status_code != 303:
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            checked[rule] = policy_problems(response.get_data(as_text=True))

    assert len(checked) >= 25  # every page of the dashboard was looked at, not just a few
    assert {rule: problems for rule, problems in checked.items() if problems} == {}


def test_htmx_fragments_keep_to_the_policy(env, pages):
    targets = {"/tenants/": "tenant-results", "/cases/": "case-results", "/triage/": "triage-queues",
               "/audit/": "audit-results", "/webhooks/deliveries": "deliveries", "/cases/<debitura_id:case_id>/unblocking": "unblock"}
    for rule, target in targets.items():
        response = env.client.get(pages[rule], headers={"HX-Request": "true", "HX-Target": target})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in html, rule
        assert policy_problems(html) == [], rule


def test_the_sign_in_page_keeps_to_the_policy(env):
    response = env.app.test_client().get("/auth/login")

    assert response.status_code == 200
    assert policy_problems(response.get_data(as_text=True)) == []


def test_the_pages_of_a_role_that_may_not_act_keep_to_the_policy(env, pages):
    viewer = env.login_as("viewer")
    response = viewer.get(pages["/tenants/new"])

    assert response.status_code == 403
    assert policy_problems(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("template", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_script_style_or_handlers(template):
    text = (TEMPLATES / template).read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "<style> block"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert not re.search(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", text), "event handler attribute"
    assert "javascript:" not in text.lower()
