"""Fixtures for the robustness suites: private databases for served dashboards, and gunicorn around them.

Served dashboards run `benchmarks.wsgi_app` under gunicorn on a free loopback port, configured
through environment variables only, and are always stopped at the end of the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import apps, databases
from benchmarks.server import Gunicorn


@pytest.fixture
def private_database(backend, tmp_path) -> Iterator[str]:
    """A database of this test's own: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "postgresql":
        with databases.private_schema("robust") as url:
            yield url
    else:
        yield databases.sqlite_url(tmp_path / "dashboard.db")


class ServedDashboard:
    """An app object for setting up data in-process, and gunicorn serving the same databases."""

    def __init__(self, database_url: str, sandbox_url: str) -> None:
        self.env = apps.settings(database_url, sandbox_url)
        self.app = apps.build(database_url, sandbox_url)
        apps.prepare(self.app)
        self.server: Gunicorn | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def serve(self, *, workers: int, threads: int = 4, **env: str) -> Gunicorn:
        self.server = Gunicorn({**self.env, **env}, workers=workers, threads=threads)
        self.server.start()
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        apps.dispose(self.app)


@pytest.fixture
def served(private_database, tmp_path) -> Iterator[ServedDashboard]:
    dashboard = ServedDashboard(private_database, apps.workdir_sandbox_url(tmp_path, "sandbox.db"))
    yield dashboard
    dashboard.close()
