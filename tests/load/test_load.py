"""Load: 50 concurrent signed-in browsers for 60 seconds over the list pages of a gunicorn-served dashboard.

Two workers (four threads each, as `make run` serves it), on PostgreSQL when it answers.
Browsers click through the tenants list, triage home, cases list and pending queue, as full
pages and as the htmx partials their filters, chips and pagers request. Not one request may
fail; the latency percentiles are printed.

Like a browser, a browser here sends a GET once more when the server closed its idle keep-alive
connection just as the request went out (gunicorn closes connections idle past its keep-alive
time, and under saturation that can be one whose next request is already on the wire). Those
retries are counted, printed and held to one in a thousand requests; a second failure is an error.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests

from benchmarks import apps, databases
from benchmarks.browsing import create_operator, sign_in
from benchmarks.stats import Latency
from dashboard.services import sync as sync_service
from tests.conftest import POSTGRES
from tests.raw_body import app_client
from tests.support import ServedDashboard

pytestmark = [pytest.mark.slow, pytest.mark.serial]

BROWSERS = 50
SECONDS = 60
WORKERS = 2
PARTIAL = {"HX-Request": "true"}
RETRIES_PER_REQUEST = 0.001
# (path, htmx target or None): what browsing the list pages asks for.
CLICKS = (
    ("/tenants/", None), ("/tenants/?page=2", "tenant-results"), ("/tenants/?q=bulk-0001", "tenant-results"),
    ("/tenants/?state=ready&sort=-changed", "tenant-results"), ("/tenants/?state=approval_pending", "tenant-results"),
    ("/triage/", None), ("/triage/", "triage-queues"),
    ("/cases/", None), ("/cases/?group=Active", "case-results"), ("/cases/?group=Closed&page=3", "case-results"),
    ("/cases/?q=g00", "case-results"), ("/cases/?sort=amount&direction=asc", "case-results"),
    ("/cases/pending", None),
)


@pytest.fixture
def dashboard(tmp_path):
    """Demo data plus a few thousand cases at the sandbox, synced into the mirror, served by gunicorn."""
    with ExitStack() as stack:
        url = (stack.enter_context(databases.private_schema("load")) if POSTGRES
               else databases.sqlite_url(tmp_path / "dashboard.db"))
        served = ServedDashboard(url, apps.workdir_sandbox_url(tmp_path))
        stack.callback(served.close)
        sandbox = served.app.extensions["sandbox"]
        sandbox.load_demo()
        sandbox.grow(300, 3000)
        with served.app.app_context():
            assert sync_service.run_sync(debitura=app_client(), trigger="test", fresh=True).status == "succeeded"
        served.serve(workers=WORKERS, threads=4)
        yield served


def test_fifty_browsers_for_a_minute_get_every_list_page_without_one_error(dashboard, capsys):
    # Fifty people, one browser each: parallel sign-ins of one account would rightly meet its throttle.
    emails = [create_operator(dashboard.app, f"load-{index}-{uuid.uuid4().hex[:6]}@partner.example", role="viewer")
              for index in range(BROWSERS)]
    sessions = [requests.Session() for _ in range(BROWSERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:  # signing in hashes a password: spread it over the workers
        list(pool.map(lambda pair: sign_in(pair[0], dashboard.url, pair[1]), zip(sessions, emails)))
    outcomes: list[tuple[str, int, float]] = []
    errors: list[str] = []
    retried: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def browse(session: requests.Session, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            path, target = rng.choice(CLICKS)
            headers = {**PARTIAL, "HX-Target": target} if target else {}
            started = time.perf_counter()
            try:
                status = _get_as_a_browser(session, f"{dashboard.url}{path}", headers, retried, lock)
            except requests.RequestException as error:
                status = 0
                with lock:
                    errors.append(f"{path}: {type(error).__name__}: {str(error)[:200]}")
            with lock:
                outcomes.append((path, status, time.perf_counter() - started))

    browsers = [threading.Thread(target=browse, args=(session, number)) for number, session in enumerate(sessions)]
    began = time.monotonic()
    for browser in browsers:
        browser.start()
    for browser in browsers:
        browser.join(timeout=SECONDS + 60)
    elapsed = time.monotonic() - began
    for session in sessions:
        session.close()

    statuses = Counter(status for _, status, _ in outcomes)
    latency = Latency.of([seconds for _, _, seconds in outcomes])
    with capsys.disabled():
        print(f"\n  load: {BROWSERS} browsers, {elapsed:.0f} s, {len(outcomes)} requests ({len(outcomes) / elapsed:.0f}/s) "
              f"on {'PostgreSQL' if POSTGRES else 'SQLite'}, {WORKERS} gunicorn workers: median {latency.median:.0f} ms, "
              f"p95 {latency.p95:.0f} ms, p99 {latency.p99:.0f} ms, worst {latency.worst:.0f} ms; answers {dict(statuses)}; "
              f"sent again after a closed keep-alive connection: {len(retried)}")
    assert not any(browser.is_alive() for browser in browsers)
    assert errors == []
    assert len(retried) <= RETRIES_PER_REQUEST * len(outcomes), retried
    assert set(statuses) == {200}, statuses
    assert len(outcomes) >= BROWSERS


def _get_as_a_browser(session: requests.Session, url: str, headers: dict, retried: list[str], lock) -> int:
    """GET, sent once more on a fresh connection if the kept-alive one was closed under it (as browsers do)."""
    try:
        return session.get(url, headers=headers, timeout=30).status_code
    except requests.ConnectionError as error:
        with lock:
            retried.append(f"{url}: {str(error)[:200]}")
    return session.get(url, headers=headers, timeout=30).status_code
