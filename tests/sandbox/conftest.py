"""Fixtures for the sandbox's own tests: a fresh sandbox database per test, reached through the real client.

One Sandbox object serves the whole run and each test gets a fresh copy of a template
database file: a new Sandbox per test would recompile every SQL statement for its new
engine, which costs more than the tests themselves.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from dashboard.debitura import (
    CustomerApi,
    DebituraClient,
    MemoryTokenStore,
    ReferralApi,
    TokenCache,
)
from dashboard.sandbox import Sandbox, SandboxConfig, domain
from dashboard.sandbox.contract import ContractChecker
from tests.raw_body import raw

PUBLIC_URL = "http://sandbox.test"
API_KEY = "sandbox-key"


def no_sleep(_seconds: float) -> None:
    """The client's retry back-off, without the waiting."""


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory) -> Iterator[tuple[Sandbox, Path, Path]]:
    root = tmp_path_factory.mktemp("sandbox")
    database, template = root / "sandbox.db", root / "template.db"
    box = Sandbox(SandboxConfig(database_url=f"sqlite:///{database}", public_url=PUBLIC_URL, auto_deliver=False))
    box.create_schema()
    box.engine.dispose()
    shutil.copyfile(database, template)
    yield box, database, template
    box.close()


@pytest.fixture
def sandbox(shared_sandbox) -> Iterator[Sandbox]:
    """A sandbox whose database is a fresh copy of the empty template (schema, state row, partner)."""
    box, database, template = shared_sandbox
    box.engine.dispose()
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, database)
    box.observers.clear()
    box.delivery_session = requests.Session()
    yield box
    box.delivery_session.close()
    box.engine.dispose()


@pytest.fixture
def http(sandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # no proxy settings from the environment: everything stays in-process
    sandbox.mount(session)
    yield session
    session.close()


@pytest.fixture
def referral(sandbox, http) -> ReferralApi:
    return ReferralApi(sandbox.urls.referral_api, API_KEY, session=http, sleep=no_sleep)


@pytest.fixture
def customer(sandbox, http) -> CustomerApi:
    return CustomerApi(sandbox.urls.customer_api, session=http, sleep=no_sleep)


@pytest.fixture
def debitura(referral, customer) -> DebituraClient:
    return DebituraClient(referral, customer, TokenCache(referral, MemoryTokenStore()))


# --- payload builders --------------------------------------------------------------------------


def client_payload(tenant: str, email: str | None = None, **overrides: Any) -> dict[str, Any]:
    email = email or f"{tenant}@customer.example"
    payload: dict[str, Any] = {
        "externalTenantId": tenant,
        "client": {"name": f"{tenant.title()} Ltd", "country": "DK", "supportEmail": f"support-{email}"},
        "users": [{"name": "Anna Jensen", "email": email, "isOnboardingUser": True}],
    }
    payload.update(overrides)
    return payload


def case_payload(country: str = "DK", **overrides: Any) -> dict[str, Any]:
    today = date.today()
    payload: dict[str, Any] = {
        "currencyCode": "EUR",
        "amountToRecover": 1500,
        "date": (today - timedelta(days=90)).isoformat(),
        "dueDate": (today - timedelta(days=60)).isoformat(),
        "debtor": {"type": "Company", "name": "Debtor GmbH", "countryAlpha2": country},
    }
    if country == "US":
        payload["debtor"]["stateAlpha2"] = "CA"
    debtor = overrides.pop("debtor", None)
    if debtor is not None:
        payload["debtor"] = {**payload["debtor"], **debtor}
    payload.update(overrides)
    return payload


def onboard(sandbox: Sandbox, referral: ReferralApi, tenant: str, **overrides: Any) -> str:
    """A client created through the API and fully onboarded through the hosted flow; returns its link id."""
    created = referral.create_client(raw(client_payload(tenant, **overrides)))
    with sandbox.session() as s:
        link = domain.active_link(s, tenant)
        domain.complete_onboarding(s, link.id)
        assert created.status == 202
        return link.id


def sign_poa(sandbox: Sandbox, tenant: str, partner_name: str) -> None:
    from dashboard.sandbox import reference

    with sandbox.session() as s:
        link = domain.active_link(s, tenant)
        domain.sign_power_of_attorney(s, link.id, reference.partner_by_name(partner_name).id)


@pytest.fixture
def client_body():
    """`client_body(tenant, email=None, **overrides)`: a valid POST /clients payload."""
    return client_payload


@pytest.fixture
def case_body():
    """`case_body(country="DK", debtor={...}, **overrides)`: a valid POST /cases payload."""
    return case_payload


@pytest.fixture
def ready_client(sandbox, referral):
    """`ready_client(tenant, **overrides)`: create a client and complete its onboarding; returns the link id."""
    return lambda tenant, **overrides: onboard(sandbox, referral, tenant, **overrides)


@pytest.fixture
def poa_signed(sandbox):
    """`poa_signed(tenant, partner_name)`: the client signs the PoA for one collection partner."""
    return lambda tenant, partner_name: sign_poa(sandbox, tenant, partner_name)



@pytest.fixture(autouse=True)
def contract_check(request):
    """Every exchange with the sandbox must keep to the OpenAPI contract (as Debitura documents it).

    Exchanges are only collected while the test runs and checked at teardown, so the check adds
    nothing to what a test measures.
    """
    if "sandbox" not in request.fixturenames:
        yield None
        return
    exchanges: list[tuple[requests.PreparedRequest, requests.Response]] = []
    request.getfixturevalue("sandbox").observers.append(lambda sent, answer: exchanges.append((sent, answer)))
    yield exchanges
    checker = ContractChecker()
    for sent, answer in exchanges:
        checker(sent, answer)
    checker.assert_clean()
