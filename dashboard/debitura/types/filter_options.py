"""The ids the case and earnings filters take (`GET /referral-partner/filter-options`), with their names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fields import camel_keys, integer, objects, text


@dataclass(frozen=True)
class CountryOption:
    """A debtor country of the partner's cases: `id` goes into `CountryIds`."""

    id: int
    name: str


@dataclass(frozen=True)
class PartnerOption:
    """A collection partner of the partner's carve-outs: `id` goes into `CollectionPartnerIds`."""

    id: str
    name: str


@dataclass(frozen=True)
class FilterOptions:
    countries: tuple[CountryOption, ...] = ()
    carveout_partners: tuple[PartnerOption, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> FilterOptions:
        f = camel_keys(data)
        countries = []
        for item in objects(f.get("countries")):
            entry = camel_keys(item)
            if (country_id := integer(entry.get("id"))) is not None:
                countries.append(CountryOption(country_id, text(entry.get("name")) or str(country_id)))
        partners = []
        for item in objects(f.get("carveoutPartners")):
            entry = camel_keys(item)
            if partner_id := text(entry.get("id")):
                partners.append(PartnerOption(partner_id, text(entry.get("name")) or partner_id))
        return cls(tuple(countries), tuple(partners))
