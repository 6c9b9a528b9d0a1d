"""Declarative base and the small column helpers every model shares."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import CursorResult, DateTime, MetaData, Result, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> datetime:
    return datetime.now(UTC)


def debitura_now() -> datetime:
    """Debitura's idea of now, as its client tells it (`dashboard.wiring.debitura_now`), else real UTC.

    Every time a page shows (Debitura's facts and this dashboard's own log alike) is on this clock;
    the wall clock is for what never meets Debitura's times (leases, throttling, caches).
    """
    from dashboard.wiring import debitura_now as through_the_client

    return through_the_client()


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through a Session matched.

    A Session answers such a statement with a CursorResult, which counts them, though its
    `execute` is declared to return the plain Result.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} is not the result of an UPDATE or DELETE")
    return result.rowcount


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC is required")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model is mapped to one table (the default type says FromClause)


# Every `Mapped[datetime]` column is timezone-aware UTC. Set on the registry, since
# Flask-SQLAlchemy derives its own model class from this base.
Base.registry.update_type_annotation_map({datetime: UtcDateTime()})
