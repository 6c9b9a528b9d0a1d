"""Reading loosely-cased JSON from Debitura into plain Python values.

Debitura's hosts serialise with different conventions (camelCase in the specs, PascalCase in several
documented examples, snake_case for a few enums), so every parser goes through these helpers instead
of trusting one spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_INDEX = re.compile(r"^(?P<name>[^\[]*)(?P<index>(\[[^\]]*\])*)$")


def camel(key: str) -> str:
    """Spell a key the way the specs do: ``ExternalTenantId`` and ``external_tenant_id`` become ``externalTenantId``."""
    if "_" in key.strip("_"):
        head, *rest = [part for part in key.split("_") if part]
        return head[:1].lower() + head[1:] + "".join(part[:1].upper() + part[1:] for part in rest)
    if key.isupper():
        return key.lower()
    return key[:1].lower() + key[1:]


def camel_path(path: str) -> str:
    """Normalise a field path such as ``$.Debtor.CountryAlpha2`` or ``Cases[0].Name`` to ``debtor.countryAlpha2``."""
    path = path.strip()
    if path.startswith("$"):
        path = path[1:].lstrip(".")
    segments = []
    for segment in path.split("."):
        match = _INDEX.match(segment)
        if match is None:
            segments.append(segment)
            continue
        segments.append(camel(match["name"]) + match["index"])
    return ".".join(segments)


def camel_keys(data: Any) -> dict[str, Any]:
    """Return a shallow copy of ``data`` with camelCase keys; anything that is not an object reads as empty."""
    if not isinstance(data, Mapping):
        return {}
    normalised: dict[str, Any] = {}
    for key, value in data.items():
        normalised.setdefault(camel(str(key)), value)
    return normalised


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def integer(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def money(value: Any) -> Decimal | None:
    """Read an amount exactly; a stray float goes through ``str`` so 0.1 stays 0.1."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def moment(value: Any) -> datetime | None:
    """Read an ISO 8601 date-time as an aware UTC datetime; a value without an offset is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def calendar_date(value: Any) -> date | None:
    """Read a calendar date; Debitura often sends invoice dates as midnight date-times."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item) for item in value if item is not None)


def nested(data: Mapping[str, Any], *path: str) -> Any:
    """Follow ``path`` through objects of any key casing; ``None`` when a step is missing."""
    current: Any = data
    for step in path:
        current = camel_keys(current).get(step)
        if current is None:
            return None
    return current


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects in a list, skipping nulls and stray scalars."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def string_lists(value: Any) -> dict[str, list[str]]:
    """A ``{"field": ["message", ...]}`` map as plain strings; anything else reads as empty."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): list(strings(messages)) for key, messages in value.items()}
