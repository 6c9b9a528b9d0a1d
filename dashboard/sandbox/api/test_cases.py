"""The Customer API's test-environment endpoint that drives a test case through its lifecycle, under /customer-api."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint

from dashboard.sandbox import domain
from dashboard.sandbox.api import json_body, ok, rate_limit_headers
from dashboard.sandbox.api.customer import authenticate, own_case
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import ApiError

bp = Blueprint("customer_test_cases", __name__)
bp.before_request(authenticate)
bp.after_request(rate_limit_headers)


@bp.post("/test/cases/<case_id>/advance")
def advance(case_id: str):
    """AdvanceTestCaseRequest {to, amount}: Active, Closed:Paid or Closed:NoPayment, firing the case webhooks."""
    s = db()
    case = own_case(case_id)
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        raise ApiError(400, "InvalidRequest", "'to' is required: Active, Closed:Paid or Closed:NoPayment.")
    amount = _amount(body.get("amount"))
    advanced = domain.advance_test_case(s, case, body["to"], amount)
    s.commit()
    return ok({"advanced": advanced, "state": domain.advance_state(case)})


def _amount(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ApiError(400, "InvalidRequest", "'amount' must be a number.")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ApiError(400, "InvalidRequest", "'amount' must be a number.") from None
