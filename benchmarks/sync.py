"""Benchmark 2: a full sync of the mirror, at two sizes, each in a fresh process.

Reports the Debitura calls made (listing 100 a page, the floor is one call per 100 cases),
the wall time, and the peak resident memory, which must stay flat as the data grows tenfold
(the sync commits and forgets page by page).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass

from benchmarks import report
from benchmarks.server import ROOT

PAGE_SIZE = 100
FLAT_MEMORY_TOLERANCE = 1.20  # the larger sync may peak at most 20 % above the smaller one


@dataclass(frozen=True)
class SyncFigures:
    size: str  # small | large
    backend: str
    tenants: int
    cases: int
    result: dict

    @property
    def label(self) -> str:
        return f"{self.result['cases_seen']:,} cases → {self.backend}"

    @property
    def case_pages(self) -> int:
        return sum(count for call, count in self.result["calls"].items() if call == "GET /referral-api/cases")

    @property
    def total_calls(self) -> int:
        return sum(self.result["calls"].values())

    @property
    def peak_growth(self) -> float:
        return self.result["rss_peak_mib"] - self.result["rss_before_mib"]


def run_sync(size: str, backend: str, database_url: str, sandbox_url: str, tenants: int, cases: int,
             *, latency_ms: int = 0, with_conflicts: bool = True) -> SyncFigures:
    """Sync `database_url` from the sandbox in a child process; raises when the child fails."""
    label = f"{cases:,} cases → {backend}"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.sync_run", "--database-url", database_url, "--sandbox-url", sandbox_url,
         "--latency-ms", str(latency_ms), *(["--with-conflicts"] if with_conflicts else [])],
        cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"sync run {label} failed:\n{completed.stderr[-4000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    if result["status"] != "succeeded":
        raise RuntimeError(f"sync run {label} ended {result['status']}: {result['message']}")
    return SyncFigures(size, backend, tenants, cases, result)


def print_figures(runs: list[SyncFigures]) -> None:
    rows = []
    for run in runs:
        rows.append((
            run.label, f"{run.result['clients_seen']:,}", f"{run.result['cases_seen']:,}", f"{run.total_calls:,}",
            f"{run.case_pages:,}",
            f"{run.result['wall_seconds']:.1f}", f"{run.result['cases_seen'] / run.result['wall_seconds']:.0f}",
            f"{run.result['rss_before_mib']:.0f}", f"{run.result['rss_peak_mib']:.0f}", f"{run.peak_growth:.0f}",
        ))
    report.table(
        ("run", "clients", "cases", "calls", "case pages", "wall s", "cases/s", "RSS start MiB", "RSS peak MiB",
         "growth MiB"),
        rows,
    )
    for run in runs:
        calls = ", ".join(f"{call} ×{count}" for call, count in sorted(run.result["calls"].items()))
        report.say(f"  {run.label}: {calls}")
        if run.result.get("peak_includes_start_up"):
            report.say(f"  {run.label}: the kernel would not reset the peak, so it includes the process's start-up")


def judge(small: SyncFigures | None, large: list[SyncFigures]) -> None:
    for run in large:
        floor = math.ceil(run.result["cases_seen"] / PAGE_SIZE)
        report.note(
            f"Sync {run.label}: case listing calls", f"{run.case_pages:,} (all calls {run.total_calls:,})",
            f"= {floor:,} (100 a page)", run.case_pages <= floor,
            "" if run.case_pages <= floor else f"{run.case_pages - floor:,} calls above the floor",
        )
        if small is not None and small.backend == run.backend:
            ratio = run.result["rss_peak_mib"] / small.result["rss_peak_mib"]
            report.note(
                f"Sync peak memory, {small.result['cases_seen']:,} → {run.result['cases_seen']:,} cases ({run.backend})",
                f"{small.result['rss_peak_mib']:.0f} → {run.result['rss_peak_mib']:.0f} MiB ({ratio:.2f}×)",
                f"≤ {FLAT_MEMORY_TOLERANCE:.2f}× (flat)", ratio <= FLAT_MEMORY_TOLERANCE,
                "" if ratio <= FLAT_MEMORY_TOLERANCE else "peak memory grows with the data",
            )
