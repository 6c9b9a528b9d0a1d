"""The Customer API's case lookups and the account's contract status, under /customer-api.

`GET /cases` lists the token's client's cases (Debitura's own filters and multi-field sort; unknown
sort fields are ignored, as the spec says). Debtor ids and divisions are not kept by the sandbox, so
those filters match no case.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g
from sqlalchemy import Select, false, func, select

from dashboard.sandbox import domain, reference, wire, workspace_wire
from dashboard.sandbox.api import Query, ok, rate_limit_headers
from dashboard.sandbox.api.customer import authenticate
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import ApiError, NotFound
from dashboard.sandbox.models import Case, ClientLink

bp = Blueprint("customer_lookups", __name__)
bp.before_request(authenticate)
bp.after_request(rate_limit_headers)

SORT_FIELDS: dict[str, Any] = {
    "datecreated": Case.date_created,
    "dateupdated": Case.date_updated,
    "datefinished": Case.date_finished,
    "datecollectionstarted": Case.date_collection_started,
    "duedate": Case.due_date,
    "date": Case.date,
    "grossamount": Case.gross_amount,
    "remainder": Case.remainder,
    "interestfees": Case.interest_fees,
    "collectionfees": Case.collection_fees,
    "reminderfees": Case.reminder_fees,
    "lifecycle": Case.lifecycle,
    "closecode": Case.close_code,
}
# The lead stages' names in the list filter, beside the lifecycle names and display strings.
STATUS_ALIASES = {"leads": "Collecting Quotes", "leadsquotegiven": "Pending Quote Selection", "merged": None}


def _link() -> ClientLink:
    return db().get_one(ClientLink, g.link_id)


def _answer(case: Case) -> Any:
    return ok(wire.invoice_dto(case, combined_signing_url=domain.case_signing_url(db(), case)))


def _statuses(query: Query) -> list[str | None]:
    found: list[str | None] = []
    for value in query.values("Statuses"):
        key = value.lower()
        if key in STATUS_ALIASES:
            found.append(STATUS_ALIASES[key])
        elif (display := reference.lifecycle_display(value)) is not None:
            found.append(display)
        else:
            raise ApiError(400, "InvalidRequest", f"Statuses: unknown status {value!r}.")
    return found


def _ids(query: Query, name: str) -> list[str]:
    values = [value.lower() for value in query.values(name)]
    for value in values:
        try:
            uuid.UUID(value)
        except ValueError:
            raise ApiError(400, "InvalidRequest", f"{name}: must be GUIDs.") from None
    return values


def _ordered(query: Select[Any], sort: str | None) -> Select[Any]:
    orders = []
    for part in (sort or "DateCreated:desc").split(","):
        name, _, direction = part.partition(":")
        column = SORT_FIELDS.get(name.strip().lower())
        if column is None:
            continue  # unknown fields are silently ignored
        orders.append(column.desc() if direction.strip().lower() == "desc" else column.asc())
    return query.order_by(*orders, Case.id)


@bp.get("/cases")
def list_cases():
    """InvoiceListDto: Page from 1, PageSize 10 by default and at most 100."""
    s = db()
    args = Query()
    page = args.integer("Page", 1)
    page_size = args.integer("PageSize", 10, maximum=100)
    query = select(Case).where(Case.creditor_id == _link().creditor_id)
    if statuses := _statuses(args):
        query = query.where(Case.lifecycle.in_([status for status in statuses if status is not None]))
    if ids := _ids(args, "Ids"):
        query = query.where(Case.id.in_(ids))
    if _ids(args, "DebtorIds") or _ids(args, "DivisionIds"):
        query = query.where(false())  # the sandbox keeps neither debtor ids nor divisions
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(s.scalars(_ordered(query, args.text("Sort")).offset((page - 1) * page_size).limit(page_size)))
    return ok(
        {
            "page": workspace_wire.page_data(total, page, page_size, len(found)),
            "cases": [wire.invoice_dto(case, combined_signing_url=domain.case_signing_url(s, case)) for case in found],
        }
    )


@bp.get("/cases/by-creditor-reference/<path:creditor_reference>")
def by_creditor_reference(creditor_reference: str):
    if not creditor_reference.strip():
        raise ApiError(400, "InvalidRequest", "Creditor reference missing or empty.")
    case = (
        db()
        .scalars(
            select(Case).where(Case.creditor_id == _link().creditor_id, Case.creditor_reference == creditor_reference)
        )
        .first()
    )
    if case is None:
        raise NotFound("No case found with this creditor reference.")
    return _answer(case)


@bp.get("/cases/case-reference/<path:case_reference>")
def by_case_reference(case_reference: str):
    reference_text = case_reference.strip().upper()
    if len(reference_text) != 8 or not reference_text.isalnum():
        raise ApiError(400, "InvalidRequest", "Reference missing or reference is not a collection case.")
    case = db().scalars(select(Case).where(Case.reference == reference_text)).first()
    if case is None or case.creditor_id != _link().creditor_id:
        raise NotFound("Reference not found or case does not belong to your account.")
    return _answer(case)


@bp.get("/contracts/debt-collection/status")
def debt_collection_contract():
    """The client's SDCA: signed, or to re-sign after a new version (solutionUrl only when something is to do)."""
    s = db()
    link = _link()
    creditor = link.creditor
    signed = creditor.sdca_signed_version is not None
    resign = signed and not domain.sdca_current(s, creditor)
    return ok(
        {
            "signed": signed,
            "requiresResigning": resign,
            "invalidationReason": "NewVersion" if resign else None,
            "termsUrl": None,
            "solutionUrl": domain.onboarding_url(s, link),
        }
    )
