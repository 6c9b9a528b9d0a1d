"""Benchmark 2b: the full sync against a slow Debitura (every call answered 100 ms late), at two sizes.

The sync fetches pages concurrently, so it should be bound by Debitura's rate budget (2,000 calls
a minute), not by the latency. Targets: 100,000 cases in at most 60 s, at most 1,010 case listing
calls, and a peak memory within 10 % of the 10,000-case run under the same latency. Each run is a
fresh process on a fresh mirror; the figures are printed, never asserted.

`python -m benchmarks.sync_latency` grows its own sandboxes; `python -m benchmarks` runs it on the
sandboxes of benchmark 2.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks import databases, report
from benchmarks.sync import SyncFigures, print_figures, run_sync

LATENCY_MS = 100
TARGET_SECONDS = 60.0
TARGET_CASE_CALLS = 1_010
TARGET_MEMORY_RATIO = 1.10


def bench(workdir: Path, small_sandbox: str, large_sandbox: str, sizes: tuple[tuple[int, int], tuple[int, int]],
          latency_ms: int = LATENCY_MS) -> None:
    (small_tenants, small_cases), (tenants, cases) = sizes
    small = run_sync("small", "sqlite", databases.sqlite_url(workdir / "mirror-latency-small.db"), small_sandbox,
                     small_tenants, small_cases, latency_ms=latency_ms, with_conflicts=False)
    large = run_sync("large", "sqlite", databases.sqlite_url(workdir / "mirror-latency-large.db"), large_sandbox,
                     tenants, cases, latency_ms=latency_ms, with_conflicts=False)
    print_figures([small, large])
    judge(small, large, latency_ms)


def judge(small: SyncFigures, large: SyncFigures, latency_ms: int) -> None:
    wall = large.result["wall_seconds"]
    report.note(f"Sync of {large.result['cases_seen']:,} cases, {latency_ms} ms a call: duration", f"{wall:.1f} s",
                f"≤ {TARGET_SECONDS:.0f} s", wall <= TARGET_SECONDS, f"{wall / TARGET_SECONDS:.2f}× the target")
    report.note("  case listing calls", f"{large.case_pages:,}", f"≤ {TARGET_CASE_CALLS:,}",
                large.case_pages <= TARGET_CASE_CALLS, f"{large.case_pages / TARGET_CASE_CALLS:.2f}× the target")
    ratio = large.result["rss_peak_mib"] / small.result["rss_peak_mib"]
    report.note(f"  peak memory vs {small.result['cases_seen']:,} cases",
                f"{small.result['rss_peak_mib']:.0f} → {large.result['rss_peak_mib']:.0f} MiB ({ratio:.2f}×)",
                f"≤ {TARGET_MEMORY_RATIO:.2f}×", ratio <= TARGET_MEMORY_RATIO,
                f"{(ratio - 1) / (TARGET_MEMORY_RATIO - 1):.2f}× the allowed growth" if ratio > 1 else "")
    report.say(f"  {large.result['cases_seen']:,} cases: {wall:.1f} s, {wall / TARGET_SECONDS:.2f}× the 60 s target; "
               f"{large.case_pages:,} case listing calls, {large.case_pages / TARGET_CASE_CALLS:.2f}× the 1,010 target; "
               f"peak RSS {ratio:.2f}× the small run's (target ≤ {TARGET_MEMORY_RATIO:.2f}×)")


def main(argv: list[str] | None = None) -> None:
    from benchmarks.__main__ import _grow

    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small-tenants", type=int, default=1_000)
    parser.add_argument("--small-cases", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS)
    parser.add_argument("--workdir", type=Path, help="keep the data here (and reuse sandboxes grown there before)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dashboard-bench-sync-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report.section("Data")
        sandboxes = []
        for name, tenants, cases in (("sandbox-small", args.small_tenants, args.small_cases),
                                     ("sandbox-large", args.tenants, args.cases)):
            existing = workdir / f"{name}.db"
            sandboxes.append(f"sqlite:///{existing}" if existing.exists() else _grow(workdir, name, tenants, cases))
        report.section(f"Benchmark 2b: full sync with {args.latency_ms} ms on every call")
        bench(workdir, sandboxes[0], sandboxes[1],
              ((args.small_tenants, args.small_cases), (args.tenants, args.cases)), args.latency_ms)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report.summary()


if __name__ == "__main__":
    main()
