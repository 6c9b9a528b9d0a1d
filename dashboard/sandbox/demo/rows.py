"""The rows a demo tenant seeds (creditor, users, link, link request, KYC, signatures), collected per table
and inserted in foreign-key order with executemany."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dashboard.sandbox import pricing, reference
from dashboard.sandbox.demo.debtors import case_payload, random_amount, random_debtor
from dashboard.sandbox.demo.draw import new_uuid, pick, random_reference
from dashboard.sandbox.demo.names import DEBTOR_WORDS
from dashboard.sandbox.demo.tenants import DemoTenant
from dashboard.sandbox.models import (
    Case,
    CasePayment,
    CaseTask,
    ChatMessage,
    ClientLink,
    ContractSignature,
    Creditor,
    CreditorUser,
    KycVerification,
    LinkRequest,
    RevenueTransaction,
    ValidationItem,
)
from dashboard.sandbox.wire import dumps

CURRENT_FEE = Decimal("50")
EARLIER_FEE = Decimal("40")  # links made over 300 days ago kept the older fee (snapshotted)
CHUNK = 5000


@dataclass
class Rows:
    """Plain rows per table, inserted in foreign-key order with executemany."""

    creditors: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    link_requests: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    kyc: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)
    validation_items: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, s: Session) -> None:
        for model, rows in (
            (Creditor, self.creditors),
            (CreditorUser, self.users),
            (ClientLink, self.links),
            (LinkRequest, self.link_requests),
            (ContractSignature, self.signatures),
            (KycVerification, self.kyc),
            (Case, self.cases),
            (RevenueTransaction, self.transactions),
            (CasePayment, self.payments),
            (ChatMessage, self.chats),
            (ValidationItem, self.validation_items),
            (CaseTask, self.tasks),
        ):
            # Core executemany on the table: one statement per chunk, no ORM bookkeeping per row.
            for start in range(0, len(rows), CHUNK):
                s.connection().execute(insert(model.__table__), rows[start : start + CHUNK])


@dataclass
class Builder:
    """Turns tenant scenarios into rows, all dates counted back from `now`."""

    now: datetime
    partner_id: str
    rng: random.Random
    rows: Rows = field(default_factory=Rows)
    references: set[str] = field(default_factory=set)
    # Pools drawn from for every case, so bulk growth does not invent each debtor from scratch.
    debtor_pool: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    amount_pool: dict[str, list[Decimal]] = field(default_factory=dict)
    base_fees: dict[tuple[Decimal, str, str], Decimal] = field(default_factory=dict)

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def debtor(self, country: str) -> dict[str, Any]:
        if country not in self.debtor_pool:
            self.debtor_pool[country] = [random_debtor(self.rng, country) for _ in range(40)]
        return pick(self.rng, self.debtor_pool[country])

    def amount(self, currency: str) -> Decimal:
        if currency not in self.amount_pool:
            self.amount_pool[currency] = [random_amount(self.rng, currency) for _ in range(60)]
        return pick(self.rng, self.amount_pool[currency])

    def fee(self, amount: Decimal, currency: str, country: str, due_day: date, today: date) -> tuple[Decimal, Decimal]:
        """(base fee, age surcharge) as the pricing rules give them; the base depends on neither date."""
        key = (amount, currency, country)
        if key not in self.base_fees:
            quoted = pricing.quote(amount, currency, country, today=today)
            assert quoted is not None  # demo debtors live only where a collection partner collects
            self.base_fees[key] = quoted.base
        return self.base_fees[key], pricing.surcharge_for_due_date(due_day, today)

    def creditor(self, tenant: DemoTenant, *, signed: int | None, kyc_required: bool, deleted: bool = False) -> str:
        creditor_id = new_uuid(self.rng)
        client = tenant.payload["client"]
        created = self.ago(days=tenant.age_days + (420 if not tenant.attributed else 0))
        self.rows.creditors.append(
            {
                "id": creditor_id,
                "kind": "creditor",
                "company_name": tenant.company,
                "registration_number": client["registrationNumber"],
                "country": tenant.country,
                "address": client["address"],
                "city": tenant.city,
                "zip_code": client["zipCode"],
                "state": None,
                "office_email": tenant.support_email,
                "office_phone": "+45 70 10 20 30",
                "other_partner_name": None,
                "sdca_signed_version": signed,
                "sdca_signed_at": created + timedelta(days=1) if signed else None,
                "kyc_required": kyc_required,
                "blocked": False,
                "created_at": created,
                "deleted_at": self.ago(days=tenant.age_days // 2) if deleted else None,
            }
        )
        for index, (name, email) in enumerate(tenant.users):
            self.rows.users.append(
                {"creditor_id": creditor_id, "email": email, "name": name, "is_onboarding_user": index == 0}
            )
        return creditor_id

    def link(self, tenant: DemoTenant, creditor_id: str, *, status: str, step: str) -> str:
        link_id = new_uuid(self.rng)
        self.rows.links.append(
            {
                "id": link_id,
                "partner_id": self.partner_id,
                "external_tenant_id": tenant.external_tenant_id,
                "creditor_id": creditor_id,
                "is_attributed": tenant.attributed,
                "fee_percentage_snapshot": EARLIER_FEE if tenant.age_days > 300 else CURRENT_FEE,
                "date_linked": self.ago(days=tenant.age_days),
                "status": status,
                "onboarding_step": step,
                "cases_replayed": not tenant.attributed,
            }
        )
        return link_id

    def link_request(
        self, tenant: DemoTenant, creditor_id: str, *, status: str, link_id: str | None = None, ttl_days: int
    ) -> None:
        if status == "pending":
            expires = self.now + timedelta(hours=tenant.hours_left or 1)
            created = expires - timedelta(days=ttl_days)
        else:
            # An approved request was decided (20 hours after it was made) when the link was made.
            created = self.ago(days=tenant.age_days, hours=20 if status == "approved" else 0)
            expires = created + timedelta(days=ttl_days)
        decided = {
            "pending": None,
            "approved": created + timedelta(hours=20),
            "declined": created + timedelta(days=2),
            "expired": expires + timedelta(minutes=35),  # the hourly job caught it
        }[status]
        today = self.now.date()
        cases = [case_payload(self.rng, tenant, index, today) for index in range(2)] if status == "pending" else []
        payload = {**tenant.payload, "cases": cases}
        payload["client"] = {**payload["client"], "state": None, "supportPhone": None}
        del payload["externalTenantId"]
        self.rows.link_requests.append(
            {
                "id": new_uuid(self.rng),
                "token": f"demo{self.rng.getrandbits(160):040x}",
                "partner_id": self.partner_id,
                "external_tenant_id": tenant.external_tenant_id,
                "creditor_id": creditor_id,
                "status": status,
                "is_choice": tenant.choice,
                "payload": dumps(payload),
                "created_at": created,
                "expires_at": expires,
                "decided_at": decided,
                "link_id": link_id,
            }
        )

    def kyc(self, tenant: DemoTenant, creditor_id: str) -> None:
        if tenant.kyc not in ("submitted", "verified"):
            return
        submitted = self.ago(days=min(tenant.age_days - 5, 30))
        name, _ = tenant.users[0]
        self.rows.kyc.append(
            {
                "creditor_id": creditor_id,
                "director_full_name": name,
                "director_home_address": f"7 {self.rng.choice(DEBTOR_WORDS)} Road, {tenant.city}",
                "director_date_of_birth": date(
                    1960 + self.rng.randint(0, 35), self.rng.randint(1, 12), self.rng.randint(1, 28)
                ),
                "date_created": submitted,
                "verification_status": "Completed" if tenant.kyc == "verified" else None,
                "verification_status_updated_at": submitted + timedelta(days=1) if tenant.kyc == "verified" else None,
                "send_chat_notification": True,
            }
        )

    def sign(self, creditor_id: str, partner_ids: Iterable[str], signed_at: datetime) -> None:
        for partner_id in sorted(set(partner_ids)):
            kinds = ["poa", "jpa"] if reference.signs_jpa(reference.PARTNERS[partner_id]) else ["poa"]
            for kind in kinds:
                self.rows.signatures.append(
                    {
                        "creditor_id": creditor_id,
                        "collection_partner_id": partner_id,
                        "kind": kind,
                        "signed_at": signed_at,
                    }
                )

    def new_reference(self) -> str:
        while (candidate := random_reference(self.rng)) in self.references:
            continue
        self.references.add(candidate)
        return candidate
