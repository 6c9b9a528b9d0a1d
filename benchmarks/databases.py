"""Where benchmark and load-test data lives: SQLite files in a work folder, or a private PostgreSQL schema.

A private schema per run (dropped afterwards) keeps parallel runs and the test suite apart on
one PostgreSQL database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from dashboard.config import sqlalchemy_url

POSTGRES_URL = os.environ.get(
    "BENCH_DATABASE_URL", os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
)


def _engine():
    return create_engine(sqlalchemy_url(POSTGRES_URL), connect_args={"connect_timeout": 3})


def postgres_version() -> str | None:
    """The server's version string, or None when PostgreSQL does not answer."""
    try:
        engine = _engine()
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        return str(version)
    except Exception:  # any failure means "not available" here; callers skip PostgreSQL
        return None


def postgres_answers() -> bool:
    return postgres_version() is not None


def schema_url(schema: str) -> str:
    """The PostgreSQL URL whose connections see only `schema` (psycopg passes options to the server)."""
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{sqlalchemy_url(POSTGRES_URL)}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def private_schema(label: str) -> Iterator[str]:
    """A fresh schema for one run; yields its URL and drops the schema, whatever happened."""
    name = f"{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = _engine()
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield schema_url(name)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"
