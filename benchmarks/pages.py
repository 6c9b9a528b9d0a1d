"""Benchmark 1: the list pages at scale, as full pages and as htmx partials, against their floors.

Server time is measured around the WSGI call in-process (no network), for a signed-in viewer,
after a few warm-up requests. SQL statements are counted per request on the engine; they must
not grow with the rows a page shows, so each page is also counted filtered down to a row or
two, and on the smaller synced data set.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from benchmarks import floor, report
from benchmarks.browsing import PASSWORD, create_operator, csrf_token
from benchmarks.stats import Latency, percentile
from dashboard.extensions import db
from dashboard.models import Case

REQUESTS = 60
WARM_UP = 5
PARTIAL_P95_MS = 15.0
FULL_P95_MS = 30.0
FLOOR_RATIO = 2.0


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    target: str  # the id of its swappable region, sent as HX-Target
    floor: str
    narrow: str | None  # the page filtered down to a row or two, or None when it has no filter


@dataclass(frozen=True)
class Run:
    latency: Latency
    statements: int
    size: int
    rows: int
    fragment: bool


class StatementCounter:
    """Counts SQL statements sent on an engine between two reads."""

    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def pages_for(app: Flask) -> list[Page]:
    with app.app_context():
        reference = db.session.scalar(select(Case.reference).where(Case.reference.is_not(None)).order_by(Case.id).limit(1))
    return [
        Page("Tenants list", "/tenants/", "tenant-results", "/_floor/tenants", "/tenants/?q=bulk-000001"),
        Page("Triage home", "/triage/", "triage-queues", "/_floor/triage", None),
        Page("Cases list", "/cases/", "case-results", "/_floor/cases", f"/cases/?q={reference}" if reference else None),
        Page("Pending signing", "/cases/pending", "pending-queue", "/_floor/pending", None),
    ]


def signed_in_client(app: Flask) -> FlaskClient:
    """A viewer's browser, signed in through the real form (CSRF on, as in production)."""
    email = create_operator(app, f"viewer-{time.monotonic_ns()}@bench.example", role="viewer")
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    if response.status_code != 303:
        raise RuntimeError(f"the benchmark viewer could not sign in ({response.status_code})")
    return client


_ROW = re.compile(r"<tr[\s>]")


def _rows(body: str) -> int:
    """Table rows shown, header rows left out."""
    return max(0, len(_ROW.findall(body)) - body.count("<thead"))


def measure(client: FlaskClient, counter: StatementCounter, url: str, *, target: str | None = None,
            requests: int = REQUESTS) -> Run:
    headers = {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": f"http://bench{url}"} if target else {}
    for _ in range(WARM_UP):
        client.get(url, headers=headers)
    seconds, statements = [], []
    body = b""
    for _ in range(requests):
        counter.take()
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        seconds.append(time.perf_counter() - started)
        statements.append(counter.take())
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        body = response.get_data()
    text = body.decode("utf-8", errors="replace")
    return Run(Latency.of(seconds), int(percentile(statements, 50)), len(body), _rows(text),
               fragment="<html" not in text.lower())


def statements_of(client: FlaskClient, counter: StatementCounter, url: str) -> int:
    return measure(client, counter, url, requests=3).statements


def bench_backend(label: str, app: Flask, smaller: Flask | None = None) -> None:
    """Measure every page on one synced data set; `smaller` (the same, synced from fewer cases) checks statement growth."""
    floor.install(app)
    client = signed_in_client(app)
    with app.app_context():
        counter = StatementCounter(db.engine)
    small_client = small_counter = None
    if smaller is not None:
        small_client = signed_in_client(smaller)
        with smaller.app_context():
            small_counter = StatementCounter(db.engine)

    rows = []
    for page in pages_for(app):
        floor_run = measure(client, counter, page.floor)
        full = measure(client, counter, page.url)
        partial = measure(client, counter, page.url, target=page.target)
        counts = [full.statements, partial.statements]
        detail = [f"{full.statements}/{partial.statements} shown"]
        if page.narrow:
            narrow = statements_of(client, counter, page.narrow)
            counts.append(narrow)
            detail.append(f"{narrow} filtered to few rows")
        if small_client is not None:
            small = statements_of(small_client, small_counter, page.url)
            counts.append(small)
            detail.append(f"{small} on the smaller set")
        flat = max(counts) - min(counts) <= 1  # the partial may skip one query of the layout
        for variant, run in (("full page", full), ("htmx partial", partial), ("floor", floor_run)):
            ratio = run.latency.median / floor_run.latency.median
            rows.append((
                page.name if variant == "full page" else "", variant,
                f"{run.latency.median:.1f}", f"{run.latency.p95:.1f}", f"{ratio:.2f}x",
                run.statements, f"{run.size:,}", run.rows,
            ))
        what = f"{label} {page.name}"
        if partial.fragment:
            report.check(f"{what}: partial p95", partial.latency.p95, PARTIAL_P95_MS, unit=" ms")
        else:
            report.note(f"{what}: partial", "a full page (no htmx block)", "a fragment", False,
                        "the page has no swappable block; htmx requests get the whole page")
        report.check(f"{what}: full page p95", full.latency.p95, FULL_P95_MS, unit=" ms")
        report.check(f"{what}: partial/floor (median)", partial.latency.median / floor_run.latency.median, FLOOR_RATIO,
                     unit="x")
        report.check(f"{what}: full/floor (median)", full.latency.median / floor_run.latency.median, FLOOR_RATIO, unit="x")
        report.note(f"{what}: SQL statements", "; ".join(detail), "flat as rows grow", flat,
                    "" if flat else "the statement count changes with the rows shown")
    report.say()
    report.say(f"{label}: {REQUESTS} requests each after {WARM_UP} warm-up, server time in ms, ratio = median / floor median")
    report.table(("page", "variant", "median", "p95", "vs floor", "SQL", "bytes", "rows"), rows)
