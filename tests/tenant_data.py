"""Test data for the tenant, triage and sync tests, made through the sandbox as Debitura would make it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dashboard.debitura.errors import Conflict
from dashboard.sandbox import domain
from tests.raw_body import raw


def client_payload(external_tenant_id: str, email: str, name: str | None = None, country: str = "DK") -> dict[str, Any]:
    return {
        "externalTenantId": external_tenant_id,
        "client": {"name": name or f"{external_tenant_id.title()} ApS", "country": country, "supportEmail": email},
        "users": [{"name": "Anna Berg", "email": email, "isOnboardingUser": True}],
    }


def create_client(debitura, external_tenant_id: str, email: str | None = None, **details) -> Any:
    """POST /clients straight to the sandbox (not through the dashboard): the mirror learns of it by sync or webhook."""
    email = email or f"{external_tenant_id}@acme.example"
    try:
        return debitura.referral.create_client(raw(client_payload(external_tenant_id, email, **details)))
    except Conflict as conflict:
        return conflict


def create_case(debitura, external_tenant_id: str, country: str = "DK", amount: str = "100.00") -> Any:
    """A case that waits for signatures (allowPendingContracts), through the Customer API."""
    payload = {
        "currencyCode": "EUR",
        "amountToRecover": Decimal(amount),
        "date": date(2026, 1, 5).isoformat(),
        "debtor": {"type": "Company", "name": "Debtor GmbH", "countryAlpha2": country, "address": "Street 1", "city": "Town"},
        "allowPendingContracts": True,
    }
    return debitura.create_case(external_tenant_id, raw(payload))


def link_id(sandbox, external_tenant_id: str) -> str:
    with sandbox.session() as s:
        return domain.require_link(s, external_tenant_id).id


def complete_onboarding(sandbox, external_tenant_id: str) -> None:
    """The customer finishes the hosted onboarding (fires the onboarding webhooks)."""
    with sandbox.session() as s:
        domain.complete_onboarding(s, domain.require_link(s, external_tenant_id).id)


def withdraw_at_debitura(sandbox, external_tenant_id: str) -> None:
    with sandbox.session() as s:
        domain.withdraw(s, external_tenant_id)


def add_tenant(external_tenant_id: str, *, company: str | None = None, **facts: Any):
    """A mirror row with the given facts and its derived state (call inside an app context; commits)."""
    from dashboard.extensions import db
    from dashboard.models import Tenant
    from dashboard.services.mirror import search_text_for
    from dashboard.services.tenant_state import refresh_state

    tenant = Tenant(
        external_tenant_id=external_tenant_id,
        company_name=company if company is not None else f"{external_tenant_id.title()} ApS",
        users=facts.pop("users", [{"email": f"{external_tenant_id}@acme.example", "name": "Anna", "isOnboardingUser": True}]),
        kyc_blocked_cases=facts.pop("kyc_blocked_cases", 0),
        **facts,
    )
    tenant.search_text = search_text_for(tenant)
    refresh_state(tenant)
    db.session.add(tenant)
    db.session.commit()
    return tenant


# ---------------------------------------------------------------- one app per module
# Building an app and compiling its templates costs far more than a test body, so modules share
# one SQLite app and wipe its data between tests. Tests marked `postgres` still get a fresh app
# per backend, exactly as the shared `app` fixture in tests/conftest.py builds it.


def build_app(tmp_path, **overrides):
    from dashboard import create_app
    from tests.conftest import make_config, prepare_databases

    app = create_app(make_config(f"sqlite:///{tmp_path / 'dashboard.db'}", tmp_path, **overrides))
    prepare_databases(app)
    return app


def dispose(app) -> None:
    from dashboard.extensions import db

    with app.app_context():
        db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


def wipe(app) -> None:
    """Empty every dashboard table and start the sandbox afresh (clock, faults and data)."""
    from dashboard.extensions import db
    from dashboard.sandbox.models import Base as SandboxBase

    with app.app_context():
        db.session.remove()
        # Straight on the engine: the audit trail refuses deletes through the ORM session, by design.
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    app.extensions.pop("sync_threads", None)
    sandbox = app.extensions["sandbox"]
    SandboxBase.metadata.drop_all(sandbox.engine)
    sandbox.create_schema()


def app_for(request, shared):
    """The module's shared app, wiped; or, for a `postgres` test, a fresh app on the test's backend."""
    if request.node.get_closest_marker("postgres") is None:
        wipe(shared)
        yield shared
        return
    from dashboard import create_app
    from tests.conftest import prepare_databases

    app = create_app(request.getfixturevalue("app_config"))
    prepare_databases(app)
    yield app
    dispose(app)
