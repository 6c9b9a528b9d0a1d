"""Link approval (the 409 path): an existing Debitura customer approves or declines the partner's link
request, on the standard page or the multi-entity Choice page."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from dashboard.sandbox import clock, domain
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import LinkRequestUnavailable
from dashboard.sandbox.models import ClientLink, LinkRequest
from dashboard.sandbox.pages.hosted.blueprint import bp
from dashboard.sandbox.pages.hosted.flow import finish, flow_query, return_url_arg


def _open_request(s: Session, token: str) -> LinkRequest:
    """A link request that can still be acted on; otherwise the reason it cannot."""
    link_request = domain.link_request_by_token(s, token)
    if link_request.status == "pending" and link_request.expires_at <= clock.now(s):
        raise LinkRequestUnavailable("expired")
    if link_request.status in ("approved", "used"):
        raise LinkRequestUnavailable("used")
    if link_request.status != "pending":
        raise LinkRequestUnavailable(link_request.status)
    return link_request


def _after_approval(s: Session, link: ClientLink) -> BaseResponse | str:
    """Approved: straight into the signing chain when contracts are outstanding, else done."""
    s.commit()
    if domain.pending_signing_steps(s, link.creditor_id):
        return redirect(url_for(".pending_contracts", **flow_query(link=link.id)), code=303)
    return finish(
        return_url_arg(),
        "Access granted",
        f"{domain.partner(s).company_name} is now connected to {link.creditor.company_name}.",
    )


def _declined(s: Session, token: str) -> str:
    domain.decline_link_request(s, token)
    s.commit()
    return render_template(
        "sandbox/done.html",
        title="Request declined",
        message=f"{domain.partner(s).company_name} was not given access. You can close this page.",
    )


@bp.route("/ReferralPartner/Approve", methods=["GET", "POST"])
def approve():
    """An existing Debitura customer approves (or declines) the partner's link request."""
    s = db()
    token = request.values.get("token", "")
    link_request = _open_request(s, token)
    if request.method == "GET":
        return render_template("sandbox/approve.html", link_request=link_request, token=token, flow_args=flow_query())
    decision = request.form.get("decision")
    if decision == "decline":
        return _declined(s, token)
    if decision != "approve":
        abort(400, description="Choose Approve or Decline.")
    return _after_approval(s, domain.approve_link_request(s, token))


@bp.route("/ReferralPartner/Choice", methods=["GET", "POST"])
def choice():
    """The multi-entity variant: connect the existing company, or create a new one for the same people."""
    s = db()
    token = request.values.get("token", "")
    link_request = _open_request(s, token)
    if request.method == "GET":
        return render_template("sandbox/choice.html", link_request=link_request, token=token, flow_args=flow_query())
    decision = request.form.get("decision")
    if decision == "decline":
        return _declined(s, token)
    if decision not in ("existing", "new"):
        abort(400, description="Choose an existing company or a new one.")
    return _after_approval(s, domain.approve_link_request(s, token, choice=decision))
