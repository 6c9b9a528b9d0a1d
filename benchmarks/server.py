"""Serve the dashboard with gunicorn in a subprocess on a free loopback port, and always stop it.

The server runs in its own process group, so stopping it ends the master and every worker it
forked, and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerFailed(RuntimeError):
    """gunicorn did not come up; the message carries the end of its log."""


class Gunicorn:
    """`with Gunicorn(env, workers=4) as server:` serves `server.url` until the block ends."""

    def __init__(self, env: Mapping[str, str], *, workers: int = 4, threads: int = 4,
                 app: str = "benchmarks.wsgi_app:app", port: int | None = None) -> None:
        self.env = dict(env)
        self.workers = workers
        self.threads = threads
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
            "--graceful-timeout", "5", "--timeout", "120",
            self.app,
        ]
        environment = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        self._process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self.log_tail()
                code = self._process.returncode
                self.stop()
                raise ServerFailed(f"gunicorn exited with {code}:\n{tail}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        tail = self.log_tail()
        self.stop()
        raise ServerFailed(f"gunicorn did not answer within {START_TIMEOUT:.0f} s:\n{tail}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    @staticmethod
    def _signal(process: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(process.pid, sig)  # the group this server was started in: its master and workers only
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's own log (kept until the server is stopped)."""
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])
