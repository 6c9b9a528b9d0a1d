"""CSV downloads: streamed as they are read, with cells a spreadsheet never runs as formulas.

The text is UTF-8 with a byte order mark: without it Excel reads the file in the machine's legacy
code page and shows "Brødrene Ærø" as "BrÃ¸drene Ã†rÃ¸".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, stream_with_context

from dashboard.models.base import now_utc

# Spreadsheets run a cell that starts with one of these as a formula; a leading apostrophe keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FLUSH_AT = 16 * 1024  # characters per streamed chunk
BYTE_ORDER_MARK = "\ufeff"


def timestamp(value: datetime) -> str:
    """Every timestamp of every export in one form: ISO 8601 in UTC, to the second (a naive value is UTC already)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def cell(value: Any) -> str:
    """One value as CSV text. Only text can smuggle a formula in; numbers and dates are written as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header and the rows as CSV text, in chunks, reading `rows` lazily."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def download(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A streamed attachment `<name>-<UTC time>.csv`; the request context stays open while it streams."""
    filename = f"{name}-{now_utc():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csv_lines(header, rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
