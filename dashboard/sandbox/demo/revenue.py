"""A year of revenue transactions for the demo's collected cases, spread over all seven revenue stages."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from dashboard.sandbox import reference
from dashboard.sandbox.demo.debtors import CENT
from dashboard.sandbox.demo.draw import new_uuid
from dashboard.sandbox.demo.rows import Builder

STAGE_STATUSES: tuple[tuple[str, str, str], ...] = (
    # (commission payment, platform invoicing, referral invoicing), in RevenueBreakdown order
    ("Unpaid", "NotInvoiced", "Pending"),
    ("Paid", "NotInvoiced", "Pending"),
    ("Paid", "InvoiceIssued", "Pending"),
    ("Paid", "PaymentReceived", "Pending"),
    ("Paid", "PaymentReceived", "Invoiced"),
    ("Paid", "PaymentReceived", "Paid"),
    ("Paid", "PaymentReceived", "Disputed"),
)


def _stage_for_age(rng: random.Random, days: int) -> int:
    if days > 120:
        return 6 if rng.random() < 0.08 else 5
    if days > 75:
        return rng.choice((4, 5))
    if days > 45:
        return rng.choice((3, 4))
    if days > 20:
        return rng.choice((1, 2))
    return 0


def add_transactions(builder: Builder, cases: list[dict[str, Any]], fees: dict[str, Decimal]) -> None:
    rng = builder.rng
    for row in cases:
        collected = row["gross_amount"] - row["remainder"]
        if row["is_test"] or collected <= 0 or not row["via_partner"] or row["date_collection_started"] is None:
            continue
        parts = 1 if row["close_code"] == "Paid" and rng.random() < 0.6 else 2
        last_day = row["date_finished"] or builder.now - timedelta(days=1)
        span = max((last_day - row["date_collection_started"]).days, 1)
        fee = row["base_fee_percentage"] + row["age_uplift_points"]
        share = (collected / parts).quantize(CENT)
        for part in range(parts):
            # The last payment takes the rounding remainder, so the payments add up to what was collected.
            amount = share if part < parts - 1 else collected - share * (parts - 1)
            paid_on = row["date_collection_started"] + timedelta(days=span * (part + 1) / parts)
            if paid_on > builder.now - timedelta(hours=1) or paid_on < builder.now - timedelta(days=365):
                continue
            stage = _stage_for_age(rng, (builder.now - paid_on).days)
            commission, platform, referral = STAGE_STATUSES[stage]
            builder.rows.transactions.append(
                {
                    "id": new_uuid(rng),
                    "case_id": row["id"],
                    "link_id": row["link_id"],
                    "date": paid_on,
                    "payment_amount": amount,
                    "currency": row["currency"],
                    "debitura_revenue": (amount * fee / 100 * reference.PLATFORM_SHARE_PERCENTAGE / 100).quantize(CENT),
                    "referral_fee_percentage": fees[row["link_id"]],
                    "commission_payment_status": commission,
                    "platform_invoicing_status": platform,
                    "referral_invoicing_status": referral,
                }
            )
    _cover_every_stage(builder.rows.transactions)


def _cover_every_stage(transactions: list[dict[str, Any]]) -> None:
    """Make sure each of the seven stages holds at least one transaction (the demo shows every bucket)."""

    def stage_of(row: dict[str, Any]) -> int:
        return STAGE_STATUSES.index(
            (row["commission_payment_status"], row["platform_invoicing_status"], row["referral_invoicing_status"])
        )

    present = {stage_of(row) for row in transactions}
    spare = sorted(transactions, key=lambda row: row["date"])
    for stage in range(len(STAGE_STATUSES)):
        if stage in present or not spare:
            continue
        row = spare.pop(len(spare) // 2)
        row["commission_payment_status"], row["platform_invoicing_status"], row["referral_invoicing_status"] = (
            STAGE_STATUSES[stage]
        )
        present.add(stage)
