"""`gunicorn benchmarks.wsgi_app:app`: the dashboard built from environment variables, for load runs.

Like wsgi.py, plus two optional hooks, each appending one short line per event to a file
(short appends from several worker processes never interleave):
- BENCH_EXCHANGE_LOG: every call the embedded sandbox serves, as "METHOD path status", so a
  run counts the Debitura calls all workers made together;
- BENCH_TIMING_LOG: the time each request spent inside the app, in seconds, so a run can tell
  server time from time spent queueing.
"""

from __future__ import annotations

import os

from dashboard import create_app


def _log_exchanges(app, path: str) -> None:
    from urllib.parse import urlsplit

    def observe(request, response) -> None:
        line = f"{request.method} {urlsplit(request.url).path} {response.status_code}\n"
        with open(path, "a", encoding="utf-8") as log:
            log.write(line)

    app.extensions["sandbox"].observers.append(observe)


def _log_timings(app, path: str) -> None:
    import time

    inner = app.wsgi_app

    def timed(environ, start_response):
        started = time.perf_counter()
        try:
            return list(inner(environ, start_response))  # the body is produced inside the timing
        finally:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{time.perf_counter() - started:.6f}\n")

    app.wsgi_app = timed


app = create_app()
if os.environ.get("BENCH_EXCHANGE_LOG"):
    _log_exchanges(app, os.environ["BENCH_EXCHANGE_LOG"])
if os.environ.get("BENCH_TIMING_LOG"):
    _log_timings(app, os.environ["BENCH_TIMING_LOG"])
