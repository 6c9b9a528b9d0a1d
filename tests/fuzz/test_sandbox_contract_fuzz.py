"""Property-based contract run: schemathesis sends generated requests to every Referral API operation the
sandbox implements, over real HTTP, and checks that no answer is a server error, an undocumented status
or a body off the (documented) spec."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.config import SchemathesisConfig

from dashboard.sandbox.__main__ import BackgroundServer, standalone_sandbox
from dashboard.sandbox.contract import documented_spec
from tests.serving import free_port

HOST = "127.0.0.1"
API_KEY = "sandbox-key"
MAX_EXAMPLES = 8

# Only the fuzzing phase, a few examples per operation, the same ones every run: a bounded, repeatable run.
CONFIG = SchemathesisConfig.from_dict({
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": False},
        "stateful": {"enabled": False},
        "fuzzing": {"enabled": True},
    },
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
})
# Client deletion would empty the demo the other operations are fuzzed against; its own tests cover it.
schema = schemathesis.openapi.from_dict(documented_spec("referral-api"), config=CONFIG).exclude(
    method="DELETE", path="/clients/{externalTenantId}"
)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory) -> Iterator[str]:
    """The standalone sandbox (demo loaded, no webhook deliveries) served over HTTP from a thread."""
    port = free_port(HOST)
    database = tmp_path_factory.mktemp("fuzz") / "sandbox.db"
    box = standalone_sandbox(HOST, port, database=f"sqlite:///{database}", auto_deliver=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per generated request is noise
    server = BackgroundServer(box, HOST, port)
    yield f"{server.url}/referral-api"
    server.stop()
    box.close()


@schema.parametrize()
def test_the_sandbox_keeps_to_the_referral_partner_spec(case, standalone):
    case.call_and_validate(
        base_url=standalone,
        headers={"XApiKey": API_KEY},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        timeout=10,
    )
