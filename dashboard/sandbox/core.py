"""The Sandbox object the dashboard and the tests hold, and the Flask app it serves."""

from __future__ import annotations

import importlib.util
import logging
import threading
from contextlib import AbstractContextManager
from datetime import datetime

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, seed
from dashboard.sandbox.app import create_sandbox_app
from dashboard.sandbox.config import SandboxConfig, SandboxUrls
from dashboard.sandbox.faults import FaultMiddleware, Faults
from dashboard.sandbox.models import ClientLink
from dashboard.sandbox.store import Store
from dashboard.sandbox.transport import Observer, SandboxTransport

log = logging.getLogger(__name__)
DELIVERY_POLL_SECONDS = 0.5


class Sandbox:
    """A simulated Debitura: its database, its WSGI app, transports onto it and its clock."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.urls = SandboxUrls(config.base_url)
        self.store = Store(config.database_url, self.urls)
        self.engine = self.store.engine
        self.observers: list[Observer] = []
        # Webhook deliveries go out through this session; a host app may mount an in-process adapter on it.
        self.delivery_session = requests.Session()
        self.faults = Faults(self)
        self.wsgi_app = create_sandbox_app(self.config, self.store, deliver=self.dispatch_pending, reset=self.reset)
        self._stop = threading.Event()
        self._delivery_lock = threading.Lock()  # the host app may start delivery from concurrent requests
        self._delivery_thread: threading.Thread | None = None
        if config.auto_deliver:
            self.start_delivery()

    # --- database ------------------------------------------------------------------------------

    def new_session(self) -> Session:
        return self.store.new_session()

    def session(self) -> AbstractContextManager[Session]:
        """A unit of work on the sandbox database (see Store.session)."""
        return self.store.session()

    def create_schema(self) -> None:
        """Create the tables and the rows every sandbox needs (state, partner); safe to repeat."""
        seed.create_schema(self.store, self.config)

    def reset(self) -> None:
        """Start over: drop every sandbox table, recreate them and load the demo data."""
        self.store.drop_tables()
        self.create_schema()
        self.load_demo()

    # --- demo data (dashboard/sandbox/demo.py) -------------------------------------------------

    def load_demo(self) -> None:
        from dashboard.sandbox import demo

        demo.load_demo(self)

    def ensure_demo(self) -> bool:
        """Load the demo data into an empty sandbox; True when it was loaded."""
        with self.session() as s:
            if s.scalars(select(ClientLink.id)).first() is not None:
                return False
        self.load_demo()
        return True

    def grow(self, tenants: int, cases: int) -> None:
        from dashboard.sandbox import demo

        demo.grow(self, tenants, cases)

    # --- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        with self.session() as s:
            return clock.now(s)

    def advance_clock(self, seconds: int, *, run_jobs: bool = True) -> datetime:
        """Move sandbox time forward and, as the control panel does, run the hourly link-expiry job.

        `run_jobs=False` only moves time, to look at the moment between a TTL passing and the job.
        """
        from dashboard.sandbox import domain

        with self.session() as s:
            now = clock.advance(s, seconds)
            if run_jobs:
                domain.expire_link_requests(s)
            return now

    # --- transports ----------------------------------------------------------------------------

    def transport(self) -> SandboxTransport:
        return SandboxTransport(self)

    def mount(self, session: requests.Session) -> requests.Session:
        """Route `session`'s requests for this sandbox's URLs in-process."""
        session.mount(self.urls.base + "/", self.transport())
        return session

    @property
    def http_app(self) -> FaultMiddleware:
        """The WSGI app to serve over real HTTP: the sandbox app behind the fault middleware."""
        return FaultMiddleware(self, self.wsgi_app)

    @property
    def control_url(self) -> str:
        return self.urls.control + "/"

    # --- webhooks (dashboard/sandbox/delivery.py) ----------------------------------------------

    def dispatch_pending(self) -> int:
        """Deliver every webhook that is due now, synchronously; returns how many were attempted."""
        from dashboard.sandbox import delivery

        return delivery.dispatch_due(self)

    def start_delivery(self) -> None:
        """Deliver due webhooks from a background thread (what auto_deliver switches on); safe to call often."""
        with self._delivery_lock:
            if self._delivery_thread is not None:
                return
            if importlib.util.find_spec("dashboard.sandbox.delivery") is None:
                log.warning("Sandbox webhook delivery is not available; events stay in the outbox.")
                return
            self._stop.clear()
            self._delivery_thread = threading.Thread(
                target=self._deliver_forever, name="sandbox-webhooks", daemon=True
            )
            self._delivery_thread.start()

    def _deliver_forever(self) -> None:
        while not self._stop.wait(DELIVERY_POLL_SECONDS):
            try:
                self.dispatch_pending()
            except Exception:  # keep delivering after one bad round; the error is in the log
                log.exception("Sandbox webhook delivery round failed")

    def close(self) -> None:
        """Stop the delivery thread and release database connections."""
        self._stop.set()
        if self._delivery_thread is not None:
            self._delivery_thread.join(timeout=5)
            self._delivery_thread = None
        self.delivery_session.close()
        self.store.close()
