"""Uploading files to a case: checked before sending, sent once per key, every refusal explained."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dashboard.debitura import NotFound, PayloadTooLarge, UnsupportedMediaType
from dashboard.extensions import db
from dashboard.models import AuditEntry, CaseFileUpload
from dashboard.sandbox import models as sandbox_models
from dashboard.services import uploads
from tests.cases_support import make_tenant, module_env
from tests.raw_body import raw

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from module_env(tmp_path_factory)


@pytest.fixture(autouse=True)
def no_faults_left(env):
    yield
    env.sandbox.faults.clear()


@pytest.fixture(scope="module")
def case_id(env):
    _, tenant = make_tenant(env.app)
    with env.app.test_request_context():
        case = env.debitura.create_case(
            tenant,
            raw({
                "currencyCode": "EUR",
                "amountToRecover": Decimal("800.00"),
                "date": (date.today() - timedelta(days=30)).isoformat(),
                "debtor": {"type": "Private", "name": "Jo Debtor", "countryAlpha2": "DK"},
            }),
        )
    return case.id


def files_at_debitura(env, case_id: str) -> list:
    with env.sandbox.session() as s:
        return [
            (row.file_name, row.size, row.send_chat_notification)
            for row in s.scalars(select(sandbox_models.CaseFile).where(sandbox_models.CaseFile.case_id == case_id))
        ]


def post_file(env, case_id, name="invoice.pdf", content=b"%PDF-1.4 invoice", key=None, chat=True, headers=JSON):
    data = {"file": (io.BytesIO(content), name), "idempotency_key": key or uploads.new_key()}
    if chat:
        data["send_chat_notification"] = "y"
    return env.client.post(f"/cases/{case_id}/files/new", data=data, headers=headers, content_type="multipart/form-data")


def test_a_file_goes_to_debitura_once_and_is_listed_on_the_case(env, case_id):
    key = uploads.new_key()

    first = post_file(env, case_id, key=key)
    second = post_file(env, case_id, key=key)  # a double submit or a retry of a finished upload

    assert first.status_code == second.status_code == 200
    assert first.json["ok"] and first.json["next_key"] != key
    assert files_at_debitura(env, case_id).count(("invoice.pdf", 16, True)) == 1
    listing = env.client.get(f"/cases/{case_id}/files", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "invoice.pdf" in listing and "Uploaded" in listing and "<html" not in listing
    with env.app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "file.upload", AuditEntry.idempotency_key == key))
        assert entry.outcome == "ok" and entry.case_id == case_id


def test_a_silent_upload_asks_debitura_for_no_chat_message(env, case_id):
    response = post_file(env, case_id, name="silent.txt", content=b"quiet", chat=False)

    assert response.json["ok"]
    assert ("silent.txt", 5, False) in files_at_debitura(env, case_id)


def test_without_javascript_the_form_posts_and_returns_to_the_case(env, case_id):
    response = post_file(env, case_id, name="scan.png", content=b"\x89PNG....", headers={})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case_id}")
    assert ("scan.png", 8, True) in files_at_debitura(env, case_id)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ", "Debitura does not accept this file type"),
        ("noextension", b"data", "Debitura does not accept this file type"),
        ("empty.pdf", b"", "The file is empty."),
        ("huge.pdf", b"0" * (uploads.MAX_BYTES + 1), "larger than 25 MB"),
    ],
)
def test_files_debitura_would_refuse_are_refused_before_sending(env, case_id, name, content, message):
    before = len(files_at_debitura(env, case_id))

    as_json = post_file(env, case_id, name=name, content=content)
    as_page = post_file(env, case_id, name=name, content=content, headers={})

    assert as_json.status_code == 422 and message in as_json.json["message"] and as_json.json["retry"] is False
    assert as_page.status_code == 422 and message in as_page.get_data(as_text=True)
    assert len(files_at_debitura(env, case_id)) == before


def test_a_case_debitura_does_not_know_is_explained(env):
    response = post_file(env, "3fa85f64-5717-4562-b3fc-2c963f66afa6")

    assert response.status_code == 422
    assert "does not know this case" in response.json["message"]


def test_an_outage_keeps_the_key_so_the_retry_uploads_exactly_once(env, case_id):
    key = uploads.new_key()
    env.sandbox.faults.fail_next(3, "http_503", path_prefix=f"/referral-api/cases/{case_id}/files")

    failed = post_file(env, case_id, name="retry.pdf", key=key)
    retried = post_file(env, case_id, name="retry.pdf", key=key)

    assert failed.status_code == 502 and failed.json["retry"] is True
    assert "retrying sends it once" in failed.json["message"]
    assert retried.json["ok"]
    assert [row for row in files_at_debitura(env, case_id) if row[0] == "retry.pdf"] == [("retry.pdf", 16, True)]
    with env.app.app_context():
        row = db.session.scalar(select(CaseFileUpload).where(CaseFileUpload.idempotency_key == key))
        assert row.status == "uploaded"


def test_a_timeout_after_debitura_stored_the_file_does_not_store_it_twice(env, case_id):
    key = uploads.new_key()
    env.sandbox.faults.fail_next(1, "timeout_after", path_prefix=f"/referral-api/cases/{case_id}/files")

    response = post_file(env, case_id, name="lost-answer.pdf", key=key)

    assert response.json["ok"]
    assert [row[0] for row in files_at_debitura(env, case_id)].count("lost-answer.pdf") == 1


def test_debituras_size_type_and_case_refusals_read_plainly():
    assert "25 MB" in uploads._refusal(PayloadTooLarge(http_status=413))
    assert ".pdf" in uploads._refusal(UnsupportedMediaType(http_status=415))
    assert "does not know this case" in uploads._refusal(NotFound(http_status=404))


def test_viewers_cannot_upload(env, case_id):
    viewer = env.login_as("viewer")

    response = viewer.post(
        f"/cases/{case_id}/files/new",
        data={"file": (io.BytesIO(b"x"), "a.pdf"), "idempotency_key": uploads.new_key()},
        content_type="multipart/form-data",
    )

    assert response.status_code == 403
    with env.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseFileUpload).where(CaseFileUpload.file_name == "a.pdf")) == 0


def test_the_upload_page_offers_the_checks_the_browser_runs_first(env, case_id):
    html = env.client.get(f"/cases/{case_id}/files/new").get_data(as_text=True)
    case_page = env.client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert 'name="idempotency_key" type="hidden" value="file-' in case_page and "data-upload-form" in case_page

    assert f'data-max-bytes="{uploads.MAX_BYTES}"' in html
    assert 'data-allowed="pdf,doc,docx,xls,xlsx,csv,txt,jpg,jpeg,png"' in html
    assert 'checked id="send_chat_notification" name="send_chat_notification" type="checkbox"' in html
    assert "<progress" in html and "js/uploads.js" in html
