"""Symmetric encryption for secrets the dashboard must keep (bearer tokens, webhook secrets).

DATA_ENCRYPTION_KEYS is a list of Fernet keys, separate from SECRET_KEY: the first encrypts,
every one decrypts, so a key is rotated by putting a new one first, running `flask rotate-keys`
and then removing the old one. Data stored before these keys existed was encrypted under a key
derived from SECRET_KEY; that key (and the ones derived from SECRET_KEY_FALLBACKS) still
decrypts, and never encrypts.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

__all__ = ["InvalidToken", "Keyring", "decrypt", "encrypt", "keyring", "reencrypt"]

Keyring = tuple[tuple[str, ...], tuple[str, ...]]  # (data keys, session secrets for legacy data); hashable


def keyring() -> Keyring:
    """The app's keys, as a value that can key a cache (changes whenever a key does)."""
    config = current_app.config
    secrets = (config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", ()))
    return tuple(config.get("DATA_ENCRYPTION_KEYS", ())), tuple(secret for secret in secrets if secret)


def _legacy_key(purpose: str, secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"partner-desk:" + purpose.encode() + b":" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=32)
def _fernet(purpose: str, keys: Keyring) -> MultiFernet:
    data_keys, legacy_secrets = keys
    if not data_keys:
        raise RuntimeError("DATA_ENCRYPTION_KEYS is empty: nothing can be encrypted.")
    return MultiFernet([Fernet(key) for key in data_keys] + [_legacy_key(purpose, secret) for secret in legacy_secrets])


def encrypt(plaintext: str, *, purpose: str, keys: Keyring | None = None) -> str:
    """Encrypted under the first data encryption key."""
    return _fernet(purpose, keys or keyring()).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str, *, purpose: str, keys: Keyring | None = None) -> str:
    """Raises InvalidToken when none of the keys encrypted this data for this purpose."""
    return _fernet(purpose, keys or keyring()).decrypt(ciphertext.encode()).decode()


def reencrypt(ciphertext: str, *, purpose: str, keys: Keyring | None = None) -> str:
    """The same plaintext under the first data encryption key (raises InvalidToken if unreadable)."""
    return _fernet(purpose, keys or keyring()).rotate(ciphertext.encode()).decode()
