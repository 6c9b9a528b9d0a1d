"""Benchmark 3: signed webhook deliveries per second into the receiver, with dedupe.

The same stream (20 % repeats, shuffled) goes to gunicorn with one worker (a single process)
and with four, both on PostgreSQL, from concurrent keep-alive clients on this machine; the
client measures each delivery's latency. The receiver in-process, without HTTP, is shown for
reference. Every delivery must be answered 200 and every distinct event stored exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from benchmarks import apps, databases, report, webhook_events
from benchmarks.load import post_all
from benchmarks.server import Gunicorn
from benchmarks.stats import Latency
from dashboard.extensions import db
from dashboard.models import WebhookEvent

UNIQUE_EVENTS = 2400
DUPLICATE_SHARE = 0.20
SENDERS = 16
PER_PROCESS_TARGET = 300.0
P99_TARGET_MS = 50.0


def _deliveries(seed: int) -> tuple[list[dict], int]:
    tenants = webhook_events.tenants_for(100, prefix=f"bench{seed}")
    events = webhook_events.stream(UNIQUE_EVENTS, tenants, seed=seed)
    return webhook_events.with_duplicates(events, DUPLICATE_SHARE, seed=seed), len(events)


def signed(envelope: dict) -> tuple[bytes, dict[str, str]]:
    """Body and headers of one delivery, signed now (the receiver refuses signatures older than 300 s)."""
    body = webhook_events.body_of(envelope)
    return body, webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body)


def _stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(WebhookEvent)) or 0
        db.session.remove()
    return count


def in_process(workdir: Path, database_url: str) -> tuple[float, Latency]:
    """The receiver called through the app in this process: what one worker can do without HTTP in the way."""
    app = apps.build(database_url, apps.workdir_sandbox_url(workdir, "webhooks-sandbox.db"))
    apps.prepare(app)
    client = app.test_client()
    deliveries, unique = _deliveries(seed=101)
    seconds = []
    started = time.perf_counter()
    for envelope in deliveries:
        body, headers = signed(envelope)
        began = time.perf_counter()
        status = client.post("/webhooks/debitura", data=body, headers=headers).status_code
        seconds.append(time.perf_counter() - began)
        if status != 200:
            raise RuntimeError(f"in-process delivery answered {status}")
    wall = time.perf_counter() - started
    stored = _stored(app)
    apps.dispose(app)
    if stored != unique:
        raise RuntimeError(f"{stored} events stored for {unique} distinct ones")
    return len(deliveries) / wall, Latency.of(seconds)


def served(workdir: Path, database_url: str, workers: int, seed: int) -> tuple[float, Latency, int]:
    app = apps.build(database_url, apps.workdir_sandbox_url(workdir, f"webhooks-sandbox-{workers}.db"))
    apps.prepare(app)
    deliveries, unique = _deliveries(seed=seed)
    env = apps.settings(database_url, apps.workdir_sandbox_url(workdir, f"webhooks-sandbox-{workers}.db"))
    with Gunicorn(env, workers=workers, threads=4) as server:
        outcomes, wall = post_all(f"{server.url}/webhooks/debitura", deliveries, signed, threads=SENDERS)
    failures = [outcome for outcome in outcomes if outcome.status != 200]
    stored = _stored(app)
    apps.dispose(app)
    if stored != unique:
        raise RuntimeError(f"{stored} events stored for {unique} distinct ones ({workers} workers)")
    return len(deliveries) / wall, Latency.of([outcome.seconds for outcome in outcomes]), len(failures)


def bench(workdir: Path) -> None:
    if not databases.postgres_answers():
        report.say("  PostgreSQL does not answer: the webhook benchmark needs it and was skipped.")
        report.note("Webhook ingest", "not measured", "PostgreSQL", False, "PostgreSQL unavailable")
        return
    rows = []
    with databases.private_schema("bench_hooks_inproc") as url:
        rate, latency = in_process(workdir, url)
    rows.append(("in-process, no HTTP", 1, f"{rate:.0f}", f"{rate:.0f}", f"{latency.median:.1f}", f"{latency.p95:.1f}",
                 f"{latency.p99:.1f}", 0))
    for workers, seed in ((1, 202), (4, 303)):
        with databases.private_schema(f"bench_hooks_{workers}w") as url:
            rate, latency, failures = served(workdir, url, workers, seed)
        per_process = rate / workers
        rows.append((f"gunicorn {workers} worker{'s' if workers > 1 else ''} × 4 threads", workers, f"{rate:.0f}",
                     f"{per_process:.0f}", f"{latency.median:.1f}", f"{latency.p95:.1f}", f"{latency.p99:.1f}", failures))
        label = f"Webhooks, gunicorn {workers} worker{'s' if workers > 1 else ''}, PostgreSQL"
        report.check(f"{label}: events/s per process", per_process, PER_PROCESS_TARGET, unit="/s", higher_is_better=True)
        report.check(f"{label}: p99 latency", latency.p99, P99_TARGET_MS, unit=" ms")
        report.note(f"{label}: deliveries answered 200", f"{failures} failed", "0 failed", failures == 0)
    deliveries = round(UNIQUE_EVENTS / (1 - DUPLICATE_SHARE))
    report.say(f"  {deliveries:,} signed deliveries per run ({UNIQUE_EVENTS:,} distinct events, "
               f"{DUPLICATE_SHARE:.0%} repeats, shuffled), {SENDERS} concurrent senders on the same machine; "
               "latency as the sender saw it, in ms")
    report.table(("receiver", "processes", "events/s", "per process", "median", "p95", "p99", "failed"), rows)
