"""Bad input never gives a 500: every form and filter answers garbage with a 4xx that names the field.

Each form gets a valid submission with one field spoiled: wrong types, impossible dates, negative and
huge amounts, unknown choices, huge strings, NUL bytes, a missing field. The answer must be a 4xx, and
a refused form (422) must mark that field invalid (`field--invalid` on its `field-<id>` wrapper) with
the input kept. Runs on SQLite and PostgreSQL: PostgreSQL refuses NUL bytes and long values outright.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard import create_app
from dashboard.config import sqlalchemy_url
from dashboard.extensions import db
from dashboard.models import AuditEntry
from tests.cases_support import ModuleEnv, case_form, make_tenant, without_backoff
from tests.conftest import BACKENDS, TEST_DATABASE_URL, OperatorActions, make_config, prepare_databases

pytestmark = pytest.mark.postgres

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
WEBHOOK_SECRET = base64.b64encode(b"w" * 32).decode()
HUGE = "x" * 10_000
BIG_NUMBER = "9" * 30


@pytest.fixture(scope="module", params=BACKENDS)
def env(request, tmp_path_factory):
    """One app per database, signed in as an admin (who may use every form)."""
    root = tmp_path_factory.mktemp("bad-input")
    if request.param == "postgresql":
        schema = request.getfixturevalue("postgres_schema")
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        url = f"{sqlalchemy_url(TEST_DATABASE_URL)}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{root / 'dashboard.db'}"
    app = create_app(make_config(url, root, DEBITURA_WEBHOOK_SECRET=WEBHOOK_SECRET))
    prepare_databases(app)
    without_backoff(app)
    client = app.test_client()
    OperatorActions(app, client).login("admin")
    env = ModuleEnv(app, client)
    env.tenant_id, env.tenant = make_tenant(app)
    yield env
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    app.extensions["sandbox"].close()


def without(data: dict, name: str, value) -> dict:
    """`data` with `name` set to `value`, or left out when `value` is None."""
    changed = {key: item for key, item in data.items() if key != name}
    if value is not None:
        changed[name] = value
    return changed


def assert_refused_at(response, field_id: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, (field_id, response.status_code)
    assert re.search(rf'class="field field--invalid" id="field-{re.escape(field_id)}"', html), field_id
    return html


# ---------------------------------------------------------------- the case form


CASE_GARBAGE = [
    ("amount_to_recover", "abc"), ("amount_to_recover", "-5"), ("amount_to_recover", "0"), ("amount_to_recover", "1e309"),
    ("amount_to_recover", "NaN"), ("amount_to_recover", "Infinity"), ("amount_to_recover", BIG_NUMBER),
    ("amount_to_recover", "12.345"), ("amount_to_recover", None),
    ("currency_code", "XXX"), ("currency_code", "eur\x00"), ("currency_code", None),
    ("invoice_date", "2024-02-30"), ("invoice_date", "31/12/2023"), ("invoice_date", "99999-01-01"),
    ("invoice_date", TOMORROW), ("invoice_date", None),
    ("due_date", "2024-13-01"), ("due_date", "1900-01-01"),
    ("debtor_type", "Alien"), ("debtor_type", None),
    ("debtor_country", "XX"), ("debtor_country", None),
    ("debtor_name", None), ("debtor_name", HUGE), ("debtor_name", "Debtor\x00GmbH"),
    ("creditor_reference", "x" * 51), ("creditor_reference", "INV\x00-1"),
    ("claim_description", HUGE), ("comments", "a\x00b"), ("debtor_city", HUGE),
    ("debtor_email", "not-an-email"), ("debtor_email", "a\x00@b.example"),
    ("return_url", "javascript:alert(1)"), ("return_url", "ftp://files.example/x"), ("return_url", "https://" + "a" * 2100),
]


@pytest.fixture(scope="module")
def submission_url(env):
    """A draft submission's page, whose form the case tests post to."""
    return env.client.post(f"/cases/new/{env.tenant_id}").headers["Location"]


@pytest.mark.parametrize(("name", "value"), CASE_GARBAGE)
def test_the_case_form_refuses_garbage_at_its_field(env, submission_url, name, value):
    response = env.client.post(submission_url, data=without(case_form(action="preview"), name, value))

    assert_refused_at(response, name)


@pytest.mark.parametrize("state", ["ZZ", None, "\x00"])
def test_the_case_form_refuses_a_us_debtor_without_a_real_state(env, submission_url, state):
    data = without(case_form(action="preview", debtor_country="US"), "debtor_state", state)

    assert_refused_at(env.client.post(submission_url, data=data), "debtor_state")


def test_a_refused_case_form_keeps_what_was_typed(env, submission_url):
    html = assert_refused_at(env.client.post(submission_url, data=case_form(amount_to_recover="12,50 EUR")),
                             "amount_to_recover")

    assert 'value="12,50 EUR"' in html and 'value="Debtor GmbH"' in html


@pytest.mark.parametrize("key", ["case-" + "a" * 300, "a%00b", "%ff%fe"])
def test_an_impossible_submission_key_is_not_found(env, key):
    assert env.client.get(f"/cases/submissions/{key}").status_code == 404
    assert env.client.post(f"/cases/submissions/{key}", data=case_form()).status_code == 404


# ---------------------------------------------------------------- KYC


KYC = {"director_full_name": "Anna Jensen", "director_home_address": "Street 1, 1000 Copenhagen, DK",
       "director_date_of_birth": "1980-01-01", "send_chat_notification": "y"}
KYC_GARBAGE = [
    ("director_full_name", None), ("director_full_name", HUGE), ("director_full_name", "Anna\x00Jensen"),
    ("director_home_address", None), ("director_home_address", HUGE),
    ("director_date_of_birth", None), ("director_date_of_birth", "2024-02-30"), ("director_date_of_birth", "1850-01-01"),
    ("director_date_of_birth", "2015-01-01"), ("director_date_of_birth", TOMORROW), ("director_date_of_birth", "yesterday"),
]


@pytest.mark.parametrize(("name", "value"), KYC_GARBAGE)
def test_the_kyc_form_refuses_garbage_at_its_field(env, name, value):
    response = env.client.post(f"/kyc/{env.tenant_id}", data=without(KYC, name, value))

    assert_refused_at(response, name)


@pytest.mark.parametrize(("name", "value"), [
    ("idempotency_key", "kyc-\x00"), ("idempotency_key", "9" * 300), ("idempotency_key", "kyc key with spaces"),
    ("submission", "a\x00b"), ("submission", "x" * 300),
])
def test_damaged_hidden_kyc_inputs_are_replaced_never_stored(env, name, value):
    response = env.client.post(f"/kyc/{env.tenant_id}", data={**KYC, name: value})

    assert response.status_code == 303
    with env.app.app_context():
        keys = db.session.scalars(select(AuditEntry.idempotency_key).where(AuditEntry.action == "kyc.submit")).all()
    assert keys and all(key.startswith("kyc-") and "\x00" not in key and len(key) < 64 for key in keys)


# ---------------------------------------------------------------- a new client


def client_form(**overrides) -> dict:
    data = {"external_tenant_id": f"t-{uuid.uuid4().hex[:8]}", "name": "Acme ApS", "country": "DK",
            "support_email": "support@acme.example", "users-0-name": "Anna", "users-0-email": "anna@acme.example",
            "onboarding_user": "0"}
    data.update(overrides)
    return data


CLIENT_GARBAGE = [
    ("external_tenant_id", None), ("external_tenant_id", " padded "), ("external_tenant_id", "x" * 256),
    ("external_tenant_id", "t-\x00"), ("name", None), ("name", HUGE), ("name", "Acme\x00"),
    ("country", "1,5"), ("country", None), ("country", HUGE), ("support_email", "nope"), ("support_email", None),
    ("users-0-name", None), ("users-0-email", "nope"), ("users-0-email", HUGE),
    ("onboarding_user", "abc"), ("onboarding_user", "9"), ("onboarding_user", "-1"), ("onboarding_user", "1"),
    ("onboarding_user", BIG_NUMBER), ("onboarding_user", "\x00"),
]


@pytest.mark.parametrize(("name", "value"), CLIENT_GARBAGE)
def test_the_new_client_form_refuses_garbage_at_its_field(env, name, value):
    response = env.client.post("/tenants/new", data=without(client_form(), name, value))

    assert_refused_at(response, name)


# ---------------------------------------------------------------- pricing (a GET form)


PRICING = {"amount": "5000", "currency": "EUR", "debtor_type": "Company", "country": "DK", "age_mode": "none"}
PRICING_GARBAGE = [
    ("amount", "abc"), ("amount", "-1"), ("amount", "1e309"), ("amount", "NaN"), ("amount", BIG_NUMBER), ("amount", None),
    ("currency", "XXX"), ("country", "XX"), ("debtor_type", "x"), ("age_mode", "bogus"),
]


@pytest.mark.parametrize(("name", "value"), PRICING_GARBAGE)
def test_the_pricing_form_refuses_garbage_at_its_field(env, name, value):
    response = env.client.get("/pricing/", query_string=without(PRICING, name, value))

    assert_refused_at(response, name)


@pytest.mark.parametrize(("mode", "name", "value"), [
    ("due_date", "due_date", "2024-02-30"), ("due_date", "due_date", TOMORROW), ("due_date", "due_date", None),
    ("buckets", "over_12_months", "-5"), ("buckets", "over_12_months", "abc"), ("buckets", "over_24_months", "6000"),
])
def test_the_pricing_age_fields_refuse_garbage_at_their_field(env, mode, name, value):
    query = {**PRICING, "age_mode": mode, "due_date": "2024-01-10", "over_12_months": "100", "over_24_months": "50"}
    if mode == "buckets":
        query.pop("due_date")

    assert_refused_at(env.client.get("/pricing/", query_string=without(query, name, value)), name)


# ---------------------------------------------------------------- admin forms


@pytest.mark.parametrize(("name", "value"), [
    ("email", "nope"), ("email", None), ("email", HUGE), ("role", "emperor"), ("password", "short"), ("password", HUGE),
    ("name", "Eve\x00"), ("name", HUGE),
])
def test_the_invite_form_refuses_garbage_at_its_field(env, name, value):
    data = {"email": f"new-{uuid.uuid4().hex[:6]}@partner.example", "name": "New Person", "role": "operator", "password": ""}

    assert_refused_at(env.client.post("/admin/operators/invite", data=without(data, name, value)), name)


@pytest.mark.parametrize(("name", "value"), [
    ("url", "javascript:alert(1)"), ("url", "ftp://hooks.example/x"), ("url", None), ("url", "https://a\x00b.example"),
    ("url", "https://" + "a" * 1100), ("events", "bogus.event"), ("events", None),
])
def test_the_webhook_form_refuses_garbage_at_its_field(env, name, value):
    data = {"url": "https://hooks.example/debitura", "events": "case.created"}

    assert_refused_at(env.client.post("/admin/webhooks/new", data=without(data, name, value)), name)


def test_a_webhook_form_sent_while_debitura_is_down_keeps_its_input(env):
    env.sandbox.faults.fail_next(3, "http_503", path_prefix="/referral-api/v1/Webhooks")
    try:
        response = env.client.post("/admin/webhooks/new", data={"url": "https://kept.example/hook", "events": "case.closed"})
    finally:
        env.sandbox.faults.clear()

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Debitura is not responding; nothing was changed" in html and 'value="https://kept.example/hook"' in html


@pytest.mark.parametrize(("data", "field_id"), [
    ({"event_type": "bogus"}, "event_type"),
    ({"event_type": "case.created", "case_id": "not-a-uuid"}, "case_id"),
    ({"event_type": "case.created", "case_id": "\x00"}, "case_id"),
    ({"event_type": "client.linked", "external_tenant_id": ""}, "external_tenant_id"),
    ({"event_type": "client.linked", "external_tenant_id": HUGE}, "external_tenant_id"),
])
def test_the_test_event_form_refuses_garbage_at_its_field(env, data, field_id):
    assert_refused_at(env.client.post("/admin/webhooks/test", data=data), field_id)


@pytest.mark.parametrize(("url", "data"), [
    ("/admin/operators/1/role", {"role": "emperor"}),
    ("/admin/operators/1/role", {}),
    ("/admin/operators/1/password", {"password": "short"}),
    ("/admin/operators/1/password", {"password": "a\x00" * 10}),
])
def test_one_button_admin_forms_refuse_garbage_with_a_message(env, url, data):
    response = env.client.post(url, data=data)

    assert response.status_code == 303
    follow = env.client.get(response.headers["Location"])
    assert 'class="flash flash--error"' in follow.get_data(as_text=True)


def test_a_withdrawal_without_the_confirmation_is_a_bad_request(env):
    assert env.client.post(f"/tenants/{env.tenant_id}/withdraw", data={"confirm": "maybe"}).status_code == 400


# ---------------------------------------------------------------- sign-in


@pytest.mark.parametrize(("name", "value"), [("email", None), ("email", "a\x00@b.example"), ("email", HUGE),
                                             ("password", None), ("password", HUGE)])
def test_the_sign_in_form_refuses_garbage_at_its_field(env, name, value):
    data = without({"email": "someone@partner.example", "password": "correct horse battery"}, name, value)

    assert_refused_at(env.app.test_client().post("/auth/login", data=data), name)


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize(("file_name", "message"), [
    ("payload.exe", "Debitura does not accept this file type"), ("noext", "Debitura does not accept this file type"),
    (".pdf", "Debitura does not accept this file type"), ("a" * 300 + ".pdf", "rename the file to at most 255"),
    ("in\x01voice.pdf", "control characters"),
])
def test_an_upload_of_a_refused_file_is_named_at_the_file_field(env, file_name, message):
    response = env.client.post("/cases/some-case/files/new", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.4"), file_name), "send_chat_notification": "y"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in html and message in html


def test_an_upload_without_a_file_is_named_at_the_file_field(env):
    response = env.client.post("/cases/some-case/files/new", content_type="multipart/form-data",
                               data={"idempotency_key": "file-\x00", "send_chat_notification": "y"})

    assert response.status_code == 422
    assert "Choose a file to upload." in response.get_data(as_text=True)


# ---------------------------------------------------------------- filters, pages and addresses


@pytest.mark.parametrize("url", [
    f"/tenants/?page={BIG_NUMBER}&state=bogus&sort=nonsense&q=a%00b",
    "/tenants/?page=-5&q=" + "x" * 3000,
    f"/cases/?page={BIG_NUMBER}&group=bogus&sort=bogus&direction=sideways&test=bogus&lifecycle=x&q=a%00b",
    f"/webhooks/deliveries?page={BIG_NUMBER}&outcome=bogus",
    f"/audit/?page={BIG_NUMBER}&outcome=bogus&q=a%00b&tenant=a%00b&case=a%00b&operator=a%00b&action=a%00b",
    f"/revenue/?page={BIG_NUMBER}&status=abc&status={BIG_NUMBER}&tenant=a%00b&search=a%00b",
    "/cases/pending?return_url=a%00b",
    "/kyc/{tenant_id}?submission=a%00b",
    "/tenants/export.csv?q=a%00b", "/cases/export.csv?page=abc", "/audit/export.csv?since=2024-02-30",
])
def test_list_filters_ignore_what_they_cannot_use(env, url):
    response = env.client.get(url.replace("{tenant_id}", str(env.tenant_id)))

    assert response.status_code == 200, (url, response.status_code)


def test_the_case_form_chooser_passes_an_unknown_tenant_on_to_a_not_found(env):
    response = env.client.get(f"/cases/new?tenant={BIG_NUMBER}")

    assert response.status_code == 303 and response.headers["Location"] == f"/cases/new/{BIG_NUMBER}"
    assert env.client.get(response.headers["Location"]).status_code == 404


def test_an_impossible_date_in_the_audit_filter_is_named_at_its_field(env):
    html = env.client.get("/audit/?since=2024-02-30&until=tomorrow").get_data(as_text=True)

    assert 'class="field field--invalid" id="field-since"' in html
    assert 'class="field field--invalid" id="field-until"' in html


def test_an_impossible_date_in_the_revenue_filter_is_named_at_its_field(env):
    response = env.client.get("/revenue/?from_date=2024-02-30&to_date=" + "9" * 40)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="revenue-from-error"' in html and 'id="revenue-to-error"' in html


@pytest.mark.parametrize(("method", "url"), [
    ("get", f"/tenants/{BIG_NUMBER}"), ("get", f"/tenants/{BIG_NUMBER}/withdraw"), ("post", f"/tenants/{BIG_NUMBER}/reissue"),
    ("post", f"/tenants/{BIG_NUMBER}/refresh"), ("get", f"/kyc/{BIG_NUMBER}"), ("get", f"/cases/new/{BIG_NUMBER}"),
    ("get", f"/sync/runs/{BIG_NUMBER}"), ("post", f"/admin/operators/{BIG_NUMBER}/deactivate"),
    ("get", "/tenants/2147483647"), ("get", "/cases/a%00b"), ("get", "/cases/" + "x" * 3000), ("get", "/cases/a%00b/files"),
    ("post", "/cases/a%00b/files/new"), ("get", "/cases/" + "x" * 65 + "/files"),
    ("get", "/admin/webhooks/no-such-webhook/events"), ("post", "/admin/webhooks/no-such-webhook/delete"),
])
def test_an_address_naming_nothing_is_not_found(env, method, url):
    assert getattr(env.client, method)(url).status_code == 404


# ---------------------------------------------------------------- webhook deliveries (signed, so they get past the door)


def deliver(env, envelope: dict):
    body = json.dumps(envelope).encode()
    stamp = int(time.time())
    digest = hmac.new(base64.b64decode(WEBHOOK_SECRET), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return env.client.post("/webhooks/debitura", data=body, content_type="application/json",
                           headers={"X-Debitura-Signature": f"t={stamp},v1={digest}"})


@pytest.mark.parametrize("data", [
    {"externalTenantId": "t-\x00", "creditor": {"companyName": "Evil\x00Corp", "id": "\x00"}},
    {"externalTenantId": "x" * 400, "caseId": "\x00" * 3, "lifecycle": "Active\x00"},
    {"externalTenantId": None, "caseId": 42, "creditor": "not an object"},
])
def test_a_signed_delivery_with_hostile_values_is_stored_and_the_log_still_shows(env, data):
    envelope = {"id": str(uuid.uuid4()), "event": "client.link_requested\x00", "timestamp": datetime.now(UTC).isoformat(),
                "data": data}

    assert deliver(env, envelope).status_code == 200
    assert env.client.get("/webhooks/deliveries").status_code == 200


def test_a_signed_delivery_whose_id_holds_control_characters_is_refused_as_malformed(env):
    envelope = {"id": "evt-\x00", "event": "case.updated", "timestamp": datetime.now(UTC).isoformat(), "data": {}}

    assert deliver(env, envelope).status_code == 400
