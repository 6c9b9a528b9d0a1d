"""Companies and people as Debitura describes them: creditors, users, debtors, contacts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fields import camel_keys, integer, text


@dataclass(frozen=True)
class Company:
    """The creditor behind a client (``CreditorDto``)."""

    id: str | None = None
    company_name: str | None = None
    office_email: str | None = None
    office_phone: str | None = None
    country: str | None = None
    address: str | None = None
    city: str | None = None
    zip_code: str | None = None
    state: str | None = None
    company_registration_number: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Company:
        f = camel_keys(data)
        return cls(
            id=text(f.get("id")),
            company_name=text(f.get("companyName") or f.get("name")),
            office_email=text(f.get("officeEmail")),
            office_phone=text(f.get("officePhone")),
            country=text(f.get("country")),
            address=text(f.get("address")),
            city=text(f.get("city")),
            zip_code=text(f.get("zipCode")),
            state=text(f.get("state")),
            company_registration_number=text(f.get("companyRegistrationNumber") or f.get("registrationNumber")),
        )


@dataclass(frozen=True)
class User:
    id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @classmethod
    def from_json(cls, data: Any) -> User:
        f = camel_keys(data)
        first_name = text(f.get("firstName"))
        if first_name is None and f.get("name"):
            first_name = text(f.get("name"))
        return cls(
            id=integer(f.get("id")),
            email=text(f.get("email")),
            first_name=first_name,
            last_name=text(f.get("lastName")),
        )


@dataclass(frozen=True)
class ContactUser:
    email: str | None = None
    name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ContactUser:
        f = camel_keys(data)
        return cls(email=text(f.get("email")), name=text(f.get("name")))


@dataclass(frozen=True)
class Debtor:
    type: str | None = None
    name: str | None = None
    contact_person: str | None = None
    company_registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    state_alpha2: str | None = None
    country_alpha2: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Debtor:
        f = camel_keys(data)
        return cls(
            type=text(f.get("type")),
            name=text(f.get("name")),
            contact_person=text(f.get("contactPerson")),
            company_registration_number=text(f.get("companyRegistrationNumber")),
            address=text(f.get("address")),
            zip_code=text(f.get("zipCode")),
            city=text(f.get("city")),
            state=text(f.get("state")),
            state_alpha2=text(f.get("stateAlpha2")),
            country_alpha2=text(f.get("countryAlpha2")),
            country=text(f.get("country")),
            email=text(f.get("email")),
            phone=text(f.get("phone")),
        )
