"""Serve the Debitura sandbox on its own: `python -m dashboard.sandbox --host 127.0.0.1 --port 5001`.

Both APIs, the hosted pages and the control panel answer at http://HOST:PORT. State lives in
`instance/sandbox.db` (or `SANDBOX_DATABASE_URL`) and survives restarts; the schema and the demo
data are created on the first start, and `--reset` (or the control panel) starts over. Calls must
carry `DEBITURA_API_KEY` (default `sandbox-key`), the same variable the dashboard sends its calls with.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from dashboard.sandbox.composition import Sandbox
from dashboard.sandbox.config import SandboxConfig

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE = REPOSITORY / "instance" / "sandbox.db"
DEFAULT_API_KEY = SandboxConfig.api_key


def database_url() -> str:
    """`SANDBOX_DATABASE_URL`, else a SQLite file in the repository's instance folder (created if needed)."""
    configured = os.environ.get("SANDBOX_DATABASE_URL")
    if configured:
        return configured
    DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DATABASE}"


def auto_deliver_setting() -> bool:
    """`SANDBOX_AUTO_DELIVER`: 1 (the default) or 0, read as strictly as the dashboard reads it."""
    raw = os.environ.get("SANDBOX_AUTO_DELIVER", "").strip().lower()
    if raw in ("", "1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"SANDBOX_AUTO_DELIVER must be 1 (deliver webhooks) or 0 (do not); got {raw!r}.")


def api_key() -> str:
    """`DEBITURA_API_KEY` when set, else the sandbox's default key, as in the embedded sandbox."""
    return os.environ.get("DEBITURA_API_KEY", "").strip() or DEFAULT_API_KEY


def standalone_sandbox(
    host: str, port: int, *, database: str | None = None, reset: bool = False, auto_deliver: bool | None = None
) -> Sandbox:
    """A sandbox that hands out URLs on http://host:port, with its schema and (first time) the demo data.

    Webhooks go out from a background thread unless `auto_deliver` (default: `SANDBOX_AUTO_DELIVER`
    is not "0") says otherwise.
    """
    if auto_deliver is None:
        auto_deliver = auto_deliver_setting()
    sandbox = Sandbox(
        SandboxConfig(
            database_url=database or database_url(),
            api_key=api_key(),
            public_url=f"http://{host}:{port}",
            mount_prefix="",
            auto_deliver=auto_deliver,
        )
    )
    if reset:
        sandbox.reset()
    else:
        sandbox.create_schema()
        sandbox.ensure_demo()
    return sandbox


def serve(sandbox: Sandbox, host: str, port: int) -> BaseWSGIServer:
    """A threaded werkzeug server for the sandbox (behind its fault middleware); call serve_forever()."""
    return make_server(host, port, sandbox.http_app, threaded=True)


class BackgroundServer:
    """The sandbox served over real HTTP from a daemon thread, for tests and local tools."""

    def __init__(self, sandbox: Sandbox, host: str, port: int) -> None:
        self.url = f"http://{host}:{port}"
        self._server = serve(sandbox, host, port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--reset", action="store_true", help="drop all sandbox data and load the demo data again")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    try:
        sandbox = standalone_sandbox(args.host, args.port, reset=args.reset)
    except ValueError as error:
        parser.error(str(error))
    server = serve(sandbox, args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    key = "the default key sandbox-key" if api_key() == DEFAULT_API_KEY else "the key in DEBITURA_API_KEY"
    print(f"Debitura sandbox listening on {base} (control panel: {base}/control/); calls need {key}", flush=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
