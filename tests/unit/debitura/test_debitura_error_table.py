"""Every documented status and body shape becomes the right error class with the right fields."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from dashboard.debitura import (
    AuthenticationError,
    BusinessError,
    BusinessRuleError,
    Conflict,
    DebituraError,
    IdempotencyConflict,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServerError,
    UnsupportedMediaType,
)
from tests.raw_body import raw

APPROVAL_URL = "https://app.debitura.com/ReferralPartner/Approve?token=abc123"


@dataclass
class Row:
    status: int
    body: Any
    expected: type[DebituraError]
    fields: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


ROWS = {
    "400 field-keyed body": Row(
        400,
        {
            "amount": ["Amount must be greater than zero"],
            "Debtor.CountryAlpha2": ["Invalid country code: ZZ", "Required"],
        },
        InvalidRequest,
        {
            "field_errors": {
                "amount": ["Amount must be greater than zero"],
                "debtor.countryAlpha2": ["Invalid country code: ZZ", "Required"],
            },
            "param": "amount",
            "code": None,
        },
    ),
    "400 ProblemDetails with errors and traceId": Row(
        400,
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {
                "$.Users[0].Email": ["The Email field is not a valid e-mail address."],
                "Client.SupportEmail": ["Required"],
            },
            "traceId": "00-4bf92f3577b34da6-00",
        },
        InvalidRequest,
        {
            "field_errors": {
                "users[0].email": ["The Email field is not a valid e-mail address."],
                "client.supportEmail": ["Required"],
            },
            "param": "users[0].email",
            "request_id": "00-4bf92f3577b34da6-00",
            "code": None,
        },
    ),
    "400 case validation with validationErrors": Row(
        400,
        {
            "error": "Case validation failed",
            "message": "Case validation failed",
            "validationErrors": {"Cases[0].Debtor.Name": ["Debtor name is required"]},
        },
        InvalidRequest,
        {
            "field_errors": {"cases[0].debtor.name": ["Debtor name is required"]},
            "param": "cases[0].debtor.name",
            "message": "Case validation failed",
        },
    ),
    "400 ApiErrorResponseDto": Row(
        400,
        {
            "error": "Unknown country: XX",
            "message": "Unknown country: XX",
            "businessErrors": [{"type": "ValidationError", "message": "Unknown country: XX"}],
        },
        InvalidRequest,
        {
            "field_errors": {},
            "param": None,
            "code": "ValidationError",
            "message": "Unknown country: XX",
            "user_message": "Unknown country: XX",
        },
    ),
    "400 that is not JSON": Row(
        400, b"<html><body>Bad Request</body></html>", InvalidRequest, {"field_errors": {}, "body": None}
    ),
    "401 without a body": Row(
        401, b"", AuthenticationError, {"body": None, "code": None, "message": "Debitura answered HTTP 401"}
    ),
    "403 ApiErrorResponseDto": Row(
        403,
        {"error": "Forbidden", "message": "Endpoint not available in production environment"},
        PermissionDenied,
        {"code": "Forbidden", "message": "Endpoint not available in production environment"},
    ),
    "404 with a request id header": Row(
        404,
        {"error": "NotFound", "message": "Client not found or link is archived", "businessErrors": []},
        NotFound,
        {"request_id": "req-404-1", "message": "Client not found or link is archived", "code": "NotFound"},
        {"X-Request-Id": "req-404-1"},
    ),
    "409 ClientExistsNeedsLinking": Row(
        409,
        {
            "type": "ClientExistsNeedsLinking",
            "message": "Client already exists in Debitura. Approval required to link to referral partner.",
            "data": {
                "externalTenantId": "tenant-1",
                "onboardingLinks": {"url": APPROVAL_URL},
                "isAttributedClient": False,
            },
        },
        Conflict,
        {
            "conflict_type": "ClientExistsNeedsLinking",
            "approval_url": APPROVAL_URL,
            "data": {
                "externalTenantId": "tenant-1",
                "onboardingLinks": {"url": APPROVAL_URL},
                "isAttributedClient": False,
            },
            "code": "ClientExistsNeedsLinking",
        },
    ),
    "409 PascalCase ClientAlreadyLinkedToAnotherPartner": Row(
        409,
        {
            "Type": "ClientAlreadyLinkedToAnotherPartner",
            "Message": "Linked elsewhere",
            "Data": {"ExternalTenantId": "tenant-1"},
        },
        Conflict,
        {
            "conflict_type": "AlreadyLinkedToAnotherPartner",
            "approval_url": None,
            "data": {"ExternalTenantId": "tenant-1"},
        },
    ),
    "409 PascalCase approval URL": Row(
        409,
        {
            "Type": "ClientExistsNeedsLinking",
            "Data": {"ExternalTenantId": "tenant-1", "OnboardingLinks": {"Url": APPROVAL_URL}},
        },
        Conflict,
        {"conflict_type": "ClientExistsNeedsLinking", "approval_url": APPROVAL_URL},
    ),
    "409 wrapped in conflictResponse": Row(
        409,
        {"conflictResponse": {"type": "ClientExistsNeedsLinking", "onboardingLinks": {"url": APPROVAL_URL}}},
        Conflict,
        {"conflict_type": "ClientExistsNeedsLinking", "approval_url": APPROVAL_URL},
    ),
    "409 InvalidClientType": Row(
        409,
        {"type": "InvalidClientType", "message": "Not a creditor"},
        Conflict,
        {"conflict_type": "InvalidClientType", "data": None},
    ),
    "409 AlreadyLinkedDifferentTenant": Row(
        409,
        {"type": "AlreadyLinkedDifferentTenant", "message": "Use tenant-0"},
        Conflict,
        {"conflict_type": "AlreadyLinkedDifferentTenant"},
    ),
    "409 from withdraw as ApiErrorResponseDto": Row(
        409,
        {"error": "Cannot withdraw client", "message": "Cases have progressed beyond onboarding"},
        Conflict,
        {
            "conflict_type": None,
            "message": "Cases have progressed beyond onboarding",
            "user_message": "Cases have progressed beyond onboarding",
        },
    ),
    "413 file too large": Row(
        413,
        {"error": "File too large", "message": "File exceeds 25 MB"},
        PayloadTooLarge,
        {"message": "File exceeds 25 MB"},
    ),
    "415 wrong file type": Row(
        415, {"error": "Unsupported", "message": "File type .exe is not allowed"}, UnsupportedMediaType
    ),
    "422 business errors with signing handoff": Row(
        422,
        {
            "businessErrors": [
                {
                    "type": "MissingPowerOfAttorney",
                    "message": "Power of attorney not signed",
                    "solutionUrl": "https://poa.example/sign",
                },
                {"type": "MissingKycVerification", "message": "KYC missing"},
            ],
            "signingHandoff": {"combinedSigningUrl": "https://app.debitura.com/Signing/PendingContracts"},
        },
        BusinessRuleError,
        {
            "errors": [
                BusinessError("MissingPowerOfAttorney", "Power of attorney not signed", "https://poa.example/sign"),
                BusinessError("MissingKycVerification", "KYC missing", None),
            ],
            "signing_handoff_url": "https://app.debitura.com/Signing/PendingContracts",
            "code": "MissingPowerOfAttorney",
            "user_message": "Power of attorney not signed",
        },
    ),
    "422 idempotency conflict": Row(
        422,
        {"businessErrors": [{"type": "IdempotencyConflict", "message": "Key reused with a different body"}]},
        IdempotencyConflict,
        {"code": "IdempotencyConflict"},
    ),
    "422 legacy field-keyed business rule": Row(
        422,
        {"BusinessRule": ["We don't have an exclusive pre-legal partner in the provided jurisdiction"]},
        BusinessRuleError,
        {
            "errors": [
                BusinessError(
                    "businessRule", "We don't have an exclusive pre-legal partner in the provided jurisdiction"
                )
            ]
        },
    ),
    "429 with retryAfter in the body": Row(
        429,
        {"error": "rate_limit_exceeded", "message": "Too many requests.", "retryAfter": 42.0},
        RateLimited,
        {"retry_after": 42.0, "code": "rate_limit_exceeded"},
    ),
    "429 with only a Retry-After header": Row(429, b"", RateLimited, {"retry_after": 7.0}, {"Retry-After": "7"}),
    "500 with businessErrors only": Row(
        500,
        {"businessErrors": [{"type": "UnexpectedError", "message": "Something went wrong"}]},
        ServerError,
        {"code": "UnexpectedError", "message": "Something went wrong"},
    ),
    "502 HTML from a proxy": Row(
        502, b"<html>Bad gateway</html>", ServerError, {"body": None, "message": "Debitura answered HTTP 502"}
    ),
    "503 empty body": Row(503, b"", ServerError, {"http_status": 503}),
    "an unmapped 4xx": Row(418, {"message": "I'm a teapot"}, DebituraError, {"http_status": 418}),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_each_status_and_body_shape_maps_to_its_error(referral, http, row: Row):
    body = row.body if isinstance(row.body, bytes) else json.dumps(row.body).encode()
    http.post(f"{referral.base_url}/clients", status=row.status, body=body, headers=row.headers)

    with pytest.raises(DebituraError) as caught:
        referral.create_client(raw({"externalTenantId": "tenant-1"}))

    error = caught.value
    assert type(error) is row.expected
    assert error.http_status == row.status
    assert error.user_message
    for name, expected in row.fields.items():
        assert getattr(error, name) == expected, name


def test_an_idempotency_conflict_is_still_a_business_rule_error(referral, http):
    http.post(f"{referral.base_url}/clients", status=422, json={"type": "IdempotencyConflict", "message": "Key reused"})

    with pytest.raises(BusinessRuleError) as caught:
        referral.create_client(raw({}))

    assert isinstance(caught.value, IdempotencyConflict)


def test_str_starts_with_the_request_id_and_repr_names_the_class(referral, http):
    http.get(
        f"{referral.base_url}/clients/missing",
        status=404,
        json={"message": "Client not found"},
        headers={"Request-Id": "req_42"},
    )

    with pytest.raises(NotFound) as caught:
        referral.get_client("missing")

    assert str(caught.value) == "Request req_42: Client not found"
    assert repr(caught.value) == "NotFound(message='Client not found', http_status=404, code=None, request_id='req_42')"


def test_str_has_no_prefix_when_debitura_sent_no_request_id(referral, http):
    http.get(f"{referral.base_url}/clients/missing", status=404, json={"message": "Client not found"})

    with pytest.raises(NotFound) as caught:
        referral.get_client("missing")

    assert str(caught.value) == "Client not found"


@pytest.mark.parametrize("header", ["Request-Id", "X-Request-Id", "X-Correlation-Id"])
def test_the_request_id_is_read_from_any_of_debituras_headers(referral, http, header):
    http.get(f"{referral.base_url}/me", status=403, json={"message": "no"}, headers={header: "abc-123"})

    with pytest.raises(PermissionDenied) as caught:
        referral.me()

    assert caught.value.request_id == "abc-123"


def test_conflict_user_messages_tell_the_operator_what_to_do(referral, http):
    http.post(
        f"{referral.base_url}/clients", status=409, json={"type": "ClientAlreadyLinkedToAnotherPartner", "message": "x"}
    )

    with pytest.raises(Conflict) as caught:
        referral.create_client(raw({}))

    assert "another referral partner" in caught.value.user_message
    assert "support" in caught.value.user_message


def test_a_rate_limit_user_message_says_when_to_try_again(referral, http):
    http.post(f"{referral.base_url}/clients", status=429, json={"retryAfter": 42.0})

    with pytest.raises(RateLimited) as caught:
        referral.create_client(raw({}))

    assert caught.value.user_message.endswith("Try again in 42 s.")
