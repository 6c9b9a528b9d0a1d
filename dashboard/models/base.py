"""Shared column helpers for model modules (defined in dashboard.orm, outside this package,
so that dashboard.extensions can build `db` without importing every model)."""

from typing import TYPE_CHECKING

from dashboard.extensions import db
from dashboard.orm import Base, UtcDateTime, debitura_now, now_utc

if TYPE_CHECKING:
    # db.Model is Base plus Flask-SQLAlchemy's table naming, built at run time where a type
    # checker cannot follow; to it, models derive from Base.
    Model = Base
else:
    Model = db.Model

__all__ = ["Base", "Model", "UtcDateTime", "debitura_now", "now_utc"]
