"""The request core shared by both APIs: one session, a timeout on every call, retries, logging.

Only requests that are safe to repeat are retried: reads, calls that carry an ``Idempotency-Key``
(the same key on every attempt, so Debitura replays instead of acting twice) and calls the API object
marks as side-effect free (minting a token).
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

import requests

from . import jsonwire
from .errors import DebituraConnectionError, DebituraError, UnexpectedRedirect, error_from_response
from .redaction import LOGGER_NAME
from .response_meta import rate_limit, request_id
from .retry import RetryPolicy

log = logging.getLogger(LOGGER_NAME)

DEFAULT_TIMEOUT = (3.05, 10.0)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NO_BODY = object()

Timeout = float | tuple[float, float]
FileSpec = tuple[str, BinaryIO, str]


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: status, decoded JSON body (``None`` when empty) and Debitura's request id."""

    status: int
    body: Any
    request_id: str | None


def _seekable(stream: Any) -> bool:
    seekable = getattr(stream, "seekable", None)
    return bool(callable(seekable) and seekable())


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_query_value(item) for item in value]
    return value


def _query(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop unset filters and spell values the way an ASP.NET binder expects (``true``, ISO dates, repeated keys)."""
    return {name: _query_value(value) for name, value in (params or {}).items() if value is not None}


def _connection_error(exc: requests.RequestException, timeout: Timeout) -> DebituraConnectionError:
    """Describe a transport failure by kind only: requests' own messages can quote header values."""
    kind = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return DebituraConnectionError(f"TLS handshake with Debitura failed ({kind})", should_retry=False)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return DebituraConnectionError(f"Timed out connecting to Debitura ({kind})")
    if isinstance(exc, requests.exceptions.Timeout):
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        return DebituraConnectionError(
            f"Debitura did not answer within {read_timeout:g} s ({kind})", timed_out_after=read_timeout
        )
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return DebituraConnectionError(f"Connection to Debitura failed ({kind})")
    return DebituraConnectionError(f"Request to Debitura could not be sent ({kind})", should_retry=False)


def session_for_another_thread(session: requests.Session) -> requests.Session:
    """A session like `session` (its class, settings and mounted adapters) with its own cookies and state.

    The adapters are shared: urllib3's connection pools and the in-process WSGI adapter are thread-safe.
    """
    twin = type(session).__new__(type(session))
    twin.__dict__.update(session.__dict__)
    twin.cookies = requests.cookies.cookiejar_from_dict({})
    twin.headers = requests.structures.CaseInsensitiveDict(session.headers)
    return twin


class Transport:
    """Sends requests to one base URL; API objects add auth headers and turn bodies into types."""

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.last_rate_limit: dict[str, int | str] | None = None
        self._sleep = sleep
        self._rand = rand
        self._headers = {"Accept": "application/json", "User-Agent": "debitura-partner-dashboard", **(headers or {})}

    def for_another_thread(self) -> Transport:
        """The same transport over a session of its own: a requests.Session must not be shared by threads."""
        twin = copy.copy(self)
        twin.session = session_for_another_thread(self.session)
        twin.last_rate_limit = None
        return twin

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = _NO_BODY,
        files: Mapping[str, FileSpec] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        retryable: bool | None = None,
    ) -> ApiResponse:
        """Send one logical request, retrying transient failures when the call is safe to repeat."""
        method = method.upper()
        if retryable is None:
            retryable = method in _SAFE_METHODS or idempotency_key is not None
        request_headers = {**self._headers, **(headers or {})}
        if idempotency_key is not None:
            request_headers["Idempotency-Key"] = idempotency_key
        data = None
        if json is not _NO_BODY:
            data = jsonwire.dumps(json).encode("utf-8")
            request_headers["Content-Type"] = "application/json"
        # A retried upload must send the whole file again, not whatever the first attempt left unread.
        starts = [(spec[1], spec[1].tell()) for spec in (files or {}).values() if _seekable(spec[1])]
        retry_number = 0
        while True:
            for stream, position in starts:
                stream.seek(position)
            try:
                return self._attempt(method, path, _query(params), data, files, request_headers)
            except DebituraError as error:
                retry_number += 1
                delay = self.retry.delay_before_retry(error, retry_number, self._rand) if retryable else None
                if delay is None:
                    raise
                log.info(
                    "Retrying %s %s in %.2f s after %s (retry %d of %d)",
                    method,
                    path,
                    delay,
                    type(error).__name__,
                    retry_number,
                    self.retry.max_retries,
                )
                self._sleep(delay)

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        data: bytes | None,
        files: Mapping[str, FileSpec] | None,
        headers: dict[str, str],
    ) -> ApiResponse:
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
                # A redirect would carry the XApiKey header to whatever host it names.
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            elapsed_ms = (time.monotonic() - started) * 1000
            log.info("%s %s -> %s in %.0f ms", method, path, type(exc).__name__, elapsed_ms)
            raise _connection_error(exc, self.timeout) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        body = jsonwire.loads_or_none(response.content)
        call_id = request_id(response.headers, body)
        log.info(
            "%s %s -> %d in %.0f ms (request id %s)", method, path, response.status_code, elapsed_ms, call_id or "none"
        )
        headroom = rate_limit(response.headers)
        if headroom is not None:
            self.last_rate_limit = headroom
        if response.status_code >= 400:
            raise error_from_response(response)
        if 300 <= response.status_code < 400:
            raise UnexpectedRedirect(
                f"Debitura answered {response.status_code} to {method} {path}; redirects are never followed",
                http_status=response.status_code,
                request_id=call_id,
            )
        if body is None and response.content.strip():
            raise DebituraError(
                "Debitura sent a success response that is not JSON",
                http_status=response.status_code,
                request_id=call_id,
                user_message="Debitura sent an answer the dashboard could not read. Try again shortly.",
            )
        return ApiResponse(status=response.status_code, body=body, request_id=call_id)
