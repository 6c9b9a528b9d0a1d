"""Every error the sandbox can answer with, in the shapes Debitura documents.

- ApiErrorResponseDto `{error, message, businessErrors[]}`: 404, 409 (withdraw), 413, 415, 422, 500
  (500 carries businessErrors only);
- field-keyed arrays `{"Cases[0].Debtor.CountryAlpha2": ["..."]}`: 400 request validation;
- BusinessErrorResponseApiDTO `{businessErrors[], signingHandoff}`: 422 on case creation;
- ConflictResponse `{type, message, data}`: 409 on POST /clients;
- 401 with no body for a missing or wrong credential.

Domain functions raise these; the app turns them into responses in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from dashboard.sandbox.wire import json_response

log = logging.getLogger(__name__)
API_PREFIXES = ("/referral-api", "/customer-api")


def business_error(type_: str, message: str, solution_url: str | None = None) -> dict[str, Any]:
    return {"type": type_, "message": message, "solutionUrl": solution_url}


class SandboxError(Exception):
    """Base of every error the sandbox raises on purpose."""


class ApiError(SandboxError):
    """An ApiErrorResponseDto answer."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        business_errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.business_errors = business_errors if business_errors is not None else [business_error(error, message)]
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, "businessErrors": self.business_errors}


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, "NotFound", message)


class ValidationFailed(SandboxError):
    """A 400 with field-keyed messages; never stored for idempotent replay."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{key}: {' '.join(messages)}" for key, messages in fields.items()))
        self.fields = fields

    @classmethod
    def single(cls, key: str, message: str) -> ValidationFailed:
        return cls({key: [message]})


class BusinessRuleViolation(SandboxError):
    """A 422 on case creation: what blocks it, and one URL that walks through every signing step."""

    def __init__(
        self, errors: list[dict[str, Any]], combined_signing_url: str | None = None, *, about_signing: bool = True
    ) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors
        self.combined_signing_url = combined_signing_url
        # Case-creation answers always carry signingHandoff (null when nothing is left to sign);
        # an idempotency conflict, which any idempotent operation can answer, has nothing to say about it.
        self.about_signing = about_signing

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"businessErrors": self.errors}
        if self.about_signing or self.combined_signing_url:
            handoff = {"combinedSigningUrl": self.combined_signing_url} if self.combined_signing_url else None
            body["signingHandoff"] = handoff
        return body


class ClientConflict(SandboxError):
    """A 409 ConflictResponse from POST /clients."""

    def __init__(self, type_: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.data is not None:
            body["data"] = self.data
        return body


class LinkRequestUnavailable(SandboxError):
    """The approval link cannot be acted on any more: `reason` is used, declined or expired."""

    def __init__(self, reason: str) -> None:
        messages = {
            "used": "This link has already been used.",
            "declined": "This link request was declined.",
            "expired": "This link request has expired.",
            "unknown": "This link is not valid.",
        }
        super().__init__(messages[reason])
        self.reason = reason


class StepNotAvailable(SandboxError):
    """A hosted-page action that does not apply in the link's current state."""


def error_response(error: SandboxError) -> Response:
    """The HTTP answer for an error raised by an API view."""
    if isinstance(error, ApiError):
        return json_response(error.status, error.body(), error.headers)
    if isinstance(error, ValidationFailed):
        return json_response(400, error.fields)
    if isinstance(error, BusinessRuleViolation):
        return json_response(422, error.body())
    if isinstance(error, ClientConflict):
        return json_response(409, error.body())
    if isinstance(error, LinkRequestUnavailable):
        return json_response(409, ApiError(409, "LinkRequestUnavailable", str(error)).body())
    return json_response(400, ApiError(400, "BadRequest", str(error)).body())


def unauthorized() -> Response:
    return Response(status=401)


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def register(app: Flask) -> None:
    """JSON errors for the two APIs; other paths (hosted pages, control panel) keep Flask's defaults."""

    @app.errorhandler(SandboxError)
    def sandbox_error(error: SandboxError):
        return error_response(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not _is_api_request():
            return error
        status = error.code or 500
        names = {404: "NotFound", 405: "MethodNotAllowed", 413: "FileTooLarge", 415: "UnsupportedMediaType"}
        message = error.description or error.name
        if status == 413:
            message = "The file exceeds the 25 MB limit."
        return json_response(status, ApiError(status, names.get(status, error.name), message).body())

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("Sandbox request failed: %s %s", request.method, request.path)
        if not _is_api_request():
            raise error
        # Debitura's 500s carry businessErrors only.
        return json_response(
            500, {"businessErrors": [business_error("UnexpectedError", "An unexpected error occurred.")]}
        )
