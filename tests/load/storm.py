"""The webhook storm's stream and how a mirror is read back, shared by the test and its ordered reference.

`python -m tests.load.storm --start ISO --shard I --shards N --folder DIR` delivers shard I
of the stream, in Debitura's order, to an in-process dashboard and writes the mirror it ends with
to DIR/shard-I.json. The stream's timestamps count from `--start`, which the test passes, so the
reference and the storm are the very same events. Shards split the stream by tenant: every event concerns one tenant (a case
event names its case's tenant), and nothing the mirror holds about one tenant or its cases
depends on another, so shards delivered side by side, each in order, are ordered delivery,
on every core.
"""

from __future__ import annotations

import argparse
import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from benchmarks import apps, databases, webhook_events
from dashboard.extensions import db
from dashboard.models import Case, Tenant

DELIVERIES = 10_000
REPEAT_SHARE = 0.20
UNIQUE = round(DELIVERIES * (1 - REPEAT_SHARE))
TENANTS = 200
STREAM_SEED = 42


def stream(start: datetime) -> tuple[list[webhook_events.StreamTenant], list[dict]]:
    tenants = webhook_events.tenants_for(TENANTS)
    return tenants, webhook_events.stream(UNIQUE, tenants, seed=STREAM_SEED, start=start)


def shard_of(external_tenant_id: str, shards: int) -> int:
    return zlib.crc32(external_tenant_id.encode()) % shards


def seed_tenants(app, tenants: list[webhook_events.StreamTenant]) -> None:
    """The partner created these clients itself, so the mirror knows them before any webhook."""
    with app.app_context():
        db.session.add_all(
            Tenant(external_tenant_id=tenant.external_tenant_id, company_name=tenant.company_name, users=[],
                   kyc_blocked_cases=0, search_text=tenant.external_tenant_id)
            for tenant in tenants
        )
        db.session.commit()
        db.session.remove()


def _plain(value):
    """Comparable across SQLite and PostgreSQL, and through JSON: datetimes as naive UTC ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    return value


def mirror_state(app) -> tuple[dict[str, list], dict[str, list]]:
    """What the operator sees of every tenant and case (incidental timestamps such as last-seen left out)."""
    with app.app_context():
        tenants = {
            tenant.external_tenant_id: [_plain(value) for value in (
                tenant.state, tenant.link_request_status, tenant.conflict_type, tenant.onboarding_done,
                tenant.onboarding_url, tenant.approval_url, tenant.is_attributed, tenant.creditor_id,
                tenant.company_name, tenant.date_linked, tenant.withdrawn_at, tenant.missing_since,
                tenant.approval_expires_at if tenant.state == "approval_pending" else None,
            )]
            for tenant in db.session.scalars(select(Tenant))
        }
        owners = dict(db.session.execute(select(Tenant.id, Tenant.external_tenant_id)).all())
        cases = {
            case.id: [case.lifecycle, case.close_code, case.reference, case.external_tenant_id,
                      owners.get(case.tenant_id), case.signing_url]
            for case in db.session.scalars(select(Case))
        }
        db.session.remove()
    return tenants, cases


def deliver_in_order(start: datetime, shard: int, shards: int, folder: Path) -> Path:
    """Deliver this shard's events one after another through the receiver; write the resulting mirror."""
    tenants, events = stream(start)
    app = apps.build(databases.sqlite_url(folder / f"shard-{shard}.db"),
                     apps.workdir_sandbox_url(folder, f"shard-{shard}-sandbox.db"), TESTING=True)
    apps.prepare(app)
    try:
        seed_tenants(app, tenants)
        client = app.test_client()
        for envelope in events:
            if shard_of(envelope["data"]["externalTenantId"], shards) != shard:
                continue
            body = webhook_events.body_of(envelope)
            response = client.post("/webhooks/debitura", data=body,
                                   headers=webhook_events.headers(apps.WEBHOOK_SECRET, envelope, body))
            if response.status_code != 200:
                raise RuntimeError(f"ordered delivery of {envelope['id']} answered {response.status_code}")
        tenant_state, case_state = mirror_state(app)
    finally:
        apps.dispose(app)
    mine = {key: value for key, value in tenant_state.items() if shard_of(key, shards) == shard}
    out = folder / f"shard-{shard}.json"
    out.write_text(json.dumps({"tenants": mine, "cases": case_state}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", type=datetime.fromisoformat, required=True)
    parser.add_argument("--shard", type=int, required=True)
    parser.add_argument("--shards", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    deliver_in_order(args.start, args.shard, args.shards, args.folder)


if __name__ == "__main__":
    main()
