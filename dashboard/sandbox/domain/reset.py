"""Test-environment resets: advancing a test case in one call, and deleting a client to start it over."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.domain.cases import move_case
from dashboard.sandbox.domain.lookups import require_link
from dashboard.sandbox.domain.revenue import record_collection
from dashboard.sandbox.errors import ApiError, business_error
from dashboard.sandbox.models import Case, CaseTask, Quote, QuoteRequest, RevenueTransaction

ADVANCE_TARGETS = ("Active", "Closed:Paid", "Closed:NoPayment")
NO_PAYMENT = "Pre-Legal Exhausted – No Payment"
WORKING = ("Active", "Paused", "More Info Required")


def advance_state(case: Case) -> str:
    """The case's state in the advance endpoint's words."""
    if case.lifecycle != "Closed":
        return case.lifecycle
    return {"Paid": "Closed:Paid", NO_PAYMENT: "Closed:NoPayment"}.get(case.close_code or "", "Closed")


def advance_test_case(s: Session, case: Case, target: str, amount: Decimal | None) -> bool:
    """Drive a test case to Active, Closed:Paid (a payment of `amount`) or Closed:NoPayment; False when already there."""
    if not case.is_test:
        raise ApiError(400, "NotATestCase", "Only test cases can be advanced.")
    if target not in ADVANCE_TARGETS:
        raise ApiError(400, "InvalidTarget", f"'to' must be one of {', '.join(ADVANCE_TARGETS)}.")
    if target == "Closed:Paid" and (amount is None or amount <= 0):
        raise ApiError(400, "AmountRequired", "A positive 'amount' is required to advance to Closed:Paid.")
    current = advance_state(case)
    if current == target or (target == "Active" and case.lifecycle == "Closed"):
        return False
    if case.lifecycle == "Closed":
        raise ApiError(400, "AlreadyClosed", f"The case is already closed as {current}; it cannot become {target}.")
    if case.lifecycle != "Active":
        move_case(s, case.id, "Active")
    if target == "Closed:Paid":
        record_collection(s, case.id, amount or Decimal("0"))
        move_case(s, case.id, "Closed", close_code="Paid", collect_remainder=False)
    elif target == "Closed:NoPayment":
        move_case(s, case.id, "Closed", close_code=NO_PAYMENT)
    return True


def deletion_blockers(s: Session, external_tenant_id: str) -> list[str]:
    link = require_link(s, external_tenant_id)
    blockers = []
    lifecycles = set(s.scalars(select(Case.lifecycle).where(Case.creditor_id == link.creditor_id)))
    if lifecycles & set(WORKING):
        blockers.append("Active case — must be closed before account deletion.")
    quoted = s.scalars(
        select(Quote.id)
        .join(QuoteRequest)
        .join(Case, Case.id == QuoteRequest.case_id)
        .where(Case.creditor_id == link.creditor_id, QuoteRequest.status == "Open")
    ).first()
    if quoted is not None:
        blockers.append("Lead with active quotes — the quotes must be settled before account deletion.")
    unpaid = s.scalars(
        select(RevenueTransaction.id)
        .join(Case, Case.id == RevenueTransaction.case_id)
        .where(Case.creditor_id == link.creditor_id, RevenueTransaction.commission_payment_status == "Unpaid")
    ).first()
    if unpaid is not None:
        blockers.append("Unpaid partner commission — must be reconciled before account deletion.")
    return blockers


def delete_client(s: Session, external_tenant_id: str) -> None:
    """Delete a client's cases and leads, soft-delete its account (out of e-mail matching), archive the link."""
    blockers = deletion_blockers(s, external_tenant_id)
    if blockers:
        raise ApiError(
            422,
            "DeletionBlocked",
            "The client cannot be deleted yet.",
            [business_error("DeletionBlocked", blocker) for blocker in blockers],
        )
    link = require_link(s, external_tenant_id)
    creditor = link.creditor
    s.execute(delete(Case).where(Case.creditor_id == creditor.id))
    s.execute(delete(CaseTask).where(CaseTask.creditor_id == creditor.id))
    link.status = "archived"
    creditor.deleted_at = clock.now(s)
    s.flush()
