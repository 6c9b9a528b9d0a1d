"""URL converters shared by every route."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter

# The largest id an INTEGER column holds in PostgreSQL (SQLite's are wider).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` with an upper bound: a 30-digit id matches no route (a 404) instead of overflowing a query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class DebituraIdConverter(BaseConverter):
    """`<debitura_id:...>`: an id Debitura gave (a case's UUID): at most 64 printable characters, the
    column's size, so a hand-made address with a huge id or control characters is a 404 before any query."""

    regex = r"[^/\x00-\x1f\x7f]{1,64}"


def register(app: Flask) -> None:
    """Must run before any blueprint adds its routes: a rule binds its converter when it is added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["debitura_id"] = DebituraIdConverter
