"""The answer to a live-refresh poll when nothing changed: empty, and never swapped by htmx."""

from flask import make_response, request


def poll_marker() -> str | None:
    """The change marker a polling page sent (`?since=`), or None for an ordinary request."""
    return request.args.get("since")


def unchanged():
    response = make_response("", 204)
    response.headers.add("Vary", "HX-Request")
    return response
