"""The Customer API's quote requests on a case and their quotes (read only), under /customer-api."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint
from sqlalchemy import select

from dashboard.sandbox.api import ok, rate_limit_headers
from dashboard.sandbox.api.customer import authenticate, own_case
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import ApiError, NotFound
from dashboard.sandbox.models import Quote, QuoteRequest
from dashboard.sandbox.wire import iso

bp = Blueprint("customer_quotes", __name__)
bp.before_request(authenticate)
bp.after_request(rate_limit_headers)


def _lead(case_id: str, quote_request_id: str) -> QuoteRequest:
    case = own_case(case_id)
    _guid(quote_request_id)
    lead = db().get(QuoteRequest, quote_request_id)
    if lead is None or lead.case_id != case.id:
        raise NotFound("Quote request or case not found.")
    return lead


def _guid(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiError(400, "InvalidRequest", "Invalid ID.") from None


def _lead_dto(lead: QuoteRequest, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "quoteRequestId": lead.id,
        "caseId": lead.case_id,
        "status": lead.status,
        "leadFlowStatus": lead.lead_flow_status,
        "quoteType": lead.quote_type,
        "maxQuotes": lead.max_quotes,
        "currentQuotesCount": len(lead.quotes),
        "outcome": lead.outcome,
        "dateCreated": iso(lead.date_created),
        "dateQualified": iso(lead.date_created),
        "leadsDoneOffered": None,
        "dateReminderSent": None,
        "dateReminderTwoSent": None,
        "dateOutcomeSelected": iso(lead.date_outcome_selected),
    }
    if detail:
        body.update(isMaxBidCountReached=len(lead.quotes) >= lead.max_quotes, request=lead.request, existingFees=None)
    else:
        body["purpose"] = lead.purpose
    return body


def _fee(quote: Quote) -> float | None:
    return float(quote.success_fee) if quote.success_fee is not None else None


def _quote_dto(quote: Quote) -> dict[str, Any]:
    return {
        "quoteId": quote.id,
        "quoteRequestId": quote.quote_request_id,
        "partnerId": quote.partner_id,
        "partnerName": quote.partner_name,
        "status": quote.status,
        "agreementType": quote.agreement_type,
        "hourlyRate": None,
        "hourlyEstimated": None,
        "flatFeeEstimate": None,
        "successFee": _fee(quote),
        "hybridEstimate": None,
        "proposedSolution": quote.proposed_solution,
        "partnerWhyUsSection": quote.why_us,
        "phase": quote.phase,
        "offerNature": "Recommendation",
        "currency": quote.currency,
        "dateCreated": iso(quote.date_created),
    }


def _quote_detail(quote: Quote) -> dict[str, Any]:
    return {
        "quoteId": quote.id,
        "quoteRequestId": quote.quote_request_id,
        "partnerId": quote.partner_id,
        "partnerName": quote.partner_name,
        "status": quote.status,
        "agreementType": quote.agreement_type,
        "pricing": {
            "hourlyRate": None,
            "hourlyEstimated": None,
            "flatFeeEstimate": None,
            "successFeeFee": _fee(quote),
            "hybridEstimate": None,
            "costProcessMisc": 0,
        },
        "currency": quote.currency,
        "proposedSolution": quote.proposed_solution,
        "feeComments": None,
        "partnerWhyUsSection": quote.why_us,
        "fullQuoteLink": None,
        "dateCreated": iso(quote.date_created),
        "dateUpdated": None,
    }


@bp.get("/cases/<case_id>/quote-requests")
def quote_requests(case_id: str):
    case = own_case(case_id)
    leads = db().scalars(
        select(QuoteRequest).where(QuoteRequest.case_id == case.id).order_by(QuoteRequest.date_created)
    )
    return ok({"quoteRequests": [_lead_dto(lead) for lead in leads]})


@bp.get("/cases/<case_id>/quote-requests/<quote_request_id>")
def quote_request(case_id: str, quote_request_id: str):
    return ok(_lead_dto(_lead(case_id, quote_request_id), detail=True))


@bp.get("/cases/<case_id>/quote-requests/<quote_request_id>/quotes")
def quotes(case_id: str, quote_request_id: str):
    return ok({"quotes": [_quote_dto(quote) for quote in _lead(case_id, quote_request_id).quotes]})


@bp.get("/cases/<case_id>/quote-requests/<quote_request_id>/quotes/<quote_id>")
def quote(case_id: str, quote_request_id: str, quote_id: str):
    lead = _lead(case_id, quote_request_id)
    _guid(quote_id)
    found = next((item for item in lead.quotes if item.id == quote_id), None)
    if found is None:
        raise NotFound("Quote, quote request, or case not found.")
    return ok(_quote_detail(found))
