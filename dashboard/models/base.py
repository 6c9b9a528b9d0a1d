"""Shared column helpers for model modules (defined in dashboard.orm, outside this package,
so that dashboard.extensions can build `db` without importing every model)."""

from dashboard.orm import Base, UtcDateTime, debitura_now, now_utc

__all__ = ["Base", "UtcDateTime", "debitura_now", "now_utc"]
