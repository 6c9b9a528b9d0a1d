"""The combined signing chain: one URL that walks every outstanding signature (SDCA, PoAs, JPAs, KYC)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from dashboard.sandbox import domain, reference
from dashboard.sandbox.context import db
from dashboard.sandbox.models import Creditor
from dashboard.sandbox.pages.hosted.blueprint import bp
from dashboard.sandbox.pages.hosted.flow import code_error, finish, flow_query, kyc_from_form, return_url_arg


@dataclass(frozen=True)
class SigningStep:
    key: str  # sdca | poa:<partner id> | jpa:<partner id> | kyc
    kind: str
    title: str
    intro: str
    button: str


def signing_steps(s: Session, creditor: Creditor) -> list[SigningStep]:
    """What the chain still has to walk, in Debitura's order: SDCA upgrade, PoAs, JPAs, KYC."""
    sdca: list[SigningStep] = []
    powers: list[SigningStep] = []
    appendices: list[SigningStep] = []
    kyc: list[SigningStep] = []
    for pending in domain.pending_signing_steps(s, creditor.id):
        if pending == "sdca":
            sdca.append(
                SigningStep(
                    "sdca",
                    "sign",
                    "Sign the Standard Debt Collection Agreement",
                    f"Version {domain.state(s).sdca_version} of the agreement between {creditor.company_name} "
                    "and Debitura.",
                    "Sign the agreement",
                )
            )
        elif pending.startswith("poa:"):
            partner = reference.PARTNERS[pending.split(":", 1)[1]]
            powers.append(
                SigningStep(
                    pending,
                    "sign",
                    f"Sign the Power of Attorney for {partner.name}",
                    f"{partner.name} will collect on behalf of {creditor.company_name}.",
                    "Sign the Power of Attorney",
                )
            )
            if reference.signs_jpa(partner):
                appendices.append(
                    SigningStep(
                        f"jpa:{partner.id}",
                        "sign",
                        f"Sign the Jurisdiction Pricing Appendix for {partner.name}",
                        "The success-fee pricing that applies to debtors in this jurisdiction.",
                        "Sign the pricing appendix",
                    )
                )
        elif pending == "kyc":
            kyc.append(
                SigningStep(
                    "kyc",
                    "kyc",
                    "Confirm a director's identity",
                    "The collection partner must verify the identity of one senior manager or director.",
                    "Submit and finish",
                )
            )
    return sdca + powers + appendices + kyc


@bp.route("/Signing/PendingContracts", methods=["GET", "POST"])
def pending_contracts():
    """One URL that walks every outstanding signature, then returns the customer to the partner's app.

    Nothing is signed until the last step, so abandoning the chain leaves everything as it was. The
    steps already confirmed travel in the `done` query parameter rather than a cookie, so the
    progress belongs to the link, whichever browser opens it.
    """
    s = db()
    link = domain.link_by_id(s, request.args.get("link", ""))
    creditor = link.creditor
    steps = signing_steps(s, creditor)
    keys = {step.key for step in steps}
    confirmed = [key for key in request.args.get("done", "").split(",") if key in keys]
    remaining = [step for step in steps if step.key not in confirmed]
    if not remaining:
        return finish(return_url_arg(), "Nothing left to sign", "Every contract is signed. You can close this page.")
    current = remaining[0]
    flow_args = flow_query(link=link.id, done=",".join(confirmed) or None)
    context = {"link": link, "steps": steps, "current": current, "confirmed": confirmed, "flow_args": flow_args}
    if request.method == "GET":
        return render_template("sandbox/signing.html", error=None, kyc={}, errors={}, **context)
    if request.form.get("step") != current.key:
        # A stale tab: show the step that is actually next.
        return redirect(url_for(".pending_contracts", **flow_args), code=303)
    kyc_input = None
    if current.kind == "kyc":
        kyc_input, errors = kyc_from_form(s, request.form)
        if kyc_input is None:
            return render_template("sandbox/signing.html", error=None, kyc=request.form, errors=errors, **context), 422
    else:
        error = code_error(request.form)
        if error:
            return render_template("sandbox/signing.html", error=error, kyc={}, errors={}, **context), 422
    if len(remaining) > 1:
        done = ",".join([*confirmed, current.key])
        return redirect(url_for(".pending_contracts", **flow_query(link=link.id, done=done)), code=303)
    domain.complete_combined_signing(s, creditor.id, kyc=kyc_input)
    s.commit()
    return finish(return_url_arg(), "All contracts signed", "Thank you: your cases now move on to collection.")
