"""The embedded Debitura sandbox: a faithful stand-in for Debitura's two APIs and hosted pages.

    sandbox = Sandbox(SandboxConfig(database_url="sqlite:///sandbox.db", auto_deliver=False))
    sandbox.create_schema()
    sandbox.mount(session)          # a requests.Session now reaches the sandbox in-process

See composition.Sandbox for the rest (clock, faults, webhooks, demo data).
"""

from dashboard.sandbox.app import create_sandbox_app
from dashboard.sandbox.composition import Sandbox
from dashboard.sandbox.config import SandboxConfig, SandboxUrls
from dashboard.sandbox.transport import SandboxTransport, WsgiTransport

__all__ = ["Sandbox", "SandboxConfig", "SandboxTransport", "SandboxUrls", "WsgiTransport", "create_sandbox_app"]
