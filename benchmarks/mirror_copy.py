"""Copy a synced mirror from one database to another, so a second backend gets the same rows without a second long sync."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select, text

from dashboard.config import sqlalchemy_url
from dashboard.models import Case, SyncRun, Tenant

TABLES = (Tenant.__table__, SyncRun.__table__, Case.__table__)  # parents before children
CHUNK = 5000


def copy_mirror(source_url: str, target_url: str) -> dict[str, int]:
    """Insert the source's tenants, sync runs and cases into the (empty, created) target; returns rows per table."""
    source = create_engine(sqlalchemy_url(source_url))
    target = create_engine(sqlalchemy_url(target_url))
    copied: dict[str, int] = {}
    try:
        with source.connect() as reader, target.begin() as writer:
            for table in TABLES:
                total = 0
                rows = reader.execution_options(yield_per=CHUNK).execute(select(table))
                for chunk in rows.mappings().partitions(CHUNK):
                    writer.execute(table.insert(), [dict(row) for row in chunk])
                    total += len(chunk)
                copied[table.name] = total
            if target.dialect.name == "postgresql":
                # A long-lived database has planner statistics; a fresh bulk copy has none until autovacuum runs.
                writer.execute(text("ANALYZE"))
                for table in TABLES:
                    if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.type.python_type is int:
                        highest = writer.execute(select(func.max(table.c.id))).scalar() or 1
                        writer.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {highest})"))
    finally:
        source.dispose()
        target.dispose()
    return copied

