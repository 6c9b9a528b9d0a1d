"""Fault injection: a plan kept in the state row, so a fault primed in one process hits another.

Kinds on the HTTP channel (applied by the in-process transport, and by FaultMiddleware when
the sandbox serves real HTTP):
  latency          wait `latency_ms` before answering (longer than the read timeout: a timeout)
  timeout_before   the request times out before Debitura did anything
  timeout_after    Debitura does the work and commits it, then the answer is lost to a timeout
  http_500 / http_503 / http_429   an error answer without doing the work
  connection_reset the connection drops before anything happens
Kinds on the webhook channel (read by the dispatcher): duplicate_webhook, reorder_webhooks.

`fail_next(n, kind)` queues n faults; `fail_ratio(ratio, kinds, seed)` makes a seeded share of
requests fail. Either can be scoped to a path prefix such as `/customer-api/cases`.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.orm import rows_matched
from dashboard.sandbox.clock import STATE_ID
from dashboard.sandbox.models import SandboxState
from dashboard.sandbox.store import Store
from dashboard.sandbox.wire import dumps

HTTP_KINDS = ("latency", "timeout_before", "timeout_after", "http_500", "http_503", "http_429", "connection_reset")
WEBHOOK_KINDS = ("duplicate_webhook", "reorder_webhooks")
ERROR_STATUS = {"http_500": 500, "http_503": 503, "http_429": 429}


@dataclass(frozen=True)
class Fault:
    kind: str
    latency_ms: int = 0
    retry_after: int = 2

    @property
    def is_error_answer(self) -> bool:
        return self.kind in ERROR_STATUS


def _channel(kind: str) -> str:
    if kind in HTTP_KINDS:
        return "http"
    if kind in WEBHOOK_KINDS:
        return "webhook"
    raise ValueError(f"Unknown fault kind: {kind}")


def _matches(entry: dict[str, Any], path: str | None) -> bool:
    prefix = entry.get("path_prefix")
    return prefix is None or (path is not None and path.startswith(prefix))


def _fault(kind: str, entry: dict[str, Any]) -> Fault:
    return Fault(kind=kind, latency_ms=entry.get("latency_ms", 0), retry_after=entry.get("retry_after", 2))


def _read(s: Session) -> SandboxState:
    return s.scalars(
        select(SandboxState).where(SandboxState.id == STATE_ID).execution_options(populate_existing=True)
    ).one()


def _write(s: Session, plan: dict[str, Any], version: int) -> bool:
    """Compare-and-set on the plan, so two processes never consume the same fault."""
    result = s.execute(
        update(SandboxState)
        .where(SandboxState.id == STATE_ID, SandboxState.fault_version == version)
        .values(fault_plan=plan, fault_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def _change(s: Session, edit: Callable[[dict[str, Any]], Any]) -> Any:
    while True:
        current = _read(s)
        plan = copy.deepcopy(current.fault_plan or {})
        outcome = edit(plan)
        if _write(s, plan, current.fault_version):
            return outcome


def fail_next(
    s: Session, n: int, kind: str, *, path_prefix: str | None = None, latency_ms: int = 1000, retry_after: int = 2
) -> None:
    _channel(kind)
    entry = {
        "kind": kind,
        "remaining": n,
        "path_prefix": path_prefix,
        "latency_ms": latency_ms,
        "retry_after": retry_after,
    }
    _change(s, lambda plan: plan.setdefault("next", []).append(entry))


def fail_ratio(
    s: Session,
    ratio: float,
    kinds: Iterable[str],
    seed: int = 0,
    *,
    path_prefix: str | None = None,
    latency_ms: int = 1000,
    retry_after: int = 2,
) -> None:
    kinds = list(kinds)
    for kind in kinds:
        _channel(kind)
    if not 0 <= ratio <= 1:
        raise ValueError("ratio must be between 0 and 1")
    entry = {
        "ratio": ratio,
        "kinds": kinds,
        "seed": seed,
        "draws": 0,
        "path_prefix": path_prefix,
        "latency_ms": latency_ms,
        "retry_after": retry_after,
    }
    _change(s, lambda plan: plan.__setitem__("ratio", entry))


def clear(s: Session) -> None:
    _change(s, lambda plan: plan.clear())


def current_plan(s: Session) -> dict[str, Any]:
    return copy.deepcopy(_read(s).fault_plan or {})


def _take(plan: dict[str, Any], path: str | None, channel: str) -> Fault | None:
    for entry in plan.get("next", []):
        if _channel(entry["kind"]) == channel and _matches(entry, path):
            entry["remaining"] -= 1
            plan["next"] = [item for item in plan["next"] if item["remaining"] > 0]
            return _fault(entry["kind"], entry)
    ratio = plan.get("ratio")
    if not ratio or not _matches(ratio, path):
        return None
    kinds = [kind for kind in ratio["kinds"] if _channel(kind) == channel]
    if not kinds:
        return None
    # Seeded per draw, so a given seed fails the same requests in every run.
    rng = random.Random(f"{ratio['seed']}:{ratio['draws']}")
    ratio["draws"] += 1
    if rng.random() < ratio["ratio"]:
        return _fault(rng.choice(kinds), ratio)
    return None


# HTTP faults hit the two APIs only, never the hosted pages or the control panel that switches them.
API_PATHS = ("/referral-api/", "/customer-api/")


def draw(s: Session, path: str | None, channel: str = "http") -> Fault | None:
    """Consume the fault, if any, that applies to this request (or webhook delivery)."""
    if channel == "http" and not (path or "").startswith(API_PATHS):
        return None
    plan = _read(s).fault_plan or {}
    if not plan.get("next") and not plan.get("ratio"):
        return None  # the common case reads the row and writes nothing
    return _change(s, lambda fresh: _take(fresh, path, channel))


def error_answer(fault: Fault) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of an injected error answer, shaped like Debitura's."""
    status = ERROR_STATUS[fault.kind]
    headers = {"Content-Type": "application/json"}
    if status == 429:
        body = {
            "error": "rate_limit_exceeded",
            "message": "Too many requests. Please try again later or contact support if you need higher limits.",
            "retryAfter": fault.retry_after,
        }
        headers["Retry-After"] = str(fault.retry_after)
    elif status == 503:
        body = {
            "businessErrors": [
                {
                    "type": "ServiceUnavailable",
                    "message": "The service is temporarily unavailable.",
                    "solutionUrl": None,
                }
            ]
        }
    else:
        body = {
            "businessErrors": [
                {"type": "UnexpectedError", "message": "An unexpected error occurred.", "solutionUrl": None}
            ]
        }
    return status, headers, dumps(body).encode()


class Faults:
    """The fault plan kept in one store, each call in its own committed transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def fail_next(self, n: int, kind: str, **options: Any) -> None:
        with self._store.session() as s:
            fail_next(s, n, kind, **options)

    def fail_ratio(self, ratio: float, kinds: Iterable[str], seed: int = 0, **options: Any) -> None:
        with self._store.session() as s:
            fail_ratio(s, ratio, kinds, seed, **options)

    def clear(self) -> None:
        with self._store.session() as s:
            clear(s)

    def plan(self) -> dict[str, Any]:
        with self._store.session() as s:
            return current_plan(s)

    def draw(self, path: str | None, channel: str = "http") -> Fault | None:
        with self._store.session() as s:
            return draw(s, path, channel)


class FaultMiddleware:
    """Applies HTTP faults when the sandbox serves real HTTP (the in-process transport does its own).

    Timeouts are simulated by stalling longer than a client waits (`stall_seconds`); a
    connection reset cannot be produced from WSGI, so it is answered as a bare 502 that
    closes the connection.
    """

    def __init__(self, app: Callable, faults: Faults, stall_seconds: float) -> None:
        self.app = app
        self.faults = faults
        self.stall_seconds = stall_seconds

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        fault = self.faults.draw(environ.get("PATH_INFO", ""))
        if fault is None:
            return self.app(environ, start_response)
        stall = self.stall_seconds
        if fault.is_error_answer:
            status, headers, body = error_answer(fault)
            start_response(f"{status} Injected", list(headers.items()))
            return [body]
        if fault.kind == "connection_reset":
            start_response("502 Bad Gateway", [("Connection", "close"), ("Content-Length", "0")])
            return [b""]
        if fault.kind == "timeout_before":
            time.sleep(stall)
            start_response("504 Gateway Timeout", [("Content-Length", "0")])
            return [b""]
        if fault.kind == "latency":
            time.sleep(fault.latency_ms / 1000)
            return self.app(environ, start_response)
        answer = list(self.app(environ, start_response))  # timeout_after: the work is done first
        time.sleep(stall)
        return answer
