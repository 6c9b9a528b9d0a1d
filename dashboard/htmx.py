"""Page or fragment: the one helper views use to answer htmx and plain requests alike.

The region contract (templates follow it, tests/integration/test_htmx_regions.py checks it):
- a swappable region is a named block whose first element is the region's wrapper, with the block's
  name as its id in kebab case (`{% block case_results %}<div id="case-results" …>`);
- the wrapper carries `hx-target="this" hx-swap="outerHTML"` (and `hx-push-url="true"` when its links
  navigate), so the links, forms and polls inside inherit them instead of repeating them;
- `render(template, block=…)` answers an htmx swap with exactly that block, everything else with the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, get_flashed_messages, make_response, redirect, render_template, request, session, url_for
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class HtmxHeaders:
    """What htmx says about a request (htmx.org/reference/#request_headers), for the headers this dashboard reads."""

    request: bool = False  # HX-Request: sent by htmx at all
    boosted: bool = False  # HX-Boosted: a boosted link or form, which wants the whole page
    history_restore: bool = False  # HX-History-Restore-Request: a history miss, which wants the whole page
    target: str | None = None  # HX-Target: the id of the element the answer will replace
    current_url: str | None = None  # HX-Current-URL: the page the browser shows

    @classmethod
    def of(cls, headers: Headers) -> HtmxHeaders:
        def flag(name: str) -> bool:
            return headers.get(name, "").strip().lower() == "true"

        return cls(
            request=flag("HX-Request"),
            boosted=flag("HX-Boosted"),
            history_restore=flag("HX-History-Restore-Request"),
            target=headers.get("HX-Target") or None,
            current_url=headers.get("HX-Current-URL") or None,
        )


def htmx_headers() -> HtmxHeaders:
    """The htmx headers of the request being answered."""
    return HtmxHeaders.of(request.headers)


def is_htmx() -> bool:
    """Sent by htmx (a swap, a boosted link or a history restore), not by a plain page load or form."""
    return htmx_headers().request


def _wants_fragment() -> bool:
    """An htmx swap asks for a fragment; boosted and history-restore requests need the page."""
    headers = htmx_headers()
    return headers.request and not headers.boosted and not headers.history_restore


def region_id(block: str) -> str:
    """The id of the wrapper of region `block`: `case_results` is `case-results`."""
    return block.replace("_", "-")


def _chosen_block(block: str | Iterable[str] | None) -> str | None:
    if block is None or not _wants_fragment():
        return None
    if isinstance(block, str):
        return block
    # Several regions on one page: the one htmx will replace (HX-Target), never the element that asked.
    target = htmx_headers().target
    return next((name for name in block if region_id(name) == target), None)


def render(
    template: str,
    block: str | Iterable[str] | None = None,
    *,
    status: int = 200,
    trigger: str | None = None,
    push_url: str | None = None,
    redirect_plain: str | None = None,
    **context,
):
    """Render `template`, or only its region `block` for an htmx swap; always with `Vary: HX-Request`.

    `block` is a block name, or several when the page has several regions (chosen by HX-Target).
    `redirect_plain` is for answers that only htmx swaps in (a change's updated region): a plain
    form gets a 303 to that page instead (Post/Redirect/Get).
    """
    block_name = _chosen_block(block)
    if redirect_plain is not None and not _wants_fragment():
        response = redirect(redirect_plain, 303)
    elif block_name:
        response = make_response(render_block(template, block_name, **context), status)
    else:
        response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = trigger
    if push_url:
        response.headers["HX-Push-Url"] = push_url
    return response


def fragment_only(endpoint: str):
    """For a URL only htmx asks for (a row's lookup): a plain request opens `endpoint`'s page instead,
    with the same URL arguments, before the view does any work."""

    def decorate(view: Callable):
        @wraps(view)
        def answer(**values):
            if not _wants_fragment():
                response = redirect(url_for(endpoint, **values), 303)
                response.headers.add("Vary", "HX-Request")
                return response
            return view(**values)

        return answer

    return decorate


def navigate(url: str):
    """After a successful change, open `url` as a full page: a 303 for plain forms, HX-Redirect for htmx.

    The htmx answer is plain text so the out-of-band flash hook leaves pending messages alone:
    htmx swaps nothing before it navigates, and the next page shows them.
    """
    if _wants_fragment():
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
        headers = htmx_headers()
        if (
            not headers.request
            or headers.history_restore
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
