"""Values read from query strings (filters, search boxes, page links): always usable, whatever was typed.

A list page never refuses its filters: what cannot be used is dropped, so a stale or hand-edited link
still shows the list.
"""

from __future__ import annotations

import re

# Far beyond any real list, and small enough that OFFSET stays inside what every database accepts.
MAX_PAGE = 100_000
# Control characters (NUL above all) can be neither searched for nor stored in PostgreSQL.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def page_number(value: object) -> int:
    """`"3"` -> 3; anything that is not a page (`"abc"`, `"-5"`, a 30-digit number) -> the nearest page."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def search_text(value: str | None, limit: int = 200) -> str:
    """A search or filter box's text: control characters dropped, trimmed, at most `limit` characters."""
    return _CONTROL_CHARACTERS.sub("", value or "").strip()[:limit]
