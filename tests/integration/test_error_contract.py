"""One error contract: every failed htmx action answers a swap of nothing, with its message and the outage banner out of band.

htmx swaps no 4xx/5xx answer, so a failure answers 200 with `HX-Reswap: none` (the form and what was typed
stay on the page) and carries the message in `#flash` and the banner in `#outage-banner`, both marked
`hx-swap-oob`. A request whose sign-in has ended is sent to the sign-in page as a whole page.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from dashboard import create_app
from dashboard.extensions import db
from tests.cases_support import make_tenant, without_backoff
from tests.conftest import PASSWORD, OperatorActions, make_config, prepare_databases

pytestmark = pytest.mark.postgres

PAGE = "http://localhost/tenants/{id}"


def htmx(page: str, target: str = "tenant-live") -> dict:
    return {"HX-Request": "true", "HX-Current-URL": page, "HX-Target": target}


def oob_flash(html: str) -> str:
    """The text of the out-of-band flash region in an htmx answer ("" when there is none)."""
    match = re.search(r'<div id="flash"[^>]*hx-swap-oob="true"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def oob_banner(html: str) -> str:
    match = re.search(r'<div id="outage-banner" hx-swap-oob="true">(.*?)</div>\s*$', html, re.S)
    assert match, "the answer carries the banner region out of band"
    return match.group(1)


@pytest.fixture
def tenant(app, operators):
    without_backoff(app)
    operators.login("admin")
    row_id, _ = make_tenant(app, onboard=False)
    return row_id


def refresh(client, tenant_id):
    return client.post(f"/tenants/{tenant_id}/refresh", headers=htmx(PAGE.format(id=tenant_id)))


@pytest.mark.parametrize(("kind", "options", "message"), [
    ("connection_reset", {}, "Debitura is not responding; nothing was changed (the connection failed). Try again in a minute."),
    ("timeout_before", {}, "Debitura did not answer within 10 s, so it may or may not have acted."),
    ("http_503", {}, "Debitura is not responding; nothing was changed (HTTP 503). Try again in a minute."),
    ("http_500", {}, "Debitura had an internal error (HTTP 500); nothing was confirmed. Try again in a minute"),
    ("http_429", {"retry_after": 30}, "Debitura is limiting how fast the dashboard may call it; nothing was changed. "
                                      "Try again in 30 s."),
])
def test_a_failed_htmx_action_shows_its_message_out_of_band_and_swaps_nothing(client, sandbox, tenant, kind, options, message):
    sandbox.faults.fail_next(3, kind, **options)  # the first try and both retries

    response = refresh(client, tenant)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert message in oob_flash(html)
    assert 'role="alert"' in html
    assert "Traceback" not in html and "sandbox-key" not in html


@pytest.mark.parametrize(("kind", "outage"), [("connection_reset", True), ("timeout_before", True), ("http_503", True),
                                              ("http_500", False), ("http_429", False)])
def test_the_outage_banner_rides_on_the_failed_answer_and_leaves_with_the_next_good_one(client, sandbox, tenant, kind, outage):
    sandbox.faults.fail_next(3, kind, retry_after=1)

    failed = refresh(client, tenant).get_data(as_text=True)

    assert ("Debitura cannot be reached" in oob_banner(failed)) is outage
    sandbox.faults.clear()
    recovered = refresh(client, tenant).get_data(as_text=True)
    assert "Read from Debitura just now" in oob_flash(recovered)
    assert "Debitura cannot be reached" not in oob_banner(recovered)


@pytest.mark.parametrize(("kind", "summary"), [("connection_reset", "Read again failed: Debitura could not be reached"),
                                               ("timeout_before", "Read again failed: Debitura did not answer in time"),
                                               ("http_500", "Read again failed: Debitura had an internal error (HTTP 500)")])
def test_a_failed_read_again_is_in_the_audit_trail_in_words(app, client, sandbox, tenant, kind, summary):
    from dashboard.models import AuditEntry

    sandbox.faults.fail_next(3, kind)

    refresh(client, tenant)

    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="client.refresh").order_by(AuditEntry.id.desc()).first()
        assert (entry.outcome, entry.summary) == ("failed", summary)
    trail = client.get("/audit/?action=client.refresh").get_data(as_text=True)
    assert summary in trail and "DebituraConnectionError" not in trail and "ServerError" not in trail


def test_a_plain_request_gets_the_page_with_the_message_and_the_banner(client, sandbox, tenant):
    sandbox.faults.fail_next(3, "connection_reset")

    response = client.post(f"/tenants/{tenant}/refresh")

    html = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "Debitura is not responding; nothing was changed (the connection failed)." in html
    assert "Debitura cannot be reached" in html


def test_a_viewer_pressing_an_operators_button_is_told_to_ask_an_admin(app, client, operators):
    row_id, _ = make_tenant(app, onboard=False)
    operators.login("viewer")

    response = refresh(client, row_id)

    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert "Your role does not allow that action. Nothing was changed; ask an admin" in oob_flash(response.get_data(as_text=True))


def test_an_htmx_request_for_a_record_that_is_gone_says_so(client, operators):
    operators.login("operator")

    response = client.post("/tenants/999999/refresh", headers=htmx(PAGE.format(id=999999)))

    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert "That record no longer exists here" in oob_flash(response.get_data(as_text=True))


def test_a_record_a_service_cannot_find_is_the_usual_not_found_page(client, operators):
    operators.login("operator")

    response = client.post("/tenants/999999/refresh")  # the service raises its own NotFound

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.get_data(as_text=True)


def test_a_refusal_no_view_caught_says_why_and_changes_nothing(app, client, operators):
    from dashboard.services.errors import Refused

    def refuse():
        raise Refused("The tenant has no active link, so no case was started.")

    app.add_url_rule("/refusing", "refusing", refuse)
    operators.login("operator")

    plain = client.get("/refusing")
    hx = client.get("/refusing", headers=htmx("/refusing"))

    assert plain.status_code == 422
    assert "The tenant has no active link, so no case was started." in plain.get_data(as_text=True)
    assert hx.status_code == 200 and hx.headers["HX-Reswap"] == "none"
    assert "The tenant has no active link, so no case was started." in oob_flash(hx.get_data(as_text=True))


def test_an_htmx_upload_over_the_limit_is_refused_with_the_limit(app, client, operators):
    operators.login("operator")
    app.config["MAX_CONTENT_LENGTH"] = 1024

    response = client.post("/cases/1/files/new", data={"file": (io.BytesIO(b"0" * 4096), "big.pdf")},
                           headers=htmx("http://localhost/cases/1", "upload-form"))

    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert "That upload is larger than 1 KB, the most this server accepts; nothing was sent." in oob_flash(
        response.get_data(as_text=True))


def test_the_upload_script_gets_its_refusal_as_json(app, client, operators):
    operators.login("operator")
    app.config["MAX_CONTENT_LENGTH"] = 1024

    response = client.post("/cases/1/files/new", data={"file": (io.BytesIO(b"0" * 4096), "big.pdf")},
                           headers={"Accept": "application/json"})

    assert response.status_code == 413
    assert response.json["ok"] is False and "larger than 1 KB" in response.json["message"]


@pytest.fixture
def csrf_app(database_url, tmp_path, contract):
    app = create_app(make_config(database_url, tmp_path, WTF_CSRF_ENABLED=True))
    prepare_databases(app)
    yield app
    with app.app_context():
        db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


def _sign_in_with_csrf(app, client, role="operator"):
    _, email = OperatorActions(app, client).create(role)
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def test_an_expired_csrf_token_on_an_htmx_form_is_renewed_in_place(csrf_app):
    client = csrf_app.test_client()
    _sign_in_with_csrf(csrf_app, client)

    response = client.post("/tenants/new", data={"csrf_token": "stale", "name": "Kept ApS"},
                           headers=htmx("http://localhost/tenants/new", "new-client-form"))

    assert response.status_code == 200 and response.headers["HX-Reswap"] == "none"
    assert "The form had expired, so nothing was sent. It is renewed now: press the button again" in oob_flash(
        response.get_data(as_text=True))
    fresh = json.loads(response.headers["HX-Trigger"])["csrf-renewed"]["token"]
    retry = client.post("/tenants/new", data={"csrf_token": fresh, "external_tenant_id": ""},
                        headers=htmx("http://localhost/tenants/new", "new-client-form"))
    assert retry.status_code == 422  # past the CSRF check: the form itself now answers


def test_an_htmx_poll_after_the_sign_in_ended_redirects_the_whole_page(client, operators, app):
    row_id, _ = make_tenant(app, onboard=False)
    operators.login("operator")
    operators.logout()

    response = client.get(f"/tenants/{row_id}?since=x", headers=htmx(f"http://localhost/tenants/{row_id}?tab=1"))

    assert response.status_code == 401 and response.data == b""
    assert response.headers["HX-Redirect"] == f"/auth/login?next=%2Ftenants%2F{row_id}%3Ftab%3D1"


def test_an_htmx_form_sent_after_the_sign_in_ended_redirects_the_whole_page(csrf_app):
    client = csrf_app.test_client()

    response = client.post("/tenants/new", data={"csrf_token": "from-an-old-session"},
                           headers=htmx("http://localhost/tenants/new", "new-client-form"))

    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=%2Ftenants%2Fnew"


def test_control_panel_actions_keep_the_dashboard_signed_in(client, operators):
    operators.login("admin")
    dashboard_cookie = client.get_cookie("session").value
    for path, data in (("/sandbox/control/faults", {"kind": "connection_reset", "mode": "count", "count": "2"}),
                       ("/sandbox/control/faults/clear", {})):
        answer = client.post(path, data=data, headers={"Origin": "http://localhost"})
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/sandbox/control/")

    assert client.get_cookie("session").value == dashboard_cookie
    assert client.get_cookie("sandbox_session", path="/sandbox") is not None
    assert client.get("/tenants/").status_code == 200
    panel = client.get("/sandbox/control/").get_data(as_text=True)
    assert "All faults cleared." in panel


def test_a_page_that_only_polls_raises_and_clears_the_banner_within_one_poll(app, client, sandbox, debitura, tenant):
    from dashboard.debitura.errors import DebituraConnectionError

    page = client.get(f"/tenants/{tenant}").get_data(as_text=True)
    poll = re.search(r'hx-get="(/tenants/\d+\?since=[^"]+)"', page).group(1)
    assert client.get(poll, headers=htmx(PAGE.format(id=tenant))).status_code == 204

    sandbox.faults.fail_next(3, "connection_reset")  # another operator's call fails
    with app.app_context(), pytest.raises(DebituraConnectionError):
        debitura.referral.me()
    raised = client.get(poll, headers=htmx(PAGE.format(id=tenant)))
    assert raised.status_code == 200 and "Debitura cannot be reached" in oob_banner(raised.get_data(as_text=True))

    with app.app_context():
        debitura.referral.me()  # Debitura answers again
    poll = re.search(r'hx-get="(/tenants/\d+\?since=[^"]+)"', raised.get_data(as_text=True)).group(1)
    cleared = client.get(poll, headers=htmx(PAGE.format(id=tenant)))
    assert cleared.status_code == 200 and "Debitura cannot be reached" not in oob_banner(cleared.get_data(as_text=True))
