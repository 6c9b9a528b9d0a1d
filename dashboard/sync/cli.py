"""`flask sync`: reconcile the mirror with Debitura from the shell or cron.

Production cron line (every 15 minutes; a run still going makes the next one exit at once):

    */15 * * * *  cd /srv/dashboard && .venv/bin/flask --app wsgi sync --quiet
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from dashboard.counting import counted
from dashboard.debitura import CreateClientRequest
from dashboard.extensions import db
from dashboard.models import SyncRun, Tenant
from dashboard.services import audit, mirror
from dashboard.services import sync as sync_service
from dashboard.services import tenants as tenant_service
from dashboard.services.webhook_setup import ensure_sandbox_subscription
from dashboard.wiring import debitura


def _report(run: SyncRun) -> None:
    click.echo(
        f"  {run.phase}: page {run.next_page}, {counted(run.clients_seen, 'client')}, {counted(run.cases_seen, 'case')}",
        err=True,
    )


@click.command("sync")
@with_appcontext
@click.option("--fresh", is_flag=True, help="Start from page 1 instead of resuming an unfinished run.")
@click.option("--quiet", is_flag=True, help="Print only the summary (for cron).")
def sync_command(fresh: bool, quiet: bool) -> None:
    """Page through GET /clients and GET /cases and reconcile the local mirror."""
    try:
        run = sync_service.start_run(trigger="cli", fresh=fresh)
    except sync_service.SyncAlreadyRunning as busy:
        click.echo(str(busy), err=True)
        sys.exit(2)
    if run.resumed:
        click.echo(run.message, err=True)
    try:
        run = sync_service.execute_run(run.id, debitura=debitura(), progress=None if quiet else _report)
    finally:
        audit.record(
            "sync.run",
            outcome=audit.OK if run.status == "succeeded" else audit.FAILED,
            summary=f"Sync run {run.id}: {run.status}",
            operator=None,
        )
    click.echo(f"Sync {run.status} in {run.duration_seconds or 0:.1f} s: {run.message}")
    if run.status != "succeeded":
        sys.exit(1)


def first_sandbox_sync() -> str | None:
    """In sandbox mode, fill an empty mirror from the demo data so the first page is not blank.

    GET /clients only lists linked clients. The partner also knows the tenants Debitura answered
    with a 409 (it sent them), so the demo's conflict payloads are sent again: they change nothing
    at the sandbox and give the mirror its approval-pending and blocked tenants.
    """
    if current_app.config["DEBITURA_ENV"] != "sandbox" or db.session.scalar(select(Tenant.id).limit(1)) is not None:
        return None
    try:
        run = sync_service.run_sync(debitura=debitura(), trigger="setup")
    except sync_service.SyncAlreadyRunning:
        return None
    from dashboard.sandbox.demo import (
        DEMO_CONFLICT_PAYLOADS,
        announce_link_requests,
        demo_tenants,
    )

    for payload in DEMO_CONFLICT_PAYLOADS:
        tenant_service.post_and_mirror(CreateClientRequest.from_json(payload), debitura=debitura())
    db.session.commit()
    # Link requests that were pending, declined or expired before we subscribed reach us as webhooks.
    sandbox = current_app.extensions["sandbox"]
    announced = announce_link_requests(sandbox.store)
    sandbox.dispatch_pending()
    # Webhooks name only the company; the partner sent these requests itself and keeps what it sent,
    # which is what re-issuing their URL needs.
    for demo_tenant in demo_tenants():
        if demo_tenant.scenario in ("link_declined", "link_expired"):
            tenant = mirror.find_tenant(demo_tenant.external_tenant_id)
            if tenant is not None:
                mirror.apply_request_details(tenant, CreateClientRequest.from_json(demo_tenant.payload))
    db.session.commit()
    return (
        f"Mirror filled from the sandbox: {run.message} {len(DEMO_CONFLICT_PAYLOADS)} answered tenants added; "
        f"{announced} link requests announced by webhook."
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(sync_command)
    # `flask setup` (make run) subscribes the sandbox's webhooks to this dashboard, then fills the mirror.
    steps = app.extensions.setdefault("setup_steps", [])
    steps.append(lambda: ensure_sandbox_subscription(debitura()))
    steps.append(first_sandbox_sync)
