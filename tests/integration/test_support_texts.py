"""What support staff read is in words: no API paths, codes or HTTP statuses in next steps and histories."""

from __future__ import annotations

import pytest

from dashboard.services.tenant_state import STATES
from tests.cases_support import module_env
from tests.tenant_data import add_tenant


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


@pytest.mark.parametrize("info", STATES, ids=lambda info: info.code)
def test_no_next_step_speaks_of_api_calls(info):
    for text in (info.next_action, info.explanation):
        assert "POST /" not in text and "GET /" not in text and "HTTP" not in text


def test_an_expired_link_tells_support_staff_to_re_issue_in_plain_words(env):
    with env.app.app_context():
        tenant_id = add_tenant("expired-1", company="Lapsed ApS", conflict_type="ClientExistsNeedsLinking",
                               link_request_status="expired").id

    html = env.client.get(f"/tenants/{tenant_id}").get_data(as_text=True)

    assert "Re-issue the approval URL and send the fresh URL to the customer." in html
    assert "POST /clients" not in html
