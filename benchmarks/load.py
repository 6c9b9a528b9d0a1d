"""Concurrent HTTP clients for load runs: a pool of threads, each with its own keep-alive session."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    status: int  # 0 when the request failed without an answer
    seconds: float
    error: str = ""


class SessionPerThread:
    def __init__(self, prepare: Callable[[requests.Session], None] | None = None) -> None:
        self._local = threading.local()
        self._prepare = prepare
        self._all: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            if self._prepare is not None:
                self._prepare(session)
            self._local.session = session
            with self._lock:
                self._all.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._all:
                session.close()
            self._all.clear()


def post_all(url: str, items: Iterable[T], prepare: Callable[[T], tuple[bytes, dict[str, str]]], *,
             threads: int) -> tuple[list[Outcome], float]:
    """POST every item with `threads` concurrent clients; returns the outcomes and the wall time.

    `prepare` turns an item into (body, headers) just before it is sent, so a signature's
    timestamp is the moment of sending, as it is for Debitura's deliveries.
    """
    sessions = SessionPerThread()

    def send(item: T) -> Outcome:
        body, headers = prepare(item)
        started = time.perf_counter()
        try:
            response = sessions.get().post(url, data=body, headers=headers, timeout=60)
            return Outcome(response.status_code, time.perf_counter() - started)
        except requests.RequestException as error:
            return Outcome(0, time.perf_counter() - started, type(error).__name__)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            outcomes = list(pool.map(send, items))
    finally:
        sessions.close()
    return outcomes, time.perf_counter() - started



def post_lean(url: str, prepared: list[tuple[bytes, dict[str, str]]], *, threads: int,
              rate: float | None = None) -> tuple[list[Outcome], float]:
    """POST ready-made (body, headers) pairs over plain keep-alive connections; returns outcomes and wall time.

    Made for measuring a server on the machine it shares with its load: `http.client` costs the
    sender a fraction of what `requests` does, so the server gets the cores. With `rate`, the
    load is open-loop: request i is due at start + i / rate, and its latency counts from that
    moment, so a server falling behind shows up in the figures instead of slowing the sender.
    """
    parts = urlsplit(url)
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def connection() -> http.client.HTTPConnection:
        existing = getattr(local, "connection", None)
        if existing is None:
            existing = local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            with lock:
                connections.append(existing)
        return existing

    def send(numbered: tuple[int, tuple[bytes, dict[str, str]]]) -> Outcome:
        number, (body, headers) = numbered
        due = started + number / rate if rate else time.perf_counter()
        if rate and (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        try:
            link = connection()
            link.request("POST", parts.path, body=body, headers=headers)
            response = link.getresponse()
            response.read()
            return Outcome(response.status, time.perf_counter() - due)
        except (OSError, http.client.HTTPException) as error:
            local.connection = None
            return Outcome(0, time.perf_counter() - due, type(error).__name__)

    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            outcomes = list(pool.map(send, enumerate(prepared)))
    finally:
        for link in connections:
            link.close()
    return outcomes, time.perf_counter() - started
