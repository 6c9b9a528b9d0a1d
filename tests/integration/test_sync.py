"""The sync: paging, reconciling, single-flight, resuming, disappearing tenants, the CLI and the admin button."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Case, SyncRun, Tenant
from dashboard.services import leases
from dashboard.services import sync as sync_service
from dashboard.services.rate_budget import RateBudget
from tests.budget_clock import FakeClock, busiest_window
from tests.raw_body import app_client
from tests.tenant_data import create_case, create_client, withdraw_at_debitura

pytestmark = [pytest.mark.postgres, pytest.mark.shared_app]


@pytest.fixture
def small_pages(monkeypatch):
    """Two items a page, so a handful of records exercises paging (production uses Debitura's 100)."""
    monkeypatch.setattr(sync_service, "PAGE_SIZE", 2)


@pytest.fixture
def three_clients(debitura):
    """Three clients and three cases at Debitura: two pages of each with small_pages."""
    for number in range(3):
        create_client(debitura, f"t-{number}")
    for _ in range(3):
        create_case(debitura, "t-0")


def states(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Tenant.external_tenant_id, Tenant.state)).all())


@pytest.mark.postgres
def test_a_sync_pages_through_clients_and_cases_and_records_the_run(app, small_pages, three_clients):
    with app.app_context():
        run = sync_service.run_sync(debitura=app_client())

        assert run.status == "succeeded" and run.phase == "done"
        assert (run.clients_seen, run.cases_seen) == (3, 3)
        assert run.tenants_changed == 3 and run.cases_changed == 3
        assert run.calls_made == 2 + 2  # two pages of clients, two of cases
        assert run.finished_at is not None and run.duration_seconds >= 0
        assert db.session.scalar(select(func.count()).select_from(Case).where(Case.external_tenant_id == "t-0")) == 3
        assert all(case.tenant.external_tenant_id == "t-0" for case in db.session.scalars(select(Case)))
    assert states(app) == {f"t-{n}": "onboarding" for n in range(3)}


def test_the_real_page_size_is_debituras_maximum():
    assert sync_service.PAGE_SIZE == 100


def test_a_second_sync_while_one_runs_is_refused_plainly(app):
    with app.app_context():
        assert leases.acquire(sync_service.LEASE, "another-worker", 60)
        with pytest.raises(sync_service.SyncAlreadyRunning, match="already running"):
            sync_service.run_sync(debitura=app_client())


def test_an_interrupted_sync_resumes_where_it_stopped(app, small_pages, three_clients):
    def stop_after_first_page(run):
        if run.phase == "clients" and run.next_page == 2:
            raise KeyboardInterrupt

    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            sync_service.run_sync(debitura=app_client(), progress=stop_after_first_page)
        stopped = sync_service.latest_run()
        assert (stopped.status, stopped.phase, stopped.next_page, stopped.clients_seen) == ("interrupted", "clients", 2, 2)
        assert leases.acquire(sync_service.LEASE, "somebody-else", 1)  # the lease was released
        leases.release(sync_service.LEASE, "somebody-else")

        resumed = sync_service.run_sync(debitura=app_client())

        assert resumed.id == stopped.id and resumed.resumed == 1
        assert resumed.status == "succeeded"
        assert resumed.clients_seen == 3  # pages already done are not read again
        assert resumed.calls_made == 4


def test_a_debitura_failure_stops_the_run_with_a_message_and_the_next_one_carries_on(app, sandbox, small_pages, three_clients):
    sandbox.faults.fail_next(1, "http_429", path_prefix="/referral-api/cases", retry_after=120)
    with app.app_context():
        failed = sync_service.run_sync(debitura=app_client())
        assert failed.status == "failed" and failed.phase == "cases"
        assert "resumes here" in failed.message
        assert failed.errors[0]["error"] == "RateLimited"

        again = sync_service.run_sync(debitura=app_client())

        assert again.id == failed.id and again.status == "succeeded"
        assert again.cases_seen == 3


def test_a_fresh_sync_starts_over_instead_of_resuming(app, small_pages, three_clients):
    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            sync_service.run_sync(debitura=app_client(), progress=lambda run: (_ for _ in ()).throw(KeyboardInterrupt()))
        first = sync_service.latest_run()
        fresh = sync_service.run_sync(debitura=app_client(), fresh=True)
        assert fresh.id != first.id and fresh.clients_seen == 3


def test_tenants_gone_from_debitura_become_withdrawn(app, sandbox, debitura, three_clients):
    with app.app_context():
        sync_service.run_sync(debitura=app_client())
    withdraw_at_debitura(sandbox, "t-2")

    with app.app_context():
        run = sync_service.run_sync(debitura=app_client())
        assert run.tenants_missing == 1

    assert states(app)["t-2"] == "withdrawn"
    assert states(app)["t-1"] == "onboarding"


def test_a_run_that_loses_its_lease_stops_writing(app, small_pages, three_clients):
    def steal(run):
        leases.release(sync_service.LEASE, run.holder)
        leases.acquire(sync_service.LEASE, "thief", 60)

    with app.app_context():
        run = sync_service.run_sync(debitura=app_client(), progress=steal)
        assert run.status == "interrupted"
        assert "taken over" in run.message


def test_the_sync_command_reports_and_exits_by_outcome(app, three_clients):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["sync", "--quiet"])

    assert result.exit_code == 0, result.output
    assert "Sync succeeded" in result.output and "3 clients and 3 cases read" in result.output
    with app.app_context():
        leases.acquire(sync_service.LEASE, "cron-overlap", 60)
    busy = runner.invoke(args=["sync"])
    assert busy.exit_code == 2
    assert "already running" in busy.output


def test_an_admin_starts_a_sync_and_watches_its_progress(app, client, operators, three_clients):
    operators.login("admin")

    started = client.post("/sync/start", headers={"HX-Request": "true", "HX-Target": "sync-progress"})

    assert started.status_code == 200
    assert 'hx-trigger="every 1s"' in started.get_data(as_text=True)
    run_id = next(iter(app.extensions["sync_threads"]))
    app.extensions["sync_threads"][run_id].join(timeout=30)

    progress = client.get(f"/sync/runs/{run_id}", headers={"HX-Request": "true"})
    body = progress.get_data(as_text=True)
    assert "succeeded" in body and "every 1s" not in body  # finished: polling stops
    assert "<html" not in body
    page = client.get("/sync/").get_data(as_text=True)
    assert "Recent runs" in page and "admin" in page


def test_starting_a_sync_while_one_runs_says_so(app, client, operators):
    operators.login("admin")
    with app.app_context():
        leases.acquire(sync_service.LEASE, "other", 60)

    response = client.post("/sync/start", follow_redirects=True)

    assert "already running" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncRun)) == 0


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_may_start_a_sync(client, operators, role):
    operators.login(role)

    assert client.post("/sync/start").status_code == 403
    assert "Sync now" not in client.get("/sync/").get_data(as_text=True)


def test_a_resumed_run_reports_its_working_time_its_calls_and_when_it_finished(app, client, operators, sandbox, small_pages, debitura):
    create_client(debitura, "only-one")
    sandbox.faults.fail_next(1, "http_429", path_prefix="/referral-api/clients", retry_after=120)
    with app.app_context():
        failed = sync_service.run_sync(debitura=app_client())
        assert failed.status == "failed" and failed.phase == "clients"
        assert failed.calls_made == 1  # the refused call was made, though nothing it read was kept
        first_stretch = failed.duration_seconds

    sandbox.advance_clock(3 * 3600, run_jobs=False)  # three idle hours before the next sync resumes it
    with app.app_context():
        resumed = sync_service.run_sync(debitura=app_client())
        assert resumed.id == failed.id and resumed.status == "succeeded" and resumed.resumed == 1
        assert resumed.duration_seconds < first_stretch + 600  # the idle hours are not counted
        assert resumed.calls_made >= 3  # the failed call, then clients, the missing check and cases
    operators.login("admin")

    sync_page = " ".join(client.get("/sync/").get_data(as_text=True).split())
    assert "1 tenant," in sync_page and "1 tenants" not in sync_page
    assert "1 client and" in sync_page and "1 clients" not in sync_page
    shown = re.search(r"<dt>Duration</dt><dd>([\d.]+) s</dd>", sync_page)
    assert shown and float(shown.group(1)) < 600
    triage = " ".join(client.get("/triage/").get_data(as_text=True).split())
    assert "Mirror last synced just now (succeeded)." in triage  # when it finished, not its first start 3 h ago


# --- concurrent fetching: properties that hold whatever order the pages arrive in ------------


@pytest.fixture
def nine_cases(debitura):
    """One client with nine cases: five pages of cases with small_pages."""
    create_client(debitura, "t-many")
    return {create_case(debitura, "t-many").id for _ in range(9)}


def listing_pages(sandbox, path: str) -> list[int]:
    """Record the Page parameter of every listing call to `path` the sandbox answers from now on."""
    pages: list[int] = []

    def observe(request, _response):
        url = urlsplit(request.url)
        if url.path.endswith(path):
            pages.append(int(parse_qs(url.query)["Page"][0]))

    sandbox.observers.append(observe)
    return pages


def test_concurrent_fetching_applies_every_page_exactly_once(app, sandbox, monkeypatch, small_pages, nine_cases):
    applied: list[str] = []
    apply_cases = sync_service._apply_cases

    def recording(run, page, as_of):
        applied.extend(item.id for item in page.items)
        apply_cases(run, page, as_of)

    monkeypatch.setattr(sync_service, "_apply_cases", recording)
    requested = listing_pages(sandbox, "/referral-api/cases")
    with app.app_context():
        run = sync_service.run_sync(debitura=app_client(), workers=3)

        assert run.status == "succeeded"
        assert sorted(requested) == [1, 2, 3, 4, 5]
        assert sorted(applied) == sorted(nine_cases)  # each case once: no page twice, none left out
        assert run.cases_seen == 9 and run.calls_made == 1 + 5  # one page of clients, five of cases
        assert db.session.scalar(select(func.count()).select_from(Case)) == 9


def test_a_failure_mid_listing_resumes_with_only_the_missing_pages(app, sandbox, small_pages, nine_cases):
    primed = []

    def fail_a_later_page(run):
        if run.phase == "cases" and run.next_page == 2 and not primed:  # page 1 applied, the rest to fetch
            primed.append(True)
            sandbox.faults.fail_next(1, "http_429", path_prefix="/referral-api/cases", retry_after=120)

    with app.app_context():
        failed = sync_service.run_sync(debitura=app_client(), workers=2, progress=fail_a_later_page)
        assert (failed.status, failed.phase, failed.total_pages) == ("failed", "cases", 5)
        done = set(range(1, failed.next_page)) | set(failed.pages_done)
        assert 1 in done and len(done) < 5
        requested = listing_pages(sandbox, "/referral-api/cases")

        resumed = sync_service.run_sync(debitura=app_client(), workers=2)

        assert resumed.id == failed.id and resumed.status == "succeeded"
        assert sorted(requested) == sorted(set(range(1, 6)) - done)
        assert resumed.cases_seen == 9
        assert db.session.scalar(select(func.count()).select_from(Case)) == 9


def test_the_runs_calls_stay_within_the_rate_budget(app, small_pages, three_clients):
    clock = FakeClock()
    budget = RateBudget(limit=3, window=60, clock=clock, sleep=clock.sleep)
    taken: list[float] = []
    take = budget.take

    def recording_take(stop=None):
        moment = take(stop)
        if moment is not None:
            taken.append(moment)
        return moment

    budget.take = recording_take  # type: ignore[method-assign]
    with app.app_context():
        run = sync_service.run_sync(debitura=app_client(), budget=budget, workers=2)
        assert run.status == "succeeded" and run.calls_made == 4

    assert len(taken) == 4 and busiest_window(taken, 60) == 3
    assert sorted(taken) == [0, 0, 0, 60]  # the fourth call waited for the window to slide
