"""A real HTTP server for an app, on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import itertools
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

# Under pytest-xdist each worker picks ports from a block of its own, below the kernel's ephemeral
# range (where port 0 and outgoing connections land): a port one worker found free and is about to
# serve on is never handed to another worker in between.
FIRST_WORKER_PORT = 20000
PORTS_PER_WORKER = 500
WORKER_BLOCKS = 25
_tries = itertools.count()


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on `host` now, for a server about to start there."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under xdist
    if not worker.startswith("gw"):
        with socket.socket() as probe:
            probe.bind((host, 0))
            return probe.getsockname()[1]
    first = FIRST_WORKER_PORT + int(worker[2:]) % WORKER_BLOCKS * PORTS_PER_WORKER
    for _ in range(PORTS_PER_WORKER):
        port = first + next(_tries) % PORTS_PER_WORKER
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:  # in use, or lingering after a server that just stopped
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{first + PORTS_PER_WORKER - 1} for worker {worker}")


@contextmanager
def served(app) -> Iterator[str]:
    """Serve `app` with Werkzeug's threaded server; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
