"""Quote requests (leads) on a case and the collection partners' quotes on them.

A quote request collects quotes; with the first one it waits for the creditor, who has a
SelectQuoteWinner task until a winner is chosen (in the Creditor app: the API only reads quotes).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference
from dashboard.sandbox.domain.tasks import open_task, solve_tasks
from dashboard.sandbox.errors import NotFound
from dashboard.sandbox.models import Case, Quote, QuoteRequest


def request_quotes(s: Session, case_id: str, request: str, *, phase: str = "Legal") -> QuoteRequest:
    case = s.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    lead = QuoteRequest(case_id=case.id, quote_type=phase, request=request, date_created=clock.now(s))
    s.add(lead)
    s.flush()
    return lead


def add_quote(
    s: Session, quote_request_id: str, partner_id: str, success_fee: Decimal, *, proposed_solution: str | None = None
) -> Quote:
    lead = s.get(QuoteRequest, quote_request_id)
    if lead is None:
        raise NotFound("Quote request not found.")
    if lead.status != "Open" or len(lead.quotes) >= lead.max_quotes:
        raise ValueError("This quote request takes no more quotes.")
    partner = reference.PARTNERS[partner_id]
    case = s.get_one(Case, lead.case_id)
    quote = Quote(
        quote_request_id=lead.id,
        partner_id=partner.id,
        partner_name=partner.name,
        success_fee=success_fee,
        currency=case.currency,
        phase=lead.quote_type,
        proposed_solution=proposed_solution,
        why_us=f"{partner.name} handles {lead.quote_type.lower()} work in its jurisdiction every day.",
        date_created=clock.now(s),
    )
    s.add(quote)
    lead.quotes.append(quote)
    lead.lead_flow_status = "PendingQuoteSelection"
    open_task(
        s,
        case.creditor_id,
        "SelectQuoteWinner",
        case=case,
        lead_id=lead.id,
        description=f"Choose a quote for the {lead.quote_type.lower()} phase.",
    )
    s.flush()
    return quote


def select_winner(s: Session, quote_id: str) -> Quote:
    """The creditor picks a quote (in the Creditor app); the others are rejected and the task solves."""
    quote = s.get(Quote, quote_id)
    if quote is None:
        raise NotFound("Quote not found.")
    lead = quote.quote_request
    now = clock.now(s)
    for other in lead.quotes:
        other.status = "Accepted" if other.id == quote.id else "Rejected"
    lead.status, lead.lead_flow_status, lead.outcome, lead.date_outcome_selected = (
        "Closed",
        "OutcomeSelected",
        "QuoteAccepted",
        now,
    )
    case = s.get_one(Case, lead.case_id)
    solve_tasks(s, case.creditor_id, case_id=case.id, types=("SelectQuoteWinner",))
    return quote
