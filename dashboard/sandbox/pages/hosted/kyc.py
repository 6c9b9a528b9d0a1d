"""The KYC form: a director's identity for collection partners that require it."""

from __future__ import annotations

from flask import render_template, request

from dashboard.sandbox import domain
from dashboard.sandbox.context import db
from dashboard.sandbox.pages.hosted.blueprint import bp
from dashboard.sandbox.pages.hosted.flow import finish, flow_query, kyc_from_form, return_url_arg


@bp.route("/Kyc/<link_id>", methods=["GET", "POST"])
def kyc(link_id: str):
    """The director's identity for collection partners that require KYC."""
    s = db()
    link = domain.link_by_id(s, link_id)
    if request.method == "GET":
        return render_template("sandbox/kyc.html", link=link, kyc={}, errors={}, flow_args=flow_query())
    record, errors = kyc_from_form(s, request.form)
    if record is None:
        return render_template(
            "sandbox/kyc.html", link=link, kyc=request.form, errors=errors, flow_args=flow_query()
        ), 422
    domain.submit_kyc(s, link, record, send_chat_notification=True)
    s.commit()
    return finish(
        return_url_arg(), "Identity details received", "Thank you: the director's details were sent for review."
    )
