"""Hostile data from Debitura: markup in names, script URLs where hosted URLs belong, huge and missing values.

The mirror is filled directly with what a faulty or compromised upstream could send. Every page that
shows tenants or cases must render it escaped, and no URL that is not http(s) may end up in an
attribute (href, src, action, value, data-copy, data-base-url): it is shown as inert text instead.
The mirror itself stores such text the way PostgreSQL can hold it (no NUL bytes, cut to the column).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard.debitura.types import Client
from dashboard.extensions import db
from dashboard.jinja import safe_href
from dashboard.models import PENDING_SIGNING, Case, CaseSubmission, Tenant
from dashboard.models.base import now_utc
from dashboard.services import mirror
from tests.cases_support import module_env

SCRIPT_NAME = '<script>alert("tenant")</script> & <b>Co</b>'
ATTRIBUTE_BREAKER = '"><img src=x onerror=alert(1)>'
DEBTOR = "<img src=x onerror=alert('debtor')>"
HUGE_NAME = "Ä<i>" * 120  # 480 characters: as long as the column allows, all of it markup
SCRIPT_URLS = (
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
)
GOOD_URL = "https://testreferral.debitura.com/onboarding/continue?token=good"
GOOD_SIGNING_URL = "https://testreferral.debitura.com/Signing/PendingContracts?link=good"
# An attribute whose value starts with a script-capable scheme, however it is quoted or spaced.
SCRIPT_ATTRIBUTE = re.compile(r"""[\w-]+\s*=\s*["']?\s*(?:java\s*script|data|vbscript)\s*:""", re.IGNORECASE)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="operator")


@pytest.fixture(scope="module")
def seeded(env):
    """Tenants and cases as a hostile upstream would report them; ids of the rows, by name."""
    now = now_utc()
    with env.app.app_context():
        onboarding = Tenant(
            external_tenant_id="hostile-onboarding", company_name=SCRIPT_NAME, state="onboarding",
            onboarding_url=SCRIPT_URLS[0], onboarding_started_at=now - timedelta(days=10), users=[
                {"name": ATTRIBUTE_BREAKER, "email": "<b>x</b>@example.com", "isOnboardingUser": True}],
        )
        approval = Tenant(
            external_tenant_id='hostile-"approval"', company_name=ATTRIBUTE_BREAKER, state="approval_pending",
            approval_url=SCRIPT_URLS[3], approval_expires_at=now + timedelta(hours=20),
        )
        resign = Tenant(external_tenant_id="hostile-resign", company_name=HUGE_NAME, state="resign_needed",
                        onboarding_url=SCRIPT_URLS[2])
        empty = Tenant(external_tenant_id="bare", state="onboarding")  # Debitura told us nothing else
        good = Tenant(external_tenant_id="well-behaved", company_name="Good Books ApS", state="onboarding",
                      onboarding_url=GOOD_URL, onboarding_started_at=now - timedelta(days=5))
        db.session.add_all([onboarding, approval, resign, empty, good])
        db.session.flush()
        hostile_case = Case(
            id="case-hostile", tenant_id=onboarding.id, external_tenant_id=onboarding.external_tenant_id,
            client_name=SCRIPT_NAME, reference="<i>R1</i>", creditor_reference=ATTRIBUTE_BREAKER, debtor_name=DEBTOR,
            gross_amount=Decimal("100.00"), currency="EUR", lifecycle=PENDING_SIGNING, date_created=now - timedelta(days=2),
            signing_url=SCRIPT_URLS[1], solution_urls=[SCRIPT_URLS[3], SCRIPT_URLS[4], 42, None, "https://ok.example/solve"],
            validation_items=[{"resolutionArea": "<b>area</b>", "description": DEBTOR}, None, "<b>plain</b>", {}],
        )
        bare_case = Case(id="case-bare", tenant_id=empty.id, lifecycle=PENDING_SIGNING)  # every optional field missing
        good_case = Case(id="case-good", tenant_id=good.id, external_tenant_id=good.external_tenant_id, reference="GOOD0001",
                         lifecycle=PENDING_SIGNING, signing_url=GOOD_SIGNING_URL, date_created=now - timedelta(days=1))
        refused = CaseSubmission(
            idempotency_key="case-hostile-refusal", tenant_id=onboarding.id, external_tenant_id=onboarding.external_tenant_id,
            status="rejected", signing_url=SCRIPT_URLS[0], form_data={"debtor_name": DEBTOR},
            business_errors=[{"type": "<b>PendingContractSigning</b>", "message": SCRIPT_NAME, "solution_url": SCRIPT_URLS[3]},
                             {}],
        )
        db.session.add_all([hostile_case, bare_case, good_case, refused])
        db.session.commit()
        return {"onboarding": onboarding.id, "approval": approval.id, "resign": resign.id, "empty": empty.id,
                "good": good.id}


def page(env, url: str) -> str:
    response = env.client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def assert_safe(html: str) -> None:
    assert not SCRIPT_ATTRIBUTE.search(html), SCRIPT_ATTRIBUTE.search(html)
    assert 'href="javascript:' not in html.lower()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Co</b>" not in html


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    "data:text/html,<b>x</b>", "vbscript:x", "//evil.example/path", "https:no-host", "ftp://files.example/x", "", None,
])
def test_only_absolute_web_addresses_pass_the_safe_url_filter(url):
    assert safe_href(url) == ""


def test_web_addresses_pass_the_safe_url_filter_unchanged():
    assert safe_href(GOOD_URL) == GOOD_URL
    assert safe_href("  http://127.0.0.1:5000/sandbox/ui/x  ") == "http://127.0.0.1:5000/sandbox/ui/x"


def test_the_tenant_list_shows_hostile_names_escaped(env, seeded):
    html = page(env, "/tenants/")

    assert_safe(html)
    assert "&lt;script&gt;alert(&#34;tenant&#34;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "(no name yet)" in html  # the tenant Debitura told nothing about


@pytest.mark.parametrize("name", ["onboarding", "approval", "resign", "empty"])
def test_a_tenant_page_never_offers_a_script_url_for_copying(env, seeded, name):
    html = page(env, f"/tenants/{seeded[name]}")

    assert_safe(html)
    assert "data-base-url" not in html and 'id="customer-url"' not in html


def test_a_tenant_page_shows_the_refused_url_as_inert_text(env, seeded):
    html = page(env, f"/tenants/{seeded['onboarding']}")

    assert "Not a web address, so it is not offered for copying" in html
    assert "<code>javascript:alert(document.cookie)</code>" in html
    assert "&lt;script&gt;alert(&#34;tenant&#34;)" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # a user's name


def test_a_tenant_page_still_offers_a_real_hosted_url(env, seeded):
    html = page(env, f"/tenants/{seeded['good']}")

    assert f'data-base-url="{GOOD_URL}"' in html
    assert f'value="{GOOD_URL}"' in html and 'data-copy-from="#customer-url"' in html


def test_a_huge_name_is_shown_whole_and_escaped(env, seeded):
    html = page(env, f"/tenants/{seeded['resign']}")

    assert HUGE_NAME.replace("<", "&lt;").replace(">", "&gt;") in html
    assert "<i>" not in html


def test_triage_copies_only_web_addresses(env, seeded):
    html = page(env, "/triage/")

    assert_safe(html)
    assert f'data-copy="{GOOD_URL}"' in html and f'data-copy="{GOOD_SIGNING_URL}"' in html
    assert html.count("Not a web address") >= 3  # stuck onboarding, expiring approval, pending signing
    assert "&lt;img src=x onerror=alert(&#39;debtor&#39;)&gt;" in html


def test_the_case_list_shows_hostile_cases_escaped(env, seeded):
    html = page(env, "/cases/")

    assert_safe(html)
    assert "&lt;i&gt;R1&lt;/i&gt;" in html and "&lt;img src=x onerror=alert(&#39;debtor&#39;)&gt;" in html


def test_the_pending_queue_offers_no_script_url(env, seeded):
    html = page(env, "/cases/pending")

    assert_safe(html)
    assert 'data-base-url="https://ok.example/solve"' in html  # the one real solution URL of the hostile case
    assert f'data-base-url="{GOOD_SIGNING_URL}"' in html
    assert "vbscript:msgbox(1)" in html  # shown, as text
    assert 'id="unblock-case-bare"' in html  # the case with every optional field missing


def test_the_pending_queue_with_a_return_address_still_refuses_script_urls(env, seeded):
    html = page(env, "/cases/pending?return_url=https%3A%2F%2Fapp.example.com%2Fdone")

    assert_safe(html)
    assert "returnUrl=https%3A%2F%2Fapp.example.com%2Fdone" in html


def test_the_case_page_from_the_mirror_shows_hostile_data_escaped(env, seeded):
    env.sandbox.faults.fail_next(3, "http_503", path_prefix="/referral-api/cases")  # Debitura down: the mirror's copy
    try:
        html = page(env, "/cases/case-hostile")
    finally:
        env.sandbox.faults.clear()

    assert_safe(html)
    assert 'class="stale"' in html
    assert "&lt;b&gt;area&lt;/b&gt;" in html and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'data-base-url="https://ok.example/solve"' in html


def test_a_refused_submission_never_offers_a_script_solution_url(env, seeded):
    html = page(env, "/cases/submissions/case-hostile-refusal")

    assert_safe(html)
    assert "&lt;b&gt;PendingContractSigning&lt;/b&gt;" in html
    assert html.count("Not a web address") == 2  # the solution URL and the combined signing URL


@pytest.mark.postgres
def test_a_hostile_client_answer_is_stored_without_nul_bytes_and_cut_to_the_columns(app):
    answer = Client.from_json({
        "externalTenantId": "hostile-answer",
        "onboardingLinks": {"url": SCRIPT_URLS[0]},
        "client": {"companyName": "Evil\x00Corp " + "x" * 2000, "country": "D\x00K", "zipCode": "1" * 100,
                   "officeEmail": "ops@evil.example"},
        "users": [{"name": "Mal\x00lory", "email": "mallory@evil.example"}],
    })

    with app.app_context():
        mirror.upsert_tenant_from_client(answer, source="api", status=202)
        db.session.expire_all()
        tenant = db.session.scalar(select(Tenant).where(Tenant.external_tenant_id == "hostile-answer"))
        assert tenant.company_name.startswith("EvilCorp x") and len(tenant.company_name) == 500
        assert tenant.country == "DK" and tenant.zip_code == "1" * 20
        assert "\x00" not in tenant.search_text and "mallory" in tenant.search_text
        assert tenant.onboarding_url == SCRIPT_URLS[0]  # kept as Debitura said it; only the pages refuse to offer it
