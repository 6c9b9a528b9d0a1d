"""Exactly one case per submission, whatever the network does: on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, CaseSubmission
from dashboard.models.base import now_utc
from dashboard.services import submissions
from tests.cases_support import case_form, make_tenant, sandbox_case_count, without_backoff

pytestmark = pytest.mark.postgres


@pytest.fixture
def draft(app, client, operators):
    """A previewed draft for a ready tenant: (tenant id, externalTenantId, key, form)."""
    operators.login("operator")
    without_backoff(app)
    tenant_id, tenant = make_tenant(app)
    key = client.post(f"/cases/new/{tenant_id}").headers["Location"].rsplit("/", 1)[-1]
    form = case_form()
    client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"})
    return tenant_id, tenant, key, form


def status_of(app, key: str) -> CaseSubmission:
    with app.app_context():
        row = db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == key))
        db.session.expunge(row)
        return row


def mirrored_cases(app, tenant_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case).where(Case.tenant_id == tenant_id))


def test_a_timeout_after_the_case_was_created_then_a_retry_leaves_exactly_one_case(app, client, sandbox, draft):
    tenant_id, tenant, key, form = draft
    # Debitura creates the case and the answer is lost; the client's own two retries lose theirs too.
    sandbox.faults.fail_next(3, "timeout_after", path_prefix="/customer-api/cases")

    first = client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})

    assert first.status_code == 303
    assert status_of(app, key).status == "failed"
    assert sandbox_case_count(app, tenant) == 1
    page = client.get(f"/cases/submissions/{key}").get_data(as_text=True)
    assert "No answer from Debitura" in page and form["creditor_reference"] in page

    double_click = client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})
    retried = client.post(f"/cases/submissions/{key}/retry")
    retried_again = client.post(f"/cases/submissions/{key}/retry")

    assert "nothing was sent again" in double_click.get_data(as_text=True)
    assert retried.status_code == retried_again.status_code == 303
    done = status_of(app, key)
    assert done.status == "created" and done.attempts == 2
    assert sandbox_case_count(app, tenant) == 1
    assert mirrored_cases(app, tenant_id) == 1


def test_a_request_already_in_flight_is_never_sent_a_second_time(app, client, draft):
    tenant_id, tenant, key, form = draft
    with app.app_context():
        row = db.session.scalar(select(CaseSubmission).where(CaseSubmission.idempotency_key == key))
        row.status, row.sending_since = "sending", now_utc()
        db.session.commit()

    response = client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"})

    assert "Being sent to Debitura" in response.get_data(as_text=True)
    assert sandbox_case_count(app, tenant) == 0


def test_of_two_simultaneous_claims_on_one_key_exactly_one_wins(app, draft):
    _, _, key, _ = draft
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def claim():
        with app.app_context():
            barrier.wait()
            results.append(submissions._claim(key, from_statuses=("draft",), values={}))
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert status_of(app, key).status == "sending"
