"""Symmetric encryption for secrets the dashboard must keep (bearer tokens, webhook secrets).

The key is derived from SECRET_KEY, which every instance shares, so any worker can
read what another stored; a database dump alone reveals nothing usable.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet(purpose: str, secret_key: str | None = None) -> Fernet:
    secret = (secret_key or current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"partner-desk:" + purpose.encode() + b":" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plaintext: str, *, purpose: str) -> str:
    return _fernet(purpose).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str, *, purpose: str, secret_key: str | None = None) -> str:
    """Raises InvalidToken when the data was not encrypted with this key and purpose (the app's key by default)."""
    return _fernet(purpose, secret_key).decrypt(ciphertext.encode()).decode()
