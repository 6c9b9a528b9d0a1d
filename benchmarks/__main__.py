"""`python -m benchmarks` (what `make bench` runs): every benchmark, in dependency order, then the targets.

  1. Pages at scale        pages.py     (needs the synced mirrors from 2)
  2. Sync                  sync.py      (fresh processes: 10,000 and 100,000 cases)
  2b. Sync, slow Debitura  sync_latency.py (the same with 100 ms on every call: the rate-bound targets)
  3. Webhook ingest        webhooks.py  (gunicorn, PostgreSQL)
  4. Token economy         tokens.py    (gunicorn, PostgreSQL)

Options scale the data down for a quick look (`--tenants 1000 --cases 10000`); the defaults are
the issue's 10,000 tenants and 100,000 cases. Everything lives in a temporary folder and a
private PostgreSQL schema, both removed at the end.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks import apps, databases, machine, mirror_copy, pages, report, sync, sync_latency, tokens, webhooks


def _grow(workdir: Path, name: str, tenants: int, cases: int) -> str:
    """A sandbox with the demo data (every tenant state, pending-signing cases) grown by `tenants` and `cases`."""
    url = apps.workdir_sandbox_url(workdir, f"{name}.db")
    app = apps.build(databases.sqlite_url(workdir / f"{name}-scratch.db"), url)
    apps.prepare(app)
    sandbox = app.extensions["sandbox"]
    started = time.perf_counter()
    sandbox.load_demo()
    sandbox.grow(tenants, cases)
    report.say(f"  sandbox {name}: the demo data plus {tenants:,} tenants and {cases:,} cases, "
               f"inserted in {time.perf_counter() - started:.1f} s")
    apps.dispose(app)
    return url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small-tenants", type=int, default=1_000, help="the smaller set for the memory comparison")
    parser.add_argument("--small-cases", type=int, default=10_000)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when it answers")
    parser.add_argument("--sync-postgres", action="store_true",
                        help="also time the large sync into PostgreSQL (otherwise its mirror is copied from SQLite's)")
    parser.add_argument("--workdir", type=Path, help="keep the data here instead of a temporary folder")
    args = parser.parse_args(argv)
    logging.getLogger("dashboard").setLevel(logging.WARNING)
    began = time.perf_counter()

    report.section("Machine")
    report.table(("", "machine"), machine.describe(), align_numbers=False)
    postgres = not args.sqlite_only and databases.postgres_answers()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with ExitStack() as stack:
            report.section("Data")
            big_sandbox = _grow(workdir, "sandbox-large", args.tenants, args.cases)
            small_sandbox = _grow(workdir, "sandbox-small", args.small_tenants, args.small_cases)
            sqlite_large = databases.sqlite_url(workdir / "mirror-large.db")
            sqlite_small = databases.sqlite_url(workdir / "mirror-small.db")
            postgres_large = stack.enter_context(databases.private_schema("bench_mirror")) if postgres else None

            report.section("Benchmark 2: full sync (each run in a fresh process)")
            small = sync.run_sync("small", "sqlite", sqlite_small, small_sandbox, args.small_tenants, args.small_cases)
            large = [sync.run_sync("large", "sqlite", sqlite_large, big_sandbox, args.tenants, args.cases)]
            if postgres_large and args.sync_postgres:
                large.append(sync.run_sync("large", "postgresql", postgres_large, big_sandbox, args.tenants, args.cases))
            sync.print_figures([small, *large])
            sync.judge(small, large)

            report.section(f"Benchmark 2b: full sync with {sync_latency.LATENCY_MS} ms on every call")
            sync_latency.bench(workdir, small_sandbox, big_sandbox,
                               ((args.small_tenants, args.small_cases), (args.tenants, args.cases)))
            if postgres_large and not args.sync_postgres:
                target = apps.build(postgres_large, big_sandbox)
                apps.prepare(target)
                apps.dispose(target)
                copied = mirror_copy.copy_mirror(sqlite_large, postgres_large)
                report.say(f"  PostgreSQL mirror for the page benchmark: copied from the synced SQLite mirror ({copied}); "
                           "`--sync-postgres` times that sync too (about as long again)")

            report.section(f"Benchmark 1: pages at scale ({args.tenants:,} tenants, {args.cases:,} cases, synced)")
            smaller = apps.build(sqlite_small, small_sandbox)
            mirrors = [("SQLite", sqlite_large)] + ([("PostgreSQL", postgres_large)] if postgres_large else [])
            for label, url in mirrors:
                app = apps.build(url, big_sandbox)
                pages.bench_backend(label, app, smaller)
                apps.dispose(app)
            apps.dispose(smaller)

            report.section("Benchmark 3: webhook ingest (PostgreSQL)")
            webhooks.bench(workdir)

            report.section("Benchmark 4: token economy (PostgreSQL, 4 gunicorn workers)")
            tokens.bench(workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report.summary()
    report.say()
    report.say(f"  Benchmarks finished in {(time.perf_counter() - began) / 60:.1f} minutes; "
               f"load average now {machine.load_average()} (other work on the machine slows every figure).")


if __name__ == "__main__":
    main()
