"""Sign-in throttling behind a load balancer, against a real server: the client's own address counts,
a forged X-Forwarded-For hop changes nothing, and a parallel burst gets no more checks than the limit."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dashboard import create_app
from dashboard.extensions import db
from dashboard.services import login_throttle
from tests.conftest import PASSWORD, OperatorActions, make_config, prepare_databases
from tests.serving import served

pytestmark = pytest.mark.postgres

ATTACKER = "203.0.113.66"
OPERATOR_ADDRESS = "198.51.100.20"


@pytest.fixture
def build(database_url, tmp_path):
    built = []

    def build_app(**overrides):
        app = create_app(make_config(database_url, tmp_path, **overrides))
        prepare_databases(app)
        built.append(app)
        return app

    yield build_app
    for app in built:
        with app.app_context():
            db.session.remove()
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                db.drop_all()
            db.engine.dispose()


def sign_in(url: str, email: str, password: str, forwarded_for: str) -> int:
    """One sign-in as the balancer passes it on: it appends the address it saw to X-Forwarded-For."""
    response = requests.post(
        f"{url}/auth/login", data={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for}, allow_redirects=False, timeout=30,
    )
    return response.status_code


def test_failures_from_one_client_never_lock_out_an_operator_at_another(build):
    app = build(TRUSTED_PROXY_HOPS=1)
    _, email = OperatorActions(app, app.test_client()).create("operator")
    with served(app) as url:
        answers = []
        for number in range(25):
            # Every other attempt claims, in a hop of its own, to come from the operator's address.
            forged = f"{OPERATOR_ADDRESS}, {ATTACKER}" if number % 2 else ATTACKER
            answers.append(sign_in(url, f"guess{number}@partner.example", "wrong password", forged))
        assert answers == [401] * 20 + [429] * 5  # the attacker's own address is locked after 20
        assert sign_in(url, email, PASSWORD, f"{OPERATOR_ADDRESS}, {ATTACKER}") == 429  # forging a hop does not help
        assert sign_in(url, email, PASSWORD, OPERATOR_ADDRESS) == 303
    with app.app_context():
        assert login_throttle.failure_count(remote_addr=ATTACKER) == 26
        assert login_throttle.failure_count(remote_addr=OPERATOR_ADDRESS) == 0
        assert login_throttle.failure_count(remote_addr="127.0.0.1") == 0


def test_without_trusted_hops_a_forwarded_for_header_is_ignored(build):
    app = build()
    with served(app) as url:
        assert sign_in(url, "someone@partner.example", "wrong password", ATTACKER) == 401
    with app.app_context():
        assert login_throttle.failure_count(remote_addr="127.0.0.1") == 1
        assert login_throttle.failure_count(remote_addr=ATTACKER) == 0


@pytest.mark.serial  # fifty sign-ins at once against a 30 s timeout each: needs the cores to itself
def test_a_parallel_burst_gets_no_more_password_checks_than_the_limit(build):
    limit, burst = 5, 50
    app = build(TRUSTED_PROXY_HOPS=1, LOGIN_MAX_FAILURES_PER_ACCOUNT=limit, LOGIN_MAX_FAILURES_PER_ADDRESS=100000)
    _, email = OperatorActions(app, app.test_client()).create("operator")
    start = threading.Barrier(burst)

    def guess(number: int) -> int:
        start.wait()
        return sign_in(url, email, f"wrong password {uuid.uuid4().hex}", f"203.0.113.{number}")

    with served(app) as url, ThreadPoolExecutor(max_workers=burst) as pool:
        answers = list(pool.map(guess, range(burst)))
        assert sorted(answers) == [401] * limit + [429] * (burst - limit)
        assert sign_in(url, email, PASSWORD, OPERATOR_ADDRESS) == 429  # the right password too: none let through
    with app.app_context():
        assert login_throttle.failure_count(email=email) == burst + 1
