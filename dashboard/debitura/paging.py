"""Walking a paged listing to the end, for exports and background jobs (the UI shows one page at a time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from .types import Page

T = TypeVar("T")

MAX_PAGE_SIZE = 100


def iterate_pages(fetch_page: Callable[[int], Page[T]], page_size: int = MAX_PAGE_SIZE) -> Iterator[T]:
    """Yield every item, requesting page 1, 2, ... until Debitura's ``totalPages`` (or a short page) says it is done."""
    page_number = 1
    while True:
        page = fetch_page(page_number)
        yield from page.items
        if not page.items:
            return
        more = page_number < page.total_pages if page.total_pages else len(page.items) >= page_size
        if not more:
            return
        page_number += 1
