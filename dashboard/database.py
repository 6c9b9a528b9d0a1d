"""Engine settings per backend, so several workers share a SQLite file safely."""

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def sqlite_pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers and one writer work at once; the busy timeout makes
        # concurrent writers (gunicorn workers, the webhook receiver) wait, not fail.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def insert_for(engine: Engine, table):
    """An INSERT that can say ON CONFLICT … (DO NOTHING / DO UPDATE), in the engine's own dialect."""
    return (postgresql if is_postgres(engine) else sqlite).insert(table)


def schema_filter(dialect_name: str):
    """For Alembic's comparisons: leave out what the models create only on another database
    (an index declared with `.ddl_if(dialect=...)`), so neither side reports it as drift."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect_name)

    return include_object
