"""Faults: 200 case submissions, 200 file uploads and 200 KYC submissions while the sandbox fails 30 % of calls.

The faults are the ones that hurt: the answer lost after Debitura did the work (`timeout_after`),
500, 503, 429 and connection resets. Afterwards every submission is either done exactly once
at Debitura, or shown to the operator as failed with what they typed and a retry under the
same key; retrying those leaves exactly one record per submission, never a duplicate.
A few submissions are primed to fail all three attempts, so the failed path is always walked.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import CaseSubmission
from dashboard.sandbox import domain
from dashboard.sandbox import models as sandbox_models
from dashboard.services import kyc, uploads
from tests.cases_support import case_form, make_tenant
from tests.raw_body import raw
from tests.support import client_that_records_waits, page

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROUNDS = 200
FAULT_SHARE = 0.3
FAULT_KINDS = ("timeout_after", "http_500", "http_503", "http_429", "connection_reset")
# Every 40th round fails all three attempts (the first try and both retries): a lost answer or an outage.
PRIMED = {0: "timeout_after", 40: "http_503", 80: "connection_reset", 120: "timeout_after", 160: "http_500"}
ATTEMPTS = 3


def prime(sandbox, round_number: int, path_prefix: str) -> None:
    kind = PRIMED.get(round_number)
    if kind is not None:
        sandbox.faults.fail_next(ATTEMPTS, kind, path_prefix=path_prefix)


# ---------------------------------------------------------------- case submissions


def sandbox_cases_by_reference(sandbox, prefix: str) -> Counter:
    with sandbox.session() as s:
        references = s.scalars(
            select(sandbox_models.Case.creditor_reference).where(sandbox_models.Case.creditor_reference.like(f"{prefix}%"))
        ).all()
    return Counter(references)


def test_case_submissions_under_faults_are_created_once_or_shown_failed_with_input_and_key(app, client, operators, sandbox):
    waits = client_that_records_waits(app)
    operators.login("operator")
    tenants = [make_tenant(app, name=f"Fault Tolerant {n} ApS")[0] for n in range(4)]

    forms: dict[str, dict[str, str]] = {}
    for number in range(ROUNDS):
        draft = client.post(f"/cases/new/{tenants[number % len(tenants)]}")
        key = draft.headers["Location"].rsplit("/", 1)[-1]
        form = case_form(creditor_reference=f"FLT-{number:04d}", debtor_name=f"Debtor {number} GmbH")
        # The preview (also under /customer-api/cases) is priced in calm weather: the faults are for the send.
        sandbox.faults.clear()
        assert client.post(f"/cases/submissions/{key}", data={**form, "action": "preview"}).status_code == 200
        sandbox.faults.fail_ratio(FAULT_SHARE, FAULT_KINDS, seed=2024 + number, path_prefix="/customer-api/cases")
        prime(sandbox, number, "/customer-api/cases")
        assert client.post(f"/cases/submissions/{key}", data={**form, "action": "submit"}).status_code == 303
        forms[key] = form

    with app.app_context():
        rows = {row.idempotency_key: (row.status, row.case_id) for row in db.session.scalars(select(CaseSubmission))}
    at_debitura = sandbox_cases_by_reference(sandbox, "FLT-")
    outcomes = Counter(status for status, _ in rows.values())
    assert set(outcomes) <= {"created", "failed"}, outcomes
    assert outcomes["failed"] >= len(PRIMED) and waits, "the faults were not felt"
    assert max(at_debitura.values()) == 1, "a submission was created twice at Debitura"
    for key, form in forms.items():
        status, case_id = rows[key]
        if status == "created":
            assert at_debitura[form["creditor_reference"]] == 1 and case_id
            continue
        shown = client.get(f"/cases/submissions/{key}")
        seen = page(shown)
        assert form["creditor_reference"] in seen.text and form["debtor_name"] in seen.text, "the typed input is gone"
        assert any(value == f"/cases/submissions/{key}/retry" for _, name, value in seen.clickable if name == "action")

    sandbox.faults.clear()
    for key, (status, _) in rows.items():
        if status == "failed":
            assert client.post(f"/cases/submissions/{key}/retry").status_code == 303

    with app.app_context():
        final = {row.idempotency_key: (row.status, row.case_id) for row in db.session.scalars(select(CaseSubmission))}
    at_debitura = sandbox_cases_by_reference(sandbox, "FLT-")
    assert all(status == "created" for status, _ in final.values())
    assert len({case_id for _, case_id in final.values()}) == ROUNDS
    assert sum(at_debitura.values()) == ROUNDS and set(at_debitura.values()) == {1}


# ---------------------------------------------------------------- file uploads


def create_cases(app, external_tenant_id: str, count: int) -> list[str]:
    client = app.extensions["debitura"]
    payload = {
        "currencyCode": "EUR",
        "amountToRecover": Decimal("800.00"),
        "date": (date.today() - timedelta(days=30)).isoformat(),
        "debtor": {"type": "Private", "name": "Jo Debtor", "countryAlpha2": "DK"},
    }
    with app.test_request_context():
        return [client.create_case(external_tenant_id, raw(payload)).id for _ in range(count)]


def sandbox_files_by_name(sandbox) -> Counter:
    with sandbox.session() as s:
        return Counter(s.scalars(select(sandbox_models.CaseFile.file_name)).all())


def post_upload(client, case_id: str, key: str, file_name: str):
    data = {
        "idempotency_key": key,
        "send_chat_notification": "y",
        "file": (io.BytesIO(b"%PDF-1.4 evidence for " + file_name.encode()), file_name),
    }
    return client.post(f"/cases/{case_id}/files/new", data=data, content_type="multipart/form-data")


def test_file_uploads_under_faults_are_stored_once_or_shown_failed_with_a_retry_under_the_same_key(
    app, client, operators, sandbox
):
    client_that_records_waits(app)
    operators.login("operator")
    _, tenant = make_tenant(app, name="Uploads Under Fire ApS")
    cases = create_cases(app, tenant, 10)
    sandbox.faults.fail_ratio(FAULT_SHARE, FAULT_KINDS, seed=2025, path_prefix="/referral-api/cases/")

    failed: list[tuple[str, str, str]] = []
    for number in range(ROUNDS):
        case_id, file_name = cases[number % len(cases)], f"evidence-{number:04d}.pdf"
        key = uploads.new_key()  # what the upload form mints as its hidden field
        prime(sandbox, number, "/referral-api/cases/")
        answer = post_upload(client, case_id, key, file_name)
        if answer.status_code == 303:
            continue
        assert answer.status_code == 502, answer.status_code
        shown = page(answer)
        assert shown.value("idempotency_key") == key, "a retry would not reuse the key"
        assert shown.value("send_chat_notification") == "y", "the operator's choice was lost"
        assert "retrying sends it once" in shown.text
        failed.append((case_id, key, file_name))

    at_debitura = sandbox_files_by_name(sandbox)
    assert len(failed) >= len(PRIMED)
    assert max(at_debitura.values()) == 1, "a file was stored twice at Debitura"
    assert len(at_debitura) >= ROUNDS - len(failed)

    sandbox.faults.clear()
    for case_id, key, file_name in failed:
        assert post_upload(client, case_id, key, file_name).status_code == 303

    at_debitura = sandbox_files_by_name(sandbox)
    assert sum(at_debitura.values()) == ROUNDS and set(at_debitura.values()) == {1}


# ---------------------------------------------------------------- KYC


def kyc_form(number: int, key: str) -> dict[str, str]:
    return {
        "director_full_name": f"Director Number {number:04d}",
        "director_home_address": f"{number} Elm Row, Edinburgh EH7 4AA",
        "director_date_of_birth": "1971-04-09",
        "send_chat_notification": "y",
        "idempotency_key": key,
    }


def sandbox_kyc_by_director(sandbox) -> Counter:
    with sandbox.session() as s:
        return Counter(s.scalars(select(sandbox_models.KycVerification.director_full_name)).all())


def test_kyc_submissions_under_faults_are_recorded_once_or_shown_failed_with_input_and_key(app, client, operators, sandbox):
    client_that_records_waits(app)
    operators.login("operator")
    tenants = [make_tenant(app, name=f"KYC Ltd {n}")[0] for n in range(10)]
    sandbox.faults.fail_ratio(FAULT_SHARE, FAULT_KINDS, seed=2026, path_prefix="/referral-api/clients/")

    failed: list[tuple[int, dict[str, str]]] = []
    for number in range(ROUNDS):
        tenant_id = tenants[number % len(tenants)]
        form = kyc_form(number, kyc.new_key())  # what the KYC form mints as its hidden field
        prime(sandbox, number, "/referral-api/clients/")
        answer = client.post(f"/kyc/{tenant_id}", data=form)
        if answer.status_code == 303:
            continue
        assert answer.status_code == 422, answer.status_code
        shown = page(answer)
        assert shown.value("idempotency_key") == form["idempotency_key"], "a retry would not reuse the key"
        assert shown.value("director_full_name") == form["director_full_name"]
        assert shown.value("director_home_address") == form["director_home_address"]
        assert "reuses this form's key" in shown.text
        failed.append((tenant_id, form))

    at_debitura = sandbox_kyc_by_director(sandbox)
    assert len(failed) >= len(PRIMED)
    assert max(at_debitura.values()) == 1, "a KYC submission was recorded twice at Debitura"

    sandbox.faults.clear()
    for tenant_id, form in failed:
        assert client.post(f"/kyc/{tenant_id}", data=form).status_code == 303

    at_debitura = sandbox_kyc_by_director(sandbox)
    assert sum(at_debitura.values()) == ROUNDS and set(at_debitura.values()) == {1}
    with sandbox.session() as s:
        assert all(domain.latest_kyc(s, link.creditor_id) is not None for link in s.scalars(select(sandbox_models.ClientLink)))
