"""The Sandbox: the composition root that builds a simulated Debitura from its parts and hands them out.

It constructs, in order, the store (database), the fault plan on it, the webhook dispatcher (store
plus an HTTP session), the WSGI app (config, store, and the dispatcher and reset for the control
panel) and, on request, transports onto the app. Nothing below imports it; the few methods it has
beyond construction are the shortcuts tests and the dashboard use (sessions, clock, demo, delivery).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

import requests
from flask import Flask
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, demo, domain, seed
from dashboard.sandbox.app import create_sandbox_app
from dashboard.sandbox.config import SandboxConfig, SandboxUrls
from dashboard.sandbox.delivery import Dispatcher
from dashboard.sandbox.faults import FaultMiddleware, Faults
from dashboard.sandbox.store import Store
from dashboard.sandbox.transport import Observer, SandboxTransport


class Sandbox:
    """A simulated Debitura: its store, fault plan, webhook dispatcher, WSGI app and transports onto it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.urls = SandboxUrls(config.base_url)
        self.store = Store(config.database_url, self.urls)
        self.engine = self.store.engine
        self.faults = Faults(self.store)
        # Webhook deliveries go out through this session; a host app may mount an in-process adapter on it.
        self.dispatcher = Dispatcher(self.store, requests.Session())
        self.wsgi_app: Flask = create_sandbox_app(
            config, self.store, deliver=self.dispatcher.dispatch_due, reset=self.reset
        )
        # Told about every in-process exchange (the contract checker is one).
        self.observers: list[Observer] = []
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

    # --- demo data -----------------------------------------------------------------------------

    def load_demo(self) -> None:
        demo.load_demo(self.store)

    def ensure_demo(self) -> bool:
        """Load the demo data into an empty sandbox; True when it was loaded."""
        return demo.ensure_demo(self.store)

    def grow(self, tenants: int, cases: int) -> None:
        demo.grow(self.store, tenants, cases)

    # --- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        with self.session() as s:
            return clock.now(s)

    def advance_clock(self, seconds: int, *, run_jobs: bool = True) -> datetime:
        """Move sandbox time forward and, as the control panel does, run the hourly link-expiry job.

        `run_jobs=False` only moves time, to look at the moment between a TTL passing and the job.
        """
        with self.session() as s:
            now = clock.advance(s, seconds)
            if run_jobs:
                domain.expire_link_requests(s)
            return now

    # --- transports ----------------------------------------------------------------------------

    def transport(self) -> SandboxTransport:
        return SandboxTransport(self.wsgi_app, self.config.base_url, self.faults, self.observers)

    def mount(self, session: requests.Session) -> requests.Session:
        """Route `session`'s requests for this sandbox's URLs in-process."""
        session.mount(self.urls.base + "/", self.transport())
        return session

    @property
    def http_app(self) -> FaultMiddleware:
        """The WSGI app to serve over real HTTP: the sandbox app behind the fault middleware."""
        return FaultMiddleware(self.wsgi_app, self.faults, self.config.stall_seconds)

    @property
    def control_url(self) -> str:
        return self.urls.control + "/"

    # --- webhooks ------------------------------------------------------------------------------

    @property
    def delivery_session(self) -> requests.Session:
        """The HTTP session webhook deliveries go out through (replaceable, e.g. per test)."""
        return self.dispatcher.http

    @delivery_session.setter
    def delivery_session(self, session: requests.Session) -> None:
        self.dispatcher.http = session

    def dispatch_pending(self, now: datetime | None = None) -> int:
        """Deliver every webhook that is due (at `now`, default sandbox now); returns how many were attempted."""
        return self.dispatcher.dispatch_due(now)

    def start_delivery(self) -> None:
        """Deliver due webhooks from a background thread (what auto_deliver switches on); safe to call often."""
        self.dispatcher.start()

    def close(self) -> None:
        """Stop the delivery thread and release database connections."""
        self.dispatcher.stop()
        self.store.close()
