"""One place that turns failures into pages an operator can act on."""

from __future__ import annotations

from flask import Flask, flash, make_response, render_template, request
from flask_wtf.csrf import CSRFError

from dashboard.debitura.errors import (
    AuthenticationError,
    DebituraConnectionError,
    DebituraError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
)
from dashboard.authz import NotAllowed
from dashboard.extensions import db


def debitura_message(error: DebituraError) -> str:
    """Plain-language text for a Debitura failure the view could not fix itself."""
    if isinstance(error, (DebituraConnectionError, ServerError, RateLimited)):
        return "Debitura is not responding; nothing was changed. Try again shortly."
    if isinstance(error, (AuthenticationError, PermissionDenied)):
        return "Debitura rejected the dashboard's credentials; contact your administrator."
    return error.user_message or "Debitura refused the request."


def _page_for(error: DebituraError) -> tuple[str, int]:
    """The page and status for a Debitura failure: a missing record is a 404, a refusal of what was
    asked a 422; only an outage (or our own credentials) is Debitura being unavailable, a 502."""
    if isinstance(error, NotFound):
        return "errors/404.html", 404
    status = error.http_status or 0
    if 400 <= status < 500 and status not in (401, 403, 429):
        return "errors/partner_refused.html", 422
    return "errors/partner_unavailable.html", 502


def _error_page(template: str, status: int):
    # Any htmx request, boosted ones too: htmx swaps no 4xx/5xx, so the out-of-band flash is the message.
    if getattr(request, "htmx", None):
        response = make_response(render_template("_flash.html"), 200)
        response.headers["HX-Reswap"] = "none"
        return response
    return render_template(template), status


def register(app: Flask) -> None:
    @app.errorhandler(DebituraError)
    def debitura_failed(error: DebituraError):
        db.session.rollback()
        app.logger.warning("Debitura call failed: %r", error)
        flash(debitura_message(error), "error")
        return _error_page(*_page_for(error))

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        flash("The form had expired; reload the page and try again. Nothing was changed.", "error")
        return _error_page("errors/400.html", 400)

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page("errors/400.html", 400)

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        flash("Your role does not allow that action.", "error")
        return _error_page("errors/403.html", 403)

    @app.errorhandler(403)
    def forbidden(error):
        flash("Your role does not allow that action.", "error")
        return _error_page("errors/403.html", 403)

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template("errors/404.html"), 405

    @app.errorhandler(413)
    def too_large(error):
        flash("That upload is larger than 25 MB, the most Debitura accepts.", "error")
        return _error_page("errors/400.html", 413)

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500
