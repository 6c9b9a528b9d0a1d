"""Reconcile the mirror with Debitura: page through GET /clients and GET /cases, 100 at a time.

- Bound by Debitura's rate budget, not its latency: the first page of a listing tells the total,
  then a few threads fetch the rest (`page_fetcher`) within 2,000 calls a minute (`rate_budget`)
  while this thread applies each page to the mirror as it arrives, with the same upserts.

- Single-flight across processes: the run holds the database lease "sync", renewed per page;
  a second run refuses with `SyncAlreadyRunning`.
- Resumable: progress (phase, pages applied, counts) is committed with every page, so a run that
  was killed or failed fetches only the pages it is missing the next time a sync starts.
- Phases: `clients` (upsert every client), `missing` (tenants expected to be linked that the
  listing no longer shows are checked with GET /clients/{id}; a 404 marks them withdrawn),
  `cases` (upsert every case, oldest first so new cases append rather than shift pages).

Production: run `flask sync` from cron every 15 minutes (webhooks keep the mirror live in
between; the sync repairs anything a lost delivery missed).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from sqlalchemy import select

from dashboard.counting import counted
from dashboard.debitura import DebituraClient, Page
from dashboard.debitura.errors import DebituraError, NotFound
from dashboard.errors.messages import debitura_message
from dashboard.extensions import db
from dashboard.models import SyncRun, Tenant
from dashboard.models.sync import FAILED, INTERRUPTED, RUNNING, SUCCEEDED
from dashboard.services import leases, mirror
from dashboard.services.page_fetcher import WORKERS, PageFetcher
from dashboard.services.rate_budget import RateBudget
from dashboard.services.tenant_state import LINKED_STATES, debitura_now

log = logging.getLogger(__name__)

LEASE = "sync"
LEASE_TTL_SECONDS = 120  # a crashed run frees the lease after two minutes
PAGE_SIZE = 100  # Debitura's maximum
RESUME_WITHIN = timedelta(hours=24)  # older unfinished runs start over instead

Progress = Callable[[SyncRun], None]
Fetched = tuple[Page, datetime]  # a page and Debitura's time just before it was read
Fetch = Callable[[DebituraClient, int], Fetched]
Apply = Callable[[SyncRun, Page, datetime], None]


@dataclass(frozen=True)
class _Sync:
    debitura: DebituraClient
    budget: RateBudget  # Debitura's 2,000 calls a minute, shared by every thread of the run
    workers: int


class SyncAlreadyRunning(Exception):
    """Another process holds the sync lease."""


class SyncLeaseLost(Exception):
    """Our lease expired and someone else took over; stop writing."""


def new_holder() -> str:
    return f"sync-{uuid.uuid4().hex[:12]}"


def latest_run() -> SyncRun | None:
    return db.session.scalar(select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1))


def _resumable(run: SyncRun | None) -> TypeGuard[SyncRun]:
    return (
        run is not None
        and run.status in (RUNNING, FAILED, INTERRUPTED)
        and run.phase != "done"
        and debitura_now() - run.started_at < RESUME_WITHIN
    )


def start_run(
    *, trigger: str = "cli", operator_id: int | None = None, holder: str | None = None, fresh: bool = False
) -> SyncRun:
    """Take the lease and open a run (or reopen an unfinished one); raises SyncAlreadyRunning."""
    holder = holder or new_holder()
    if not leases.acquire(LEASE, holder, LEASE_TTL_SECONDS):
        running = latest_run()
        since = (
            f" (started {running.started_at:%H:%M} UTC)" if running is not None and running.status == RUNNING else ""
        )
        raise SyncAlreadyRunning(f"A sync is already running{since}; wait for it to finish.")
    previous = latest_run()
    if not fresh and _resumable(previous):
        # Holding the lease proves nobody else works on it: an unfinished run is ours to continue.
        run = previous
        run.worked_seconds = run.duration_seconds or 0.0
        run.resumed_at = debitura_now()
        run.finished_at = None
        run.resumed += 1
        run.status = RUNNING
        run.message = f"Resumed at {run.phase}, page {run.next_page}."
    else:
        if previous is not None and previous.status == RUNNING:
            previous.status = INTERRUPTED
            previous.finished_at = previous.heartbeat_at
        run = SyncRun(
            trigger=trigger,
            operator_id=operator_id,
            phase="clients",
            next_page=1,
            pages_done=[],
            errors=[],
            clients_seen=0,
            cases_seen=0,
            tenants_changed=0,
            tenants_missing=0,
            cases_changed=0,
            calls_made=0,
            resumed=0,
            started_at=debitura_now(),
        )
        db.session.add(run)
    run.holder = holder
    run.heartbeat_at = debitura_now()
    db.session.commit()
    return run


def _checkpoint(run: SyncRun, progress: Progress | None) -> None:
    run.heartbeat_at = debitura_now()
    db.session.commit()
    if not leases.renew(LEASE, run.holder or "", LEASE_TTL_SECONDS):
        raise SyncLeaseLost("The sync lease expired and was taken over; this run stops.")
    if progress is not None:
        progress(run)


def _apply_clients(run: SyncRun, page: Page, as_of: datetime) -> None:
    clients = [(client.external_tenant_id, client) for client in page.items if client.external_tenant_id]
    existing = (
        {
            tenant.external_tenant_id: tenant
            for tenant in db.session.scalars(
                select(Tenant).where(Tenant.external_tenant_id.in_([external_id for external_id, _ in clients]))
            )
        }
        if clients
        else {}
    )
    for external_id, client in clients:
        tenant = existing.get(external_id)
        if tenant is None:
            tenant = Tenant(external_tenant_id=external_id, company_name="", users=[], kyc_blocked_cases=0)
            db.session.add(tenant)
            existing[external_id] = tenant
        if mirror.apply_client(tenant, client, source="sync", as_of=as_of):
            run.tenants_changed += 1
        tenant.sync_seen_run = run.id
    run.clients_seen += len(clients)


def _apply_cases(run: SyncRun, page: Page, as_of: datetime) -> None:
    _, changed = mirror.upsert_cases(page.items, source="sync", as_of=as_of)
    run.cases_seen += len(page.items)
    run.cases_changed += changed


def _fetch_clients(debitura: DebituraClient, number: int) -> Fetched:
    as_of = debitura.now()
    return debitura.referral.list_clients(page=number, page_size=PAGE_SIZE), as_of


def _fetch_cases(debitura: DebituraClient, number: int) -> Fetched:
    as_of = debitura.now()
    return debitura.referral.list_cases(page=number, page_size=PAGE_SIZE, sort="DateCreated:asc"), as_of


def _mark_done(run: SyncRun, number: int) -> None:
    """Record page `number` as applied; `next_page` moves past every page done without a gap."""
    done = {*(run.pages_done or []), number}
    while run.next_page in done:
        done.discard(run.next_page)
        run.next_page += 1
    run.pages_done = sorted(done)


def _finish_phase(run: SyncRun, next_phase: str) -> None:
    run.phase, run.next_page, run.total_pages, run.pages_done = next_phase, 1, None, []


def _is_last(number: int, page: Page) -> bool:
    if not page.items:
        return True
    return number >= page.total_pages if page.total_pages else len(page.items) < PAGE_SIZE


def _sync_pages(
    run: SyncRun, progress: Progress | None, sync: _Sync, fetch: Fetch, apply: Apply, next_phase: str
) -> None:
    """Read every page of one listing: one at a time until a page tells the total, then concurrently."""
    while not run.total_pages:  # Debitura's first page carries totalPages
        number = run.next_page
        sync.budget.take()
        page, as_of = fetch(sync.debitura, number)
        run.calls_made += 1
        apply(run, page, as_of)
        if _is_last(number, page):
            _finish_phase(run, next_phase)
            _checkpoint(run, progress)
            return
        run.total_pages = page.total_pages or None
        _mark_done(run, number)
        _checkpoint(run, progress)
    done = set(run.pages_done or [])
    with PageFetcher(sync.debitura, fetch, sync.budget, workers=sync.workers) as fetcher:
        fetcher.add(number for number in range(run.next_page, run.total_pages + 1) if number not in done)
        for number, (page, as_of) in fetcher.results():
            run.calls_made += 1
            apply(run, page, as_of)
            if page.total_pages > run.total_pages:  # grown since the first page: fetch the new pages too
                fetcher.add(range(run.total_pages + 1, page.total_pages + 1))
                run.total_pages = page.total_pages
            _mark_done(run, number)
            _checkpoint(run, progress)
    _finish_phase(run, next_phase)
    _checkpoint(run, progress)


def _check_missing(run: SyncRun, progress: Progress | None, sync: _Sync) -> None:
    """Tenants that should be linked but were not listed: ask for each; 404 means withdrawn or archived."""
    candidates = db.session.scalars(
        select(Tenant)
        .where(Tenant.state.in_(LINKED_STATES))
        .where((Tenant.sync_seen_run.is_(None)) | (Tenant.sync_seen_run != run.id))
        .order_by(Tenant.id)
    ).all()
    run.total_pages = len(candidates) or None
    for tenant in candidates:
        as_of = debitura_now()
        sync.budget.take()
        try:
            client = sync.debitura.referral.get_client(tenant.external_tenant_id)
        except NotFound:
            if mirror.mark_missing(tenant, source="sync", as_of=as_of):
                run.tenants_missing += 1
        else:
            if mirror.apply_client(tenant, client, source="sync", as_of=as_of):
                run.tenants_changed += 1
        run.calls_made += 1
        tenant.sync_seen_run = run.id
        _checkpoint(run, progress)
    _finish_phase(run, "cases")
    _checkpoint(run, progress)


def execute_run(
    run_id: int,
    *,
    debitura: DebituraClient,
    progress: Progress | None = None,
    budget: RateBudget | None = None,
    workers: int = WORKERS,
) -> SyncRun:
    """Do the work of an open run; always releases the lease and records how it ended."""
    run = db.session.get_one(SyncRun, run_id)
    holder = run.holder or ""
    sync = _Sync(debitura, budget or RateBudget(), workers)
    try:
        if run.phase == "clients":
            _sync_pages(run, progress, sync, _fetch_clients, _apply_clients, next_phase="missing")
        if run.phase == "missing":
            _check_missing(run, progress, sync)
        if run.phase == "cases":
            _sync_pages(run, progress, sync, _fetch_cases, _apply_cases, next_phase="done")
        mirror.expire_overdue_approvals()
        run.status = SUCCEEDED
        run.message = (
            f"{counted(run.clients_seen, 'client')} and {counted(run.cases_seen, 'case')} read; "
            f"{counted(run.tenants_changed, 'tenant')} and {counted(run.cases_changed, 'case')} changed, "
            f"{run.tenants_missing} no longer linked."
        )
    except DebituraError as error:
        # The call that failed was made too, and so were any since the last checkpoint: keep counting them.
        calls_made = run.calls_made + 1
        db.session.rollback()
        run = db.session.get_one(SyncRun, run_id)
        run.calls_made = max(run.calls_made, calls_made)
        run.status = FAILED
        message = debitura_message(error)
        run.errors = [
            *run.errors,
            {"at": debitura_now().isoformat(), "error": type(error).__name__, "message": message},
        ]
        run.message = f"Stopped at {run.phase}, page {run.next_page}: {message} The next sync resumes here."
        log.warning("Sync run %s failed: %r", run_id, error)
    except SyncLeaseLost as error:
        db.session.rollback()
        run = db.session.get_one(SyncRun, run_id)
        run.status = INTERRUPTED
        run.message = str(error)
    except BaseException as error:  # KeyboardInterrupt or a crash: leave the run resumable, then let it propagate
        db.session.rollback()
        run = db.session.get_one(SyncRun, run_id)
        run.status = INTERRUPTED if isinstance(error, KeyboardInterrupt) else FAILED
        run.message = (
            f"Stopped at {run.phase}, page {run.next_page} ({type(error).__name__}); the next sync resumes here."
        )
        run.finished_at = debitura_now()
        db.session.commit()
        leases.release(LEASE, holder)
        raise
    run.finished_at = debitura_now()
    run.heartbeat_at = run.finished_at
    db.session.commit()
    leases.release(LEASE, holder)
    if progress is not None:
        progress(run)
    return run


def run_sync(
    *,
    debitura: DebituraClient,
    trigger: str = "cli",
    operator_id: int | None = None,
    fresh: bool = False,
    progress: Progress | None = None,
    budget: RateBudget | None = None,
    workers: int = WORKERS,
) -> SyncRun:
    """Start (or resume) and finish one sync; this thread writes, `workers` threads fetch."""
    run = start_run(trigger=trigger, operator_id=operator_id, fresh=fresh)
    return execute_run(run.id, debitura=debitura, progress=progress, budget=budget, workers=workers)
