"""The contract checker: real sandbox exchanges pass, and each kind of breach is caught and described."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from dashboard.sandbox.contract import (
    ContractChecker,
    default_spec_dir,
    documented_spec,
)
from tests.raw_body import raw

BASE = "http://sandbox.test"


def exchange(method: str, path: str, status: int, body: Any = None, *, request_json: Any = None,
             content_type: str = "application/json", params: dict[str, Any] | None = None
             ) -> tuple[requests.PreparedRequest, requests.Response]:
    """A hand-made exchange, for breaches the sandbox itself never commits."""
    request = requests.Request(method, BASE + path, json=request_json, params=params).prepare()
    response = requests.Response()
    response.status_code = status
    response._content = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers["Content-Type"] = content_type
    return request, response


@pytest.fixture
def checker() -> ContractChecker:
    return ContractChecker()


def test_the_documented_spec_patches_only_the_documented_deviations():
    official = json.loads((default_spec_dir() / "debitura-referral-partner-api.openapi.json").read_text())
    patched = documented_spec("referral-api")

    kyc = "Debitura.Web.ReferralPartnerApi.Models.Clients.KycStatus"
    assert patched["components"]["schemas"][kyc]["enum"] == ["not_required", "pending", "verified"]
    assert set(patched["paths"]["/me"]["get"]["responses"]) == set(official["paths"]["/me"]["get"]["responses"]) | {
        "401", "429", "503"
    }
    assert "422" in patched["paths"]["/cases/{caseId}/files"]["post"]["responses"]
    assert "422" not in patched["paths"]["/cases/{id}"]["get"]["responses"]
    untouched = "Debitura.Web.ReferralPartnerApi.Models.Clients.CreditorDto"
    assert patched["components"]["schemas"][untouched] == official["components"]["schemas"][untouched]
    client = "Debitura.Web.ReferralPartnerApi.Models.Clients.ClientCreatedResponse"
    official_client = official["components"]["schemas"][client]["properties"]
    patched_client = patched["components"]["schemas"][client]["properties"]
    assert patched_client["kycVerification"] == {"anyOf": [official_client["kycVerification"], {"enum": [None]}]}
    assert {name: value for name, value in patched_client.items() if name not in ("kycVerification", "caseResults")} == {
        name: value for name, value in official_client.items() if name not in ("kycVerification", "caseResults")
    }


def test_a_null_signing_handoff_is_within_the_documented_spec(checker):
    body = {"businessErrors": [{"type": "NoPartnerAvailable", "message": "No partner."}], "signingHandoff": None}

    assert checker.observe(*exchange("POST", "/customer-api/cases", 422, body)) == []


def test_the_specs_are_found_beside_the_repository_or_where_the_environment_says(monkeypatch, tmp_path):
    assert (default_spec_dir() / "debitura-referral-partner-api.openapi.json").is_file()
    monkeypatch.setenv("DEBITURA_SPEC_DIR", str(tmp_path))
    assert default_spec_dir() == tmp_path


def test_a_real_round_trip_through_the_client_is_clean(sandbox, referral, client_body, checker):
    sandbox.observers.append(checker)

    referral.create_client(raw(client_body("contract-1")))
    referral.get_client("contract-1")
    referral.list_clients(page_size=5)
    referral.me()

    assert checker.exchanges == 4
    assert checker.violations == []


def test_an_unexpected_response_field_is_reported_with_its_location(checker):
    partner_id = "0b6f4e8a-1c1d-4b7e-9a51-5f2f3f0a1001"
    found = checker.observe(*exchange("GET", "/referral-api/me", 200, {"id": partner_id, "surprise": 1}))

    assert len(found) == 1
    assert found[0].where == "response"
    assert "'surprise' was unexpected" in found[0].message
    assert str(found[0]).startswith("GET /referral-api/me -> 200: response:")


def test_a_wrongly_typed_value_is_described_without_echoing_it(checker):
    secret_looking = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw=="
    found = checker.observe(*exchange("GET", "/referral-api/v1/Webhooks/abc", 200, {"isActive": secret_looking}))

    assert [violation.message for violation in found] == ["$.isActive: fails type='boolean' (got str)"]
    assert secret_looking not in checker.report()


def test_a_status_the_operation_does_not_document_is_reported(checker):
    found = checker.observe(*exchange("GET", "/referral-api/clients/t-1", 418, {"error": "teapot"}))

    assert [violation.message for violation in found] == ["status 418 is not documented for this operation"]


def test_a_request_the_spec_rejects_counts_only_when_the_sandbox_accepted_it(checker):
    bad_request = {"externalTenantId": "t", "client": {"name": "A"}, "users": [], "bogus": True}

    refusal = {"Users": ["At least one user is required"]}
    rejected = checker.observe(*exchange("POST", "/referral-api/clients", 400, refusal, request_json=bad_request))
    accepted = checker.observe(*exchange("POST", "/referral-api/clients", 202, {"externalTenantId": "t"},
                                         request_json=bad_request))

    assert rejected == []
    assert {violation.where for violation in accepted} == {"request"}
    assert any("supportEmail" in violation.message for violation in accepted)
    assert not any("bogus" in violation.message for violation in accepted)  # unknown members are ignored


def test_query_parameters_are_typed_before_they_are_checked(checker):
    found = checker.observe(*exchange("GET", "/referral-api/cases", 200, {}, params={"PageSize": 500, "Page": "two"}))

    messages = [violation.message for violation in found]
    assert "query parameter PageSize: $: fails maximum=100 (got int)" in messages
    assert "query parameter Page: $: fails type='integer' (got str)" in messages


def test_field_keyed_validation_errors_are_accepted_for_a_400(checker):
    assert checker.observe(*exchange("POST", "/referral-api/clients", 400,
                                     {"Cases[0].Debtor.CountryAlpha2": ["Unknown country: XX"]})) == []
    assert checker.observe(*exchange("POST", "/referral-api/clients", 400,
                                     {"error": "InvalidRequest", "message": "Bad", "businessErrors": []})) == []

    found = checker.observe(*exchange("POST", "/referral-api/clients", 400, {"Users": "not a list"}))
    assert [violation.message for violation in found] == ["$: matches none of the documented shapes"]


def test_kyc_status_is_checked_against_its_snake_case_wire_values(checker):
    body = {"externalTenantId": "t", "onboardingDone": True, "kycStatus": "not_required"}
    assert checker.observe(*exchange("GET", "/referral-api/clients/t", 200, body)) == []

    found = checker.observe(*exchange("GET", "/referral-api/clients/t", 200, {**body, "kycStatus": "NotRequired"}))
    assert [violation.message for violation in found] == [
        "$.kycStatus: fails enum=['not_required', 'pending', 'verified'] (got str)"
    ]


def test_a_401_must_be_empty_and_a_429_must_carry_the_rate_limit_body(checker):
    assert checker.observe(*exchange("GET", "/referral-api/clients", 401, None, content_type="")) == []
    assert [violation.message for violation in checker.observe(*exchange("GET", "/referral-api/clients", 401,
                                                                         {"error": "no"}))] == [
        "the spec declares no body for this status, yet one was sent"
    ]
    limited = {"error": "rate_limit_exceeded", "message": "Too many requests.", "retryAfter": 42.0}
    assert checker.observe(*exchange("GET", "/referral-api/clients", 429, limited)) == []
    assert checker.observe(*exchange("GET", "/referral-api/clients", 429, {"message": "slow down"})) != []


def test_the_file_upload_answer_is_checked_against_the_documented_fields(checker):
    good = {"id": "f-1", "fileName": "invoice.pdf", "dateCreated": "2025-01-02T03:04:05Z"}
    assert checker.observe(*exchange("POST", "/referral-api/cases/c-1/files", 200, good)) == []

    found = checker.observe(*exchange("POST", "/referral-api/cases/c-1/files", 200, {"id": "f-1"}))
    assert "'fileName' is a required property" in found[0].message


def test_paths_are_found_under_any_mount_prefix_and_literal_paths_win_over_templates(checker):
    trigger = {"eventType": "case.created", "enqueuedCount": 1, "message": "queued"}
    assert checker.observe(*exchange("POST", "/sandbox/referral-api/v1/Webhooks/test", 200, trigger,
                                     request_json={"eventType": "case.created"})) == []


def test_unknown_operations_may_only_be_refused(checker):
    assert checker.observe(*exchange("GET", "/referral-api/nowhere", 404, {"error": "NotFound"})) == []
    found = checker.observe(*exchange("GET", "/referral-api/nowhere", 200, {}))
    assert found[0].message == "no such operation in the spec, yet the sandbox answered it"


def test_hosted_pages_and_the_control_panel_are_not_api_calls(checker):
    assert checker.observe(*exchange("GET", "/ui/ReferralPartner/Approve?token=x", 200, b"<html>",
                                     content_type="text/html")) == []
    assert checker.exchanges == 0


def test_assert_clean_names_every_violation(checker):
    checker.observe(*exchange("GET", "/referral-api/me", 200, {"surprise": 1}))

    with pytest.raises(AssertionError, match="1 contract violation"):
        checker.assert_clean()


def test_an_encoded_slash_in_a_path_parameter_stays_inside_that_parameter(sandbox, referral, client_body, checker):
    sandbox.observers.append(checker)

    referral.create_client(raw(client_body("qa/slash?#&154")))
    referral.get_client("qa/slash?#&154")
    referral.withdraw_client("qa/slash?#&154")

    checker.assert_clean()
    assert checker.exchanges == 3
