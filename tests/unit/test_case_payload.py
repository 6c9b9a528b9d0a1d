"""What the case form turns into on the wire: Debitura's field names, exact amounts, nothing empty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard.debitura import jsonwire
from dashboard.services.submissions import CaseDraft, DebtorDraft, case_payload


def draft(**overrides) -> CaseDraft:
    values = dict(
        currency="USD",
        amount=Decimal("1234.50"),
        invoice_date=date(2025, 1, 31),
        due_date=date(2025, 2, 28),
        debtor=DebtorDraft(type="Company", name="Pacific Trading LLC", country="US", state="CA", email="ap@pacific.example"),
        creditor_reference="INV-9",
        allow_pending_contracts=True,
        is_test=True,
        return_url="https://app.example.com/done",
    )
    values.update(overrides)
    return CaseDraft(**values)


def test_the_payload_uses_the_customer_apis_names_and_exact_amounts():
    payload = case_payload(draft())

    assert payload == {
        "currencyCode": "USD",
        "amountToRecover": Decimal("1234.50"),
        "date": "2025-01-31T00:00:00Z",
        "dueDate": "2025-02-28T00:00:00Z",
        "creditorReference": "INV-9",
        "debtor": {
            "type": "Company",
            "name": "Pacific Trading LLC",
            "countryAlpha2": "US",
            "stateAlpha2": "CA",
            "email": "ap@pacific.example",
        },
        "allowPendingContracts": True,
        "isTest": True,
        "returnUrl": "https://app.example.com/done",
    }
    assert '"amountToRecover": 1234.50' in jsonwire.dumps(payload)  # never through a float


def test_a_state_is_only_sent_for_us_debtors_and_empty_options_are_left_out():
    payload = case_payload(
        draft(debtor=DebtorDraft(type="Private", name="Jo Bloggs", country="GB", state="CA"), due_date=None,
              creditor_reference=None, return_url=None, is_test=False, allow_pending_contracts=False)
    )

    assert payload["debtor"] == {"type": "Private", "name": "Jo Bloggs", "countryAlpha2": "GB"}
    assert "dueDate" not in payload and "creditorReference" not in payload and "returnUrl" not in payload
    assert payload["isTest"] is False and payload["allowPendingContracts"] is False


def test_the_same_draft_always_encodes_to_the_same_body():
    # Debitura replays an Idempotency-Key only for an identical body.
    assert jsonwire.dumps(case_payload(draft())) == jsonwire.dumps(case_payload(draft()))
