"""Debitura's internal lifecycle and close codes reach support staff in words, with the code kept beside them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw
from tests.support import page
from tests.tenant_data import add_tenant


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory, role="viewer")


@pytest.fixture(scope="module")
def seeded(env):
    from dashboard.extensions import db
    from dashboard.models import Case

    with env.app.app_context():
        tenant = add_tenant("worded", company="Worded ApS", onboarding_done=True)
        db.session.add_all([
            Case(id="case-checking", tenant_id=tenant.id, external_tenant_id="worded", reference="W-1",
                 lifecycle="Pending Verification Internal"),
            Case(id="case-withdrawn", tenant_id=tenant.id, external_tenant_id="worded", reference="W-2",
                 lifecycle="Closed", close_code="CaseNeverStartedInternal"),
        ])
        db.session.commit()
        return tenant.id


def test_lists_show_lifecycles_and_close_codes_in_words_with_the_code_in_a_title(env, seeded):
    for url in (f"/tenants/{seeded}", "/cases/"):
        response = env.client.get(url)
        html, text = response.get_data(as_text=True), page(response).text
        assert "Being checked by Debitura" in text and "Withdrawn before collection started" in text, url
        assert "CaseNeverStartedInternal" not in text and "Pending Verification Internal" not in text, url
        assert 'title="lifecycle: Closed; closeCode: CaseNeverStartedInternal"' in html, url
        assert 'title="lifecycle: Pending Verification Internal"' in html, url


def test_the_case_page_gives_the_words_and_keeps_the_code_on_a_details_line(env):
    from dashboard.sandbox.domain.cases import move_case

    _, tenant = make_tenant(env.app, name="Detail Words ApS")
    with env.app.test_request_context():
        case = env.debitura.create_case(tenant, raw({
            "currencyCode": "EUR", "amountToRecover": Decimal("2500.00"), "date": "2026-01-05",
            "debtor": {"type": "Company", "name": "Words Debtor A/S", "countryAlpha2": "DK"},
        }))

    checking = page(env.client.get(f"/cases/{case.id}")).text
    assert "Lifecycle Being checked by Debitura (Debitura: Pending Verification Internal )" in checking

    with env.sandbox.session() as s:
        move_case(s, case.id, "Closed", close_code="CaseNeverStartedInternal")
    closed = page(env.client.get(f"/cases/{case.id}")).text
    assert "Close code Withdrawn before collection started (Debitura: CaseNeverStartedInternal )" in closed
    assert "closed (Withdrawn before collection started)" in closed
