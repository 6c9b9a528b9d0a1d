"""A pricing preview kept with its submission, so the page can show the same price again without asking Debitura.

Only what the page shows is kept: the priced input and Debitura's answer, as plain JSON values
(decimals and dates as text) that read back into the very dataclasses the preview returned.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dashboard.debitura.types.pricing import Jurisdiction, PendingAction, PreviewResult, Pricing, RequiredAction
from dashboard.services.pricing import PricingInput, PricingQuote


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | datetime | date):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def to_stored(quote: PricingQuote) -> dict[str, Any]:
    return {"input": _plain(asdict(quote.input)), "result": _plain(asdict(quote.result))}


def from_stored(stored: dict[str, Any]) -> PricingQuote:
    given = stored["input"]
    priced = PricingInput(
        amount=Decimal(given["amount"]),
        currency=given["currency"],
        debtor_type=given["debtor_type"],
        country=given["country"],
        state=given.get("state"),
        due_date=date.fromisoformat(given["due_date"]) if given.get("due_date") else None,
    )
    answer = dict(stored["result"])
    pricing = answer.pop("pricing")
    jurisdiction = answer.pop("jurisdiction")
    result = PreviewResult(
        **answer
        | {
            "jurisdiction": Jurisdiction(**jurisdiction) if jurisdiction else None,
            "pricing": Pricing(
                **pricing | {name: _decimal(pricing[name]) for name in ("base", "age_surcharge", "total")}
            )
            if pricing
            else None,
            "pending_actions": tuple(
                PendingAction(
                    **action | {"due_date": datetime.fromisoformat(action["due_date"]) if action["due_date"] else None}
                )
                for action in answer["pending_actions"]
            ),
            "required_actions": tuple(RequiredAction(**action) for action in answer["required_actions"]),
        }
    )
    return PricingQuote(priced, result)
