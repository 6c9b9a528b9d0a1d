"""Rotating SECRET_KEY and DATA_ENCRYPTION_KEYS on a running setup loses nothing.

Stored webhook secrets and bearer tokens move to the new data key with `flask rotate-keys`,
after which the old key can go; sessions signed with the old SECRET_KEY keep working through
SECRET_KEY_FALLBACKS until they are revoked. Data stored before DATA_ENCRYPTION_KEYS existed
(under a key derived from SECRET_KEY) stays readable.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from dashboard import create_app, crypto
from dashboard.extensions import db
from dashboard.models import BearerToken, Operator
from dashboard.models.webhooks import WebhookSecret
from dashboard.services import token_store, webhook_secrets
from dashboard.services.token_store import DatabaseTokenStore
from dashboard.services.webhook_secrets import expected_signature
from tests.conftest import OperatorActions, make_config, prepare_databases

pytestmark = pytest.mark.postgres

OLD_SESSION_KEY, NEW_SESSION_KEY = "old-session-key-" + "a" * 32, "new-session-key-" + "b" * 32
OLD_DATA_KEY, NEW_DATA_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
WEBHOOK_SECRET = base64.b64encode(b"subscription-secret-0123456789").decode()
BEARER = "bearer-token-of-tenant-t-1"


@pytest.fixture
def setup(database_url, tmp_path):
    """Apps over one database, each as a restart with other keys would build it."""
    built = []

    def start(secret_key: str, data_keys: list[str], fallbacks: list[str] = ()):
        app = create_app(make_config(database_url, tmp_path, SECRET_KEY=secret_key, DATA_ENCRYPTION_KEYS=data_keys,
                                     SECRET_KEY_FALLBACKS=list(fallbacks)))
        if not built:
            prepare_databases(app)
        built.append(app)
        return app

    yield start
    for app in built:
        with app.app_context():
            db.session.remove()
            if app is built[-1] and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
                db.drop_all()
            db.engine.dispose()


def signed_delivery(client):
    body = json.dumps({"id": str(uuid.uuid4()), "specVersion": "1.0", "event": "client.link_requested",
                       "timestamp": datetime.now(UTC).isoformat(), "data": {"externalTenantId": "t-1"}}).encode()
    timestamp = int(datetime.now(UTC).timestamp())
    digest = expected_signature(base64.b64decode(WEBHOOK_SECRET), timestamp, body)
    return client.post("/webhooks/debitura", data=body, content_type="application/json",
                       headers={"X-Debitura-Signature": f"t={timestamp},v1={digest}"})


def stored_ciphertexts(app) -> list[str]:
    with app.app_context():
        return [*db.session.scalars(select(WebhookSecret.ciphertext)), *db.session.scalars(select(BearerToken.ciphertext))]


def test_both_keys_rotate_on_a_running_setup(setup):
    before = setup(OLD_SESSION_KEY, [OLD_DATA_KEY])
    with before.app_context():
        webhook_secrets.store_secret(WEBHOOK_SECRET)
    DatabaseTokenStore(before).put("t-1", BEARER, datetime.now(UTC) + timedelta(hours=1))
    browser = before.test_client()
    operator_id, _ = OperatorActions(before, browser).create("viewer")
    OperatorActions(before, browser).login(email=_email(before, operator_id))
    session_cookie = browser.get_cookie("session").value
    assert signed_delivery(before.test_client()).status_code == 200

    # Restart with new keys first in line and the old ones still readable, then re-encrypt.
    during = setup(NEW_SESSION_KEY, [NEW_DATA_KEY, OLD_DATA_KEY], fallbacks=[OLD_SESSION_KEY])
    result = during.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 stored secrets under the first key" in result.output

    # Restart without the old data key: everything stored is read with the new one alone.
    after = setup(NEW_SESSION_KEY, [NEW_DATA_KEY], fallbacks=[OLD_SESSION_KEY])
    for ciphertext in stored_ciphertexts(after):
        Fernet(NEW_DATA_KEY).decrypt(ciphertext.encode())
    assert signed_delivery(after.test_client()).status_code == 200
    assert DatabaseTokenStore(after).get("t-1").token == BEARER

    returning = after.test_client()
    returning.set_cookie("session", session_cookie)
    assert returning.get("/triage/").status_code == 200  # the session signed with the old SECRET_KEY still works
    with after.app_context():
        db.session.get(Operator, operator_id).end_sessions()
        db.session.commit()
    revoked = returning.get("/triage/")
    assert revoked.status_code == 302 and revoked.headers["Location"].startswith("/auth/login")


def test_without_the_old_data_key_nothing_stored_can_be_read(setup):
    before = setup(OLD_SESSION_KEY, [OLD_DATA_KEY])
    with before.app_context():
        webhook_secrets.store_secret(WEBHOOK_SECRET)
    after = setup(OLD_SESSION_KEY, [NEW_DATA_KEY])
    assert signed_delivery(after.test_client()).status_code == 401
    result = after.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 1
    assert "1 could not be read with any configured key" in result.output


def test_data_stored_under_the_session_key_stays_readable_and_moves_to_the_data_key(setup):
    """What a deployment stored before DATA_ENCRYPTION_KEYS existed was encrypted under SECRET_KEY."""
    before = setup(OLD_SESSION_KEY, [OLD_DATA_KEY])
    legacy_secret = crypto._legacy_key(webhook_secrets.PURPOSE, OLD_SESSION_KEY).encrypt(WEBHOOK_SECRET.encode())
    legacy_token = crypto._legacy_key(token_store.PURPOSE, OLD_SESSION_KEY).encrypt(BEARER.encode())
    with before.app_context():
        db.session.add(WebhookSecret(ciphertext=legacy_secret.decode(), fingerprint="legacy"))
        db.session.add(BearerToken(external_tenant_id="t-1", ciphertext=legacy_token.decode(),
                                   expires_at=datetime.now(UTC) + timedelta(hours=1), minted_at=datetime.now(UTC)))
        db.session.commit()
    assert signed_delivery(before.test_client()).status_code == 200
    assert DatabaseTokenStore(before).get("t-1").token == BEARER

    assert before.test_cli_runner().invoke(args=["rotate-keys"]).exit_code == 0
    after = setup(NEW_SESSION_KEY, [OLD_DATA_KEY])  # the old session key is gone entirely
    assert signed_delivery(after.test_client()).status_code == 200
    assert DatabaseTokenStore(after).get("t-1").token == BEARER


def _email(app, operator_id: int) -> str:
    with app.app_context():
        return db.session.get(Operator, operator_id).email
