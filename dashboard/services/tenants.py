"""Tenant actions on Debitura (create, re-issue the URL, withdraw, refresh) and the tenant list queries."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import load_only

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    ClientDetails,
    ClientUser,
    CreateCaseRequest,
    CreateClientRequest,
    DebituraClient,
)
from dashboard.debitura.errors import Conflict, DebituraError, InvalidRequest, NotFound
from dashboard.errors.messages import failure_summary
from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case, Tenant
from dashboard.services import audit, first_cases, mirror
from dashboard.services.errors import (
    ReissueDetailsMissing,
    TenantActionRefused,
    TenantNotFound,
    in_words,
)
from dashboard.services.query_args import page_number, search_text
from dashboard.services.submissions import CaseDraft
from dashboard.services.tenant_state import (
    LINKED_STATES,
    NEEDS_LINKING,
    STATE_CODES,
    debitura_now,
)

__all__ = ["ClientRequest", "ClientUser", "ReissueDetailsMissing", "TenantActionRefused", "in_words"]

# ---------------------------------------------------------------- POST /clients


def _tenant(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"No tenant with id {tenant_id}")
    return tenant


@dataclass(frozen=True)
class ClientRequest:
    """A new client as the operator typed it; `to_request()` is what goes to Debitura."""

    external_tenant_id: str
    name: str
    country: str
    support_email: str
    users: list[ClientUser] = field(default_factory=list)
    registration_number: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    state: str | None = None
    support_phone: str | None = None
    # First cases, created with the client (or, on the 409 path, when the customer approves).
    cases: list[CaseDraft] = field(default_factory=list)
    typed_cases: list[dict[str, str]] = field(default_factory=list)  # each case as typed, to start over from

    def to_request(self) -> CreateClientRequest:
        users = list(self.users)
        if len(users) == 1 and not users[0].is_onboarding_user:
            users = [dataclasses.replace(users[0], is_onboarding_user=True)]
        details = ClientDetails(
            name=self.name,
            country=self.country,
            support_email=self.support_email,
            registration_number=self.registration_number,
            address=self.address,
            zip_code=self.zip_code,
            city=self.city,
            state=self.state,
            support_phone=self.support_phone,
        )
        # Cases sent with a client wait in Pending contract signing until it signs, so say so.
        cases = tuple(dataclasses.replace(case, allow_pending_contracts=True) for case in self.cases)
        return CreateClientRequest(self.external_tenant_id, details, tuple(users), cases)


def missing_for_reissue(tenant: Tenant) -> list[str]:
    """What POST /clients requires that the mirror does not hold for this tenant, in words.

    A tenant known only from webhooks (a link request made outside the dashboard) has a company
    name at most: Debitura's events name no country, support e-mail or users.
    """
    has_user = any(user.get("email") for user in tenant.users or [])
    missing = []
    if not tenant.company_name:
        missing.append("company name")
    if not tenant.country:
        missing.append("country")
    if not tenant.support_email and not has_user:
        missing.append("support e-mail")
    if not has_user:
        missing.append("a user with an e-mail address")
    return missing


# CreateClientRequest paths as support staff name them (Debitura's 400 names fields by path).
_FIELD_WORDS = {
    "externaltenantid": "tenant id",
    "client.name": "company name",
    "client.registrationnumber": "registration number",
    "client.country": "country",
    "client.address": "address",
    "client.zipcode": "postal code",
    "client.city": "city",
    "client.state": "state or region",
    "client.supportemail": "support e-mail",
    "client.supportphone": "support phone",
    "users": "users",
    "name": "user name",
    "email": "user e-mail",
}


def refused_fields_in_words(error: InvalidRequest) -> str:
    """A 400 for POST /clients said in words: which details Debitura found missing or invalid."""
    words: list[str] = []
    for path in error.field_errors:
        key = path.lower()
        word = _FIELD_WORDS.get(key) or _FIELD_WORDS.get(key.rsplit(".", 1)[-1] if key.startswith("users") else key)
        word = word or "other details"
        if word not in words:
            words.append(word)
    if not words:
        return "some of the client's details are missing or invalid."
    return f"the client's {in_words(words)} {'is' if len(words) == 1 else 'are'} missing or invalid."


def request_from_tenant(tenant: Tenant) -> CreateClientRequest:
    """Rebuild POST /clients from the mirror: re-sending it is how Debitura issues a fresh URL."""
    users = [
        ClientUser(
            name=user.get("name") or user.get("email") or "",
            email=user.get("email") or "",
            is_onboarding_user=bool(user.get("isOnboardingUser")),
        )
        for user in tenant.users or []
        if user.get("email")
    ]
    if users and sum(user.is_onboarding_user for user in users) != 1:
        users = [dataclasses.replace(user, is_onboarding_user=index == 0) for index, user in enumerate(users)]
    request = ClientRequest(
        external_tenant_id=tenant.external_tenant_id,
        name=tenant.company_name,
        country=tenant.country or "",
        support_email=tenant.support_email or (users[0].email if users else ""),
        users=users,
        registration_number=tenant.registration_number,
        address=tenant.address,
        zip_code=tenant.zip_code,
        city=tenant.city,
        state=tenant.region,
        support_phone=tenant.support_phone,
    ).to_request()
    # The cases go exactly as they went before, not as a new client's would.
    return dataclasses.replace(request, cases=tuple(first_cases.to_send(tenant)))


@dataclass(frozen=True)
class ClientOutcome:
    status: int  # 201 ready, 202 onboarding, 409 conflict
    tenant: Tenant
    conflict: Conflict | None = None
    # True when the tenant id was in the mirror before this call: a refusal then leaves the row as it was.
    existed: bool = False

    @property
    def conflict_type(self) -> str | None:
        return self.conflict.conflict_type if self.conflict else None


def post_and_mirror(
    request: CreateClientRequest, typed_cases: list[dict[str, str]] | None = None, *, debitura: DebituraClient
) -> ClientOutcome:
    """POST /clients and mirror whatever comes back (201, 202 or a 409); other errors propagate.

    The cases sent are remembered on the tenant with what became of each (services.first_cases).
    No role check and no audit: `send_client` adds both for operators; setup uses this directly.
    """
    cases: list[CreateCaseRequest] = list(request.cases)
    typed_cases = typed_cases if typed_cases is not None else [{} for _ in cases]
    external_tenant_id = request.external_tenant_id
    existing = mirror.find_tenant(external_tenant_id)
    as_of = debitura_now()  # when we asked: the webhooks this call fires are stamped later, and are as new
    try:
        result = debitura.referral.create_client(request)
    except Conflict as conflict:
        if existing is not None and conflict.conflict_type != NEEDS_LINKING:
            # A refusal says nothing new about the tenant we know: its row stays exactly as it was.
            return ClientOutcome(409, existing, conflict, existed=True)
        tenant = mirror.record_conflict(external_tenant_id, conflict, request=request, as_of=as_of, commit=False)
        if cases or tenant.first_cases:
            first_cases.record_sent(tenant, cases, typed_cases)
        if conflict.conflict_type == NEEDS_LINKING:
            first_cases.mark_waiting(tenant)
        return ClientOutcome(409, tenant, conflict, existed=existing is not None)
    client = result.client
    if client.external_tenant_id != external_tenant_id:
        client = dataclasses.replace(client, external_tenant_id=external_tenant_id)
    tenant = mirror.tenant_for(external_tenant_id)
    mirror.apply_request_details(tenant, request)
    mirror.apply_client(tenant, client, source="api", as_of=as_of, status=result.status)
    created = client.case_results.successful_cases if client.case_results is not None else ()
    if created:
        mirror.upsert_cases(created, source="api", as_of=as_of, external_tenant_id=external_tenant_id)
    if cases or tenant.first_cases:
        first_cases.record_sent(tenant, cases, typed_cases)
        first_cases.apply_results(tenant, client.case_results, [case.id for case in created if case.id])
    return ClientOutcome(result.status, tenant, existed=existing is not None)


def send_client(
    request: CreateClientRequest,
    *,
    actor: Actor,
    debitura: DebituraClient,
    action: str = "client.create",
    typed_cases: list[dict[str, str]] | None = None,
) -> ClientOutcome:
    """An operator's POST /clients: mirrored and audited; 400/422 and outages propagate after being audited."""
    ensure_role("operator", actor)
    external_tenant_id = request.external_tenant_id
    try:
        outcome = post_and_mirror(request, typed_cases, debitura=debitura)
    except DebituraError as error:
        db.session.rollback()
        audit.record(
            action,
            outcome=audit.FAILED,
            debitura_status=error.http_status,
            external_tenant_id=external_tenant_id,
            summary=f"Sending the client to Debitura failed: {failure_summary(error)}",
            operator=actor,
        )
        raise
    if outcome.conflict_type == NEEDS_LINKING:
        # The usual answer for a company that already has a Debitura account: a link request, not a refusal.
        audit.record(
            action,
            outcome=audit.OK,
            debitura_status=409,
            external_tenant_id=external_tenant_id,
            summary="Approval URL issued: the company already has a Debitura account and must approve the link",
            operator=actor,
            commit=False,
        )
    elif outcome.conflict is not None:
        audit.record(
            action,
            outcome=audit.REFUSED,
            debitura_status=409,
            external_tenant_id=external_tenant_id,
            summary=f"Debitura answered 409 {outcome.conflict_type or 'conflict'}",
            operator=actor,
            commit=False,
        )
    else:
        what = "ready (201)" if outcome.status == 201 else "onboarding URL issued (202)"
        sent = len(request.cases)
        if sent:
            failed = len(first_cases.of_outcome(outcome.tenant, first_cases.FAILED))
            what += f"; {sent} first case{'s' if sent != 1 else ''} sent, {failed} not created"
        audit.record(
            action,
            outcome=audit.OK,
            debitura_status=outcome.status,
            external_tenant_id=external_tenant_id,
            summary=f"Client {what}",
            operator=actor,
            commit=False,
        )
    db.session.commit()
    return outcome


def create_client(request: ClientRequest, *, actor: Actor, debitura: DebituraClient) -> ClientOutcome:
    return send_client(
        request.to_request(), actor=actor, debitura=debitura, action="client.create", typed_cases=request.typed_cases
    )


def reissue_url(tenant_id: int, *, actor: Actor, debitura: DebituraClient) -> ClientOutcome:
    """Re-send POST /clients for a tenant: a fresh onboarding URL (202) or approval URL (409) comes back."""
    tenant = _tenant(tenant_id)
    missing = missing_for_reissue(tenant)
    if missing:
        ensure_role("operator", actor)
        raise ReissueDetailsMissing(missing)
    return send_client(request_from_tenant(tenant), actor=actor, debitura=debitura, action="client.reissue_url")


WITHDRAW_RULE = "Debitura withdraws only attributed clients whose cases have not moved past Pending contract signing"


def withdrawal_blocker(tenant: Tenant) -> str | None:
    """Why Debitura would refuse to withdraw this tenant's link, as the mirror knows it; None when it may accept.

    Debitura answers 409 unless the client is attributed and none of its cases has moved past
    Pending contract signing; without an active link there is nothing to withdraw.
    """
    if tenant.state not in LINKED_STATES:
        return "there is no active link to withdraw"
    if tenant.is_attributed is None:
        return "whether the client is attributed is not known yet (read it again from Debitura)"
    if not tenant.is_attributed:
        return "the client is not attributed to us (it approved a link request), and Debitura withdraws only attributed clients"
    moved = db.session.execute(
        select(Case.reference, Case.id, Case.lifecycle)
        .where(Case.tenant_id == tenant.id, Case.lifecycle != PENDING_SIGNING)
        .order_by(Case.date_created, Case.id)
        .limit(1)
    ).first()
    if moved is not None:
        return f"case {moved.reference or moved.id} has moved past Pending contract signing ({moved.lifecycle})"
    return None


def withdraw(tenant_id: int, *, actor: Actor, debitura: DebituraClient) -> Tenant:
    """Withdraw the link at Debitura (admin only); a refusal (409) is explained, a 404 marks it gone.

    A withdrawal the mirror already shows Debitura must refuse is not sent.
    """
    ensure_role("admin", actor)
    tenant = _tenant(tenant_id)
    external_tenant_id = tenant.external_tenant_id
    if (blocker := withdrawal_blocker(tenant)) is not None:
        audit.record(
            "client.withdraw",
            outcome=audit.REFUSED,
            external_tenant_id=external_tenant_id,
            summary=f"Withdrawal not sent: {blocker}",
            operator=actor,
        )
        raise TenantActionRefused(f"The link cannot be withdrawn: {blocker}.")
    try:
        debitura.referral.withdraw_client(external_tenant_id)
    except NotFound:
        mirror.mark_missing(tenant, source="api")
        audit.record(
            "client.withdraw",
            outcome=audit.FAILED,
            debitura_status=404,
            external_tenant_id=external_tenant_id,
            summary="Debitura has no active link to withdraw",
            operator=actor,
            commit=False,
        )
        db.session.commit()
        raise TenantActionRefused(
            "Debitura has no active link for this tenant any more; it is marked withdrawn."
        ) from None
    except Conflict as conflict:
        db.session.rollback()
        audit.record(
            "client.withdraw",
            outcome=audit.REFUSED,
            debitura_status=409,
            external_tenant_id=external_tenant_id,
            summary="Withdrawal refused by Debitura",
            operator=actor,
        )
        # Debitura's own reason when it gave one; the rule only when it did not (never both: they say the same).
        reason = (
            conflict.user_message if conflict.user_message != Conflict.default_user_message else f"{WITHDRAW_RULE}."
        )
        raise TenantActionRefused(f"Debitura refused the withdrawal: {reason}") from conflict
    except DebituraError as error:
        db.session.rollback()
        audit.record(
            "client.withdraw",
            outcome=audit.FAILED,
            debitura_status=error.http_status,
            external_tenant_id=external_tenant_id,
            summary=f"Withdrawal failed: {failure_summary(error)}",
            operator=actor,
        )
        raise
    mirror.mark_withdrawn(tenant)
    audit.record(
        "client.withdraw",
        outcome=audit.OK,
        debitura_status=204,
        external_tenant_id=external_tenant_id,
        summary="Link withdrawn",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return tenant


def refresh(tenant_id: int, *, actor: Actor, debitura: DebituraClient) -> tuple[Tenant, bool]:
    """Read the tenant again from Debitura (GET /clients/{id}); returns it and whether Debitura has a link.

    A 404 marks a tenant withdrawn only when it was linked: a pending, declined or refused link
    request has no active link to find in the first place.
    """
    ensure_role("operator", actor)
    tenant = _tenant(tenant_id)
    as_of = debitura_now()
    try:
        client = debitura.referral.get_client(tenant.external_tenant_id)
    except NotFound:
        if tenant.state in LINKED_STATES:
            mirror.mark_missing(tenant, source="api", as_of=as_of)
        found, status = False, 404
    except DebituraError as error:
        db.session.rollback()
        audit.record(
            "client.refresh",
            outcome=audit.FAILED,
            debitura_status=error.http_status,
            external_tenant_id=tenant.external_tenant_id,
            summary=f"Read again failed: {failure_summary(error)}",
            operator=actor,
        )
        raise
    else:
        if client.external_tenant_id != tenant.external_tenant_id:
            client = dataclasses.replace(client, external_tenant_id=tenant.external_tenant_id)
        mirror.apply_client(tenant, client, source="api", as_of=as_of)
        found, status = True, 200
    audit.record(
        "client.refresh",
        outcome=audit.OK,
        debitura_status=status,
        external_tenant_id=tenant.external_tenant_id,
        summary="Read from Debitura" if found else "Debitura has no active link for this tenant id",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return tenant, found


# ---------------------------------------------------------------- the tenant list

PAGE_SIZE = 25
SORTS = {
    "company": lambda now: Tenant.company_name,
    "tenant": lambda now: Tenant.external_tenant_id,
    # The order of the chips (the way a client moves through them), not the alphabet of internal codes.
    "state": lambda now: case(
        {code: position for position, code in enumerate(STATE_CODES)},
        value=Tenant.state_at(now),
        else_=len(STATE_CODES),
    ),
    "changed": Tenant.state_since_at,
    "seen": lambda now: Tenant.last_seen_at,
    "created": lambda now: Tenant.created_at,
    "cases": lambda now: Tenant.cases_total,
}  # each a column as of Debitura's now: a state can lapse between writes
DEFAULT_SORT = "company"
# Counts are read biggest first: the first click on their header sorts them descending.
DESCENDING_FIRST = frozenset({"cases"})


@dataclass(frozen=True)
class TenantFilter:
    state: str | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @classmethod
    def from_args(cls, args) -> TenantFilter:
        """Read query arguments leniently: unknown values fall back to defaults, never to an error."""
        state = args.get("state") or None
        sort = args.get("sort") or DEFAULT_SORT
        page = page_number(args.get("page", 1))
        return cls(
            state=state if state in STATE_CODES else None,
            q=search_text(args.get("q")),
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
            page=page,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link that keeps this filter except `changes` (empty values dropped)."""
        values = {"state": self.state, "q": self.q, "sort": self.sort, "page": self.page, **changes}
        if values.get("sort") == DEFAULT_SORT:
            values.pop("sort")
        if values.get("page") == 1:
            values.pop("page")
        return {key: value for key, value in values.items() if value not in (None, "")}

    def on_page(self, total: int) -> TenantFilter:
        """This filter on a page that exists for `total` rows: past the end means the last page."""
        last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return dataclasses.replace(self, page=last) if self.page > last else self

    def sort_link(self, column: str) -> dict[str, Any]:
        """Clicking a header sorts by it; clicking it again reverses the order."""
        if column in DESCENDING_FIRST:
            return self.args(sort=column if self.sort == f"-{column}" else f"-{column}", page=1)
        return self.args(sort=f"-{column}" if self.sort == column else column, page=1)


def _searched(query: Select, q: str) -> Select:
    if q:
        # search_text is lower-cased company, tenant id, e-mails and registration number
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Tenant.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def tenant_query(filters: TenantFilter, now: datetime | None = None) -> Select:
    now = now or debitura_now()
    query = _searched(select(Tenant), filters.q)
    if filters.state:
        query = query.where(Tenant.in_state_at(filters.state, now))
    column = SORTS[filters.sort.lstrip("-")](now)
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    return query.order_by(order, Tenant.id)


# What a row of the tenant list shows; other columns raise instead of costing a query per row.
LIST_COLUMNS = (
    Tenant.id,
    Tenant.company_name,
    Tenant.external_tenant_id,
    Tenant.state,
    Tenant.kyc_status,
    Tenant.cases_total,
    Tenant.state_changed_at,
    Tenant.approval_expires_at,
    Tenant.last_seen_at,
    Tenant.last_seen_source,
    # what "State since" is dated by
    Tenant.onboarding_started_at,
    Tenant.approval_requested_at,
    Tenant.link_as_of,
    Tenant.withdrawn_at,
    Tenant.missing_since,
)


def tenant_rows(filters: TenantFilter, now: datetime | None = None) -> Select:
    """The tenant list's query, loading only what its rows show."""
    return tenant_query(filters, now).options(load_only(*LIST_COLUMNS, raiseload=True))


def state_counts(q: str = "", now: datetime | None = None) -> dict[str, int]:
    """Tenants per state (as of Debitura's now) under the current search, in one grouped query."""
    state = Tenant.state_at(now or debitura_now())
    query = _searched(select(state, func.count()).select_from(Tenant), q).group_by(state)
    counts = dict.fromkeys(STATE_CODES, 0)
    for state, count in db.session.execute(query):
        counts[state] = count
    return counts


def iter_filtered(filters: TenantFilter) -> Iterator[Tenant]:
    """Every row of the filter, streamed in chunks for the CSV export."""
    result = db.session.execute(tenant_query(filters).execution_options(yield_per=500))
    yield from result.scalars()
