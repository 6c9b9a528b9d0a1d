"""Two-factor sign-in: enrolment with a server-drawn QR code, codes accepted once, recovery codes once each,
second-step attempts throttled with passwords, required for admins by default, reset by another admin."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator, RecoveryCode, SecondFactor
from dashboard.services import key_rotation, two_factor
from tests.conftest import PASSWORD, TEST_DATA_KEY

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REQUIRE_2FA": "admins"}


def enrol(client) -> tuple[pyotp.TOTP, list[str]]:
    """Set up an authenticator app through the pages; returns the app and the recovery codes shown."""
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    key = re.search(r'id="totp-key"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    totp = pyotp.TOTP(key)
    shown = client.post("/auth/two-factor/setup", data={"code": totp.now()})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", shown.get_data(as_text=True))
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step: accepted (clock drift) and newer than any used so far."""
    return totp.at(time.time() + 30)


def test_an_admin_without_a_second_factor_is_taken_to_enrolment_first(client, operators):
    operators.login("admin")
    held = client.get("/triage/")
    assert held.status_code == 303 and held.headers["Location"] == "/auth/two-factor/setup"
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert '<svg' in page and 'class="qr"' in page and "<script" not in page.split("<main", 1)[1]
    enrol(client)
    assert client.get("/triage/").status_code == 200


def test_an_operator_is_not_held_by_the_default_rule_but_may_enrol(client, operators):
    operators.login("operator")
    assert client.get("/triage/").status_code == 200
    totp, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10


def test_sign_in_with_a_code_and_a_code_reused_within_its_window_is_refused(app, client, operators):
    email = operators.login("operator")
    totp, _ = enrol(client)
    client.post("/auth/logout")
    password_step = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert password_step.headers["Location"] == "/auth/two-factor"
    assert client.get("/triage/").status_code == 302  # not signed in before the second step
    code = next_code(totp)
    assert client.post("/auth/two-factor", data={"code": code}).status_code == 303
    assert client.get("/triage/").status_code == 200
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    reused = client.post("/auth/two-factor", data={"code": code})
    assert reused.status_code == 401 and "already used" in reused.get_data(as_text=True)
    wrong = client.post("/auth/two-factor", data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401 and "does not match" in wrong.get_data(as_text=True)
    with app.app_context():
        outcomes = db.session.scalars(select(AuditEntry.outcome).where(AuditEntry.action == "auth.two_factor")).all()
    assert outcomes == ["failed", "failed"]


def test_a_recovery_code_works_once(client, operators):
    email = operators.login("operator")
    _, codes = enrol(client)
    client.post("/auth/logout")
    for expected in (303, 401):
        client.post("/auth/login", data={"email": email, "password": PASSWORD})
        answer = client.post("/auth/two-factor", data={"code": codes[0].upper()})
        assert answer.status_code == expected
        client.post("/auth/logout")


def test_new_recovery_codes_replace_the_old_ones(app, client, operators):
    email = operators.login("operator")
    _, old = enrol(client)
    page = client.post("/auth/two-factor/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert not any(code in stored or code.replace("-", "") in stored for code in new)  # only hashes are kept
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert client.post("/auth/two-factor", data={"code": old[1]}).status_code == 401
    assert client.post("/auth/two-factor", data={"code": new[1]}).status_code == 303


def test_second_step_guesses_are_throttled_like_passwords(app, client, operators):
    email = operators.login("operator")
    enrol(client)
    client.post("/auth/logout")
    statuses = []
    for _ in range(4):  # each round: the right password, then a wrong code; the password does not reset the count
        client.post("/auth/login", data={"email": email, "password": PASSWORD})
        statuses.append(client.post("/auth/two-factor", data={"code": "999999"}).status_code)
    assert statuses[:2] == [401, 401] and statuses[-1] == 429


def test_the_secret_is_encrypted_at_rest_and_rotate_keys_moves_it(app, client, operators, tmp_path):
    operators.login("operator")
    totp, _ = enrol(client)
    with app.app_context():
        ciphertext = db.session.scalar(select(SecondFactor.ciphertext))
        assert totp.secret not in ciphertext
        assert Fernet(TEST_DATA_KEY).decrypt(ciphertext.encode()).decode() == totp.secret
        new_key = Fernet.generate_key().decode()
        app.config["DATA_ENCRYPTION_KEYS"] = [new_key, TEST_DATA_KEY]
        assert key_rotation.rotate_keys().unreadable == 0
        moved = db.session.scalar(select(SecondFactor.ciphertext))
        assert Fernet(new_key).decrypt(moved.encode()).decode() == totp.secret


def test_an_admin_resets_another_operators_second_factor_audited_without_the_secret(app, client, operators):
    operator_id, email = operators.create("operator")
    other = app.test_client()
    other.post("/auth/login", data={"email": email, "password": PASSWORD})
    totp, _ = enrol(other)
    admin_email = operators.login("admin")
    enrol(client)
    page = client.get("/admin/operators").get_data(as_text=True)
    assert f'aria-label="Reset the two-factor sign-in of {email}"' in page
    assert f'aria-label="Reset the two-factor sign-in of {admin_email}"' not in page
    assert client.post(f"/admin/operators/{operator_id}/two-factor/reset").status_code == 303
    assert other.get("/triage/").status_code == 302
    with app.app_context():
        assert db.session.get(SecondFactor, operator_id) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "operator.reset_two_factor"))
        assert entry.operator_email == admin_email and totp.secret not in entry.summary
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"email": email, "password": PASSWORD}).headers["Location"] == "/"


def test_require_2fa_all_holds_every_password_sign_in(app, client, operators):
    app.config["REQUIRE_2FA"] = "all"
    operators.login("viewer")
    assert client.get("/triage/").headers["Location"] == "/auth/two-factor/setup"
    with app.app_context():
        viewer = db.session.scalar(select(Operator).where(Operator.role == "viewer"))
        assert two_factor.required(viewer)
        app.config["REQUIRE_2FA"] = "off"
        assert not two_factor.required(viewer)


def test_the_second_step_lapses_after_five_minutes(client, operators):
    email = operators.login("operator")
    totp, _ = enrol(client)
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    with client.session_transaction() as session:
        waiting = dict(session["sign_in_pending"])
        session["sign_in_pending"] = {**waiting, "at": waiting["at"] - 301}
    answer = client.post("/auth/two-factor", data={"code": next_code(totp)}, follow_redirects=True)
    assert answer.request.path == "/auth/login" and "within five minutes" in answer.get_data(as_text=True)
