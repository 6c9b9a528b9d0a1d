"""The one error hierarchy for both Debitura APIs, and the one place that builds it from a response.

Every error carries a ``user_message`` written for operators; ``str(error)`` is for logs and starts with
Debitura's request id when there is one. Messages pass through redaction, so no credential can leak
through an exception even when Debitura echoes one back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from . import jsonwire
from .error_bodies import BusinessError, ErrorBody, read_error_body
from .redaction import redact
from .response_meta import request_id as request_id_of
from .response_meta import retry_after as retry_after_of


class DebituraError(Exception):
    """Base of every failure talking to Debitura."""

    default_user_message = "Debitura could not complete the request. Try again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        http_status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        user_message: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        self.message = redact(message or self.default_user_message)
        super().__init__(self.message)
        self.http_status = http_status
        self.code = code
        self.request_id = request_id
        self.user_message = redact(user_message or self.default_user_message)
        self.body = body

    def __str__(self) -> str:
        prefix = f"Request {self.request_id}: " if self.request_id else ""
        return f"{prefix}{self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, http_status={self.http_status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class DebituraConnectionError(DebituraError):
    """No usable answer: timeout, reset, DNS failure. ``should_retry`` says whether trying again can help.

    ``timed_out_after`` is the read timeout in seconds when Debitura took the request and did not answer
    in time: it may have acted, unlike a connection that failed before anything was sent.
    """

    default_user_message = "Debitura is not responding. Try again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        should_retry: bool = True,
        timed_out_after: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.should_retry = should_retry
        self.timed_out_after = timed_out_after


class AuthenticationError(DebituraError):
    default_user_message = "Debitura rejected the dashboard's credentials; contact engineering."


class PermissionDenied(DebituraError):
    default_user_message = "Debitura does not allow this action with the dashboard's credentials."


class NotFound(DebituraError):
    default_user_message = "Debitura has no such record (it may never have existed, or was withdrawn or archived)."


class InvalidRequest(DebituraError):
    """400: ``field_errors`` maps camelCase dotted paths (``debtor.countryAlpha2``) to messages."""

    default_user_message = "Debitura rejected some of the values. Check the form and try again."

    def __init__(
        self, message: str | None = None, *, field_errors: Mapping[str, list[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.field_errors: dict[str, list[str]] = {
            name: list(messages) for name, messages in (field_errors or {}).items()
        }
        self.param = next((name for name in self.field_errors if name), None)


CONFLICT_USER_MESSAGES = {
    "ClientExistsNeedsLinking": (
        "This company already has a Debitura account. Send the customer the approval link so they can link it."
    ),
    "AlreadyLinkedToAnotherPartner": (
        "This company is linked to another referral partner. Ask Debitura support for options."
    ),
    "InvalidClientType": (
        "The matching Debitura account is not a creditor. The customer needs a separate creditor account."
    ),
    "AlreadyLinkedDifferentTenant": (
        "This company is already linked to us under another tenant id. Use that tenant id instead."
    ),
}

# Debitura's docs spell the same conflict two ways; the dashboard only knows one.
_CONFLICT_ALIASES = {"ClientAlreadyLinkedToAnotherPartner": "AlreadyLinkedToAnotherPartner"}


class Conflict(DebituraError):
    """409: a business answer (e.g. ``ClientExistsNeedsLinking`` with an ``approval_url``), never retried."""

    default_user_message = "Debitura reports a conflict with the current state of this record."

    def __init__(
        self,
        message: str | None = None,
        *,
        conflict_type: str | None = None,
        approval_url: str | None = None,
        data: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        conflict_type = _CONFLICT_ALIASES.get(conflict_type or "", conflict_type)
        if conflict_type in CONFLICT_USER_MESSAGES:
            kwargs["user_message"] = CONFLICT_USER_MESSAGES[conflict_type]
        super().__init__(message, **kwargs)
        self.conflict_type = conflict_type
        self.approval_url = approval_url
        self.data = data


class BusinessRuleError(DebituraError):
    """422: Debitura's business rules refused the request; each error may carry a ``solution_url``."""

    default_user_message = "Debitura refused the request under its business rules."

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: Iterable[BusinessError] = (),
        signing_handoff_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.errors = list(errors)
        kwargs.setdefault("user_message", next((error.message for error in self.errors if error.message), None))
        super().__init__(message, **kwargs)
        self.signing_handoff_url = signing_handoff_url

    @property
    def types(self) -> list[str]:
        return [error.type for error in self.errors if error.type]


class IdempotencyConflict(BusinessRuleError):
    default_user_message = "This submission reused a key with different data. Reload the form and submit again."


class PayloadTooLarge(DebituraError):
    default_user_message = "The file is too large for Debitura (at most 25 MB)."


class UnsupportedMediaType(DebituraError):
    default_user_message = "Debitura does not accept this file type (allowed: PDF, Word, Excel, CSV, text, JPEG, PNG)."


class RateLimited(DebituraError):
    """429: ``retry_after`` seconds, when Debitura said how long to wait."""

    default_user_message = "Debitura is limiting how fast the dashboard may call it. Try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any) -> None:
        if retry_after is not None:
            kwargs.setdefault(
                "user_message",
                f"Debitura is limiting how fast the dashboard may call it. Try again in {retry_after:.0f} s.",
            )
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(DebituraError):
    default_user_message = "Debitura had an internal error; nothing was confirmed. Try again shortly."


class UnexpectedRedirect(DebituraError):
    """Debitura's address answered 3xx. Never followed: the API key header would travel to the new host."""

    default_user_message = (
        "Debitura's address answered with a redirect, which the dashboard never follows. "
        "Check the Debitura API addresses in the settings."
    )


class ClientLinkInvalid(DebituraError):
    """A freshly minted bearer token was rejected too: the client's link no longer works."""

    default_user_message = (
        "The client link is invalid: Debitura rejected a freshly issued token for this client. "
        "Check the client's link status before submitting again."
    )


class ClientNotLinked(NotFound):
    """No token could be minted (404): Debitura has no active link for this client, so nothing was sent as it."""

    default_user_message = (
        "Debitura has no active link for this client (declined, awaiting approval, withdrawn, or linked to "
        "another partner), so it accepts no case for them. Nothing was sent."
    )


class _Response(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...


def _business_errors(parsed: ErrorBody) -> list[BusinessError]:
    """Business errors from the canonical array, a legacy ``{"BusinessRule": [...]}`` body, or the bare label."""
    if parsed.business_errors:
        return list(parsed.business_errors)
    if parsed.field_errors:
        return [
            BusinessError(type=name or None, message=message)
            for name, messages in parsed.field_errors.items()
            for message in messages
        ]
    if parsed.message:
        return [BusinessError(type=parsed.code, message=parsed.message)]
    return []


def _business_rule_error(parsed: ErrorBody, common: dict[str, Any]) -> BusinessRuleError:
    errors = _business_errors(parsed)
    is_idempotency = parsed.type == "IdempotencyConflict" or any(
        error.type == "IdempotencyConflict" for error in errors
    )
    message = "; ".join(error.message for error in errors if error.message) or parsed.message
    cls = IdempotencyConflict if is_idempotency else BusinessRuleError
    return cls(message, errors=errors, signing_handoff_url=parsed.signing_handoff_url, **common)


_SIMPLE_STATUS_CLASSES: dict[int, type[DebituraError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def error_from_response(response: _Response) -> DebituraError:
    """Build the right ``DebituraError`` for a failed response; tolerant of empty, HTML or truncated bodies."""
    payload = jsonwire.loads_or_none(response.content)
    body = payload if isinstance(payload, dict) else None
    parsed = read_error_body(body)
    status = response.status_code
    common: dict[str, Any] = {
        "http_status": status,
        "code": parsed.code,
        "request_id": request_id_of(response.headers, body),
        "body": body,
    }
    message = parsed.message or f"Debitura answered HTTP {status}"
    if status == 400:
        return InvalidRequest(message, field_errors=parsed.field_errors, user_message=parsed.message, **common)
    if status == 409:
        return Conflict(
            message,
            conflict_type=parsed.code,
            approval_url=parsed.approval_url,
            data=parsed.data,
            user_message=parsed.message,
            **common,
        )
    if status == 422:
        return _business_rule_error(parsed, common)
    if status == 429:
        return RateLimited(message, retry_after=retry_after_of(response.headers, body), **common)
    if status in _SIMPLE_STATUS_CLASSES:
        return _SIMPLE_STATUS_CLASSES[status](message, **common)
    if status >= 500:
        return ServerError(message, **common)
    return DebituraError(message, **common)
