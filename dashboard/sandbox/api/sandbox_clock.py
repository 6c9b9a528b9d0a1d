"""The sandbox's clock, which the dashboard's client reads once per request.

Real Debitura keeps UTC and publishes no clock; the sandbox's can be advanced, so it answers the time at
`CLOCK_PATH` below the Referral API's base. It is the sandbox's own path, not an operation of the APIs:
the transport serves it past the fault plan and the contract observers.
"""

from __future__ import annotations

from flask import Blueprint

from dashboard.sandbox import clock
from dashboard.sandbox.context import db
from dashboard.sandbox.wire import json_response

CLOCK_PATH = "/_sandbox/clock"

bp = Blueprint("sandbox_clock", __name__)


@bp.get(CLOCK_PATH)
def now():
    return json_response(200, {"now": clock.now(db()).isoformat()})
