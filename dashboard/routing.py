"""URL converters shared by every route."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds in PostgreSQL (SQLite's are wider).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` with an upper bound: a 30-digit id matches no route (a 404) instead of overflowing a query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    """Must run before any blueprint adds its routes: a rule binds its converter when it is added."""
    app.url_map.converters["int"] = IdConverter
