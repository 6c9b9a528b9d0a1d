"""The cross-site request guard shared by the hosted pages and the control panel (neither takes a CSRF token)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request


def require_same_origin() -> None:
    """Refuse a POST whose Origin (or, lacking it, Referer) names another host.

    These pages take no CSRF token (sandbox only), so this is their cross-site request guard:
    browsers always send Origin on cross-origin POSTs, so a forged form from another site is
    refused. Clients that send neither header (test clients, curl) are not browsers acting for
    a signed-in user and pass. "null" origins (sandboxed frames, privacy redirects) are refused.
    """
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower():
        abort(403, description="Cross-origin form submissions are not accepted.")


def refuse_cross_origin_posts() -> None:
    """A blueprint's `before_request` hook: every POST passes `require_same_origin`."""
    if request.method == "POST":
        require_same_origin()
