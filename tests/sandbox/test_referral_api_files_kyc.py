"""File uploads to cases and KYC submissions on the Referral API, through the real client."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from dashboard.debitura import (
    InvalidRequest,
    KycSubmission,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from dashboard.sandbox import domain
from dashboard.sandbox.models import CaseFile, ChatMessage
from tests.raw_body import raw

KYC = {"director_full_name": "Anna Jensen", "director_home_address": "1 High Street, London",
       "director_date_of_birth": date(1980, 5, 1)}


@pytest.fixture
def case_id(referral, client_body, case_body) -> str:
    created = referral.create_client(raw(client_body("acme", cases=[case_body()])))
    return created.client.case_results.successful_cases[0].id


def messages(sandbox, case_id: str) -> list[str]:
    with sandbox.session() as s:
        return list(s.scalars(select(ChatMessage.message).where(ChatMessage.case_id == case_id)))


def test_an_upload_is_stored_and_announced_in_the_case_chat(sandbox, referral, case_id):
    uploaded = referral.upload_file(case_id, file_name="invoice.pdf", stream=io.BytesIO(b"%PDF-1.7 body"))

    assert uploaded.file_name == "invoice.pdf"
    assert uploaded.id and uploaded.date_created is not None
    with sandbox.session() as s:
        stored = s.get(CaseFile, uploaded.id)
        assert (stored.content, stored.send_chat_notification) == (b"%PDF-1.7 body", True)
    assert messages(sandbox, case_id) == ["System message: New file uploaded under 'Files': invoice.pdf"]


def test_a_silent_upload_posts_no_chat_message(sandbox, referral, case_id):
    uploaded = referral.upload_file(case_id, file_name="notes.txt", stream=io.BytesIO(b"x"), send_chat_notification=False)

    with sandbox.session() as s:
        assert s.get(CaseFile, uploaded.id).send_chat_notification is False
    assert messages(sandbox, case_id) == []


def test_a_file_over_25_mb_is_refused_with_413(referral, case_id):
    with pytest.raises(PayloadTooLarge) as raised:
        referral.upload_file(case_id, file_name="big.pdf", stream=io.BytesIO(b"0" * (25 * 1024 * 1024 + 1)))

    assert raised.value.http_status == 413


def test_a_file_of_exactly_25_mb_is_accepted(referral, case_id):
    uploaded = referral.upload_file(case_id, file_name="big.pdf", stream=io.BytesIO(b"0" * (25 * 1024 * 1024)))

    assert uploaded.file_name == "big.pdf"


@pytest.mark.parametrize("name", ["tool.exe", "scan.gif", "archive.zip", "noextension"])
def test_a_file_type_outside_the_list_is_refused_with_415(referral, case_id, name):
    with pytest.raises(UnsupportedMediaType) as raised:
        referral.upload_file(case_id, file_name=name, stream=io.BytesIO(b"x"))

    assert raised.value.http_status == 415


@pytest.mark.parametrize("name", ["a.PDF", "b.docx", "c.xlsx", "d.csv", "e.jpeg", "f.png", "g.doc", "h.xls", "i.jpg"])
def test_every_listed_extension_is_accepted_in_any_case(referral, case_id, name):
    assert referral.upload_file(case_id, file_name=name, stream=io.BytesIO(b"x")).file_name == name


def test_a_case_outside_our_links_is_not_found(referral, case_id):
    with pytest.raises(NotFound):
        referral.upload_file("00000000-0000-0000-0000-000000000000", file_name="a.pdf", stream=io.BytesIO(b"x"))
    referral.withdraw_client("acme")
    with pytest.raises(NotFound):
        referral.upload_file(case_id, file_name="a.pdf", stream=io.BytesIO(b"x"))


def test_an_upload_without_the_file_field_is_a_400(sandbox, http, case_id):
    response = http.post(
        f"{sandbox.urls.referral_api}/cases/{case_id}/files",
        files={"document": ("a.pdf", b"x")},
        headers={"XApiKey": "sandbox-key"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "FileRequired"


def test_kyc_is_saved_and_returned_with_201(sandbox, http, referral, client_body):
    referral.create_client(raw(client_body("acme")))

    response = http.post(
        f"{sandbox.urls.referral_api}/clients/acme/kyc-verification",
        json={"directorFullName": "Anna Jensen", "directorHomeAddress": "1 High St", "directorDateOfBirth": "1980-05-01"},
        headers={"XApiKey": "sandbox-key"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["directorFullName"] == "Anna Jensen"
    assert body["directorDateOfBirth"] == "1980-05-01"
    assert body["verificationStatusUpdatedAt"] is None
    assert body["verificationStatus"] is None  # null while unreviewed


def test_kyc_for_an_unknown_client_is_not_found(referral):
    with pytest.raises(NotFound):
        referral.submit_kyc("nobody", KycSubmission(**KYC))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"director_full_name": ""}, "directorFullName"),
        ({"director_full_name": "x" * 501}, "directorFullName"),
        ({"director_home_address": "x" * 1001}, "directorHomeAddress"),
        ({"director_date_of_birth": date(2999, 1, 1)}, "directorDateOfBirth"),
    ],
)
def test_kyc_fields_are_validated(referral, client_body, change, field):
    referral.create_client(raw(client_body("acme")))

    with pytest.raises(InvalidRequest) as raised:
        referral.submit_kyc("acme", KycSubmission(**{**KYC, **change}))

    assert field in raised.value.field_errors


def test_the_latest_kyc_counts_and_a_review_verifies_the_client(sandbox, referral, client_body, case_body):
    referral.create_client(raw(client_body("acme", cases=[case_body("GB")])))
    referral.submit_kyc("acme", KycSubmission(**KYC))
    referral.submit_kyc("acme", KycSubmission(**{**KYC, "director_full_name": "Bo Berg"}))

    client = referral.get_client("acme")
    assert client.kyc_status == "pending"
    assert client.kyc_verification.director_full_name == "Bo Berg"

    with sandbox.session() as s:
        domain.review_kyc(s, "acme")
    reviewed = referral.get_client("acme")
    assert reviewed.kyc_status == "verified"
    assert reviewed.kyc_verification.verification_status == "Completed"
    assert reviewed.kyc_verification.verification_status_updated_at is not None


def test_kyc_is_announced_only_on_open_cases_of_the_kyc_partner(sandbox, referral, client_body, case_body):
    created = referral.create_client(raw(client_body("acme", cases=[case_body("GB"), case_body("GB"), case_body("DK")])))
    uk_active, uk_closed, dk_active = (case.id for case in created.client.case_results.successful_cases)
    with sandbox.session() as s:
        domain.move_case(s, uk_active, "Active")
        domain.move_case(s, uk_closed, "Closed", close_code="Debtor Untraceable")
        domain.move_case(s, dk_active, "Active")

    referral.submit_kyc("acme", KycSubmission(**KYC))

    assert messages(sandbox, uk_active) == [
        "System message: KYC/AML information provided — find it under the 'KYC Status' section"
    ]
    assert messages(sandbox, uk_closed) == messages(sandbox, dk_active) == []
    referral.submit_kyc("acme", KycSubmission(**KYC), send_chat_notification=False)
    assert len(messages(sandbox, uk_active)) == 1
