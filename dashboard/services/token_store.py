"""Bearer tokens shared by every worker and instance through the database, encrypted at rest.

A burst of submissions for one tenant, across threads, processes and machines, mints one
token: minting happens under a database lease, and everyone else waits for it and then
finds the fresh token stored.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Flask
from sqlalchemy import delete, func, insert, select, update

from dashboard import crypto
from dashboard.debitura import CachedToken, register_secret
from dashboard.extensions import db
from dashboard.models import BearerToken
from dashboard.models.base import now_utc
from dashboard.services import leases

PURPOSE = "bearer-token"
_table = BearerToken.__table__


class DatabaseTokenStore:
    """The `TokenStore` protocol of the Debitura client, kept in the `bearer_tokens` table."""

    def __init__(self, app: Flask, *, mint_wait_seconds: float = 15) -> None:
        self._app = app
        self._mint_wait = mint_wait_seconds
        self._holder = f"tokens-{uuid.uuid4().hex[:12]}"
        self._guard = threading.Lock()
        self._local_locks: dict[str, threading.Lock] = {}

    def get(self, external_tenant_id: str) -> CachedToken | None:
        with self._app.app_context(), db.engine.connect() as connection:
            row = connection.execute(
                select(_table.c.ciphertext, _table.c.expires_at).where(
                    _table.c.external_tenant_id == external_tenant_id
                )
            ).first()
            if row is None:
                return None
            try:
                token = crypto.decrypt(row.ciphertext, purpose=PURPOSE)
            except crypto.InvalidToken:
                return None  # written under a key no longer configured: mint afresh
        register_secret(token, ephemeral=True)
        return CachedToken(token=token, expires_at=_aware(row.expires_at))

    def put(self, external_tenant_id: str, token: str, expires_at: datetime) -> None:
        with self._app.app_context():
            ciphertext = crypto.encrypt(token, purpose=PURPOSE)
            values = {"ciphertext": ciphertext, "expires_at": expires_at, "minted_at": now_utc()}
            with db.engine.begin() as connection:
                updated = connection.execute(
                    update(_table).where(_table.c.external_tenant_id == external_tenant_id).values(**values)
                )
                if updated.rowcount == 0:
                    connection.execute(insert(_table).values(external_tenant_id=external_tenant_id, **values))

    def discard(self, external_tenant_id: str) -> None:
        with self._app.app_context(), db.engine.begin() as connection:
            connection.execute(delete(_table).where(_table.c.external_tenant_id == external_tenant_id))

    @contextmanager
    def mint_lock(self, external_tenant_id: str) -> Iterator[bool]:
        """Threads of this process queue on a local lock; processes queue on a database lease."""
        with self._guard:
            local = self._local_locks.setdefault(external_tenant_id, threading.Lock())
        with (
            local,
            self._app.app_context(),
            leases.held(
                f"mint-token:{external_tenant_id}", self._holder, ttl_seconds=30, wait_seconds=self._mint_wait
            ) as obtained,
        ):
            yield obtained


def tenants_holding_a_token(now: datetime | None = None) -> int:
    """How many tenants have an unexpired token stored (never the tokens themselves)."""
    now = now or now_utc()
    return db.session.scalar(select(func.count()).select_from(_table).where(_table.c.expires_at > now)) or 0


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
