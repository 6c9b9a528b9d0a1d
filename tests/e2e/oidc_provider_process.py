"""A real OpenID Connect provider (oidc-provider-mock) on a free loopback port, run as its own process.

It signs RS256 ID tokens, publishes discovery and JWKS, requires registered clients and a nonce.
It prints its port once it listens and stops when its standard input closes, so it never outlives
the test run that started it, even one that was killed.
"""

import os
import sys
import threading

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback only

import oidc_provider_mock  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


def main() -> None:
    app = oidc_provider_mock.app(require_client_registration=True, require_nonce=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
