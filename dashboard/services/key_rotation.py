"""Re-encrypt every stored secret under the first of DATA_ENCRYPTION_KEYS, so older keys can be removed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from dashboard import crypto
from dashboard.extensions import db
from dashboard.models import BearerToken, SecondFactor
from dashboard.models.webhooks import WebhookSecret
from dashboard.services import token_store, two_factor, webhook_secrets


def _encrypted_rows() -> Iterator[tuple[BearerToken | WebhookSecret | SecondFactor, str]]:
    """Every row with an encrypted column, locked, with the purpose its key was derived for."""
    for token in db.session.scalars(select(BearerToken).with_for_update()):
        yield token, token_store.PURPOSE
    for secret in db.session.scalars(select(WebhookSecret).with_for_update()):
        yield secret, webhook_secrets.PURPOSE
    for factor in db.session.scalars(select(SecondFactor).with_for_update()):
        yield factor, two_factor.PURPOSE


@dataclass(frozen=True)
class Rotation:
    reencrypted: int
    unreadable: int  # encrypted under a key no longer configured; left as they are


def rotate_keys() -> Rotation:
    """One transaction: either every readable row moves to the new key or none does."""
    keys = crypto.keyring()
    reencrypted = unreadable = 0
    for row, purpose in _encrypted_rows():
        try:
            row.ciphertext = crypto.reencrypt(row.ciphertext, purpose=purpose, keys=keys)
        except crypto.InvalidToken:
            unreadable += 1
            continue
        reencrypted += 1
    db.session.commit()
    return Rotation(reencrypted=reencrypted, unreadable=unreadable)
