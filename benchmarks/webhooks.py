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
THREADS = 4  # per worker, as `make run` serves
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


def served(workdir: Path, database_url: str, workers: int, seed: int) -> tuple[float, Latency, Latency, int]:
    """Deliveries per second, latency as the senders saw it and inside the app, and failures.

    As many senders as the server has threads: every thread kept busy, none queueing behind another.
    """
    sandbox_url = apps.workdir_sandbox_url(workdir, f"webhooks-sandbox-{workers}.db")
    app = apps.build(database_url, sandbox_url)
    apps.prepare(app)
    deliveries, unique = _deliveries(seed=seed)
    timings = workdir / f"webhooks-timings-{workers}.log"
    env = {**apps.settings(database_url, sandbox_url), "BENCH_TIMING_LOG": str(timings)}
    with Gunicorn(env, workers=workers, threads=THREADS) as server:
        outcomes, wall = post_all(f"{server.url}/webhooks/debitura", deliveries, signed, threads=workers * THREADS)
    failures = [outcome for outcome in outcomes if outcome.status != 200]
    stored = _stored(app)
    apps.dispose(app)
    if stored != unique:
        raise RuntimeError(f"{stored} events stored for {unique} distinct ones ({workers} workers)")
    inside = [float(line) for line in timings.read_text().split()]
    return (len(deliveries) / wall, Latency.of([outcome.seconds for outcome in outcomes]), Latency.of(inside),
            len(failures))


def bench(workdir: Path) -> None:
    if not databases.postgres_answers():
        report.say("  PostgreSQL does not answer: the webhook benchmark needs it and was skipped.")
        report.note("Webhook ingest", "not measured", "PostgreSQL", False, "PostgreSQL unavailable")
        return
    rows = []
    with databases.private_schema("bench_hooks_inproc") as url:
        rate, latency = in_process(workdir, url)
    rows.append(("in-process, no HTTP, one at a time", 1, 1, f"{rate:.0f}", f"{rate:.0f}", "", "",
                 f"{latency.median:.1f}", f"{latency.p99:.1f}", 0))
    for workers, seed in ((1, 202), (4, 303)):
        with databases.private_schema(f"bench_hooks_{workers}w") as url:
            rate, seen, inside, failures = served(workdir, url, workers, seed)
        per_process = rate / workers
        rows.append((f"gunicorn {workers} worker{'s' if workers > 1 else ''} × {THREADS} threads", workers,
                     workers * THREADS, f"{rate:.0f}", f"{per_process:.0f}", f"{seen.median:.1f}", f"{seen.p99:.1f}",
                     f"{inside.median:.1f}", f"{inside.p99:.1f}", failures))
        label = f"Webhooks, gunicorn {workers} worker{'s' if workers > 1 else ''}, PostgreSQL"
        report.check(f"{label}: events/s per process", per_process, PER_PROCESS_TARGET, unit="/s", higher_is_better=True)
        report.check(f"{label}: p99 latency (sender)", seen.p99, P99_TARGET_MS, unit=" ms")
        report.note(f"{label}: deliveries answered 200", f"{failures} failed", "0 failed", failures == 0)
    deliveries = round(UNIQUE_EVENTS / (1 - DUPLICATE_SHARE))
    report.say(f"  {deliveries:,} signed deliveries per run ({UNIQUE_EVENTS:,} distinct events, "
               f"{DUPLICATE_SHARE:.0%} repeats, shuffled) from as many concurrent senders as the server has threads, "
               "on the same machine; latency in ms as the sender saw it and inside the app")
    report.table(("receiver", "processes", "senders", "events/s", "per process", "sender median", "sender p99",
                  "app median", "app p99", "failed"), rows)
