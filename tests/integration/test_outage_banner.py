"""The outage banner: shown once Debitura stops answering, gone with its next answer, on every worker."""

import pytest

from dashboard.debitura.errors import DebituraConnectionError

pytestmark = pytest.mark.postgres

BANNER = "Debitura cannot be reached"


def test_a_failed_call_raises_the_banner_and_the_next_answer_clears_it(app, client, operators, sandbox, debitura):
    operators.login("viewer")
    assert BANNER not in client.get("/tenants/").get_data(as_text=True)

    sandbox.faults.fail_next(3, "connection_reset")  # the first try and both retries
    with app.app_context(), pytest.raises(DebituraConnectionError):
        debitura.referral.me()
    page = client.get("/tenants/").get_data(as_text=True)
    assert BANNER in page
    assert "what you type is kept" in page

    with app.app_context():
        debitura.referral.me()
    assert BANNER not in client.get("/tenants/").get_data(as_text=True)


def test_a_rejection_is_not_an_outage(app, client, operators, debitura):
    from dashboard.debitura.errors import NotFound

    operators.login("viewer")
    with app.app_context(), pytest.raises(NotFound):
        debitura.referral.get_client("nobody-has-this-id")
    assert BANNER not in client.get("/tenants/").get_data(as_text=True)


def test_signed_out_visitors_do_not_see_it(app, client, sandbox, debitura):
    sandbox.faults.fail_next(3, "connection_reset")
    with app.app_context(), pytest.raises(DebituraConnectionError):
        debitura.referral.me()
    assert BANNER not in client.get("/auth/login").get_data(as_text=True)


def test_the_banner_dates_the_mirror_by_its_last_refresh_not_by_the_outage_start(app, client, operators, sandbox, debitura):
    from datetime import UTC, datetime

    from dashboard.extensions import db
    from dashboard.models import SyncRun

    synced_at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with app.app_context():
        db.session.add(SyncRun(status="succeeded", phase="done", started_at=synced_at, finished_at=synced_at))
        db.session.commit()
    operators.login("viewer")

    sandbox.faults.fail_next(3, "connection_reset")
    with app.app_context(), pytest.raises(DebituraConnectionError):
        debitura.referral.me()
    page = " ".join(client.get("/tenants/").get_data(as_text=True).split())

    assert "Pages show the local mirror as of 2026-01-02 03:04 UTC (its last sync or webhook);" in page
