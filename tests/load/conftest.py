"""Fixtures for the load suites: private databases, and dashboards served by gunicorn on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import apps, databases
from tests.support import ServedDashboard


@pytest.fixture
def private_database(backend, tmp_path) -> Iterator[str]:
    """A database of this test's own: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "postgresql":
        with databases.private_schema("robust") as url:
            yield url
    else:
        yield databases.sqlite_url(tmp_path / "dashboard.db")


@pytest.fixture
def served(private_database, tmp_path) -> Iterator[ServedDashboard]:
    dashboard = ServedDashboard(private_database, apps.workdir_sandbox_url(tmp_path, "sandbox.db"))
    yield dashboard
    dashboard.close()
