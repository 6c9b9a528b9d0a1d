"""Test cases: Debitura hides them from the partner's listings, so the dashboard shows as test cases
exactly those it submitted itself (the Customer API says `isTestCase`), and nothing else."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Case
from dashboard.sandbox import models as sandbox_models
from dashboard.services import sync as sync_service
from tests.cases_support import case_form, make_tenant
from tests.raw_body import app_client

pytestmark = pytest.mark.shared_app


def sandbox_test_case_ids(sandbox) -> set[str]:
    with sandbox.session() as s:
        return set(s.scalars(select(sandbox_models.Case.id).where(sandbox_models.Case.is_test.is_(True))))


def sync(app) -> None:
    with app.app_context():
        assert sync_service.run_sync(debitura=app_client(), trigger="test").status == "succeeded"


def submit_test_case(client, tenant_id: int) -> str:
    key = client.post(f"/cases/new/{tenant_id}").headers["Location"].rsplit("/", 1)[-1]
    form = case_form(is_test="y")
    client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    assert client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"}).status_code == 303
    return form["creditor_reference"]


def test_the_demos_test_cases_never_reach_the_mirror_as_ordinary_cases(app, client, operators, sandbox):
    sandbox.load_demo()
    demo_test_cases = sandbox_test_case_ids(sandbox)
    assert len(demo_test_cases) == 6

    sync(app)

    with app.app_context():
        mirrored = set(db.session.scalars(select(Case.id)))
        assert mirrored and not mirrored & demo_test_cases
        assert db.session.scalars(select(Case.id).where(Case.is_test.is_(True))).all() == []
    operators.login("viewer")
    only_tests = client.get("/cases/?test=only").get_data(as_text=True)
    assert "No case matches these filters" in only_tests


def test_a_test_case_submitted_here_is_marked_in_the_list_and_csv_and_stays_marked_after_a_sync(
    app, client, operators, sandbox
):
    operators.login("operator")
    tenant_id, _ = make_tenant(app)
    reference = submit_test_case(client, tenant_id)

    sync(app)

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.creditor_reference == reference))
        assert case.is_test is True
        case_id, case_reference = case.id, case.reference
    listed = client.get("/cases/?test=only").get_data(as_text=True)
    assert case_reference in listed and 'class="badge badge--test"' in listed
    export = client.get("/cases/export.csv?test=only")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row.get("Test case", "").lower() for row in rows if case_reference in row.values()] == ["yes"]
    assert case_id in sandbox_test_case_ids(sandbox)
