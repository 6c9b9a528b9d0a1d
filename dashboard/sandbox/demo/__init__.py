"""Demo data: a partner's first year with Debitura, the same every time it is loaded.

About 60 tenants cover every onboarding and link state the dashboard must show (`tenants`), about
400 cases cover every lifecycle and close code (`cases`), and a year of revenue transactions fills
the seven revenue stages (`revenue`). Everything comes from a fixed seed; dates are offsets from
the sandbox clock at load time, so "3 hours left to approve" stays true whenever the demo is
loaded. Loading fires no webhook (`load`): this is the world as it was before the dashboard
connected.

Also here: the payloads that only ever get a 409 answer (`conflicts`), bulk growth for volume tests
(`volume`), and, separate from loading, replaying the link-request webhooks for a host that
subscribed after the demo was loaded (`announce`).
"""

from dashboard.sandbox.demo.announce import announce_link_requests
from dashboard.sandbox.demo.conflicts import DEMO_CONFLICT_PAYLOADS, DEMO_CONFLICT_TYPES
from dashboard.sandbox.demo.load import build_demo, clear, ensure_demo, load_demo
from dashboard.sandbox.demo.tenants import DEMO_SDCA_VERSION, DemoTenant, demo_tenants
from dashboard.sandbox.demo.volume import grow

__all__ = [
    "DEMO_CONFLICT_PAYLOADS",
    "DEMO_CONFLICT_TYPES",
    "DEMO_SDCA_VERSION",
    "DemoTenant",
    "announce_link_requests",
    "build_demo",
    "clear",
    "demo_tenants",
    "ensure_demo",
    "grow",
    "load_demo",
]
