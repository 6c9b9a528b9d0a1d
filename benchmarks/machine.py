"""The machine a benchmark ran on, printed at the top of every run: figures mean little without it."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

from benchmarks import databases


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def describe() -> list[tuple[str, str]]:
    return [
        ("CPU", _cpu_model()),
        ("Cores", str(os.cpu_count() or "unknown")),
        ("RAM", _memory_gib()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", databases.postgres_version() or f"not answering at {databases.POSTGRES_URL}"),
        ("Load average at start", load_average()),
    ]
