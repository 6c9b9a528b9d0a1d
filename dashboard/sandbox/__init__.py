"""The embedded Debitura sandbox: a faithful stand-in for Debitura's two APIs and hosted pages.

    sandbox = Sandbox(SandboxConfig(database_url="sqlite:///sandbox.db", auto_deliver=False))
    sandbox.create_schema()
    sandbox.mount(session)          # a requests.Session now reaches the sandbox in-process

Imports run one way (tests/sandbox/test_import_graph.py keeps it so): each line below builds only on
the lines under it and on the leaf modules (models, clock, wire, errors, validation, events, ...).
  composition  Sandbox, the composition root: builds the parts below and hands them out
  app          the Flask app factory, given config, store and the control panel's two actions
  pages/, api/ the hosted customer pages and control panel; the Referral and Customer APIs
  context      what views read from the app: config, store, the request's session
  transport, faults, delivery   in-process HTTP onto the app, the fault plan, webhook dispatch
  demo/, seed  the demo data, and the rows every sandbox starts with
  domain/      Debitura's behaviour, on a session
  store        the engine and its sessions; beneath it only the tables (models) and config
"""

from dashboard.sandbox.app import create_sandbox_app
from dashboard.sandbox.composition import Sandbox
from dashboard.sandbox.config import SandboxConfig, SandboxUrls
from dashboard.sandbox.transport import SandboxTransport, WsgiTransport

__all__ = ["Sandbox", "SandboxConfig", "SandboxTransport", "SandboxUrls", "WsgiTransport", "create_sandbox_app"]
