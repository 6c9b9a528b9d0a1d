"""Fixtures for the sandbox's own tests: a fresh sandbox database per test, reached through the real client.

One Sandbox object serves the whole run and each test gets a fresh copy of a template
database file: a new Sandbox per test would recompile every SQL statement for its new
engine, which costs more than the tests themselves.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.datastructures import Headers

from dashboard.debitura import CustomerApi, DebituraClient, MemoryTokenStore, ReferralApi, TokenCache
from dashboard.sandbox import Sandbox, SandboxConfig, domain

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
    created = referral.create_client(client_payload(tenant, **overrides))
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


# --- contract check: every response the sandbox gives is checked against the OpenAPI specs -----

SPECS = Path(__file__).resolve().parents[3] / "shared" / "reference"
API_HOSTS = {
    "/referral-api": ("debitura-referral-partner-api.openapi.json", "https://referral-api.debitura.com"),
    "/customer-api": ("debitura-customer-api.openapi.json", "https://customer-api.debitura.com"),
}
# kycStatus is documented as a PascalCase enum but, per the same spec, travels as snake_case.
KYC_WIRE_TO_SPEC = {"not_required": "NotRequired", "pending": "Pending", "verified": "Verified"}


@dataclass
class _SpecRequest:
    host_url: str
    path: str
    method: str
    body: bytes | None = None
    content_type: str = "application/json"
    parameters: RequestParameters = field(default_factory=RequestParameters)

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path


@dataclass
class _SpecResponse:
    data: bytes
    status_code: int
    content_type: str
    headers: Headers


def _spec_view(body: Any) -> Any:
    if isinstance(body, dict):
        return {key: KYC_WIRE_TO_SPEC.get(value, value) if key == "kycStatus" else _spec_view(value)
                for key, value in body.items()}
    if isinstance(body, list):
        return [_spec_view(item) for item in body]
    return body


def _documented_deviation(status: int, path: str, body: Any) -> bool:
    """Answers the docs shape differently from the spec, on purpose (see errors.py and the README)."""
    if status == 400 and not (isinstance(body, dict) and "businessErrors" in body):
        return True  # field-keyed validation errors, as the docs show them
    return status == 200 and path.endswith("/files")  # the guides document {id, fileName, dateCreated}


@pytest.fixture(scope="session")
def contract_specs() -> dict[str, tuple[Any, str]]:
    return {
        prefix: (OpenAPI.from_dict(json.loads((SPECS / name).read_text())), host)
        for prefix, (name, host) in API_HOSTS.items()
    }


@pytest.fixture(autouse=True)
def contract_check(request, contract_specs):
    """Fail any test during which the sandbox answered outside the spec (declared statuses only)."""
    if "sandbox" not in request.fixturenames:
        yield
        return
    box = request.getfixturevalue("sandbox")
    violations: list[str] = []

    def check(prepared: requests.PreparedRequest, response: requests.Response) -> None:
        path = urlsplit(prepared.url).path[len(urlsplit(box.urls.base).path):]
        prefix = next((p for p in API_HOSTS if path.startswith(p + "/")), None)
        if prefix is None or not response.content:
            return
        try:
            body = json.loads(response.content)
        except ValueError:
            violations.append(f"{prepared.method} {path} -> {response.status_code}: not JSON")
            return
        if _documented_deviation(response.status_code, path, body):
            return
        spec, host = contract_specs[prefix]
        operation = _SpecRequest(host_url=host, path=path[len(prefix):], method=prepared.method.lower())
        answer = _SpecResponse(json.dumps(_spec_view(body)).encode(), response.status_code, "application/json",
                               Headers({"Content-Type": "application/json"}))
        try:
            spec.validate_response(operation, answer)
        except (PathNotFound, OperationNotFound, ResponseNotFound):
            return  # statuses and paths the spec does not declare (401, 405, 429...) are checked elsewhere
        except Exception as error:  # noqa: BLE001 - every validation failure is a finding
            violations.append(f"{prepared.method} {path} -> {response.status_code}: {error}")

    box.observers.append(check)
    yield
    assert violations == []
