"""Path segments of Debitura URLs built from values we do not control (tenant ids, case ids)."""

from __future__ import annotations

from urllib.parse import quote


def segment(value: object) -> str:
    """`value` as exactly one path segment: every reserved character percent-encoded (`/`, `?`, `#`,
    `%`, `&`), and a bare `.` or `..` encoded too, since clients and servers collapse those as
    "this" and "parent" directory before anyone reads them as an id."""
    text = quote(str(value), safe="")
    return text.replace(".", "%2E") if text in (".", "..") else text
