"""Onboarding: the customer checks the company details, reviews its users, gives a director's identity
when the collection partner requires KYC, and signs the SDCA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Response, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from dashboard.sandbox import domain, validation
from dashboard.sandbox.context import db
from dashboard.sandbox.countries import COUNTRIES, country_code
from dashboard.sandbox.models import ClientLink, Creditor
from dashboard.sandbox.pages.hosted.blueprint import bp
from dashboard.sandbox.pages.hosted.flow import code_error, finish, flow_query, kyc_from_form, return_url_arg

ONBOARDING_STEPS = (
    ("companydetails", "Company details"),
    ("users", "Users"),
    ("kyc", "Director identity"),
    ("contract", "Sign the agreement"),
)


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
        return redirect(url_for(".contract_upgrade", link_id=link.id, **flow_query()), code=303)
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
            flow_args=flow_query(),
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
    return redirect(url_for(f".onboarding_{following}", link_id=link.id, **flow_query()), code=303)


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
    kyc, errors = kyc_from_form(s, request.form)
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
    error = code_error(request.form)
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
