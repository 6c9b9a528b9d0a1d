"""Keeping credentials out of log output and exception text.

Known values (the API key, webhook secrets, the session key, minted tokens) are registered and masked
wherever they appear; bearer JWTs and ``XApiKey`` headers are masked by shape even when nobody registered them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque

LOGGER_NAME = "dashboard.debitura"
MASK = "[REDACTED]"

# Shorter values would mask ordinary words; real keys and tokens are far longer.
_MIN_SECRET_LENGTH = 6
# Minted tokens are short-lived, so only the most recent ones need remembering.
_MAX_EPHEMERAL = 512

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_API_KEY_HEADER = re.compile(r"""(?i)(["']?x-?api-?key["']?\s*[:=]\s*["']?)[^\s"',;}]+""")

_lock = threading.Lock()
_secrets: set[str] = set()
_ephemeral: deque[str] = deque(maxlen=_MAX_EPHEMERAL)


def register_secret(value: str | None, *, ephemeral: bool = False) -> None:
    """Mask ``value`` from now on. ``ephemeral`` values (bearer tokens) are forgotten oldest-first."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if ephemeral:
            if value not in _ephemeral:
                _ephemeral.append(value)
        else:
            _secrets.add(value)


def redact(message: str) -> str:
    """Return ``message`` with every registered secret and every credential-shaped string masked."""
    with _lock:
        known = sorted({*_secrets, *_ephemeral}, key=len, reverse=True)
    for secret in known:
        if secret in message:
            message = message.replace(secret, MASK)
    message = _JWT.sub(MASK, message)
    message = _BEARER.sub(lambda match: f"{match[1]} {MASK}", message)
    return _API_KEY_HEADER.sub(lambda match: f"{match[1]}{MASK}", message)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message (and any traceback) with secrets masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        original = record.getMessage()
        cleaned = redact(original)
        if cleaned != original:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Attach one ``RedactSecrets`` filter to the package logger (idempotent)."""
    target = logger or logging.getLogger(LOGGER_NAME)
    if not any(isinstance(existing, RedactSecrets) for existing in target.filters):
        target.addFilter(RedactSecrets())
