"""Debitura calls never follow a redirect: the partner's API key must not travel to another host."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dashboard import create_app
from tests.conftest import make_config, prepare_databases, OperatorActions

API_KEY = "live-partner-key-must-stay-home"


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen = []  # (path, headers) of every request received
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def recording(status: int, extra_headers: dict[str, str] | None = None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            self.server.seen.append((self.path, dict(self.headers)))
            body = b'{"companyName": "Elsewhere"}'
            self.send_response(status)
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            """Keep the test output free of http.server's access lines."""

    return Handler


def test_a_redirect_from_debitura_is_not_followed_and_the_admin_is_told(database_url, tmp_path):
    with serving(recording(200)) as elsewhere:
        target = f"http://127.0.0.1:{elsewhere.server_port}/me"
        with serving(recording(302, {"Location": target})) as debitura:
            base = f"http://127.0.0.1:{debitura.server_port}"
            app = create_app(make_config(
                database_url, tmp_path, DEBITURA_ENV="test", DEBITURA_API_KEY=API_KEY,
                DEBITURA_REFERRAL_API_URL=base, DEBITURA_CUSTOMER_API_URL=base, DEBITURA_UI_URL=base,
            ))
            prepare_databases(app)
            client = app.test_client()
            OperatorActions(app, client).login("admin")

            page = client.get("/admin/connection/check")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "redirect, which the dashboard never follows" in text
    assert [path for path, _ in debitura.seen] == ["/me"]
    assert debitura.seen[0][1].get("XApiKey") == API_KEY
    assert elsewhere.seen == []
    assert API_KEY not in text
