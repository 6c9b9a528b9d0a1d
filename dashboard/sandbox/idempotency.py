"""The `Idempotency-Key` header: the first terminal answer is stored and replayed verbatim.

- same key (per API key or bearer subject, per endpoint) and the same request: the stored
  status and body come back, and nothing happens twice;
- same key with a different request: 422 IdempotencyConflict;
- 400s (field validation) and 5xx are not stored, so a corrected request may reuse the key.

The key is claimed under a unique constraint in the same transaction as the work it
guards: when two identical requests race, the second waits for the first to commit and
then answers with its stored response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from flask import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.errors import (
    ApiError,
    BusinessRuleViolation,
    SandboxError,
    ValidationFailed,
    business_error,
    error_response,
)
from dashboard.sandbox.models import IdempotencyRecord
from dashboard.sandbox.wire import dumps, loads

MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"


def fingerprint(parts: Iterable[bytes | str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def check_key(key: str | None) -> None:
    if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
        raise ApiError(
            400,
            "InvalidIdempotencyKey",
            f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters long.",
        )


def _stored(s: Session, scope: str, endpoint: str, key: str) -> IdempotencyRecord | None:
    return s.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.endpoint == endpoint, IdempotencyRecord.key == key
        )
    ).first()


def _replay(record: IdempotencyRecord, request_fingerprint: str) -> Response:
    if record.fingerprint != request_fingerprint:
        # A 422 in the BusinessErrorResponseApiDTO shape, as case creation declares its 422s.
        message = "This Idempotency-Key was already used with a different request."
        conflict = BusinessRuleViolation([business_error("IdempotencyConflict", message)], about_signing=False)
        return error_response(conflict)
    response = Response(record.body or "", status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _storable(status: int) -> bool:
    return status != 400 and status < 500


def _answer(s: Session, handler: Callable[[], Response]) -> Response:
    """The handler's response; errors raised on purpose (404, 413, 415, 422...) are answers too."""
    try:
        return handler()
    except ValidationFailed:
        s.rollback()
        raise
    except SandboxError as error:
        return error_response(error)


def run(
    s: Session,
    *,
    scope: str,
    endpoint: str,
    key: str | None,
    request_fingerprint: str,
    handler: Callable[[], Response],
) -> Response:
    """Answer a write request once per key; the caller commits the session afterwards.

    The key is claimed (a record inserted) before the work starts, so a concurrent request
    with the same key waits on the unique constraint and then replays the finished answer.
    """
    check_key(key)
    if key is None:
        return _answer(s, handler)
    record = _stored(s, scope, endpoint, key)
    if record is not None:
        return _replay(record, request_fingerprint)
    claim = IdempotencyRecord(
        scope=scope,
        endpoint=endpoint,
        key=key,
        fingerprint=request_fingerprint,
        status_code=0,
        created_at=clock.now(s),
    )
    s.add(claim)
    try:
        s.flush()
    except IntegrityError:
        # Another request with this key got there first and has committed its answer.
        s.rollback()
        winner = _stored(s, scope, endpoint, key)
        if winner is None:
            raise
        return _replay(winner, request_fingerprint)
    response = _answer(s, handler)
    if not _storable(response.status_code):
        s.rollback()  # nothing was done, and the key stays free for a corrected request
        return response
    claim.status_code = response.status_code
    claim.body = response.get_data(as_text=True)
    return response


def json_fingerprint(path: str, body: bytes) -> str:
    """Requests with the same JSON (whatever its formatting) are the same request."""
    try:
        canonical = dumps(_sorted(loads(body))) if body.strip() else ""
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return fingerprint([path, canonical])


def _sorted(value):
    if isinstance(value, dict):
        return {name: _sorted(value[name]) for name in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
