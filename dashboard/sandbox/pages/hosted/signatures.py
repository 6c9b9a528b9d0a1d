"""Single signatures: the SDCA re-signed after a new version, and one collection partner's Power of Attorney."""

from __future__ import annotations

from collections.abc import Mapping

from flask import redirect, render_template, request, url_for

from dashboard.sandbox import domain, reference
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import StepNotAvailable
from dashboard.sandbox.pages.hosted.blueprint import bp
from dashboard.sandbox.pages.hosted.flow import code_error, finish, flow_query, return_url_arg


def _render_sign(context: Mapping[str, object], *, error: str | None, status: int = 200):
    return render_template("sandbox/sign.html", flow_args=flow_query(), error=error, **context), status


@bp.route("/ContractUpgrade/Sign/<link_id>", methods=["GET", "POST"])
def contract_upgrade(link_id: str):
    """A new SDCA version: the customer signs it again."""
    s = db()
    link = domain.link_by_id(s, link_id)
    creditor = link.creditor
    if creditor.sdca_signed_version is None:
        return redirect(url_for(".onboarding_companydetails", link_id=link.id, **flow_query()), code=303)
    if domain.sdca_current(s, creditor):
        return render_template(
            "sandbox/done.html",
            title="The agreement is up to date",
            message=f"{creditor.company_name} has signed the current agreement. Nothing more is needed.",
            completed=True,
        )
    version = domain.state(s).sdca_version
    context = {
        "title": "Sign the updated agreement",
        "intro": f"Debitura has published version {version} of the Standard Debt Collection Agreement. "
        f"{creditor.company_name} signed version {creditor.sdca_signed_version}; please sign the new version "
        "to keep sending cases.",
        "button": "Sign the updated agreement",
    }
    if request.method == "GET":
        return _render_sign(context, error=None)
    error = code_error(request.form)
    if error:
        return _render_sign(context, error=error, status=422)
    domain.sign_contract_upgrade(s, link.id)
    s.commit()
    return finish(return_url_arg(), "Agreement signed", "Thank you: the updated agreement is signed.")


@bp.route("/PowerOfAttorney/Sign/<link_id>", methods=["GET", "POST"])
def power_of_attorney(link_id: str):
    """The Power of Attorney (with the pricing appendix where one applies) for one collection partner."""
    s = db()
    link = domain.link_by_id(s, link_id)
    partner = reference.PARTNERS.get(request.args.get("collectionPartnerId", ""))
    if partner is None:
        raise StepNotAvailable("This signing link does not name a known collection partner.")
    jpa = reference.signs_jpa(partner)
    context = {
        "title": f"Sign the Power of Attorney for {partner.name}",
        "intro": f"{partner.name} will collect on behalf of {link.creditor.company_name}. "
        + ("The Jurisdiction Pricing Appendix is signed together with it. " if jpa else ""),
        "button": "Sign the Power of Attorney",
        "hidden": {"collectionPartnerId": partner.id},
    }
    if request.method == "GET":
        return _render_sign(context, error=None)
    error = code_error(request.form)
    if error:
        return _render_sign(context, error=error, status=422)
    domain.sign_power_of_attorney(s, link.id, partner.id)
    s.commit()
    return finish(return_url_arg(), "Power of Attorney signed", f"{partner.name} can now work on your cases.")
