"""Reading Debitura's error bodies, whichever of the documented shapes they take.

- ApiErrorResponseDto ``{error, message, businessErrors: [{type, message, solutionUrl}]}`` (canonical);
- field-keyed validation ``{"amount": ["..."], "debtor.email": ["..."]}`` (400s, and a legacy 422);
- RFC 7807 ProblemDetails ``{type, title, status, detail, errors, traceId}`` (malformed JSON, framework errors);
- ConflictResponse ``{type, message, data}`` (409 on POST /clients), sometimes wrapped in ``conflictResponse``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .fields import camel_keys, camel_path, nested, text

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class BusinessError:
    """One ``businessErrors[]`` item: a machine type, a readable message and, when Debitura has one, where to fix it."""

    type: str | None
    message: str | None
    solution_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> BusinessError:
        f = camel_keys(data)
        return cls(type=text(f.get("type")), message=text(f.get("message")), solution_url=text(f.get("solutionUrl")))


@dataclass(frozen=True)
class ErrorBody:
    """What an error body says, normalised: nothing here is trusted to be present."""

    message: str | None = None
    code: str | None = None
    type: str | None = None
    business_errors: tuple[BusinessError, ...] = ()
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    data: Mapping[str, Any] | None = None
    approval_url: str | None = None
    signing_handoff_url: str | None = None


def _is_field_keyed(body: Mapping[str, Any]) -> bool:
    """True for ``{"field": ["message", ...]}`` bodies: every value a list of strings, at least one non-empty."""
    values = list(body.values())
    if not values or not all(isinstance(value, list) for value in values):
        return False
    return all(isinstance(item, str) for value in values for item in value) and any(values)


def _field_map(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping):
        return {}
    errors: dict[str, list[str]] = {}
    for key, messages in raw.items():
        if isinstance(messages, str):
            messages = [messages]
        if isinstance(messages, list):
            errors.setdefault(camel_path(str(key)), []).extend(str(message) for message in messages)
    return errors


def _field_errors(body: Mapping[str, Any]) -> dict[str, list[str]]:
    if _is_field_keyed(body):
        return _field_map(body)
    f = camel_keys(body)
    errors = _field_map(f.get("errors"))
    for key, messages in _field_map(f.get("validationErrors")).items():
        errors.setdefault(key, []).extend(messages)
    return errors


def _code(business: tuple[BusinessError, ...], f: Mapping[str, Any]) -> str | None:
    """Debitura's machine-readable type; ProblemDetails ``type`` is a URL, not a code, and is skipped."""
    if business and business[0].type:
        return business[0].type
    for candidate in (text(f.get("type")), text(f.get("error"))):
        if candidate and _IDENTIFIER.match(candidate):
            return candidate
    return None


def _summary(field_errors: Mapping[str, list[str]]) -> str | None:
    parts = [
        f"{name}: {'; '.join(messages)}" if name else "; ".join(messages) for name, messages in field_errors.items()
    ]
    return "; ".join(parts) or None


def read_error_body(body: Any) -> ErrorBody:
    """Normalise any error body (or ``None``) into an ``ErrorBody``."""
    if not isinstance(body, Mapping):
        return ErrorBody()
    outer = camel_keys(body)
    conflict = camel_keys(outer.get("conflictResponse"))
    f = conflict or outer
    business = tuple(
        BusinessError.from_json(item) for item in f.get("businessErrors") or [] if isinstance(item, Mapping)
    )
    field_errors = _field_errors(body)
    data = f.get("data") if isinstance(f.get("data"), Mapping) else None
    message = next(
        (
            candidate
            for candidate in (
                text(f.get("message")),
                text(f.get("detail")),
                business[0].message if business else None,
                _summary(field_errors),
                text(f.get("error")),
                text(f.get("title")),
            )
            if candidate
        ),
        None,
    )
    approval_url = (
        nested(data or {}, "onboardingLinks", "url")
        or nested(data or {}, "onboardingUrl")
        or nested(f, "onboardingLinks", "url")
        or nested(f, "onboardingUrl")
    )
    return ErrorBody(
        message=message,
        code=_code(business, f),
        type=text(f.get("type")),
        business_errors=business,
        field_errors=field_errors,
        data=data,
        approval_url=text(approval_url),
        signing_handoff_url=text(nested(f, "signingHandoff", "combinedSigningUrl")),
    )
