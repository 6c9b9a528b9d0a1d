"""Reconcile the mirror with Debitura: page through GET /clients and GET /cases, 100 at a time.

- Single-flight across processes: the run holds the database lease "sync", renewed per page;
  a second run refuses with `SyncAlreadyRunning`.
- Resumable: progress (phase, next page, counts) is committed with every page, so a run that
  was killed or failed carries on where it stopped the next time a sync starts.
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
from datetime import timedelta
from typing import TypeGuard

from sqlalchemy import select

from dashboard.debitura import DebituraClient, Page, ReferralApi
from dashboard.debitura.errors import DebituraError, NotFound
from dashboard.errors.messages import debitura_message
from dashboard.extensions import db
from dashboard.models import SyncRun, Tenant
from dashboard.models.sync import FAILED, INTERRUPTED, RUNNING, SUCCEEDED
from dashboard.services import leases, mirror
from dashboard.services.tenant_state import LINKED_STATES, debitura_now

log = logging.getLogger(__name__)

LEASE = "sync"
LEASE_TTL_SECONDS = 120  # a crashed run frees the lease after two minutes
PAGE_SIZE = 100  # Debitura's maximum
RESUME_WITHIN = timedelta(hours=24)  # older unfinished runs start over instead

Progress = Callable[[SyncRun], None]


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


def _sync_clients(run: SyncRun, progress: Progress | None, referral: ReferralApi) -> None:
    while True:
        as_of = debitura_now()
        page = referral.list_clients(page=run.next_page, page_size=PAGE_SIZE)
        run.calls_made += 1
        run.total_pages = page.total_pages or run.total_pages
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
        last = _turn_page(run, page, next_phase="missing")
        _checkpoint(run, progress)
        if last:
            return


def _turn_page(run: SyncRun, page: Page, *, next_phase: str) -> bool:
    """Move the run past the page just read; True when it was the last, and the run moves on to `next_phase`."""
    last = not page.items or (run.next_page >= page.total_pages if page.total_pages else len(page.items) < PAGE_SIZE)
    if last:
        run.phase, run.next_page, run.total_pages = next_phase, 1, None
    else:
        run.next_page += 1
    return last


def _check_missing(run: SyncRun, progress: Progress | None, referral: ReferralApi) -> None:
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
        try:
            client = referral.get_client(tenant.external_tenant_id)
        except NotFound:
            if mirror.mark_missing(tenant, source="sync", as_of=as_of):
                run.tenants_missing += 1
        else:
            if mirror.apply_client(tenant, client, source="sync", as_of=as_of):
                run.tenants_changed += 1
        run.calls_made += 1
        tenant.sync_seen_run = run.id
        _checkpoint(run, progress)
    run.phase, run.next_page, run.total_pages = "cases", 1, None
    _checkpoint(run, progress)


def _sync_cases(run: SyncRun, progress: Progress | None, referral: ReferralApi) -> None:
    while True:
        as_of = debitura_now()
        page = referral.list_cases(page=run.next_page, page_size=PAGE_SIZE, sort="DateCreated:asc")
        run.calls_made += 1
        run.total_pages = page.total_pages or run.total_pages
        _, changed = mirror.upsert_cases(page.items, source="sync", as_of=as_of)
        run.cases_seen += len(page.items)
        run.cases_changed += changed
        last = _turn_page(run, page, next_phase="done")
        _checkpoint(run, progress)
        if last:
            return


def execute_run(run_id: int, *, debitura: DebituraClient, progress: Progress | None = None) -> SyncRun:
    """Do the work of an open run; always releases the lease and records how it ended."""
    run = db.session.get_one(SyncRun, run_id)
    holder = run.holder or ""
    try:
        if run.phase == "clients":
            _sync_clients(run, progress, debitura.referral)
        if run.phase == "missing":
            _check_missing(run, progress, debitura.referral)
        if run.phase == "cases":
            _sync_cases(run, progress, debitura.referral)
        mirror.expire_overdue_approvals()
        run.status = SUCCEEDED
        run.message = (
            f"{run.clients_seen} clients and {run.cases_seen} cases read; {run.tenants_changed} tenants and "
            f"{run.cases_changed} cases changed, {run.tenants_missing} no longer linked."
        )
    except DebituraError as error:
        db.session.rollback()
        run = db.session.get_one(SyncRun, run_id)
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
) -> SyncRun:
    """Start (or resume) and finish one sync in this thread."""
    run = start_run(trigger=trigger, operator_id=operator_id, fresh=fresh)
    return execute_run(run.id, debitura=debitura, progress=progress)
