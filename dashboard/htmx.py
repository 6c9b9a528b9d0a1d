"""Page or fragment: the one helper views use to answer htmx and plain requests alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, get_flashed_messages, make_response, redirect, render_template, request, session
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """An htmx swap asks for a fragment; boosted and history-restore requests need the page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | Mapping[str, str] | None = None, *, status: int = 200,
           trigger: str | None = None, push_url: str | None = None, **context):
    """Render `template`, or only one of its blocks for an htmx request.

    `block` is a block name, or a mapping from htmx target id to block name when the
    page has several swappable regions (chosen by HX-Target, never by trigger id).
    """
    block_name = None
    if block is not None and wants_fragment():
        block_name = block if isinstance(block, str) else block.get(request.headers.get("HX-Target", ""))
    body = render_block(template, block_name, **context) if block_name else render_template(template, **context)
    response = make_response(body, status)
    response.headers.add("Vary", "HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = trigger
    if push_url:
        response.headers["HX-Push-Url"] = push_url
    return response


def navigate(url: str):
    """After a successful change, open `url` as a full page: a 303 for plain forms, HX-Redirect for htmx.

    The htmx answer is plain text so the out-of-band flash hook leaves pending messages alone:
    htmx swaps nothing before it navigates, and the next page shows them.
    """
    if wants_fragment():
        response = make_response("", 200, {"HX-Redirect": url})
        response.mimetype = "text/plain"
        response.headers.add("Vary", "HX-Request")
        return response
    return redirect(url, 303)


def unchanged_since(current_marker: Callable[[], str]):
    """For a live-refresh poll (`?since=<marker>`) of a page that has not changed: an empty 204, which
    htmx never swaps. None when the page must be rendered (an ordinary request, or something changed)."""
    since = request.args.get("since")
    if since is None or since != current_marker():
        return None
    response = make_response("", 204)
    response.headers.add("Vary", "HX-Request")
    return response


def register_oob_flash(app: Flask) -> None:
    """Append pending flash messages, and the outage banner as it stands now, out-of-band to htmx HTML answers.

    The banner rides on every fragment a signed-in operator receives, so it appears on the page in use
    as soon as a call fails and goes away with the first answer after Debitura is back, without a reload.
    """

    @app.after_request
    def append_out_of_band(response):
        htmx = getattr(request, "htmx", None)
        if (
            not htmx
            or htmx.history_restore_request
            or response.mimetype != "text/html"
            or response.direct_passthrough
            or response.status_code == 204  # an unchanged poll: no body, and no query to answer it
        ):
            return response
        extra = ""
        if response.status_code < 300 and session.get("_flashes"):
            extra += render_template("_flash.html", oob=True)
        if (response.status_code < 300 or response.status_code == 422) and _signed_in():
            extra += render_template("_outage_banner.html", oob=True)
        if extra:
            response.set_data(response.get_data() + extra.encode())
        return response

    app.jinja_env.globals["pending_flashes"] = lambda: get_flashed_messages(with_categories=True)


def _signed_in() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))
