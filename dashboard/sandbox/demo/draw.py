"""Seeded drawing helpers shared by the demo builders: ids, references, picks, and midnight dates."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time
from typing import Any


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_reference(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(8))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def pick(rng: random.Random, items: tuple | list) -> Any:
    return items[int(rng.random() * len(items))]  # rng.choice, without its overhead on hot paths


def between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))  # rng.randint, likewise
