"""One plain line per webhook event, and how its outcome reads, for the log and tenant timelines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.debitura import jsonwire
from dashboard.models import WebhookEvent


@dataclass(frozen=True)
class Outcome:
    label: str
    badge: str


OUTCOMES = {
    "applied": Outcome("applied", "ok"),
    "recorded": Outcome("recorded", "info"),
    "stale": Outcome("older than what we know", ""),
    "test": Outcome("test delivery", "test"),
    "unknown_type": Outcome("unknown event type", "warn"),
    "failed": Outcome("failed to apply", "bad"),
    "received": Outcome("received", "info"),
}

_CLIENT_LINES = {
    "client.onboarding.poa_signed": "Signed the power of attorney",
    "client.onboarding.contract_signed": "Signed the agreement: onboarding complete",
    "client.linked": "Approved the link request",
    "client.link_declined": "Declined the link request",
    "client.link_requested": "Link request created: approval URL issued",
    "client.link_expired": "Link request expired unanswered",
    "cases.replay_failed": "Debitura could not replay the cases sent with the client",
}


def describe(event: WebhookEvent) -> str:
    envelope = jsonwire.loads_or_none(event.payload)
    data: dict[str, Any] = (
        envelope["data"] if isinstance(envelope, dict) and isinstance(envelope.get("data"), dict) else {}
    )
    if event.event_type in _CLIENT_LINES:
        line = _CLIENT_LINES[event.event_type]
        creditor: dict[str, Any] = data["creditor"] if isinstance(data.get("creditor"), dict) else {}
        company = creditor.get("companyName")
        return f"{line} ({company})" if company else line
    if event.event_type.startswith("case."):
        reference = data.get("reference") or data.get("caseId") or "a case"
        if event.event_type == "case.created":
            return f"Case {reference} created" + (f" in {data['lifecycle']}" if data.get("lifecycle") else "")
        if event.event_type == "case.closed":
            code = data.get("closeCode")
            return f"Case {reference} closed" + (f": {code}" if code else "")
        old, new = data.get("oldLifecycle"), data.get("lifecycle") or data.get("newLifecycle")
        if old and new:
            return f"Case {reference}: {old} → {new}"
        return f"Case {reference} updated" + (f" to {new}" if new else "")
    return "An event type the dashboard does not know yet; kept as received."


def outcome(code: str) -> Outcome:
    return OUTCOMES.get(code, Outcome(code, ""))
