"""The morning queues of a support lead: who is stuck, why, and what to do about it.

Each queue is one query (rows and the total together), whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select

from dashboard.extensions import db
from dashboard.jinja import time_ago
from dashboard.kyc_status import kyc_status_words
from dashboard.models import PENDING_SIGNING, Case, Tenant
from dashboard.services import first_cases

ROWS_PER_QUEUE = 20
EXPIRY_WINDOW = timedelta(hours=48)
STUCK_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class Row:
    reason: str  # why this row is in the queue, specific to it
    action: str  # copy_url | reissue | contact | submit_kyc | copy_signing_url | open
    tenant: Tenant | None = None
    case: Case | None = None
    url: str | None = None  # the URL to hand to the customer, when there is one


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    explanation: str
    empty: str
    total: int
    rows: list[Row] = field(default_factory=list)
    filter_state: str | None = None  # the tenant list chip that shows them all


def _with_total(query: Select) -> Sequence[tuple]:
    return db.session.execute(query.add_columns(func.count().over()).limit(ROWS_PER_QUEUE)).all()


def _tenant_queue(query: Select, make_row) -> tuple[int, list[Row]]:
    found = _with_total(query)
    return (found[0][-1] if found else 0), [make_row(entry[0]) for entry in found]


def expiring_links(now: datetime) -> Queue:
    total, rows = _tenant_queue(
        select(Tenant)
        .where(Tenant.in_state_at("approval_pending", now), Tenant.approval_expires_at <= now + EXPIRY_WINDOW)
        .order_by(Tenant.approval_expires_at, Tenant.id),
        lambda t: Row(
            f"Approval link expires {time_ago(t.approval_expires_at, now)}"
            + (" (estimated from when we first saw it)." if t.approval_deadline_estimated else ".")
            + _carried_note(t, now),
            "copy_url",
            tenant=t,
            url=t.approval_url,
        ),
    )
    return Queue(
        "expiring",
        "Link requests expiring within 48 hours",
        "The customer has not approved the link yet; after the deadline the URL stops working.",
        "No link request expires in the next 48 hours.",
        total,
        rows,
        "approval_pending",
    )


def _cases_words(count: int) -> str:
    return f"{count} case{'s' if count != 1 else ''}"


def _carried_note(t: Tenant, now: datetime) -> str:
    """What happens to the cases sent with the client on the 409 path, in one sentence."""
    standing = first_cases.standing(t, now)
    if standing.waiting:
        return (
            f" {_cases_words(len(standing.waiting))} will be created when the customer approves, and wait for "
            f"signatures: {'; '.join(first_cases.describe(entry) for _, entry in standing.waiting)}."
        )
    if standing.not_created:
        return (
            f" {_cases_words(len(standing.not_created))} sent with the client {'was' if len(standing.not_created) == 1 else 'were'}"
            " not created; re-issuing sends them again."
        )
    return ""


def lost_links(now: datetime) -> Queue:
    def row(t: Tenant) -> Row:
        when = time_ago(t.state_since_at(now), now)
        if t.state_since_noticed(now):
            when = f"(noticed {when})"
        if t.state == "declined":
            return Row(f"The customer declined the link {when}.{_carried_note(t, now)}", "contact", tenant=t)
        return Row(f"The link request expired {when} without an answer.{_carried_note(t, now)}", "reissue", tenant=t)

    total, rows = _tenant_queue(
        select(Tenant)
        .where(or_(Tenant.in_state_at("expired", now), Tenant.state == "declined"))
        .order_by(Tenant.state_since_at(now).desc(), Tenant.id),
        row,
    )
    return Queue(
        "lost",
        "Expired or declined links",
        "No link exists: expired requests can be re-issued, declined ones need a conversation first.",
        "No expired or declined link requests.",
        total,
        rows,
    )


def stuck_onboarding(now: datetime) -> Queue:
    total, rows = _tenant_queue(
        select(Tenant)
        .where(Tenant.state == "onboarding", Tenant.onboarding_started_at <= now - STUCK_AFTER)
        .order_by(Tenant.onboarding_started_at, Tenant.id),
        lambda t: Row(
            f"Onboarding started {time_ago(t.onboarding_started_at, now)} and is not finished.",
            "copy_url",
            tenant=t,
            url=t.onboarding_url,
        ),
    )
    return Queue(
        "stuck",
        "Onboarding started more than 3 days ago",
        "The customer began onboarding but did not finish; a fresh URL resumes where they stopped.",
        "Nobody has been stuck in onboarding for more than 3 days.",
        total,
        rows,
        "onboarding",
    )


def resign_needed(now: datetime) -> Queue:
    total, rows = _tenant_queue(
        select(Tenant).where(Tenant.state == "resign_needed").order_by(Tenant.state_changed_at, Tenant.id),
        lambda t: Row(
            f"A new agreement version waits for the customer's signature (noticed {time_ago(t.state_changed_at)}).",
            "copy_url",
            tenant=t,
            url=t.onboarding_url,
        ),
    )
    return Queue(
        "resign",
        "Contract re-sign needed",
        "Debitura published a new agreement; new cases stall until the customer signs it.",
        "No client needs to re-sign the agreement.",
        total,
        rows,
        "resign_needed",
    )


def kyc_missing(now: datetime) -> Queue:
    def row(t: Tenant) -> Row:
        if first_cases.kyc_gap(t) and not t.kyc_blocked_cases:
            return Row(
                f"{_cases_words(t.carried_kyc_cases)} carried through on approval went to the UK partner, which "
                "requires KYC, without it (the carry-through skips the check). The next submission will be "
                "refused until KYC is sent.",
                "submit_kyc",
                tenant=t,
            )
        if t.kyc_blocked_cases:
            blocked = f"{t.kyc_blocked_cases} case submission{'s' if t.kyc_blocked_cases != 1 else ''} refused"
            return Row(f"{blocked} with MissingKycVerification; no director KYC on file.", "submit_kyc", tenant=t)
        return Row(
            f"KYC: {kyc_status_words('pending').lower()}; no director KYC has been submitted.", "submit_kyc", tenant=t
        )

    total, rows = _tenant_queue(
        select(Tenant)
        .where(
            Tenant.kyc_submitted_at.is_(None),
            or_(Tenant.kyc_status.is_(None), Tenant.kyc_status != "verified"),
            or_(
                Tenant.kyc_blocked_cases > 0,
                Tenant.kyc_status == "pending",
                and_(Tenant.carried_kyc_cases > 0, Tenant.link_request_status == "approved"),
            ),
            Tenant.state != "withdrawn",
        )
        .order_by(Tenant.kyc_blocked_cases.desc(), Tenant.company_name, Tenant.id),
        row,
    )
    return Queue(
        "kyc",
        "KYC missing where cases are blocked",
        "Cases routed to a KYC-requiring collection partner (today the UK partner) are refused until a "
        "director's identity is submitted; letting cases wait for signatures does not get around it.",
        "No client is blocked by missing KYC.",
        total,
        rows,
    )


def pending_signing(now: datetime) -> Queue:
    found = _with_total(select(Case).where(Case.lifecycle == PENDING_SIGNING).order_by(Case.date_created, Case.id))
    rows = [
        Row(
            f"Waiting for signatures since {time_ago(case.date_created, now)}"
            if case.date_created
            else "Waiting for signatures.",
            "copy_signing_url" if case.signing_url else "open",
            tenant=case.tenant,
            case=case,
            url=case.signing_url,
        )
        for case, _ in found
    ]
    return Queue(
        "signing",
        "Cases pending signing",
        "Created to wait for signatures: they start once the customer signs through the combined signing URL.",
        "No case is waiting for signatures.",
        found[0][-1] if found else 0,
        rows,
    )


def all_queues(now: datetime) -> list[Queue]:
    return [
        expiring_links(now),
        lost_links(now),
        stuck_onboarding(now),
        resign_needed(now),
        kyc_missing(now),
        pending_signing(now),
    ]
