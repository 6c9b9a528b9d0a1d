"""A deterministic stream of Debitura webhook events, signed as Debitura signs them.

Envelopes and `data` follow the sandbox's (and Debitura's) shapes: client events carry
`externalTenantId` and a `creditor` object, case events `caseId`, `reference`,
`externalTenantId`, `lifecycle` (+ `oldLifecycle`, `closeCode`). Timestamps rise through the
stream, so its list order is the order Debitura produced the events in; closing a case emits
`case.updated` and `case.closed` with one timestamp, as the sandbox does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

LIFECYCLE_PATH = ("Pending Verification", "Collecting Quotes", "Pending Quote Selection", "Active", "Paused", "Active")
CLOSE_CODES = ("Paid", "Partially paid", "Withdrawn by Client", "Debtor Untraceable")
LINK_OUTCOMES = ("client.linked", "client.link_declined", "client.link_expired")


@dataclass(frozen=True)
class StreamTenant:
    external_tenant_id: str
    creditor_id: str
    company_name: str
    needs_linking: bool  # its story is a link request; otherwise onboarding


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def tenants_for(count: int, *, prefix: str = "storm") -> list[StreamTenant]:
    return [
        StreamTenant(f"{prefix}-{index:05d}", str(uuid.UUID(int=index + 1)), f"Storm Client {index} ApS", index % 2 == 0)
        for index in range(count)
    ]


def stream(total: int, tenants: list[StreamTenant], *, seed: int = 7, start: datetime | None = None) -> list[dict]:
    """`total` distinct events in the order Debitura emitted them (one second apart)."""
    rng = random.Random(seed)
    moment = start or datetime.now(UTC) - timedelta(seconds=total + 3600)
    events: list[dict] = []

    def emit(event_type: str, data: dict, *, tick: bool = True) -> None:
        nonlocal moment
        if tick:
            moment += timedelta(seconds=1)
        events.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "specVersion": "1.0",
            "event": event_type,
            "timestamp": _iso(moment),
            "data": data,
            "links": {},
        })

    def creditor(tenant: StreamTenant, attributed: bool | None) -> dict:
        data = {"id": tenant.creditor_id, "companyName": tenant.company_name, "registrationNumber": None, "countryId": 59}
        if attributed is not None:
            data["isAttributed"] = attributed
        return data

    # Each tenant's own story first, interleaved: link requests and onboarding.
    for tenant in tenants:
        if tenant.needs_linking:
            emit("client.link_requested", {"externalTenantId": tenant.external_tenant_id, "creditor": creditor(tenant, False)})
        else:
            emit("client.onboarding.poa_signed", {"externalTenantId": tenant.external_tenant_id, "creditor": creditor(tenant, True)})
    for tenant in tenants:
        if tenant.needs_linking:
            outcome = rng.choice(LINK_OUTCOMES)
            attributed = None if outcome == "client.link_declined" else False
            emit(outcome, {"externalTenantId": tenant.external_tenant_id, "creditor": creditor(tenant, attributed)})
        elif rng.random() < 0.7:
            emit("client.onboarding.contract_signed",
                 {"externalTenantId": tenant.external_tenant_id, "creditor": creditor(tenant, True)})

    # Then cases, each walking part of the lifecycle, all of them interleaved.
    live: list[dict] = []
    number = 0
    while len(events) < total:
        if not live or (rng.random() < 0.3 and len(live) < 500):
            tenant = rng.choice(tenants)
            number += 1
            case = {"caseId": str(uuid.UUID(int=rng.getrandbits(128))), "reference": f"S{number:07d}",
                    "externalTenantId": tenant.external_tenant_id, "lifecycle": "Pending contract signing", "step": 0}
            live.append(case)
            emit("case.created", {key: case[key] for key in ("caseId", "reference", "externalTenantId", "lifecycle")})
            continue
        case = rng.choice(live)
        old = case["lifecycle"]
        base = {key: case[key] for key in ("caseId", "reference", "externalTenantId")}
        if case["step"] >= len(LIFECYCLE_PATH) or (case["step"] > 2 and rng.random() < 0.25):
            if len(events) + 2 > total:
                break
            case["lifecycle"] = "Closed"
            live.remove(case)
            emit("case.updated", {**base, "lifecycle": "Closed", "oldLifecycle": old})
            emit("case.closed", {**base, "lifecycle": "Closed", "closeCode": rng.choice(CLOSE_CODES)}, tick=False)
            continue
        case["lifecycle"] = LIFECYCLE_PATH[case["step"]]
        case["step"] += 1
        emit("case.updated", {**base, "lifecycle": case["lifecycle"], "oldLifecycle": old})
    while len(events) < total:  # an odd remainder: one more harmless case
        number += 1
        emit("case.created", {"caseId": str(uuid.UUID(int=rng.getrandbits(128))), "reference": f"S{number:07d}",
                              "externalTenantId": tenants[0].external_tenant_id, "lifecycle": "Pending Verification"})
    return events


def with_duplicates(events: list[dict], share: float, *, seed: int = 11) -> list[dict]:
    """The stream shuffled, with `share` of the deliveries being repeats of events already in it."""
    rng = random.Random(seed)
    repeats = round(len(events) * share / (1 - share))
    deliveries = events + [rng.choice(events) for _ in range(repeats)]
    rng.shuffle(deliveries)
    return deliveries


def body_of(envelope: dict) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode()


def signature(secret_b64: str, body: bytes, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(base64.b64decode(secret_b64), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def headers(secret_b64: str, envelope: dict, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Debitura-Signature": signature(secret_b64, body, timestamp),
        "X-Debitura-Event": envelope.get("event", ""),
        "X-Debitura-Timestamp": envelope.get("timestamp", ""),
    }
