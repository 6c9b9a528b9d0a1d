"""The client's real address and scheme behind TRUSTED_PROXY_HOPS load balancers or reverse proxies.

Only the last `hops` values of X-Forwarded-For / X-Forwarded-Proto are believed, the ones our own
proxies appended, so a client cannot choose its address by sending extra values. The Host
header is left alone: the balancer passes it through, and X-Forwarded-Host is not trusted.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def register(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXY_HOPS", 0))
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap its WSGI app
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )
