"""Tenants for the case-workbench tests: real clients in the sandbox, mirrored into the dashboard.

Each helper goes through the real client (POST /clients, GET /clients/{id}) and the sandbox's own
domain functions for what a customer does in the hosted pages (onboarding, signing a PoA).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from dashboard.sandbox import domain, reference
from dashboard.sandbox import models as sandbox_models
from dashboard.services import mirror
from tests.raw_body import raw

TODAY = date.today()


def client_payload(tenant: str, name: str) -> dict:
    return {
        "externalTenantId": tenant,
        "client": {"name": name, "country": "DK", "supportEmail": f"support@{tenant}.customer.example"},
        "users": [{"name": "Anna Jensen", "email": f"anna@{tenant}.customer.example", "isOnboardingUser": True}],
    }


def make_tenant(app, *, name: str = "Acme Invoicing ApS", onboard: bool = True, poa_for: tuple[str, ...] = ("DK",)) -> tuple[int, str]:
    """A client at the sandbox and its tenant row; `onboard` signs the agreement, `poa_for` the PoAs for those debtor countries.

    Returns (tenant row id, externalTenantId).
    """
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    sandbox = app.extensions["sandbox"]
    client = app.extensions["debitura"]
    with app.test_request_context():
        created = client.referral.create_client(raw(client_payload(tenant, name)))
        if onboard:
            with sandbox.session() as s:
                link = domain.active_link(s, tenant)
                domain.complete_onboarding(s, link.id)
                for country in poa_for:
                    partner = reference.route(country)
                    domain.sign_power_of_attorney(s, link.id, partner.id)
        status = 201 if onboard else created.status
        row = mirror.upsert_tenant_from_client(client.referral.get_client(tenant), source="api", status=status)
        return row.id, tenant


def sandbox_case_count(app, tenant: str | None = None) -> int:
    """How many cases the sandbox holds (for one tenant when given): the ground truth for "exactly one case"."""
    sandbox = app.extensions["sandbox"]
    with sandbox.session() as s:
        query = select(func.count()).select_from(sandbox_models.Case)
        if tenant is not None:
            link = domain.active_link(s, tenant)
            query = query.where(sandbox_models.Case.creditor_id == link.creditor_id)
        return s.scalar(query)


def case_form(**overrides) -> dict[str, str]:
    """A valid case form as a browser posts it."""
    data = {
        "currency_code": "EUR",
        "amount_to_recover": "5000.00",
        "invoice_date": (TODAY - timedelta(days=90)).isoformat(),
        "due_date": (TODAY - timedelta(days=60)).isoformat(),
        "creditor_reference": f"INV-{uuid.uuid4().hex[:6]}",
        "claim_description": "Consulting services, invoice 2024-118",
        "debtor_type": "Company",
        "debtor_name": "Debtor GmbH",
        "debtor_address": "Hauptstrasse 10",
        "debtor_zip_code": "80331",
        "debtor_city": "Munich",
        "debtor_country": "DK",
        "debtor_email": "billing@debtor.example",
        "allow_pending_contracts": "y",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


class ModuleEnv:
    """One app, sandbox and signed-in browser for a whole test module (signing in hashes a password: slow)."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.sandbox = app.extensions["sandbox"]
        self.debitura = app.extensions["debitura"]

    def login_as(self, role: str):
        """Another browser, signed in with `role`."""
        from tests.conftest import OperatorActions

        other = self.app.test_client()
        OperatorActions(self.app, other).login(role)
        return other


def without_backoff(app) -> None:
    """Rebuild the app's Debitura client on the same sessions, minus the pauses between retries.

    Retries still happen (and still reuse their Idempotency-Key); the tests just do not wait for them.
    """
    from dashboard.debitura import CustomerApi, DebituraClient, ReferralApi, TokenCache
    from dashboard.services.token_store import DatabaseTokenStore

    current = app.extensions["debitura"]
    config = app.config
    timeout = (3.05, config["DEBITURA_TIMEOUT"])
    referral = ReferralApi(
        current.referral.base_url, config["DEBITURA_API_KEY"], session=current.referral.session, timeout=timeout, sleep=_no_pause
    )
    customer = CustomerApi(current.customer.base_url, session=current.customer.session, timeout=timeout, sleep=_no_pause)
    app.extensions["debitura"] = DebituraClient(referral, customer, TokenCache(referral, DatabaseTokenStore(app)))


def _no_pause(_seconds: float) -> None:
    """The retry back-off, without the waiting."""


def module_env(tmp_path_factory, role: str = "operator", **overrides):
    """Generator for a module-scoped fixture: yields a ModuleEnv on a fresh SQLite database."""
    from dashboard import create_app
    from dashboard.extensions import db
    from tests.conftest import OperatorActions, make_config, prepare_databases

    root = tmp_path_factory.mktemp("workbench")
    app = create_app(make_config(f"sqlite:///{root / 'dashboard.db'}", root, **overrides))
    prepare_databases(app)
    without_backoff(app)
    client = app.test_client()
    OperatorActions(app, client).login(role)
    yield ModuleEnv(app, client)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["sandbox"].close()
