"""JSON on the wire without floats: Decimal goes out as an exact number and comes back as Decimal."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import simplejson


def _encode_other(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be sent to Debitura as JSON")


def dumps(payload: Any) -> str:
    """Encode ``payload``; ``Decimal("1234.10")`` is written as ``1234.10``, dates as ISO 8601."""
    return simplejson.dumps(payload, use_decimal=True, default=_encode_other, ensure_ascii=False)


def storable(payload: Any) -> Any:
    """A copy a JSON column can hold: every Decimal as its exact text (``"1234.10"``), never a float."""
    if isinstance(payload, Decimal):
        return f"{payload:f}"
    if isinstance(payload, dict):
        return {key: storable(value) for key, value in payload.items()}
    if isinstance(payload, list | tuple):
        return [storable(value) for value in payload]
    return payload


def loads(raw: str | bytes) -> Any:
    """Decode JSON with every non-integer number as Decimal; raises ValueError on malformed input."""
    return json.loads(raw, parse_float=Decimal)


def loads_or_none(raw: str | bytes | None) -> Any:
    """Decode JSON, or ``None`` for an empty or unreadable body (error pages from proxies, 401s without body)."""
    if not raw or not raw.strip():
        return None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
