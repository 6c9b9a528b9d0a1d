"""One full sync in a process of its own, so its peak memory is its own: `python -m benchmarks.sync_run`.

Prints one JSON line: Debitura calls by path, wall time, resident memory before and at peak.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit


def _memory_mib(field: str) -> float:
    """VmRSS (resident now) or VmHWM (resident at peak) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _restart_peak() -> bool:
    """Make VmHWM start from the current size, so the peak is the sync's own (Linux: clear_refs 5).

    False when the kernel refuses: the peak then includes start-up, the same for every run, and
    the report says so.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--with-conflicts", action="store_true",
                        help="afterwards (not measured) re-send the demo's 409 payloads, as `flask setup` does")
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="answer every API call this much later (the control panel's latency fault)")
    parser.add_argument("--workers", type=int, default=None, help="fetcher threads (default: the sync's own)")
    args = parser.parse_args(argv)

    from benchmarks import apps
    from dashboard.services import sync

    app = apps.build(args.database_url, args.sandbox_url)
    logging.getLogger("dashboard").setLevel(logging.WARNING)  # one INFO line per call would dominate the run
    apps.prepare(app)
    calls: Counter[str] = Counter()
    app.extensions["sandbox"].observers.append(
        lambda request, response: calls.update([f"{request.method} {urlsplit(request.url).path.split('/sandbox', 1)[-1]}"])
    )
    if args.latency_ms:
        app.extensions["sandbox"].faults.fail_ratio(1.0, ["latency"], latency_ms=args.latency_ms)
    workers = {"workers": args.workers} if args.workers else {}
    before = _memory_mib("VmRSS")
    peak_is_the_syncs = _restart_peak()
    with app.app_context():
        started = time.perf_counter()
        run = sync.run_sync(debitura=app.extensions["debitura"], trigger="benchmark", fresh=True, **workers)
        wall = time.perf_counter() - started
        if args.latency_ms:
            app.extensions["sandbox"].faults.clear()
        result = {
            "status": run.status,
            "message": run.message,
            "clients_seen": run.clients_seen,
            "cases_seen": run.cases_seen,
            "calls_counted_by_sync": run.calls_made,
            "calls": dict(calls),
            "wall_seconds": wall,
            "latency_ms": args.latency_ms,
            "rss_before_mib": before,
            # Not getrusage's ru_maxrss: on Linux it carries over the parent's peak through fork and exec.
            "rss_peak_mib": _memory_mib("VmHWM"),
            "peak_includes_start_up": not peak_is_the_syncs,
        }
        if args.with_conflicts:
            _add_conflict_tenants()
    apps.dispose(app)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def _add_conflict_tenants() -> None:
    """The tenants Debitura answered with a 409 exist only because we sent them: send the demo's again."""
    from dashboard.extensions import db
    from dashboard.sandbox.demo import DEMO_CONFLICT_PAYLOADS
    from dashboard.services import tenants

    for payload in DEMO_CONFLICT_PAYLOADS:
        tenants.post_and_mirror(payload)
    db.session.commit()


if __name__ == "__main__":
    main()
