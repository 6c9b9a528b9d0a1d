"""One wording per KYC status, from one place, on every page that names it (the code stays in a title)."""

from __future__ import annotations

import pytest

from dashboard.kyc_status import KYC_STATUS_WORDS
from tests.cases_support import module_env
from tests.support import page
from tests.tenant_data import add_tenant

OTHER_WORDINGS = ("not required", "not asked for yet", "not_required", "kyc pending")


@pytest.fixture
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="operator")


def visible_text(env, url: str) -> str:
    response = env.client.get(url)
    assert response.status_code == 200, url
    return page(response).text


@pytest.mark.parametrize("status", sorted(KYC_STATUS_WORDS))
def test_the_tenant_list_tenant_page_and_kyc_pages_name_a_kyc_status_the_same_way(env, status):
    words = KYC_STATUS_WORDS[status]
    with env.app.app_context():
        tenant_id = add_tenant(f"kyc-{len(status)}", onboarding_done=True, kyc_status=status, kyc_blocked_cases=1).id

    texts = {
        url: visible_text(env, url)
        for url in ("/tenants/", f"/tenants/{tenant_id}", "/kyc/", f"/kyc/{tenant_id}")
    }

    for url, text in texts.items():
        assert words in text, url
        others = [w for w in OTHER_WORDINGS if w in text.lower() and w != words.lower()]
        assert not others, (url, others)
    assert f'title="kycStatus: {status}"' in env.client.get(f"/tenants/{tenant_id}").get_data(as_text=True)


def test_triage_names_a_pending_status_in_the_same_words(env):
    with env.app.app_context():
        add_tenant("kyc-triage", company="Triage Ltd", onboarding_done=True, kyc_status="pending")

    text = visible_text(env, "/triage/")

    assert f"KYC: {KYC_STATUS_WORDS['pending'].lower()}" in text
    assert "KYC pending" not in text
