"""The cases sent with POST /clients: what became of each, kept on the tenant (`Tenant.first_cases`).

Each entry holds the case as sent (so a re-issue sends exactly the same cases), what the operator
typed (to start a corrected submission from it), and its outcome:

- ``created``: Debitura created it with the client (it is in the mirror as `case_id`);
- ``failed``: Debitura reported it in caseResults.failedCases (`reason`, `error_type`); the client exists;
- ``waiting``: the answer was 409 ClientExistsNeedsLinking; Debitura stores the case and creates it
  in Pending contract signing when the customer approves the link (nothing is created on decline
  or expiry: the entry is then shown as not created, and a re-issue sends it again);
- ``dropped``: the operator decided not to pursue a failed case; it is no longer sent.

What a repeated POST /clients does with cases: for a client that already has a link, Debitura
answers idempotently and creates nothing again (the sandbox reports each repeated case as an
IdempotencyViolation failure); while a link request is pending it answers the same 409 and keeps
the cases of the first call; after a decline or expiry it opens a new request carrying these cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dashboard import money
from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    CreateCaseRequest,
    DebituraClient,
    DebituraError,
    jsonwire,
)
from dashboard.debitura.fields import camel_keys, integer, nested, text
from dashboard.debitura.types.clients import CaseResults
from dashboard.extensions import db
from dashboard.models import PENDING_SIGNING, Case, CaseSubmission, Tenant, WebhookEvent
from dashboard.services import audit
from dashboard.services.errors import FirstCaseNotFound, TenantNotFound
from dashboard.services.mirror import assign
from dashboard.services.tenant_state import debitura_now

CREATED, FAILED, WAITING, DROPPED, SENT = "created", "failed", "waiting", "dropped", "sent"
REPLAY_FAILED = "cases.replay_failed"  # a carried case Debitura could not create on approval
REPEATED = "IdempotencyViolation"  # a case sent again for an existing client: not created twice
# The UK jurisdiction, where the only collection partner that requires KYC works (Oriel Collections).
KYC_PARTNER_COUNTRIES = frozenset({"GB", "GG", "JE", "IM"})
FAILURE_WORDS = {
    "NoPartnerAvailable": "No collection partner covers the debtor's country, so Debitura could not create this case.",
    "ValidationError": "Debitura found a problem with the case's details.",
    "DuplicateReference": "The creditor reference is already used by another case of this client.",
    "UnexpectedError": "Debitura had an unexpected error creating this case.",
}


__all__ = ["FirstCaseNotFound"]


def storable(request: CreateCaseRequest) -> dict[str, Any]:
    """A case body as a JSON column can hold it: the wire body, amounts as exact text rather than floats."""
    return jsonwire.storable(request.to_json())


def sent_case(entry: Mapping[str, Any]) -> CreateCaseRequest:
    """The case an entry holds, as it was sent."""
    return CreateCaseRequest.from_json(entry["case"])


def to_send(tenant: Tenant) -> list[CreateCaseRequest]:
    """The cases a re-issue sends: the same as before, less the ones the operator dropped.

    Once the link was withdrawn (Debitura closed its cases) they belonged to a link that ended:
    a new link starts without them, or they would be created a second time.
    """
    if tenant.withdrawn_at is not None or tenant.missing_since is not None:
        return []
    return [sent_case(entry) for entry in tenant.first_cases or [] if entry.get("outcome") != DROPPED]


def record_sent(tenant: Tenant, cases: Sequence[CreateCaseRequest], typed: Sequence[Mapping[str, str]]) -> None:
    """Remember the cases a new POST /clients carries; a case sent before keeps what became of it."""
    previous = {sent_case(entry): entry for entry in tenant.first_cases or []}
    entries = []
    for case, typed_input in zip(cases, typed, strict=True):
        entries.append(previous.get(case) or {"case": storable(case), "typed": dict(typed_input), "outcome": SENT})
    assign(tenant, "first_cases", entries)


def _sent(tenant: Tenant) -> list[dict[str, Any]]:
    """The entries the last call sent, in payload order (caseIndex counts these)."""
    return [entry for entry in tenant.first_cases or [] if entry.get("outcome") != DROPPED]


def apply_results(tenant: Tenant, results: CaseResults | None, created_ids: Iterable[str]) -> None:
    """A 201/202: each sent case is created or failed; a repeated case keeps its earlier outcome."""
    entries = [dict(entry) for entry in tenant.first_cases or []]
    sent = [entry for entry in entries if entry.get("outcome") != DROPPED]
    failures = {failure.case_index: failure for failure in (results.failed_cases if results else ())}
    created = iter(created_ids)
    for index, entry in enumerate(sent):
        failure = failures.get(index)
        if failure is not None and failure.error_type == REPEATED:
            if entry["outcome"] in (SENT, WAITING):
                entry["outcome"] = CREATED  # an earlier call created it; this one did not again
            continue
        if failure is not None:
            entry.update(
                outcome=FAILED,
                error_type=failure.error_type,
                reason=FAILURE_WORDS.get(
                    failure.error_type or "", failure.error_message or "Debitura did not create it."
                ),
                detail=failure.error_message,
            )
            continue
        entry.update(outcome=CREATED, error_type=None, reason=None, case_id=next(created, None))
    assign(tenant, "first_cases", entries)
    assign(tenant, "carried_kyc_cases", 0)


def mark_waiting(tenant: Tenant) -> None:
    """A 409 ClientExistsNeedsLinking: Debitura keeps the cases and creates them when the customer approves."""
    entries = [dict(entry) for entry in tenant.first_cases or []]
    for entry in entries:
        if entry.get("outcome") in (SENT, WAITING):
            entry["outcome"] = WAITING
    assign(tenant, "first_cases", entries)
    kyc = sum(1 for entry in entries if entry["outcome"] == WAITING and country_of(entry) in KYC_PARTNER_COUNTRIES)
    assign(tenant, "carried_kyc_cases", kyc)


def country_of(entry: Mapping[str, Any]) -> str | None:
    return sent_case(entry).debtor.country or None


def describe(entry: Mapping[str, Any]) -> str:
    """A case in a few words: amount, debtor, country and reference."""
    case = sent_case(entry)
    words = f"{money.format_money(case.amount, case.currency)} from {case.debtor.name or 'an unnamed debtor'}"
    if case.debtor.country:
        words += f" ({case.debtor.country})"
    if case.creditor_reference:
        words += f", reference {case.creditor_reference}"
    return words


def of_outcome(tenant: Tenant, outcome: str) -> list[tuple[int, dict[str, Any]]]:
    """(number, entry) of the first cases with this outcome; the number addresses the entry in a request."""
    return [(index, entry) for index, entry in enumerate(tenant.first_cases or []) if entry.get("outcome") == outcome]


def _entry(tenant: Tenant, index: int) -> dict[str, Any]:
    entries = tenant.first_cases or []
    if not 0 <= index < len(entries):
        raise FirstCaseNotFound(index)
    return entries[index]


def _tenant(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"No tenant with id {tenant_id}")
    return tenant


def drop(tenant_id: int, index: int, *, actor: Actor) -> Tenant:
    """The operator gives up on a failed first case: it is no longer shown as failed nor sent again."""
    ensure_role("operator", actor)
    tenant = _tenant(tenant_id)
    entry = _entry(tenant, index)
    if entry.get("outcome") != FAILED:
        raise FirstCaseNotFound(index)
    entries = [dict(item) for item in tenant.first_cases]
    entries[index]["outcome"] = DROPPED
    assign(tenant, "first_cases", entries)
    audit.record(
        "client.first_case_dropped",
        outcome=audit.OK,
        external_tenant_id=tenant.external_tenant_id,
        summary=f"Failed first case dropped: {describe(entry)}",
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return tenant


def start_corrected(tenant_id: int, index: int, *, actor: Actor) -> CaseSubmission:
    """A manual submission started from a failed first case's input, to change the debtor and send it."""
    from dashboard.services import submissions

    tenant = _tenant(tenant_id)
    entry = _entry(tenant, index)
    if entry.get("outcome") != FAILED:
        raise FirstCaseNotFound(index)
    submission = submissions.start(tenant.id, actor=actor, form_data=dict(entry.get("typed") or {}))
    entries = [dict(item) for item in tenant.first_cases]
    entries[index]["outcome"] = DROPPED  # the new submission carries it on; the failed one is not resent
    entries[index]["resubmitted_as"] = submission.idempotency_key
    assign(tenant, "first_cases", entries)
    db.session.commit()
    return submission


@dataclass(frozen=True)
class Standing:
    """The first cases as the tenant page tells them: numbered entries per situation."""

    waiting: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # created once the customer approves
    not_created: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # declined, expired or refused
    failed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    created: int = 0
    link_outcome: str | None = None  # declined | expired | refused, for the not-created ones

    @property
    def any(self) -> bool:
        return bool(self.waiting or self.not_created or self.failed)


def standing(tenant: Tenant, now: datetime | None = None) -> Standing:
    """Where the first cases stand as of `now` (Debitura's clock): an approval deadline may have passed."""
    state = tenant.state_at(now or debitura_now())
    held = of_outcome(tenant, WAITING)
    waiting, not_created, outcome = [], of_outcome(tenant, SENT), "refused" if of_outcome(tenant, SENT) else None
    if state == "approval_pending":
        waiting = held
    elif state in ("declined", "expired"):
        not_created, outcome = not_created + held, state
    return Standing(
        waiting=waiting,
        not_created=not_created,
        failed=of_outcome(tenant, FAILED),
        created=len(of_outcome(tenant, CREATED)),
        link_outcome=outcome,
    )


def kyc_gap(tenant: Tenant) -> bool:
    """Carried cases went to the KYC partner without KYC: the next submission will be refused until it is sent."""
    return (
        bool(tenant.carried_kyc_cases)
        and tenant.link_request_status == "approved"
        and tenant.kyc_submitted_at is None
        and tenant.kyc_status != "verified"
    )


CARRIED_FETCH_LIMIT = 10


def settle_carried(tenant: Tenant, *, debitura: DebituraClient) -> None:
    """After approval, tie each carried case Debitura created (announced by case.created) to its entry.

    The webhook names only the case, so each new pending case is read once from Debitura: that
    brings its details and the signing URL the customer needs (services.cases.refresh_signing_urls).
    """
    from dashboard.services import cases as case_service

    held = of_outcome(tenant, WAITING)
    if tenant.link_request_status != "approved" or not held:
        return
    claimed = {entry.get("case_id") for entry in tenant.first_cases or [] if entry.get("case_id")}
    unread = db.session.scalars(
        select(Case.id)
        .where(Case.tenant_id == tenant.id, Case.lifecycle == PENDING_SIGNING, Case.gross_amount.is_(None))
        .limit(CARRIED_FETCH_LIMIT)
    ).all()
    for case_id in unread:
        try:
            case_service.refresh_signing_urls(case_id, debitura=debitura)
        except (DebituraError, case_service.CaseNotFound):
            break  # shown without its URL for now; the next look tries again
    candidates = db.session.scalars(
        select(Case).where(Case.tenant_id == tenant.id, Case.gross_amount.is_not(None)).order_by(Case.date_created)
    ).all()
    entries = [dict(entry) for entry in tenant.first_cases]
    for position, reason in _replay_failures(tenant).items():
        if position < len(held):
            error_type, message = reason
            entries[held[position][0]].update(
                outcome=FAILED,
                error_type=error_type,
                detail=message,
                reason=FAILURE_WORDS.get(error_type or "", message or "Debitura could not create it on approval."),
            )
    for index, _ in held:
        if entries[index]["outcome"] != WAITING:
            continue
        case = next((c for c in candidates if c.id not in claimed and _same_case(entries[index]["case"], c)), None)
        if case is not None:
            claimed.add(case.id)
            entries[index].update(outcome=CREATED, case_id=case.id)
    assign(tenant, "first_cases", entries)
    db.session.commit()


def _replay_failures(tenant: Tenant) -> dict[int, tuple[str | None, str | None]]:
    """cases.replay_failed events: a carried case Debitura could not create on approval, by its index."""
    failures: dict[int, tuple[str | None, str | None]] = {}
    bodies = db.session.scalars(
        select(WebhookEvent.payload)
        .where(
            WebhookEvent.external_tenant_id == tenant.external_tenant_id,
            WebhookEvent.event_type == REPLAY_FAILED,
        )
        .order_by(WebhookEvent.id)
    ).all()
    for body in bodies:
        data = camel_keys(nested(jsonwire.loads_or_none(body) or {}, "data"))
        index = integer(data.get("caseIndex"))
        if index is not None:
            failures[index] = (text(data.get("errorType")), text(data.get("errorMessage")))
    return failures


def _same_case(stored: Mapping[str, Any], case: Case) -> bool:
    sent = CreateCaseRequest.from_json(stored)
    if sent.creditor_reference and case.creditor_reference:
        return sent.creditor_reference == case.creditor_reference
    return sent.amount == case.gross_amount and sent.debtor.name == case.debtor_name
