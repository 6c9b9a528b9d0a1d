"""Caching Customer API bearer tokens per client, so a burst of work mints one token, not one per request.

The store is a small protocol so the app can keep tokens somewhere shared (a database) later; the cache
logic (freshness margin, double-checked minting, invalidation) lives in ``TokenCache`` only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .referral import ReferralApi


@dataclass(frozen=True)
class CachedToken:
    token: str = field(repr=False)
    expires_at: datetime

    def __repr__(self) -> str:
        return f"CachedToken(token='***', expires_at={self.expires_at.isoformat()!r})"

    __str__ = __repr__


class TokenStore(Protocol):
    """Where tokens live between requests. Keys are external tenant ids; ``expires_at`` is aware UTC.

    - ``get`` returns what was last ``put`` (expired or not; the cache judges freshness) or ``None``.
    - ``discard`` forgets a tenant's token; discarding a missing one is not an error.
    - ``mint_lock`` is held while a token is minted, so concurrent callers for one tenant wait for that
      token instead of minting their own. It must be a context manager and need not be re-entrant.
    """

    def get(self, external_tenant_id: str) -> CachedToken | None: ...

    def put(self, external_tenant_id: str, token: str, expires_at: datetime) -> None: ...

    def discard(self, external_tenant_id: str) -> None: ...

    def mint_lock(self, external_tenant_id: str) -> AbstractContextManager[object]: ...


class MemoryTokenStore:
    """Process-local store: a dict behind a lock, plus one mint lock per tenant."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._tokens: dict[str, CachedToken] = {}
        self._mint_locks: dict[str, threading.Lock] = {}

    def get(self, external_tenant_id: str) -> CachedToken | None:
        with self._guard:
            return self._tokens.get(external_tenant_id)

    def put(self, external_tenant_id: str, token: str, expires_at: datetime) -> None:
        with self._guard:
            self._tokens[external_tenant_id] = CachedToken(token=token, expires_at=expires_at)

    def discard(self, external_tenant_id: str) -> None:
        with self._guard:
            self._tokens.pop(external_tenant_id, None)

    def mint_lock(self, external_tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._mint_locks.setdefault(external_tenant_id, threading.Lock())


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenCache:
    """Hands out a bearer token per client, minting through the Referral API only when none is fresh.

    A token counts as stale ``safety_margin`` before Debitura's expiry, so a request that starts with it
    does not reach the Customer API after it has lapsed.
    """

    def __init__(
        self,
        referral: ReferralApi,
        store: TokenStore,
        *,
        safety_margin: timedelta | float = timedelta(seconds=120),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._referral = referral
        self._store = store
        self._margin = safety_margin if isinstance(safety_margin, timedelta) else timedelta(seconds=safety_margin)
        self._clock = clock

    def token_for(self, external_tenant_id: str) -> str:
        """A fresh token for the client: look, take the tenant's mint lock, look again, and only then mint."""
        token = self._fresh(external_tenant_id)
        if token is not None:
            return token
        with self._store.mint_lock(external_tenant_id):
            token = self._fresh(external_tenant_id)
            if token is not None:
                return token
            minted = self._referral.mint_token(external_tenant_id)
            expires_at = self._clock() + timedelta(seconds=minted.expires_in)
            self._store.put(external_tenant_id, minted.access_token, expires_at)
            return minted.access_token

    def invalidate(self, external_tenant_id: str, rejected_token: str | None = None) -> None:
        """Forget the client's token. With ``rejected_token``, only if it is still the stored one, so a
        token another thread has just minted is not thrown away."""
        with self._store.mint_lock(external_tenant_id):
            cached = self._store.get(external_tenant_id)
            if cached is not None and (rejected_token is None or cached.token == rejected_token):
                self._store.discard(external_tenant_id)

    def _fresh(self, external_tenant_id: str) -> str | None:
        cached = self._store.get(external_tenant_id)
        if cached is None or cached.expires_at - self._margin <= self._clock():
            return None
        return cached.token
