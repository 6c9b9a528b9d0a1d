"""Reading cases: the list across all tenants (from the mirror), the pending-signing queue, one case's page.

Lists read the local mirror, so filtering, counting and sorting are SQL over indexed columns;
a case's page asks Debitura for the current record (with its potential revenue) and refreshes
the mirror from it, falling back to the mirror's copy, marked stale, when Debitura is down.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, nulls_first, nulls_last, select
from sqlalchemy.orm import joinedload, load_only

from dashboard import money
from dashboard.debitura import (
    CaseDetail,
    DebituraClient,
    DebituraConnectionError,
    FilterOptions,
    NotFound,
    RateLimited,
    ServerError,
)
from dashboard.extensions import db
from dashboard.models import (
    LIFECYCLE_GROUPS,
    PENDING_SIGNING,
    Case,
    CaseFileUpload,
    CaseSubmission,
    Tenant,
    WebhookEvent,
)
from dashboard.services import count_cache, live, mirror
from dashboard.services.errors import CaseNotFound
from dashboard.services.query_args import page_number, search_text
from dashboard.services.tenant_state import debitura_now
from dashboard.services.uploads import files_for
from dashboard.services.usd_rates import usd_equivalent

GROUPS = ("All", "Active", "Pending", "Closed", "Paused")
LIFECYCLES = tuple(lifecycle for members in LIFECYCLE_GROUPS.values() for lifecycle in members)
# Amounts in different currencies compare by their USD equivalent (the page says so).
SORTS = {"created": Case.date_created, "amount": usd_equivalent(Case.gross_amount, Case.currency), "due": Case.due_date}
TEST_FILTERS = {"include": "Include test cases", "exclude": "Hide test cases", "only": "Only test cases"}
PER_PAGE = 50


@dataclass(frozen=True)
class CaseFilters:
    group: str = "All"
    lifecycle: str = ""
    q: str = ""
    sort: str = "created"
    direction: str = "desc"
    test: str = "include"
    page: int = 1
    # Debitura's ids (CountryIds, CollectionPartnerIds), as links carry them ...
    countries: tuple[int, ...] = ()
    partners: tuple[str, ...] = ()
    # ... and the names the mirror holds for them (Debitura's case listing names both), once resolved.
    country_names: tuple[str, ...] = field(default=(), compare=False)
    partner_names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> CaseFilters:
        """Read query parameters leniently: anything unknown falls back to the default."""
        group = values.get("group", "All")
        lifecycle = values.get("lifecycle", "")
        sort = values.get("sort", "created")
        direction = values.get("direction", "desc")
        test = values.get("test", "include")
        page = page_number(values.get("page", 1))
        return cls(
            group=group if group in GROUPS else "All",
            lifecycle=lifecycle if lifecycle in LIFECYCLES else "",
            q=search_text(values.get("q")),
            sort=sort if sort in SORTS else "created",
            direction=direction if direction in ("asc", "desc") else "desc",
            test=test if test in TEST_FILTERS else "include",
            page=page,
            countries=tuple(
                dict.fromkeys(int(value) for value in _all(values, "country") if _COUNTRY_ID.fullmatch(value))
            ),
            partners=tuple(dict.fromkeys(value.lower() for value in _all(values, "partner") if _UUID.fullmatch(value))),
        )

    def resolved(self, lookup: Callable[[], FilterOptions | None]) -> CaseFilters:
        """These filters with the mirror's names for the chosen country and partner ids, from `lookup`
        (asked only when ids are chosen); ids Debitura does not offer (or all, while it does not answer) are left out."""
        if not (self.countries or self.partners):
            return self
        options = lookup()
        countries = {country.id: country.name for country in options.countries} if options else {}
        partners = {partner.id.lower(): partner.name for partner in options.carveout_partners} if options else {}
        kept_countries = tuple(country for country in self.countries if country in countries)
        kept_partners = tuple(partner for partner in self.partners if partner in partners)
        return replace(
            self,
            countries=kept_countries,
            partners=kept_partners,
            country_names=tuple(countries[country] for country in kept_countries),
            partner_names=tuple(partners[partner] for partner in kept_partners),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query parameters for a link (defaults left out, so URLs stay short); a filter change goes to page 1."""
        if any(name != "page" for name in changes):
            changes.setdefault("page", 1)
        values = replace(self, **changes)
        defaults = CaseFilters()
        return {
            _LINK_FIELDS[name]: getattr(values, name)
            for name in _LINK_FIELDS
            if getattr(values, name) != getattr(defaults, name)
        }

    def on_page(self, pages: int) -> CaseFilters:
        """These filters on a page that exists: past the end means the last page."""
        return replace(self, page=pages) if self.page > pages else self

    def sort_args(self, sort: str) -> dict[str, Any]:
        """A column header's link: the same column flips direction, another starts descending."""
        direction = ("asc" if self.direction == "desc" else "desc") if sort == self.sort else "desc"
        return self.args(sort=sort, direction=direction)


# Field → query parameter; a country or partner repeats its parameter once per id.
_LINK_FIELDS = {name: name for name in ("group", "lifecycle", "q", "sort", "direction", "test", "page")} | {
    "countries": "country",
    "partners": "partner",
}
_COUNTRY_ID = re.compile(r"[0-9]{1,9}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _all(values: Mapping[str, str], name: str) -> list[str]:
    """Every value of a repeated query parameter (a plain mapping has one)."""
    if hasattr(values, "getlist"):
        return [value.strip() for value in values.getlist(name)]
    value = values.get(name)
    return [value.strip()] if isinstance(value, str) else []


@dataclass(frozen=True)
class CaseListing:
    filters: CaseFilters
    rows: Sequence[Case]
    total: int
    pages: int
    group_counts: dict[str, int] = field(default_factory=dict)
    past_the_end: int | None = None  # the page asked for, when it was beyond the last one


def _base_conditions(filters: CaseFilters) -> list:
    conditions = []
    if filters.q:
        conditions.append(Case.search_text.contains(filters.q.lower(), autoescape=True))
    if filters.countries:
        conditions.append(Case.debtor_country.in_(filters.country_names))
    if filters.partners:
        conditions.append(Case.collection_partner.in_(filters.partner_names))
    if filters.test == "exclude":
        conditions.append(Case.is_test.is_(False))
    elif filters.test == "only":
        conditions.append(Case.is_test.is_(True))
    return conditions


def _conditions(filters: CaseFilters) -> list:
    conditions = _base_conditions(filters)
    if filters.group != "All":
        conditions.append(Case.lifecycle.in_(LIFECYCLE_GROUPS[filters.group]))
    if filters.lifecycle:
        conditions.append(Case.lifecycle == filters.lifecycle)
    return conditions


def _ordered(filters: CaseFilters):
    column = SORTS[filters.sort]
    order = nulls_last(column.asc()) if filters.direction == "asc" else nulls_last(column.desc())
    return select(Case).where(*_conditions(filters)).order_by(order, Case.id)


# What a row of the case list or the pending queue shows, and nothing more: a case row carries
# some forty columns and its tenant as many. Any other column would cost a query per row, so it
# raises instead, and the page tests find it.
_ROW_COLUMNS = (
    Case.id,
    Case.reference,
    Case.creditor_reference,
    Case.client_name,
    Case.external_tenant_id,
    Case.tenant_id,
    Case.debtor_name,
    Case.debtor_country,
    Case.gross_amount,
    Case.currency,
    Case.lifecycle,
    Case.close_code,
    Case.date_created,
    Case.due_date,
    Case.is_test,
)


def _rows_only(*extra) -> tuple:
    return (
        load_only(*_ROW_COLUMNS, *extra, raiseload=True),
        joinedload(Case.tenant).load_only(Tenant.id, Tenant.company_name, raiseload=True),
    )


def _lifecycle_counts(filters: CaseFilters) -> dict[str, int]:
    """Cases per lifecycle under the search and test filters (one GROUP BY over the lifecycle index).

    Without a search they are remembered until a case changes: the same few filters are what
    every operator opens, and the GROUP BY is what grows with the mirror.
    """

    def compute() -> dict[str, int]:
        rows = db.session.execute(
            select(Case.lifecycle, func.count()).where(*_base_conditions(filters)).group_by(Case.lifecycle)
        ).all()
        return {lifecycle or "": count for lifecycle, count in rows}  # no lifecycle yet: counted under All only

    if filters.q or filters.countries or filters.partners:
        return compute()
    return count_cache.counts_for(f"cases-by-lifecycle:{filters.test}", live.cases_marker(), compute)


def _group_counts(by_lifecycle: Mapping[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(GROUPS, 0)
    for lifecycle, count in by_lifecycle.items():
        counts["All"] += count
        for group, members in LIFECYCLE_GROUPS.items():
            if lifecycle in members:
                counts[group] += count
    return counts


def _matching(filters: CaseFilters, by_lifecycle: Mapping[str, int]) -> int:
    """How many cases the list shows in all, read off the lifecycle counts (no second pass over the rows)."""
    if filters.lifecycle:
        wanted = (
            {filters.lifecycle}
            if filters.group == "All" or filters.lifecycle in LIFECYCLE_GROUPS[filters.group]
            else set()
        )
    elif filters.group != "All":
        wanted = set(LIFECYCLE_GROUPS[filters.group])
    else:
        return sum(by_lifecycle.values())
    return sum(count for lifecycle, count in by_lifecycle.items() if lifecycle in wanted)


def list_cases(asked: CaseFilters, *, per_page: int = PER_PAGE) -> CaseListing:
    by_lifecycle = _lifecycle_counts(asked)
    total = _matching(asked, by_lifecycle)
    pages = max((total + per_page - 1) // per_page, 1)
    filters = asked.on_page(pages)
    page = db.paginate(
        _ordered(filters).options(*_rows_only()), page=filters.page, per_page=per_page, error_out=False, count=False
    )
    return CaseListing(
        filters=filters,
        rows=page.items,
        total=total,
        pages=pages,
        group_counts=_group_counts(by_lifecycle),
        past_the_end=asked.page if asked.page != filters.page else None,
    )


def case_id_for_reference(reference: str) -> str | None:
    """Debitura's id of the mirrored case with this reference (as the lists show it, any case), or None."""
    return db.session.scalar(select(Case.id).where(func.upper(Case.reference) == reference.strip().upper()).limit(1))


def iter_cases(filters: CaseFilters) -> Iterator[Case]:
    """Every matching case, streamed for an export."""
    yield from db.session.scalars(_ordered(filters).execution_options(yield_per=500))


def pending_signing(limit: int = 500) -> list[Case]:
    """Cases waiting for the client's signatures, longest-waiting first."""
    return list(
        db.session.scalars(
            select(Case)
            .options(*_rows_only(Case.signing_url, Case.solution_urls))
            .where(Case.lifecycle == PENDING_SIGNING)
            .order_by(nulls_first(Case.date_created.asc()), Case.id)
            .limit(limit)
        )
    )


# A solution URL's step, read off its path when Debitura's contract status did not name it.
_STEPS_BY_PATH = (
    ("powerofattorney", "power of attorney"),
    ("contractupgrade", "new agreement version"),
    ("onboarding", "debt collection agreement"),
)


def _solution_step(entry: Any) -> tuple[str, str] | None:
    """(step, URL) of one stored solution URL: {"step", "url"}, or a bare URL from older rows."""
    if isinstance(entry, dict):
        url, step = entry.get("url"), entry.get("step")
    else:
        url, step = entry, None
    if not isinstance(url, str) or not url:
        return None
    if not isinstance(step, str) or not step:
        path = url.lower()
        step = next((name for marker, name in _STEPS_BY_PATH if marker in path), "")
    return step, url


def unblocking_urls(case: Case) -> list[tuple[str, str, str]]:
    """(label, URL, caption) for every URL that moves a pending case on: the combined signing URL, then one per step."""
    urls: list[tuple[str, str, str]] = []
    if case.lifecycle != PENDING_SIGNING:
        return urls
    if case.signing_url:
        urls.append(("Signing URL", case.signing_url, "Every pending step in one flow"))
    for step, url in filter(None, map(_solution_step, case.solution_urls or [])):
        if url != case.signing_url and all(url != known for _, known, _ in urls):
            if step:
                urls.append((f"{step[:1].upper()}{step[1:]} URL", url, f"Only the {step}"))
            else:
                urls.append(("Solution URL", url, "One more step Debitura asks for, on its own"))
    return urls


def refresh_signing_urls(case_id: str, *, debitura: DebituraClient) -> Case:
    """Ask Debitura, as the case's client, for the URLs that unblock a pending case, and keep them on the mirror.

    The Referral API's case listing carries no signing URL: it comes from the Customer API's case
    (signingHandoff.combinedSigningUrl) and its contract status (one solutionUrl per unsigned contract).
    """
    case = db.session.get(Case, case_id)
    if case is None or not case.external_tenant_id:
        raise CaseNotFound(case_id)
    as_of = debitura_now()
    current = debitura.get_customer_case(case.external_tenant_id, case_id)
    contracts = debitura.contract_status(case.external_tenant_id, case_id)
    case = mirror.upsert_case(
        current, source="api", external_tenant_id=case.external_tenant_id, as_of=as_of, commit=False
    )
    steps: dict[str, list[str]] = {}  # one URL can serve two steps (the PoA page also signs the pricing appendix)
    for step, item in (
        ("debt collection agreement", contracts.sdca),
        ("power of attorney", contracts.poa),
        ("pricing appendix", contracts.pricing_appendix),
    ):
        if item is not None and item.solution_url and (not item.signed or item.requires_resigning):
            steps.setdefault(item.solution_url, []).append(step)
    case.solution_urls = [{"step": " and ".join(names), "url": url} for url, names in steps.items()]
    db.session.commit()
    return case


# ---------------------------------------------------------------- one case


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | None
    title: str
    detail: str = ""


@dataclass(frozen=True)
class CaseView:
    case: Case
    detail: CaseDetail | None
    stale_reason: str | None
    files: list[CaseFileUpload]
    submission: CaseSubmission | None
    timeline: list[TimelineEntry]


def _learn(detail: CaseDetail, as_of: datetime) -> Case:
    """The mirrored case, updated only when Debitura's answer tells it something new.

    Opening a page is a read: an answer that matches the mirror writes nothing (not even when
    it was seen), so polls elsewhere stay quiet and a read never contends with the sync.
    """
    [case], changed = mirror.upsert_cases([detail], source="api", as_of=as_of)
    if changed:
        db.session.commit()
        return case
    db.session.rollback()
    return db.session.get_one(Case, detail.id)


def load_case(case_id: str, *, debitura: DebituraClient) -> CaseView:
    """Debitura's current record of the case, mirrored; the mirror's copy (marked stale) when Debitura is down."""
    detail: CaseDetail | None = None
    stale_reason = None
    as_of = debitura_now()
    try:
        detail = debitura.referral.get_case(case_id)
    except NotFound:
        raise CaseNotFound(case_id) from None
    except (DebituraConnectionError, ServerError, RateLimited) as error:
        case = db.session.get(Case, case_id)
        if case is None:
            raise
        stale_reason = error.user_message
    else:
        case = _learn(detail, as_of)
    submission = db.session.scalar(
        select(CaseSubmission).where(CaseSubmission.case_id == case.id).order_by(CaseSubmission.id).limit(1)
    )
    files = files_for(case.id)
    return CaseView(case, detail, stale_reason, files, submission, timeline(case, files, submission))


def _event_detail(event: WebhookEvent) -> str:
    try:
        data = (json.loads(event.payload) or {}).get("data") or {}
    except (ValueError, AttributeError):
        return ""
    before, after = data.get("oldLifecycle"), data.get("lifecycle") or data.get("newLifecycle")
    parts = []
    if before and after:
        parts.append(f"{before} → {after}")
    elif after:
        parts.append(str(after))
    if data.get("closeCode"):
        parts.append(f"close code {data['closeCode']}")
    return ", ".join(parts)


EVENT_TITLES = {
    "case.created": "Created (webhook)",
    "case.updated": "Updated (webhook)",
    "case.closed": "Closed (webhook)",
}


def timeline(
    case: Case, files: Iterable[CaseFileUpload] = (), submission: CaseSubmission | None = None
) -> list[TimelineEntry]:
    """What happened to the case, newest first: its dates, webhooks received, our submission and uploads."""
    entries = [
        TimelineEntry(case.date_created, "Case created at Debitura", case.reference or ""),
        TimelineEntry(case.date_collection_started, "Collection started", case.collection_partner or ""),
    ]
    if case.date_finished:
        entries.append(TimelineEntry(case.date_finished, "Case finished", case.close_code or ""))
    if submission is not None:
        entries.append(
            TimelineEntry(submission.updated_at, "Submitted from this dashboard", f"key {submission.idempotency_key}")
        )
    for upload in files:
        if upload.status == "uploaded":
            entries.append(
                TimelineEntry(
                    upload.uploaded_at,
                    "File uploaded",
                    f"{upload.file_name} by {upload.operator_email or 'an operator'}",
                )
            )
    events = db.session.scalars(
        select(WebhookEvent).where(WebhookEvent.case_id == case.id).order_by(WebhookEvent.received_at.desc()).limit(100)
    )
    for event in events:
        title = EVENT_TITLES.get(event.event_type, event.event_type)
        entries.append(TimelineEntry(event.occurred_at or event.received_at, title, _event_detail(event)))
    dated = [(entry.at, entry) for entry in entries if entry.at is not None]
    return [entry for _, entry in sorted(dated, key=lambda pair: pair[0], reverse=True)]


# ---------------------------------------------------------------- CSV


CASE_CSV_HEADER = (
    "Case reference",
    "Creditor reference",
    "Client",
    "External tenant id",
    "Debtor",
    "Debtor country",
    "Amount",
    "Currency",
    "Remainder",
    "Lifecycle",
    "Close code",
    "Test case",
    "Created",
    "Due date",
    "Collection partner",
    "Case id",
)


def case_csv_rows(cases: Iterable[Case]) -> Iterator[tuple]:
    for case in cases:
        yield (
            case.reference,
            case.creditor_reference,
            case.client_name or (case.tenant.company_name if case.tenant else None),
            case.external_tenant_id,
            case.debtor_name,
            case.debtor_country,
            money.plain(case.gross_amount, case.currency),
            case.currency,
            money.plain(case.remainder, case.currency),
            case.lifecycle,
            case.close_code,
            "yes" if case.is_test else "no",
            case.date_created,
            case.due_date,
            case.collection_partner,
            case.id,
        )
