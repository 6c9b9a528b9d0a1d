"""Fetch the pages of a listing with a few threads, handing them to one consumer as they arrive.

Each thread has its own Debitura session (`for_another_thread`) and takes a slot of the shared
rate budget before every call. Fetched pages wait in a bounded queue, so however long the
listing, at most `workers + buffer` pages are held in memory; a failed fetch stops the others
and is raised to the consumer, which keeps whatever it applied before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from dashboard.debitura import DebituraClient
from dashboard.services.rate_budget import RateBudget

T = TypeVar("T")

WORKERS = 8
POLL_SECONDS = 0.05  # how often a blocked thread looks whether the fetch was stopped


class PageFetcher(Generic[T]):
    """`add(pages)` then iterate `results()`: (page number, fetched) pairs in order of arrival."""

    def __init__(
        self,
        debitura: DebituraClient,
        fetch: Callable[[DebituraClient, int], T],
        budget: RateBudget,
        *,
        workers: int = WORKERS,
        buffer: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._budget = budget
        self._todo: queue.Queue[int] = queue.Queue()
        self._done: queue.Queue[tuple[int, T | None, BaseException | None]] = queue.Queue(maxsize=buffer or workers)
        self._stop = threading.Event()
        self._outstanding = 0
        self._threads = [
            threading.Thread(
                target=self._work, args=(debitura.for_another_thread(),), daemon=True, name=f"page-fetcher-{number}"
            )
            for number in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def add(self, pages: Iterable[int]) -> None:
        for page in pages:
            self._outstanding += 1
            self._todo.put(page)

    def results(self) -> Iterator[tuple[int, T]]:
        while self._outstanding:
            page, fetched, error = self._done.get()
            self._outstanding -= 1
            if error is not None:
                raise error
            yield page, fetched  # type: ignore[misc]  # set whenever error is None

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> PageFetcher[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _work(self, debitura: DebituraClient) -> None:
        while not self._stop.is_set():
            try:
                page = self._todo.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if self._budget.take(self._stop) is None:
                return
            try:
                outcome: tuple[int, T | None, BaseException | None] = (page, self._fetch(debitura, page), None)
            except Exception as error:  # handed to the consumer, which decides
                outcome = (page, None, error)
            self._hand_over(outcome)

    def _hand_over(self, outcome: tuple[int, T | None, BaseException | None]) -> None:
        while not self._stop.is_set():
            try:
                self._done.put(outcome, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue
