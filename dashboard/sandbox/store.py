"""The sandbox's database: one engine and the sessions cut from it.

This is the bottom of the sandbox: everything that reads or writes sandbox state takes a Store,
and the store knows only the tables (`models`) and the public URLs sessions carry for the domain
functions. It imports nothing that is built on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from dashboard.sandbox.config import SandboxUrls
from dashboard.sandbox.models import Base


def create_sandbox_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, foreign keys and a connection shared across threads."""
    if not database_url.startswith("sqlite"):
        return create_engine(database_url, pool_pre_ping=True)
    in_memory = database_url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record) -> None:
        cursor = connection.cursor()
        if not in_memory:
            # WAL lets the dashboard, the delivery thread and a standalone server read while one writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Store:
    """The sandbox database and its units of work; sessions carry the public URLs the domain links to."""

    def __init__(self, database_url: str, urls: SandboxUrls) -> None:
        self.urls = urls
        self.engine = create_sandbox_engine(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def new_session(self) -> Session:
        """A session that domain functions can use (`domain.urls(s)` reads the URLs from it)."""
        s = self._sessions()
        s.info["urls"] = self.urls
        return s

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        s = self.new_session()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def create_tables(self) -> None:
        Base.metadata.create_all(self.engine)

    def drop_tables(self) -> None:
        Base.metadata.drop_all(self.engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
