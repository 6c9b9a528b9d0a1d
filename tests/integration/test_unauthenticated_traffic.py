"""Traffic nobody signed in for cannot fill the database: refusals and failed sign-ins are counters
per source and minute, pruned as they age; the webhook receiver never reads past its size limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import LoginFailure, WebhookEvent, WebhookRejection
from dashboard.models.base import debitura_now, now_utc
from dashboard.services.unauthenticated import minute_of
from dashboard.webhooks.views import MAX_BODY
from tests.conftest import make_config
from tests.serving import served

pytestmark = pytest.mark.postgres

SECRET = base64.b64encode(b"s" * 32).decode()


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path, DEBITURA_WEBHOOK_SECRET=SECRET, UNAUTHENTICATED_RETENTION_DAYS=7)


def signed(body: bytes) -> str:
    t = int(time.time())
    return f"t={t},v1={hmac.new(base64.b64decode(SECRET), str(t).encode() + b'.' + body, hashlib.sha256).hexdigest()}"


def envelope() -> bytes:
    return json.dumps({"id": str(uuid.uuid4()), "specVersion": "1.0", "event": "client.link_requested",
                       "timestamp": now_utc().isoformat(), "data": {"externalTenantId": "t-1"}}).encode()


def rows_and_total(app, model, *where) -> tuple[int, int]:
    with app.app_context():
        return db.session.execute(
            select(func.count(), func.coalesce(func.sum(model.count), 0)).select_from(model).where(*where)
        ).one()


def test_a_flood_of_forgeries_from_one_source_is_one_counter_per_minute(app, client):
    with app.app_context():
        first_minute = minute_of(debitura_now())
    for _ in range(40):
        response = client.post("/webhooks/debitura", data=b"{}", content_type="application/json",
                               headers={"X-Debitura-Signature": "t=1,v1=" + "0" * 64},
                               environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code == 401 and response.get_data() == b""
    with app.app_context():
        minutes = len({first_minute, minute_of(debitura_now())})
    rows, total = rows_and_total(app, WebhookRejection, WebhookRejection.remote_addr == "203.0.113.9")
    assert total == 40 and rows <= minutes  # one row, or two when the minute turned during the flood
    other = client.post("/webhooks/debitura", data=b"{}", environ_base={"REMOTE_ADDR": "198.51.100.3"})
    assert other.status_code == 401
    assert rows_and_total(app, WebhookRejection, WebhookRejection.remote_addr == "198.51.100.3") == (1, 1)


def test_the_deliveries_page_counts_refusals_not_rows(app, client, operators):
    for _ in range(7):
        client.post("/webhooks/debitura", data=b"{}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    operators.login("viewer")
    page = client.get("/webhooks/deliveries").get_data(as_text=True)
    assert "missing signature: 7" in page


def test_failed_sign_ins_from_one_address_are_one_counter_per_minute(app, client):
    start = minute_of(now_utc())
    for number in range(30):
        client.post("/auth/login", data={"email": f"guess{number}@partner.example", "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    minutes = len({start, minute_of(now_utc())})
    rows, total = rows_and_total(app, LoginFailure, LoginFailure.scope == "address")
    assert total == 30 and rows <= minutes
    # Once the address is locked (20 by default), the e-mails it goes on trying are not counted one by one.
    accounts, _ = rows_and_total(app, LoginFailure, LoginFailure.scope == "account")
    assert accounts == 20


def test_old_counters_are_pruned_by_the_command_and_on_write(app, client):
    now = debitura_now()
    with app.app_context():
        db.session.add_all([
            WebhookRejection(reason="bad_signature", remote_addr="203.0.113.1", received_at=minute_of(now - timedelta(days=8))),
            WebhookRejection(reason="bad_signature", remote_addr="203.0.113.2", received_at=minute_of(now - timedelta(days=6))),
            LoginFailure(scope="address", key="a" * 64, minute=minute_of(now_utc() - timedelta(hours=1)),
                         last_at=now_utc() - timedelta(hours=1)),
            LoginFailure(scope="address", key="b" * 64, minute=minute_of(now_utc()), last_at=now_utc()),
        ])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["prune"])
    assert result.exit_code == 0, result.output
    assert "2 old rows" in result.output
    with app.app_context():
        assert db.session.scalars(select(WebhookRejection.remote_addr)).all() == ["203.0.113.2"]
        assert db.session.scalars(select(LoginFailure.key)).all() == ["b" * 64]
        db.session.add(WebhookRejection(reason="stale", remote_addr="203.0.113.3",
                                        received_at=minute_of(now - timedelta(days=30))))
        db.session.commit()
    client.post("/webhooks/debitura", data=b"{}", environ_base={"REMOTE_ADDR": "203.0.113.4"})
    with app.app_context():
        assert sorted(db.session.scalars(select(WebhookRejection.remote_addr))) == ["203.0.113.2", "203.0.113.4"]


def post_chunked(url: str, chunks, headers: dict[str, str]) -> int:
    """POST with Transfer-Encoding: chunked (no Content-Length), as a proxy or a client may."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", parts.path)
        for name, value in {**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:
            for chunk in chunks:
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading everything: what it should do
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_refused_without_being_read_whole(app):
    chunk = b"x" * 16384
    chunks = [chunk] * (4 * MAX_BODY // len(chunk))
    with served(app) as url:
        status = post_chunked(f"{url}/webhooks/debitura", chunks, {"X-Debitura-Signature": "t=1,v1=00"})
    assert status == 413
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_a_chunked_genuine_delivery_is_read_and_accepted(app):
    body = envelope()
    pieces = [body[index:index + 50] for index in range(0, len(body), 50)]
    with served(app) as url:
        status = post_chunked(f"{url}/webhooks/debitura", pieces, {"X-Debitura-Signature": signed(body)})
    assert status == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
