"""The control panel's case-workspace actions (`/control/workspace/...`): the collection partner writes in a
case's chat, records a payment, asks for a document; Debitura opens or solves an account-level task.

Same rules as the rest of the panel: plain forms, POST-redirect-GET, same-origin checked, the outcome flashed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, request
from sqlalchemy.orm import Session

from dashboard.sandbox import domain, wire
from dashboard.sandbox.models import Case
from dashboard.sandbox.pages.control import run_change
from dashboard.sandbox.pages.origin import refuse_cross_origin_posts

bp = Blueprint("sandbox_control_workspace", __name__)
bp.before_request(refuse_cross_origin_posts)

RECIPIENTS = ("CollectionPartner", "Creditor")
METHODS = ("BankTransfer", "Card", "Cash")
RESOLUTION_AREAS = ("Documents", "DebtorDetails", "ClaimDetails")
ACCOUNT_TASKS = tuple(name for name, kind in domain.TASK_KINDS.items() if kind.account_level)


def _case(s: Session) -> Case:
    case = s.get(Case, request.form.get("case_id", ""))
    if case is None:
        raise ValueError("Choose a case.")
    return case


def _text(name: str, label: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        raise ValueError(f"Enter {label}.")
    return value


@bp.post("/message")
def partner_message():
    """The collection partner writes on a case: the client gets a ReplyToChat (or ClientInputRequired) task."""

    def action(s: Session) -> str:
        case = _case(s)
        needs_input = request.form.get("input_required") == "on"
        domain.post_partner_message(s, case, _text("message", "a message"), input_required=needs_input)
        task = "ClientInputRequired" if needs_input else "ReplyToChat"
        return f"The collection partner wrote on case {case.reference}; the client has a {task} task."

    return run_change(action)


@bp.post("/payment")
def record_payment():
    """The debtor paid: a payment on the case (and revenue where the partner earns on it)."""

    def action(s: Session) -> str:
        case = _case(s)
        try:
            amount = Decimal(_text("amount", "the amount paid"))
        except InvalidOperation:
            raise ValueError("Enter the amount paid as a number.") from None
        if not amount.is_finite() or amount <= 0:
            raise ValueError("The amount paid must be more than zero.")
        recipient, method = request.form.get("recipient", ""), request.form.get("method", "")
        if recipient not in RECIPIENTS or method not in METHODS:
            raise ValueError("Choose who received the money and how it was paid.")
        domain.record_collection(s, case.id, amount, recipient=recipient, method=method)
        left = wire.money(case.remainder, case.currency)
        return f"{amount} {case.currency} paid on case {case.reference}; {left} {case.currency} left to recover."

    return run_change(action)


@bp.post("/document-request")
def request_document():
    """The collection partner asks for a document: the case turns More Info Required with a MoreInfoNeeded task."""

    def action(s: Session) -> str:
        case = _case(s)
        area = request.form.get("area") or "Documents"
        if area not in RESOLUTION_AREAS:
            raise ValueError("Choose what kind of information is missing.")
        description = _text("description", "what is missing")
        domain.request_information(s, case.id, description, area)
        domain.post_partner_message(s, case, f"To go on with the case we need: {description}")
        return f"Case {case.reference} is now More Info Required: {description}."

    return run_change(action)


@bp.post("/account-task")
def open_account_task():
    """Debitura opens an account-level task for a tenant (no case): SignContract or AssignBankAccount."""

    def action(s: Session) -> str:
        tenant = _text("external_tenant_id", "the tenant's externalTenantId")
        task_type = request.form.get("type", "")
        if task_type not in ACCOUNT_TASKS:
            raise ValueError(f"Choose one of {', '.join(ACCOUNT_TASKS)}.")
        link = domain.require_link(s, tenant)
        domain.open_task(s, link.creditor_id, task_type)
        return f"{tenant} has an open {task_type} task."

    return run_change(action)


@bp.post("/task/solve")
def solve_task():
    """The client did what an account-level task asked, in the Creditor app."""

    def action(s: Session) -> str:
        task = domain.solve_task(s, request.form.get("task_id", ""))
        if task is None:
            raise ValueError("Choose a task.")
        return f"The {task.type} task is solved."

    return run_change(action)
