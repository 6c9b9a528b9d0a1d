"""The demo's case workspaces: payments on collected cases, partner questions in the chat, document requests on
"More Info Required" cases, and account-level tasks on some tenants, each with the task it leaves open.

Drawn from a random stream of its own, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

from dashboard.sandbox import reference
from dashboard.sandbox.demo.debtors import CENT
from dashboard.sandbox.demo.draw import new_uuid, pick
from dashboard.sandbox.demo.rows import Builder
from dashboard.sandbox.demo.tenants import DEMO_SDCA_VERSION, SEED
from dashboard.sandbox.domain.chats import partner_author
from dashboard.sandbox.domain.tasks import TASK_KINDS

QUESTIONS = (
    "The debtor says the invoice was paid in full. Can you check your books and confirm?",
    "The debtor proposes paying in three monthly instalments. Do you accept?",
    "We could not reach the debtor at the address given. Do you have another address or phone number?",
    "The debtor disputes the amount. Could you send the underlying order confirmation?",
)
DOCUMENT_REQUESTS = (
    ("Documents", "A copy of the unpaid invoice"),
    ("Documents", "The signed contract or order confirmation"),
    ("DebtorDetails", "The debtor's current address"),
)
RECIPIENTS = ("CollectionPartner", "CollectionPartner", "Creditor")


def add_workspaces(builder: Builder) -> None:
    rng = random.Random(SEED + 2)
    _payments(builder, rng)
    for row in builder.rows.cases:
        if row["lifecycle"] == "Active" and row["collection_partner_id"] and rng.random() < 0.35:
            _question(builder, rng, row)
        elif row["lifecycle"] == reference.NEEDS_INFO and row["collection_partner_id"]:
            _document_request(builder, rng, row)
    _account_tasks(builder, rng)


def _payments(builder: Builder, rng: random.Random) -> None:
    """One payment per revenue transaction, and one for collected cases that earn the partner nothing."""
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for transaction in builder.rows.transactions:
        by_case[transaction["case_id"]].append(transaction)
    for row in builder.rows.cases:
        collected = row["gross_amount"] - row["remainder"]
        if collected <= 0 or row["date_collection_started"] is None:
            continue
        paid = by_case.get(row["id"]) or [
            {
                "date": row["date_finished"] or row["date_collection_started"] + timedelta(days=20),
                "payment_amount": collected.quantize(CENT),
            }
        ]
        for transaction in paid:
            builder.rows.payments.append(
                {
                    "id": new_uuid(rng),
                    "case_id": row["id"],
                    "date": transaction["date"],
                    "gross_amount": transaction["payment_amount"],
                    "currency": row["currency"],
                    "recipient": pick(rng, RECIPIENTS),
                    "method": "BankTransfer",
                    "date_created": transaction["date"],
                }
            )


def _message(builder: Builder, rng: random.Random, row: dict[str, Any], text: str, hours_ago: float) -> None:
    name, email = partner_author(reference.PARTNERS[row["collection_partner_id"]])
    builder.rows.chats.append(
        {
            "id": new_uuid(rng),
            "case_id": row["id"],
            "role": "partner",
            "message": text,
            "user_id": None,
            "author_name": name,
            "author_email": email,
            "is_seen": False,
            "date_created": builder.now - timedelta(hours=hours_ago),
        }
    )


def _task(
    builder: Builder,
    rng: random.Random,
    creditor_id: str,
    task_type: str,
    row: dict[str, Any] | None,
    description: str | None,
    hours_ago: float,
) -> None:
    builder.rows.tasks.append(
        {
            "id": new_uuid(rng),
            "creditor_id": creditor_id,
            "case_id": row["id"] if row else None,
            "lead_id": None,
            "type": task_type,
            "title": TASK_KINDS[task_type].title,
            "description": description,
            "status": "Open",
            "deadline": None,
            "date_created": builder.now - timedelta(hours=hours_ago),
            "date_solved": None,
        }
    )


def _question(builder: Builder, rng: random.Random, row: dict[str, Any]) -> None:
    hours_ago = rng.uniform(2, 24 * 10)
    question = pick(rng, QUESTIONS)
    _message(builder, rng, row, question, hours_ago)
    kind = "ClientInputRequired" if "accept" in question else "ReplyToChat"
    _task(builder, rng, row["creditor_id"], kind, row, question, hours_ago)


def _document_request(builder: Builder, rng: random.Random, row: dict[str, Any]) -> None:
    hours_ago = rng.uniform(2, 24 * 6)
    area, description = pick(rng, DOCUMENT_REQUESTS)
    builder.rows.validation_items.append(
        {
            "case_id": row["id"],
            "resolution_area": area,
            "description": description,
            "date_created": builder.now - timedelta(hours=hours_ago),
            "date_resolved": None,
        }
    )
    _message(builder, rng, row, f"To go on with the case we need: {description.lower()}.", hours_ago)
    _task(builder, rng, row["creditor_id"], "MoreInfoNeeded", row, description, hours_ago)


def _account_tasks(builder: Builder, rng: random.Random) -> None:
    """A bank account to assign on every fourth ready client; a contract to re-sign where a new SDCA waits."""
    ready = [link for link in builder.rows.links if link["status"] == "ready"]
    for index, link in enumerate(ready):
        if index % 4 == 1:
            _task(
                builder,
                rng,
                link["creditor_id"],
                "AssignBankAccount",
                None,
                "Add the bank account Debitura pays your collected money into.",
                rng.uniform(24, 24 * 20),
            )
    signed = {row["id"]: row["sdca_signed_version"] for row in builder.rows.creditors}
    for link in ready:
        version = signed.get(link["creditor_id"])
        if version is not None and version < DEMO_SDCA_VERSION:
            _task(
                builder,
                rng,
                link["creditor_id"],
                "SignContract",
                None,
                "A new version of the debt collection agreement is waiting for your signature.",
                rng.uniform(2, 48),
            )
