"""One place that turns failures into something an operator can read and act on.

The contract is the same for htmx and plain requests: a specific message (what happened, whether
anything changed, what to do next) in the page's alert region, and nothing the operator typed is lost.

- A plain request gets an error page with the message on top (the form views that can keep the
  input re-render their form themselves, see `dashboard.errors.forms`).
- An htmx request gets a 200 that swaps nothing (`HX-Reswap: none`), so the form and what was typed
  stay where they are; the message and the outage banner arrive out of band (`dashboard.htmx`).
- A request whose sign-in has ended goes to the sign-in page as a whole page, never into a region,
  and comes back to the page the operator was on.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError, generate_csrf

from dashboard.authz import NotAllowed
from dashboard.debitura.errors import DebituraError, NotFound
from dashboard.errors.messages import debitura_message
from dashboard.extensions import db, login_manager
from dashboard.htmx import htmx_headers, is_htmx
from dashboard.services.errors import NotFound as RecordNotFound
from dashboard.services.errors import Refused

# The event the page listens for to put a fresh CSRF token on its forms (static/js/app.js).
CSRF_RENEWED_EVENT = "csrf-renewed"

NOT_ALLOWED = "Your role does not allow that action. Nothing was changed; ask an admin if you need it done."
NOT_FOUND = "That record no longer exists here (it may have been removed); nothing was changed. Reload the page."
BAD_REQUEST = "The request was incomplete, so nothing was changed. Reload the page and try again."
INTERNAL = (
    "Something went wrong on our side; nothing was sent twice. Try again; if it keeps happening, "
    "tell an admin the time it happened."
)
FORM_EXPIRED = "The form had expired, so nothing was sent."
SIGNED_OUT = "Your sign-in has ended, so nothing was sent. Sign in again, then repeat what you did."


def size_text(size: int) -> str:
    """`25 MB`, `64 KB`."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(size // 1024, 1)} KB"


def too_large_message() -> str:
    """What a 413 says: Debitura's 25 MB file limit, or this server's own limit when that is lower."""
    from dashboard.services.uploads import MAX_BYTES

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or MAX_BYTES
    who = "Debitura" if limit >= MAX_BYTES else "this server"
    return (
        f"That upload is larger than {size_text(min(limit, MAX_BYTES))}, the most {who} accepts; "
        "nothing was sent. Choose a smaller file or split it."
    )


def _page_for(error: DebituraError) -> tuple[str, int]:
    """The page and status for a Debitura failure: a missing record is a 404, a refusal of what was
    asked a 422; only an outage (or our own credentials) is Debitura being unavailable, a 502."""
    if isinstance(error, NotFound):
        return "errors/404.html", 404
    status = error.http_status or 0
    if 400 <= status < 500 and status not in (401, 403, 429):
        return "errors/partner_refused.html", 422
    return "errors/partner_unavailable.html", 502


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(template: str, status: int, message: str | None = None, *, retry: bool = False, extra: dict | None = None):
    """The error answer: `message` flashed, then the page, or for htmx a swap of nothing at all.

    htmx swaps no 4xx/5xx, so its answer is a 200 that keeps the page as it is (the form and what was
    typed stay); the out-of-band hook in dashboard.htmx adds the message and the outage banner.
    A script that asked for JSON gets `{ok: false, message, retry}` with the real status.
    """
    if _wants_json():  # the upload script: it shows `message` beside the file field
        answer = {"ok": False, "message": message or BAD_REQUEST, "retry": retry}
        if extra:
            answer.update(extra)
        return jsonify(answer), status
    if message:
        flash(message, "error")
    if is_htmx():
        response = make_response("", 200)
        response.mimetype = "text/html"
        response.headers["HX-Reswap"] = "none"
        response.headers.add("Vary", "HX-Request")
        return response
    return render_template(template), status


def page_the_operator_is_on() -> str:
    """The path of the page in the browser: for htmx the page that sent the request, not the fragment's URL."""
    shown = htmx_headers().current_url if is_htmx() else None
    if shown:
        parts = urlsplit(shown)
        if parts.netloc == request.host and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method == "GET" and not is_htmx():
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.home")


def to_sign_in(message: str | None = None):
    """Send a request whose sign-in has ended to the sign-in page, as a whole page, back to where it was."""
    if message:
        flash(message, "info")
    target = login_url(login_manager.login_view, next_url=page_the_operator_is_on())
    if is_htmx():
        response = make_response("", 401)
        response.mimetype = "text/plain"  # nothing to swap, so a pending message waits for the sign-in page
        response.headers["HX-Redirect"] = target
        response.headers.add("Vary", "HX-Request")
        return response
    return redirect(target)


def _signed_in() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


def register(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def sign_in_required():
        from dashboard.auth.signing_in import ended_message

        return to_sign_in(ended_message())

    @app.errorhandler(DebituraError)
    def debitura_failed(error: DebituraError):
        db.session.rollback()
        app.logger.warning("Debitura call failed: %r", error)
        template, status = _page_for(error)
        return _answer(template, status, debitura_message(error), retry=status == 502)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        if not _signed_in() and request.endpoint != "auth.login":
            return to_sign_in(SIGNED_OUT)
        renewed = f"{FORM_EXPIRED} It is renewed now: press the button again (what you typed is kept)."
        if _wants_json():
            return _answer("errors/400.html", 400, renewed, retry=True, extra={"csrf_token": generate_csrf()})
        if not is_htmx():
            return _answer("errors/400.html", 400, f"{FORM_EXPIRED} Go back, reload the page and try again.")
        # The page stays as it is; it takes a fresh token so pressing the button again just works.
        response = _answer("errors/400.html", 400, renewed)
        response.headers["HX-Trigger"] = json.dumps({CSRF_RENEWED_EVENT: {"token": generate_csrf()}})
        return response

    @app.errorhandler(400)
    def bad_request(error):
        return _answer("errors/400.html", 400, BAD_REQUEST)

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        return _answer("errors/403.html", 403, NOT_ALLOWED)

    @app.errorhandler(403)
    def forbidden(error):
        return _answer("errors/403.html", 403, NOT_ALLOWED)

    @app.errorhandler(404)
    def not_found(error):
        if is_htmx() or _wants_json():
            return _answer("errors/404.html", 404, NOT_FOUND)
        return render_template("errors/404.html"), 404

    @app.errorhandler(RecordNotFound)
    def record_not_found(error: RecordNotFound):
        """A service found no such record: the same answer as any missing page."""
        db.session.rollback()
        return not_found(error)

    @app.errorhandler(Refused)
    def refused(error: Refused):
        """A service refused what was asked and said why; views that can keep the form catch it first."""
        db.session.rollback()
        return _answer("errors/400.html", 422, str(error))

    @app.errorhandler(405)
    def method_not_allowed(error):
        if is_htmx():
            return _answer("errors/404.html", 405, BAD_REQUEST)
        return render_template("errors/404.html"), 405

    @app.errorhandler(413)
    def too_large(error):
        return _answer("errors/400.html", 413, too_large_message())

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return _answer("errors/500.html", 500, INTERNAL if is_htmx() or _wants_json() else None, retry=True)
