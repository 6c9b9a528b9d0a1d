"""requests adapters that serve requests in-process through a WSGI app.

Requests are really serialised (headers, JSON, multipart bodies) and really parsed by the
app, so the client under test runs exactly as it would over the network. Mount an adapter
on a `requests.Session` for a URL prefix and that session never leaves the process.
"""

from __future__ import annotations

import http.client
import io
import time
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import EnvironBuilder, run_wsgi_app

from dashboard.sandbox.api.sandbox_clock import CLOCK_PATH
from dashboard.sandbox.faults import Fault, Faults, error_answer

Observer = Callable[[requests.PreparedRequest, requests.Response], None]


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    return b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)


def read_timeout(timeout: Any) -> float | None:
    """The read part of whatever requests accepts as a timeout."""
    if isinstance(timeout, tuple):
        return timeout[1]
    if hasattr(timeout, "read_timeout"):
        return timeout.read_timeout
    return timeout


def _response(
    request: requests.PreparedRequest, status: str, headers: list[tuple[str, str]], content: bytes, adapter: BaseAdapter
) -> requests.Response:
    response = requests.Response()
    response.status_code = int(status.split(" ", 1)[0])
    response.reason = status.split(" ", 1)[1] if " " in status else ""
    response.headers = CaseInsensitiveDict(headers)
    response._content = content
    response._content_consumed = True  # type: ignore[attr-defined]  # requests' own flag, absent from its stubs
    message = http.client.HTTPMessage()
    for name, value in headers:
        message[name] = value
    raw = io.BytesIO(content)
    # requests reads cookies from raw._original_response.msg, as it would from urllib3.
    raw._original_response = SimpleNamespace(msg=message)  # type: ignore[attr-defined]
    response.raw = raw
    response.url = request.url or ""
    response.request = request
    response.connection = adapter  # type: ignore[assignment]  # the stubs name HTTPAdapter; any adapter serves
    response.encoding = get_encoding_from_headers(response.headers)
    extract_cookies_to_jar(response.cookies, request, raw)
    return response


class WsgiTransport(BaseAdapter):
    """Serves every request through `app`; `base_url`'s path (if any) becomes SCRIPT_NAME."""

    def __init__(self, app: Callable, base_url: str = "") -> None:
        super().__init__()
        self.app = app
        self.script_name = urlsplit(base_url).path.rstrip("/")

    def _app_path(self, request: requests.PreparedRequest) -> str:
        """The request's path below the mount point, still percent-encoded as it travelled."""
        path = urlsplit(request.url or "").path
        if self.script_name and path.startswith(self.script_name):
            return path[len(self.script_name) :] or "/"
        return path

    def path_info(self, request: requests.PreparedRequest) -> str:
        return unquote(self._app_path(request))

    def call_app(self, request: requests.PreparedRequest) -> requests.Response:
        parts = urlsplit(request.url or "")
        # The encoded path: EnvironBuilder decodes it into PATH_INFO itself, as a server would, and
        # a decoded `?` or `#` from a path segment must not be read as the start of a query.
        builder = EnvironBuilder(
            path=self._app_path(request),
            base_url=f"{parts.scheme}://{parts.netloc}{self.script_name}",
            query_string=parts.query,
            method=request.method or "GET",
            headers=list(request.headers.items()),
            data=_body_bytes(request.body),
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        return _response(request, status, list(headers.items()), content, self)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        return self.call_app(request)

    def close(self) -> None:
        """Nothing to release: there is no connection pool."""


class SandboxTransport(WsgiTransport):
    """The sandbox's adapter: applies the fault plan, then tells every observer about the exchange.

    A request timeout matters only through faults: `latency` longer than the read timeout,
    `timeout_before` and `timeout_after` raise ReadTimeout, `connection_reset` ConnectionError.
    """

    def __init__(self, app: Callable, base_url: str, faults: Faults, observers: Iterable[Observer]) -> None:
        super().__init__(app, base_url)
        self.faults = faults
        self.observers = observers  # read at every exchange, so observers added later are told too

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        if self.path_info(request).endswith(CLOCK_PATH):  # the sandbox's time, not an API call
            return self.call_app(request)
        fault = self.faults.draw(self.path_info(request))
        response = self._faulty(request, fault, read_timeout(timeout)) if fault else self.call_app(request)
        self._observe(request, response)
        return response

    def _faulty(self, request: requests.PreparedRequest, fault: Fault, timeout: float | None) -> requests.Response:
        if fault.kind == "connection_reset":
            raise requests.exceptions.ConnectionError("Connection reset by peer (sandbox fault)", request=request)
        if fault.kind == "timeout_before":
            raise requests.exceptions.ReadTimeout("Read timed out (sandbox fault, nothing done)", request=request)
        if fault.is_error_answer:
            status, headers, body = error_answer(fault)
            reason = http.client.responses.get(status, "")
            return _response(request, f"{status} {reason}", list(headers.items()), body, self)
        if fault.kind == "latency":
            seconds = fault.latency_ms / 1000
            if timeout is None or seconds <= timeout:
                time.sleep(seconds)
                return self.call_app(request)
            # Slower than the client waits: the client gives up, the server still finishes.
            time.sleep(timeout)
        response = self.call_app(request)  # timeout_after, or latency past the timeout: work done, answer lost
        raise requests.exceptions.ReadTimeout(
            f"Read timed out (sandbox fault, answered {response.status_code} too late)", request=request
        )

    def _observe(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        for observer in list(self.observers):
            observer(request, response)
