"""Paging: one page of a listing plus Debitura's ``PageData``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..fields import camel_keys, integer, objects

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing plus Debitura's paging metadata (``PageData``)."""

    items: tuple[T, ...]
    total_results: int = 0
    current_page: int = 1
    total_pages: int = 0
    page_size: int = 0

    @classmethod
    def parse(cls, data: Any, items_key: str, parse_item: Callable[[Any], T]) -> Page[T]:
        """Read a ``{<items_key>: [...], page: PageData}`` listing."""
        f = camel_keys(data)
        return cls(items=tuple(parse_item(item) for item in objects(f.get(items_key))), **cls.meta(f.get("page")))

    @staticmethod
    def meta(data: Any) -> dict[str, int]:
        """Paging metadata as keyword arguments for any ``Page`` subclass."""
        f = camel_keys(data)
        return {
            "total_results": integer(f.get("totalResults")) or 0,
            "current_page": integer(f.get("currentPage")) or 1,
            "total_pages": integer(f.get("totalPages")) or 0,
            "page_size": integer(f.get("pageSize")) or 0,
        }
