"""The Customer API as a referral partner uses it (bearer token minted for one client), under /customer-api."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy.exc import IntegrityError

from dashboard.sandbox import auth, clock, domain, idempotency, pricing, reference, validation, wire
from dashboard.sandbox.api import json_body, ok, rate_limit_headers, rate_limited
from dashboard.sandbox.context import db, sandbox_config
from dashboard.sandbox.errors import ApiError, NotFound, ValidationFailed
from dashboard.sandbox.models import Case, ClientLink

bp = Blueprint("customer_api", __name__)


@bp.before_request
def authenticate() -> Response | None:
    link = auth.link_for_bearer(db(), request.headers.get("Authorization"), sandbox_config().jwt_secret)
    if link is None:
        return Response(status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    g.link_id = link.id
    return rate_limited(f"link:{link.id}")  # a bearer token is one client's key


bp.after_request(rate_limit_headers)


def _link() -> ClientLink:
    return db().get_one(ClientLink, g.link_id)


def own_case(case_id: str) -> Case:
    """A case of the token's client; anyone else's is simply not found, and a malformed id is a 400."""
    try:
        uuid.UUID(case_id)
    except ValueError:
        raise ApiError(400, "InvalidRequest", "ID missing, empty, or not a collection case.") from None
    case = db().get(Case, case_id)
    if case is None or case.creditor_id != _link().creditor_id:
        raise NotFound("Case not found, deleted, or does not belong to your account.")
    return case


@bp.post("/cases")
def create_case():
    """200 InvoiceDto; 400 field errors; 422 business errors (with the combined signing URL)."""
    body = request.get_data()

    def handle() -> Response:
        try:
            case, signing_url = domain.create_case(db(), _link(), json_body())
        except IntegrityError:
            # Two requests raced past the duplicate check with the same creditorReference.
            raise ValidationFailed.single(
                "CreditorReference", "DuplicateReference: the creditor reference is in use."
            ) from None
        return ok(wire.invoice_dto(case, combined_signing_url=signing_url))

    response = idempotency.run(
        db(),
        scope=f"link:{g.link_id}",
        endpoint="POST /cases",
        key=request.headers.get(idempotency.HEADER),
        request_fingerprint=idempotency.json_fingerprint(request.path, body),
        handler=handle,
    )
    db().commit()
    return response


@bp.post("/cases/preview")
def preview_case():
    """PreviewCaseResponseApiViewModel: the price and, unlike the Referral API's preview, what this client still owes."""
    s = db()
    link = _link()
    preview_input = validation.parse_preview(json_body(), clock.now(s).date())
    has_kyc = domain.latest_kyc(s, link.creditor_id) is not None
    quote = pricing.quote(
        preview_input.amount,
        preview_input.currency,
        preview_input.country,
        today=clock.now(s).date(),
        due_date=preview_input.due_date,
        buckets=preview_input.buckets,
    )
    result: dict[str, Any] = {
        "isEligible": quote is not None,
        "ineligibilityReason": None if quote is not None else reference.NO_PARTNER_MESSAGE,
        "jurisdiction": pricing.jurisdiction(preview_input.country, preview_input.state_alpha2),
        "requiredActions": [],
        "requiresKycVerification": False,
        "hasKycOnFile": has_kyc,
        "signingHandoff": {"combinedSigningUrl": None},
    }
    if quote is not None:
        partner = quote.partner
        actions = domain.required_actions(s, link, partner, preview_input.country)
        result.update(
            partnerAssignment={"collectionPartnerId": partner.id, "partnerName": partner.name, "partnerCountry": None},
            pricingPreview=wire.pricing_preview(quote, preview_input.currency),
            requiredActions=[{**action, "isBlocking": True} for action in actions],
            requiresKycVerification=partner.requires_kyc,
            signingHandoff={"combinedSigningUrl": domain.urls(s).combined_signing(link.id) if actions else None},
        )
    return ok({"result": result})


@bp.get("/cases/<case_id>")
def get_case(case_id: str):
    case = own_case(case_id)
    return ok(wire.invoice_dto(case, combined_signing_url=domain.case_signing_url(db(), case)))


def _contract(signed: bool, solution_url: str | None, *, resign: bool = False) -> dict[str, Any]:
    return {
        "signed": signed,
        "requiresResigning": resign,
        "solutionUrl": None if signed and not resign else solution_url,
    }


@bp.get("/cases/<case_id>/contract-status")
def contract_status(case_id: str):
    """SDCA always; PoA (and the pricing appendix in carve-out countries) once a partner is assigned."""
    s = db()
    case = own_case(case_id)
    link = case.link
    creditor = link.creditor
    body: dict[str, Any] = {
        "sdca": _contract(
            creditor.sdca_signed_version is not None,
            domain.onboarding_url(s, link),
            resign=creditor.sdca_signed_version is not None and not domain.sdca_current(s, creditor),
        ),
        "collectionPartnerName": None,
        "needsPoaSigning": False,
    }
    if case.collection_partner_id is not None:
        partner = reference.PARTNERS[case.collection_partner_id]
        poa_url = domain.urls(s).power_of_attorney(link.id, partner.id)
        poa = domain.has_signature(s, creditor.id, partner.id, "poa")
        body["poa"] = _contract(poa, poa_url)
        body["collectionPartnerName"] = partner.name
        needs = not poa
        if reference.needs_jpa(case.debtor_country):
            jpa = domain.has_signature(s, creditor.id, partner.id, "jpa")
            body["pricingAppendix"] = _contract(jpa, poa_url)
            needs = needs or not jpa
        body["needsPoaSigning"] = needs
    return ok(body)
