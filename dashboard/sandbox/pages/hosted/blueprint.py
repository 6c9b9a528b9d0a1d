"""The hosted pages' blueprint and what every page has: the partner's branding, the way back to the
partner's app, the pages shown when a link cannot be used, and the cross-origin POST guard."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, redirect, render_template

from dashboard.sandbox import domain
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import LinkRequestUnavailable, StepNotAvailable
from dashboard.sandbox.pages.hosted.flow import return_url_arg
from dashboard.sandbox.pages.origin import refuse_cross_origin_posts

# Templates and static files live at the top of the sandbox package, shared with the control panel.
SANDBOX_PACKAGE = Path(__file__).resolve().parents[2]
bp = Blueprint(
    "sandbox_ui",
    __name__,
    root_path=str(SANDBOX_PACKAGE),
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
bp.before_request(refuse_cross_origin_posts)

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{3,8}$")
SAFE_FONT = re.compile(r"^[\w\s,'\-]{1,100}$")
# A request already decided answers 409 "already used", also to the loser of two concurrent clicks.
UNAVAILABLE_STATUS = {"used": 409, "declined": 409, "expired": 410, "unknown": 404}


@bp.errorhandler(StepNotAvailable)
def _step_not_available(error: StepNotAvailable):
    page = render_template("sandbox/unavailable.html", title="This page is no longer available", message=str(error))
    return page, 409


@bp.errorhandler(LinkRequestUnavailable)
def _link_request_unavailable(error: LinkRequestUnavailable):
    titles = {
        "used": "This link has already been used",
        "declined": "This link request was declined",
        "expired": "This link has expired",
        "unknown": "This link is not valid",
    }
    return (
        render_template("sandbox/unavailable.html", title=titles[error.reason], message=str(error)),
        UNAVAILABLE_STATUS[error.reason],
    )


@bp.get("/brand.css")
def brand_css() -> Response:
    """The partner's white-label colours as CSS variables (a stylesheet, so no inline style is needed)."""
    partner = domain.partner(db())
    background = partner.background_color if HEX_COLOR.match(partner.background_color or "") else "#1F3A5F"
    foreground = partner.font_color if HEX_COLOR.match(partner.font_color or "") else "#FFFFFF"
    font = partner.font_family if SAFE_FONT.match(partner.font_family or "") else "system-ui, sans-serif"
    css = f":root {{ --brand-bg: {background}; --brand-fg: {foreground}; --brand-font: {font}; }}\n"
    return Response(css, mimetype="text/css")


@bp.context_processor
def _branding() -> dict[str, object]:
    return {"partner_name": domain.partner(db()).company_name}


@bp.context_processor
def _way_back() -> dict[str, object]:
    return_url = return_url_arg()

    def back_to_app(completed: bool = False) -> str | None:
        if return_url is None:
            return None
        return domain.with_completed_flag(return_url) if completed else return_url

    return {"return_url": return_url, "back_to_app": back_to_app}


@bp.post("/later")
def later():
    """The customer leaves a flow unfinished: back to the partner's app without completed=true."""
    return_url = return_url_arg()
    if return_url is None:
        return render_template(
            "sandbox/done.html",
            title="Nothing was changed",
            message="You can finish later from the same link. You can close this page.",
        )
    return redirect(return_url, code=303)
