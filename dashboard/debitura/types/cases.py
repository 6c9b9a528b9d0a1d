"""A case as the Customer API returns it, its contract status and its uploaded files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..fields import calendar_date, camel_keys, flag, moment, money, nested, objects, text
from .parties import Company, Debtor


@dataclass(frozen=True)
class ValidationItem:
    resolution_area: str | None = None
    description: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ValidationItem:
        f = camel_keys(data)
        return cls(resolution_area=text(f.get("resolutionArea")), description=text(f.get("description")))


@dataclass(frozen=True)
class CaseValidation:
    """Whether Debitura needs more information from the creditor, and what exactly."""

    needs_info: bool = False
    creditor_responded_at: datetime | None = None
    items: tuple[ValidationItem, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> CaseValidation:
        f = camel_keys(data)
        return cls(
            needs_info=bool(flag(f.get("needsInfo"))),
            creditor_responded_at=moment(f.get("creditorRespondedAt")),
            items=tuple(ValidationItem.from_json(item) for item in objects(f.get("items"))),
        )


@dataclass(frozen=True)
class Case:
    """A case as the Customer API returns it (``InvoiceDto``)."""

    id: str | None
    reference: str | None = None
    creditor_reference: str | None = None
    lifecycle: str | None = None
    close_code: str | None = None
    is_test_case: bool = False
    currency: str | None = None
    gross_amount: Decimal | None = None
    remainder: Decimal | None = None
    interest_fees: Decimal | None = None
    reminder_fees: Decimal | None = None
    collection_fees: Decimal | None = None
    total_added_fees: Decimal | None = None
    date: dt.date | None = None  # from here on, `date` in this class is the field, not the type
    due_date: dt.date | None = None
    date_created: datetime | None = None
    date_updated: datetime | None = None
    date_finished: datetime | None = None
    date_collection_started: datetime | None = None
    current_engagement_phase: str | None = None
    claim_type: str | None = None
    claim_description: str | None = None
    dispute_status: str | None = None
    pre_legal_success_fee: Decimal | None = None
    debtor: Debtor | None = None
    creditor: Company | None = None
    collection_partner_name: str | None = None
    signing_handoff_url: str | None = None
    solution_url: str | None = None
    validation: CaseValidation = field(default_factory=CaseValidation)

    @property
    def validation_items(self) -> tuple[ValidationItem, ...]:
        return self.validation.items

    @classmethod
    def from_json(cls, data: Any) -> Case:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            reference=text(f.get("reference")),
            creditor_reference=text(f.get("creditorReference")),
            lifecycle=text(f.get("lifecycle")),
            close_code=text(f.get("closeCode")),
            is_test_case=bool(flag(f.get("isTestCase", f.get("isTest")))),
            currency=text(f.get("currency") or f.get("currencyCode")),
            gross_amount=money(f.get("grossAmount")),
            remainder=money(f.get("remainder")),
            interest_fees=money(f.get("interestFees")),
            reminder_fees=money(f.get("reminderFees")),
            collection_fees=money(f.get("collectionFees")),
            total_added_fees=money(f.get("totalAddedFees")),
            date=calendar_date(f.get("date")),
            due_date=calendar_date(f.get("dueDate")),
            date_created=moment(f.get("dateCreated")),
            date_updated=moment(f.get("dateUpdated")),
            date_finished=moment(f.get("dateFinished")),
            date_collection_started=moment(f.get("dateCollectionStarted")),
            current_engagement_phase=text(f.get("currentEngagementPhase")),
            claim_type=text(f.get("claimType")),
            claim_description=text(f.get("claimDescription")),
            dispute_status=text(f.get("disputeStatus")),
            pre_legal_success_fee=money(f.get("preLegalSuccessFee")),
            debtor=Debtor.from_json(f["debtor"]) if isinstance(f.get("debtor"), dict) else None,
            creditor=Company.from_json(f["creditor"]) if isinstance(f.get("creditor"), dict) else None,
            collection_partner_name=text(nested(f, "collectionPartner", "name")),
            signing_handoff_url=text(nested(f, "signingHandoff", "combinedSigningUrl")),
            solution_url=text(f.get("solutionUrl")),
            validation=CaseValidation.from_json(f.get("validation")),
        )


@dataclass(frozen=True)
class ContractItem:
    signed: bool = False
    requires_resigning: bool = False
    solution_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ContractItem:
        f = camel_keys(data)
        return cls(
            signed=bool(flag(f.get("signed"))),
            requires_resigning=bool(flag(f.get("requiresResigning"))),
            solution_url=text(f.get("solutionUrl")),
        )


@dataclass(frozen=True)
class ContractStatus:
    """Signing state for one case (SDCA, power of attorney, pricing appendix), each with a URL to fix it."""

    sdca: ContractItem | None = None
    poa: ContractItem | None = None
    pricing_appendix: ContractItem | None = None
    collection_partner_name: str | None = None
    needs_poa_signing: bool = False

    @classmethod
    def from_json(cls, data: Any) -> ContractStatus:
        f = camel_keys(data)

        def item(key: str) -> ContractItem | None:
            return ContractItem.from_json(f[key]) if isinstance(f.get(key), dict) else None

        return cls(
            sdca=item("sdca"),
            poa=item("poa"),
            pricing_appendix=item("pricingAppendix"),
            collection_partner_name=text(f.get("collectionPartnerName")),
            needs_poa_signing=bool(flag(f.get("needsPoaSigning"))),
        )


@dataclass(frozen=True)
class UploadedFile:
    id: str | None = None
    file_name: str | None = None
    date_created: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> UploadedFile:
        f = camel_keys(data)
        return cls(id=text(f.get("id")), file_name=text(f.get("fileName")), date_created=moment(f.get("dateCreated")))
