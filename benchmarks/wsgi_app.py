"""`gunicorn benchmarks.wsgi_app:app`: the dashboard built from environment variables, for load runs.

Like wsgi.py, plus one optional hook: with BENCH_EXCHANGE_LOG set, every call the embedded
sandbox serves is appended to that file as "METHOD path status", so a run can count Debitura
calls made by all workers together (one short line per write, so appends from several
processes never interleave).
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


app = create_app()
if os.environ.get("BENCH_EXCHANGE_LOG"):
    _log_exchanges(app, os.environ["BENCH_EXCHANGE_LOG"])
