"""The one way a span of time is written, on every page and in every message."""

from __future__ import annotations

from datetime import timedelta

UNITS = (("d", 86400), ("h", 3600), ("min", 60))


def duration(value: timedelta | float | None) -> str:
    """`3 d 4 h`, `2 h 56 min`, `45 min`, `under a minute`: the two largest units, rounded down."""
    if value is None:
        return "—"
    seconds = int(abs(value.total_seconds() if isinstance(value, timedelta) else value))
    parts: list[str] = []
    for unit, size in UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
        elif parts:
            break  # "3 d 5 min" would skip the hours: "3 d" says it better
        if len(parts) == 2:
            break
    return " ".join(parts) if parts else "under a minute"
