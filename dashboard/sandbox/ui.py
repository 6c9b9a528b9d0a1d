"""Debitura's hosted customer pages, as the sandbox serves them under `/ui`.

These are the pages a partner hands to its customers: onboarding, the SDCA re-sign page, link
approval (standard and Choice), the combined signing chain, the Power of Attorney page and the KYC
form. Plain server-rendered forms with no script and no inline style, so they work under a strict
CSP and can be driven by role and label. Every state change goes through `domain`, which also
writes the webhook events.

A `returnUrl` query parameter (absolute http(s), at most 2048 characters, otherwise silently
ignored) is carried through each flow; on completion the customer is sent there with
`completed=true` appended. Without one, a plain "done" page is shown. With one, every step also
offers "I'll do this later", which sends the customer back without `completed=true` (how a partner
tells an abandoned flow from a finished one), and pages that end a flow link "Go back to your app".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from dashboard.sandbox import clock, domain, reference, validation
from dashboard.sandbox.api import db
from dashboard.sandbox.countries import COUNTRIES, country_code
from dashboard.sandbox.errors import LinkRequestUnavailable, StepNotAvailable, ValidationFailed
from dashboard.sandbox.models import ClientLink, Creditor, LinkRequest

bp = Blueprint("sandbox_ui", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

SIGNING_CODE = re.compile(r"^\d{6}$")
HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{3,8}$")
SAFE_FONT = re.compile(r"^[\w\s,'\-]{1,100}$")
# A request already decided answers 409 "already used", also to the loser of two concurrent clicks.
UNAVAILABLE_STATUS = {"used": 409, "declined": 409, "expired": 410, "unknown": 404}


# --- shared by the hosted pages and the control panel ------------------------------------------


def require_same_origin() -> None:
    """Refuse a POST whose Origin (or, lacking it, Referer) names another host.

    These pages take no CSRF token (sandbox only), so this is their cross-site request guard:
    browsers always send Origin on cross-origin POSTs, so a forged form from another site is
    refused. Clients that send neither header (test clients, curl) are not browsers acting for
    a signed-in user and pass. "null" origins (sandboxed frames, privacy redirects) are refused.
    """
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower():
        abort(403, description="Cross-origin form submissions are not accepted.")


def return_url_arg() -> str | None:
    return validation.clean_return_url(request.args.get("returnUrl"))


def finish(return_url: str | None, title: str, message: str) -> BaseResponse | str:
    """The end of a flow: back to the partner's app with completed=true, or a plain done page."""
    if return_url:
        return redirect(domain.with_completed_flag(return_url), code=303)
    return render_template("sandbox/done.html", title=title, message=message, completed=True)


def _flow_args(**args: str | None) -> dict[str, Any]:
    """Query arguments for the next step, keeping the returnUrl."""
    return {key: value for key, value in {**args, "returnUrl": return_url_arg()}.items() if value}


def _code_error(form: Mapping[str, str]) -> str | None:
    code = form.get("code", "").strip()
    return None if SIGNING_CODE.match(code) else "Enter the six-digit code we sent you."


@bp.before_request
def _guard_posts() -> None:
    if request.method == "POST":
        require_same_origin()


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
        return render_template("sandbox/done.html", title="Nothing was changed",
                               message="You can finish later from the same link. You can close this page.")
    return redirect(return_url, code=303)


# --- onboarding --------------------------------------------------------------------------------

ONBOARDING_STEPS = (("companydetails", "Company details"), ("users", "Users"), ("kyc", "Director identity"),
                    ("contract", "Sign the agreement"))


def _needs_kyc(s: Session, creditor: Creditor) -> bool:
    return creditor.kyc_required and domain.latest_kyc(s, creditor.id) is None


def _onboarding_steps(s: Session, link: ClientLink) -> list[tuple[str, str]]:
    return [step for step in ONBOARDING_STEPS if step[0] != "kyc" or _needs_kyc(s, link.creditor)]


def _onboarding_link(s: Session, link_id: str) -> ClientLink | BaseResponse:
    """The link being onboarded, or where to go instead when onboarding is not what it needs."""
    link = domain.link_by_id(s, link_id)
    creditor = link.creditor
    if creditor.sdca_signed_version is not None:
        if domain.sdca_current(s, creditor):
            return Response(
                render_template(
                    "sandbox/done.html",
                    title="Onboarding is complete",
                    message=f"{creditor.company_name} has already completed onboarding. Nothing more is needed.",
                    completed=True,
                )
            )
        return redirect(url_for(".contract_upgrade", link_id=link.id, **_flow_args()), code=303)
    return link


def _render_onboarding(s: Session, link: ClientLink, step: str, status: int = 200, **context: object):
    steps = _onboarding_steps(s, link)
    return (
        render_template(
            f"sandbox/onboarding_{step}.html",
            link=link,
            creditor=link.creditor,
            steps=steps,
            current=step,
            flow_args=_flow_args(),
            **context,
        ),
        status,
    )


def _next_step(s: Session, link: ClientLink, step: str) -> BaseResponse:
    names = [name for name, _ in ONBOARDING_STEPS]
    later = names[names.index(step) + 1 :]
    following = next(name for name in later if name != "kyc" or _needs_kyc(s, link.creditor))
    domain.record_onboarding_step(s, link.id, following)
    s.commit()
    return redirect(url_for(f".onboarding_{following}", link_id=link.id, **_flow_args()), code=303)


@dataclass(frozen=True)
class CompanyForm:
    values: dict[str, str]
    errors: dict[str, str]

    FIELDS = ("name", "registration_number", "country", "address", "zip_code", "city", "support_email", "phone")

    @classmethod
    def from_creditor(cls, creditor: Creditor) -> CompanyForm:
        return cls(
            {
                "name": creditor.company_name,
                "registration_number": creditor.registration_number or "",
                "country": creditor.country,
                "address": creditor.address or "",
                "zip_code": creditor.zip_code or "",
                "city": creditor.city or "",
                "support_email": creditor.office_email or "",
                "phone": creditor.office_phone or "",
            },
            {},
        )

    @classmethod
    def from_request(cls, form: Mapping[str, str]) -> CompanyForm:
        values = {field: form.get(field, "").strip() for field in cls.FIELDS}
        errors: dict[str, str] = {}
        if not values["name"]:
            errors["name"] = "Enter the company's legal name."
        elif len(values["name"]) > 300:
            errors["name"] = "The company name can be at most 300 characters."
        if country_code(values["country"]) is None:
            errors["country"] = "Choose the country the company is registered in."
        if not validation.EMAIL.match(values["support_email"]):
            errors["support_email"] = "Enter a valid e-mail address, like billing@example.com."
        limits = {"address": 500, "zip_code": 20, "city": 100}  # the spec's ClientDetailsDto limits
        for field, limit in limits.items():
            if len(values[field]) > limit:
                errors[field] = f"This can be at most {limit} characters."
        return cls(values, errors)

    def apply(self, creditor: Creditor) -> None:
        creditor.company_name = self.values["name"]
        creditor.registration_number = self.values["registration_number"] or None
        creditor.country = country_code(self.values["country"]) or creditor.country
        creditor.address = self.values["address"] or None
        creditor.zip_code = self.values["zip_code"] or None
        creditor.city = self.values["city"] or None
        creditor.office_email = self.values["support_email"].lower()
        creditor.office_phone = self.values["phone"] or None


@bp.route("/onboarding/companydetails/<link_id>", methods=["GET", "POST"])
def onboarding_companydetails(link_id: str):
    """Step 1: the customer checks (and corrects) the company details the partner sent."""
    s = db()
    found = _onboarding_link(s, link_id)
    if isinstance(found, BaseResponse):
        return found
    if request.method == "GET":
        return _render_onboarding(
            s, found, "companydetails", form=CompanyForm.from_creditor(found.creditor), countries=COUNTRIES
        )
    form = CompanyForm.from_request(request.form)
    if form.errors:
        return _render_onboarding(s, found, "companydetails", 422, form=form, countries=COUNTRIES)
    form.apply(found.creditor)
    return _next_step(s, found, "companydetails")


@bp.route("/onboarding/users/<link_id>", methods=["GET", "POST"])
def onboarding_users(link_id: str):
    """Step 2: the customer reviews who gets access."""
    s = db()
    found = _onboarding_link(s, link_id)
    if isinstance(found, BaseResponse):
        return found
    if request.method == "GET":
        return _render_onboarding(s, found, "users")
    return _next_step(s, found, "users")


@bp.route("/onboarding/kyc/<link_id>", methods=["GET", "POST"])
def onboarding_kyc(link_id: str):
    """Step 3 (clients of a KYC-requiring collection partner only): a director's identity."""
    s = db()
    found = _onboarding_link(s, link_id)
    if isinstance(found, BaseResponse):
        return found
    if request.method == "GET":
        return _render_onboarding(s, found, "kyc", kyc={}, errors={})
    kyc, errors = _kyc_from_form(s, request.form)
    if kyc is None:
        return _render_onboarding(s, found, "kyc", 422, kyc=request.form, errors=errors)
    domain.submit_kyc(s, found, kyc, send_chat_notification=True)
    return _next_step(s, found, "kyc")


@bp.route("/onboarding/contract/<link_id>", methods=["GET", "POST"])
def onboarding_contract(link_id: str):
    """Last step: sign the Standard Debt Collection Agreement with a six-digit code."""
    s = db()
    found = _onboarding_link(s, link_id)
    if isinstance(found, BaseResponse):
        return found
    if request.method == "GET":
        return _render_onboarding(s, found, "contract", error=None)
    error = _code_error(request.form)
    if error:
        return _render_onboarding(s, found, "contract", 422, error=error)
    domain.complete_onboarding(s, found.id)
    s.commit()
    return finish(
        return_url_arg(),
        "Onboarding complete",
        f"{found.creditor.company_name} can now send cases to debt collection through "
        f"{domain.partner(s).company_name}.",
    )


# --- single signatures -------------------------------------------------------------------------


def _render_sign(context: Mapping[str, object], *, error: str | None, status: int = 200):
    return render_template("sandbox/sign.html", flow_args=_flow_args(), error=error, **context), status


@bp.route("/ContractUpgrade/Sign/<link_id>", methods=["GET", "POST"])
def contract_upgrade(link_id: str):
    """A new SDCA version: the customer signs it again."""
    s = db()
    link = domain.link_by_id(s, link_id)
    creditor = link.creditor
    if creditor.sdca_signed_version is None:
        return redirect(url_for(".onboarding_companydetails", link_id=link.id, **_flow_args()), code=303)
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
    error = _code_error(request.form)
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
    error = _code_error(request.form)
    if error:
        return _render_sign(context, error=error, status=422)
    domain.sign_power_of_attorney(s, link.id, partner.id)
    s.commit()
    return finish(return_url_arg(), "Power of Attorney signed", f"{partner.name} can now work on your cases.")


# --- KYC ---------------------------------------------------------------------------------------


def _kyc_from_form(s: Session, form: Mapping[str, str]) -> tuple[validation.KycInput | None, dict[str, str]]:
    payload = {
        "directorFullName": form.get("director_full_name", "").strip(),
        "directorHomeAddress": form.get("director_home_address", "").strip(),
        "directorDateOfBirth": form.get("director_date_of_birth", "").strip(),
    }
    try:
        return validation.parse_kyc(payload, clock.now(s).date()), {}
    except ValidationFailed as failure:
        fields = {"directorfullname": "director_full_name", "directorhomeaddress": "director_home_address",
                  "directordateofbirth": "director_date_of_birth"}
        errors = {}
        for key, messages in failure.fields.items():
            errors[fields.get(key.lower(), "director_full_name")] = " ".join(messages)
        return None, errors


@bp.route("/Kyc/<link_id>", methods=["GET", "POST"])
def kyc(link_id: str):
    """The director's identity for collection partners that require KYC."""
    s = db()
    link = domain.link_by_id(s, link_id)
    if request.method == "GET":
        return render_template("sandbox/kyc.html", link=link, kyc={}, errors={}, flow_args=_flow_args())
    record, errors = _kyc_from_form(s, request.form)
    if record is None:
        return render_template("sandbox/kyc.html", link=link, kyc=request.form, errors=errors,
                               flow_args=_flow_args()), 422
    domain.submit_kyc(s, link, record, send_chat_notification=True)
    s.commit()
    return finish(return_url_arg(), "Identity details received",
                  "Thank you: the director's details were sent for review.")


# --- link approval (the 409 path) --------------------------------------------------------------


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
        return redirect(url_for(".pending_contracts", **_flow_args(link=link.id)), code=303)
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
        return render_template("sandbox/approve.html", link_request=link_request, token=token, flow_args=_flow_args())
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
        return render_template("sandbox/choice.html", link_request=link_request, token=token, flow_args=_flow_args())
    decision = request.form.get("decision")
    if decision == "decline":
        return _declined(s, token)
    if decision not in ("existing", "new"):
        abort(400, description="Choose an existing company or a new one.")
    return _after_approval(s, domain.approve_link_request(s, token, choice=decision))


# --- the combined signing chain ----------------------------------------------------------------


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
            sdca.append(SigningStep(
                "sdca", "sign", "Sign the Standard Debt Collection Agreement",
                f"Version {domain.state(s).sdca_version} of the agreement between {creditor.company_name} "
                "and Debitura.", "Sign the agreement"))
        elif pending.startswith("poa:"):
            partner = reference.PARTNERS[pending.split(":", 1)[1]]
            powers.append(SigningStep(
                pending, "sign", f"Sign the Power of Attorney for {partner.name}",
                f"{partner.name} will collect on behalf of {creditor.company_name}.",
                "Sign the Power of Attorney"))
            if reference.signs_jpa(partner):
                appendices.append(SigningStep(
                    f"jpa:{partner.id}", "sign", f"Sign the Jurisdiction Pricing Appendix for {partner.name}",
                    "The success-fee pricing that applies to debtors in this jurisdiction.",
                    "Sign the pricing appendix"))
        elif pending == "kyc":
            kyc.append(SigningStep(
                "kyc", "kyc", "Confirm a director's identity",
                "The collection partner must verify the identity of one senior manager or director.",
                "Submit and finish"))
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
    flow_args = _flow_args(link=link.id, done=",".join(confirmed) or None)
    context = {"link": link, "steps": steps, "current": current, "confirmed": confirmed, "flow_args": flow_args}
    if request.method == "GET":
        return render_template("sandbox/signing.html", error=None, kyc={}, errors={}, **context)
    if request.form.get("step") != current.key:
        # A stale tab: show the step that is actually next.
        return redirect(url_for(".pending_contracts", **flow_args), code=303)
    kyc_input = None
    if current.kind == "kyc":
        kyc_input, errors = _kyc_from_form(s, request.form)
        if kyc_input is None:
            return render_template("sandbox/signing.html", error=None, kyc=request.form, errors=errors, **context), 422
    else:
        error = _code_error(request.form)
        if error:
            return render_template("sandbox/signing.html", error=error, kyc={}, errors={}, **context), 422
    if len(remaining) > 1:
        done = ",".join([*confirmed, current.key])
        return redirect(url_for(".pending_contracts", **_flow_args(link=link.id, done=done)), code=303)
    domain.complete_combined_signing(s, creditor.id, kyc=kyc_input)
    s.commit()
    return finish(return_url_arg(), "All contracts signed", "Thank you: your cases now move on to collection.")
