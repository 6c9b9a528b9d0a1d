"""Benchmark 3: signed webhook deliveries per second into the receiver, with dedupe.

The same kind of stream (20 % repeats, shuffled) goes to gunicorn with one worker (a single
process) and with four, both on PostgreSQL, from keep-alive clients on this machine: once as
fast as the server answers (throughput), once open-loop at the 300 events/s target (latency at
that load). The receiver in-process, without HTTP, is shown for reference. Every delivery must
be answered 200 and every distinct event stored exactly once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from benchmarks import apps, databases, report, webhook_events
from benchmarks.load import post_lean
from benchmarks.server import Gunicorn
from benchmarks.stats import Latency
from dashboard.extensions import db
from dashboard.models import WebhookEvent

UNIQUE_EVENTS = 2400
DUPLICATE_SHARE = 0.20
THREADS = 4  # per worker, as `make run` serves
PER_PROCESS_TARGET = 300.0
P99_TARGET_MS = 50.0


@dataclass(frozen=True)
class Served:
    rate: float  # deliveries answered per second
    seen: Latency  # as the sender saw it
    inside: Latency  # inside the app
    failures: int


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


def served(workdir: Path, database_url: str, workers: int, seed: int, *, rate: float | None = None) -> Served:
    """One run against gunicorn: as fast as it answers (closed loop, as many senders as it has
    threads), or at a fixed offered `rate` (open loop) to read its latency at that load.

    Deliveries are signed just before the run starts (well inside the 300 s window), so the
    sender spends its share of the two cores sending, not hashing.
    """
    sandbox_url = apps.workdir_sandbox_url(workdir, f"webhooks-sandbox-{workers}-{seed}.db")
    app = apps.build(database_url, sandbox_url)
    apps.prepare(app)
    deliveries, unique = _deliveries(seed=seed)
    timings = workdir / f"webhooks-timings-{workers}-{seed}.log"
    env = {**apps.settings(database_url, sandbox_url), "BENCH_TIMING_LOG": str(timings)}
    with Gunicorn(env, workers=workers, threads=THREADS) as server:
        ready = [signed(envelope) for envelope in deliveries]
        senders = workers * THREADS if rate is None else 64
        outcomes, wall = post_lean(f"{server.url}/webhooks/debitura", ready, threads=senders, rate=rate)
    failures = sum(1 for outcome in outcomes if outcome.status != 200)
    stored = _stored(app)
    apps.dispose(app)
    if stored != unique:
        raise RuntimeError(f"{stored} events stored for {unique} distinct ones ({workers} workers)")
    inside = [float(line) for line in timings.read_text().split()]
    return Served(len(deliveries) / wall, Latency.of([outcome.seconds for outcome in outcomes]), Latency.of(inside),
                  failures)


def bench(workdir: Path) -> None:
    if not databases.postgres_answers():
        report.say("  PostgreSQL does not answer: the webhook benchmark needs it and was skipped.")
        report.note("Webhook ingest", "not measured", "PostgreSQL", False, "PostgreSQL unavailable")
        return
    cores = os.cpu_count() or 1
    rows = []
    with databases.private_schema("bench_hooks_inproc") as url:
        rate, latency = in_process(workdir, url)
    rows.append(("in-process, no HTTP, one at a time", "as fast as it answers", f"{rate:.0f}", f"{rate:.0f}", "", "",
                 f"{latency.median:.1f}", f"{latency.p99:.1f}", 0))
    for workers, seed in ((1, 202), (4, 303)):
        name = f"gunicorn {workers} worker{'s' if workers > 1 else ''} × {THREADS} threads"
        label = f"Webhooks, gunicorn {workers} worker{'s' if workers > 1 else ''}, PostgreSQL"
        with databases.private_schema(f"bench_hooks_{workers}w") as url:
            flat_out = served(workdir, url, workers, seed)
        with databases.private_schema(f"bench_hooks_{workers}w_rate") as url:
            paced = served(workdir, url, workers, seed + 1, rate=PER_PROCESS_TARGET)
        busy = min(workers, cores)  # processes beyond the cores share them
        for load, run in (("as fast as it answers", flat_out), (f"{PER_PROCESS_TARGET:.0f}/s offered", paced)):
            rows.append((name if run is flat_out else "", load, f"{run.rate:.0f}", f"{run.rate / busy:.0f}",
                         f"{run.seen.median:.1f}", f"{run.seen.p99:.1f}", f"{run.inside.median:.1f}",
                         f"{run.inside.p99:.1f}", run.failures))
        if workers == 1:
            report.check(f"{label}: events/s per process", flat_out.rate, PER_PROCESS_TARGET, unit="/s",
                         higher_is_better=True)
        else:
            report.check(f"{label}: events/s in all ({flat_out.rate / workers:.0f} per process, "
                         f"{flat_out.rate / busy:.0f} per core)", flat_out.rate, PER_PROCESS_TARGET, unit="/s",
                         higher_is_better=True)
        report.check(f"{label}: p99 latency at {PER_PROCESS_TARGET:.0f} events/s offered", paced.seen.p99,
                     P99_TARGET_MS, unit=" ms")
        failures = flat_out.failures + paced.failures
        report.note(f"{label}: deliveries answered 200", f"{failures} failed", "0 failed", failures == 0)
    deliveries = round(UNIQUE_EVENTS / (1 - DUPLICATE_SHARE))
    report.say(f"  {deliveries:,} signed deliveries per run ({UNIQUE_EVENTS:,} distinct events, "
               f"{DUPLICATE_SHARE:.0%} repeats, shuffled), sent from this machine over keep-alive connections: "
               "as fast as the server answers (as many senders as it has threads), then open-loop at "
               f"{PER_PROCESS_TARGET:.0f}/s (latency counted from when each delivery was due); ms as the sender saw it "
               f"and inside the app; per core = events/s over the processes that can run at once on {cores} cores")
    report.table(("receiver", "load", "events/s", "per core", "sender median", "sender p99",
                  "app median", "app p99", "failed"), rows)
