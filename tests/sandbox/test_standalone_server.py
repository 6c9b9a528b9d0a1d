"""`python -m dashboard.sandbox` serves the whole sandbox over real HTTP, keeps its state across restarts,
and applies injected faults to real requests."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dashboard.debitura import AuthenticationError, ReferralApi, ServerError
from dashboard.sandbox import demo
from tests.raw_body import raw
from tests.serving import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


class Server:
    """The standalone sandbox in a subprocess, as `make sandbox` starts it."""

    def __init__(self, database: Path, port: int, **environment: str) -> None:
        env = {name: value for name, value in os.environ.items() if name != "DEBITURA_API_KEY"}
        env.update({"SANDBOX_DATABASE_URL": f"sqlite:///{database}", "SANDBOX_AUTO_DELIVER": "0", **environment})
        self.base = f"http://{HOST}:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.sandbox", "--host", HOST, "--port", str(port)],
            cwd=REPOSITORY, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        # The server prints one line once it listens; wait for it (bounded) instead of polling.
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if "listening on" not in line:
            self.stop()
            raise AssertionError(f"the sandbox did not start: {line!r} {self.process.stderr.read()[-2000:]}")

    def stop(self) -> int:
        self.process.terminate()
        code = self.process.wait(30)
        self.process.stdout.close()
        self.process.stderr.close()
        return code


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("standalone") / "sandbox.db", free_port())
    yield running
    running.stop()


def referral_for(server: Server, **options) -> ReferralApi:
    return ReferralApi(f"{server.base}/referral-api", "sandbox-key", **options)


def new_client(tenant: str) -> dict:
    return {
        "externalTenantId": tenant,
        "client": {"name": f"{tenant.title()} ApS", "country": "DK", "supportEmail": f"books@{tenant}.example"},
        "users": [{"name": "Ida Holm", "email": f"ida@{tenant}.example", "isOnboardingUser": True}],
    }


def test_it_serves_the_apis_pages_and_panel_with_the_demo_on_first_start(server):
    referral = referral_for(server)

    assert referral.me().company_name == "Northwind Invoicing ApS"
    assert referral.list_clients(page_size=1).total_results >= 46
    created = referral.create_client(raw(new_client("standalone")))
    assert created.client.onboarding_url.startswith(f"{server.base}/ui/onboarding/companydetails/")
    page = requests.get(created.client.onboarding_url, timeout=10)
    assert page.status_code == 200 and "<h1>Company details</h1>" in page.text
    assert "Sandbox control panel" in requests.get(f"{server.base}/control/", timeout=10).text


def test_state_survives_a_restart_and_the_demo_is_not_loaded_twice(tmp_path):
    database = tmp_path / "restarted.db"
    first = Server(database, free_port())
    referral_for(first).create_client(raw(new_client("kept")))
    assert first.stop() == 0  # SIGTERM ends it cleanly

    second = Server(database, free_port())
    try:
        referral = referral_for(second)
        assert referral.get_client("kept").company.company_name == "Kept ApS"
        listed = sum(tenant.has_active_link for tenant in demo.demo_tenants())
        assert referral.list_clients(page_size=1).total_results == listed + 1
    finally:
        second.stop()


def test_faults_primed_in_the_panel_hit_real_http_requests(server):
    panel = requests.post(f"{server.base}/control/faults", timeout=10, allow_redirects=False,
                          data={"kind": "http_503", "mode": "next", "count": "1", "path_prefix": "/referral-api/me"})
    assert panel.status_code == 303
    referral = referral_for(server, max_retries=0)

    with pytest.raises(ServerError):
        referral.me()
    assert referral.me().company_name == "Northwind Invoicing ApS"


def test_it_takes_the_api_key_from_debitura_api_key_as_the_embedded_sandbox_does(tmp_path):
    own = Server(tmp_path / "own-key.db", free_port(), DEBITURA_API_KEY="mykey")
    try:
        assert ReferralApi(f"{own.base}/referral-api", "mykey").me().company_name == "Northwind Invoicing ApS"
        with pytest.raises(AuthenticationError):
            ReferralApi(f"{own.base}/referral-api", "sandbox-key", max_retries=0).me()
    finally:
        own.stop()


def test_without_debitura_api_key_it_takes_the_default_sandbox_key(server):
    assert referral_for(server).me().company_name == "Northwind Invoicing ApS"
    with pytest.raises(AuthenticationError):
        ReferralApi(f"{server.base}/referral-api", "mykey", max_retries=0).me()


def test_a_wrong_auto_deliver_value_stops_the_start_with_the_variable_named(tmp_path):
    env = {**os.environ, "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SANDBOX_AUTO_DELIVER": "sometimes"}
    finished = subprocess.run([sys.executable, "-m", "dashboard.sandbox", "--port", str(free_port())], cwd=REPOSITORY,
                              env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert "SANDBOX_AUTO_DELIVER must be 1 (deliver webhooks) or 0 (do not); got 'sometimes'." in finished.stderr
