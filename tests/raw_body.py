"""A hand-built body for tests that send Debitura what the typed requests cannot say.

The client takes only typed requests (`dashboard.debitura.types.requests`). Sandbox and client tests
also send bodies the spec refuses (missing fields, wrong types, fields the dashboard never sets) or
copy the docs' own examples: `raw(body)` sends such a body as it is. Production code never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class RawBody:
    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body

    def to_json(self) -> Any:
        return self.body


def raw(body: Mapping[str, Any]) -> RawBody:
    return RawBody(body)


def app_client():
    """The running app's Debitura client, for tests that call a service directly (views pass it the same way)."""
    from flask import current_app

    return current_app.extensions["debitura"]
