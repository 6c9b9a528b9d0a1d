"""A number with its noun, singular for one: "1 tenant", "2 tenants"."""

from __future__ import annotations


def counted(number: int | None, noun: str, plural: str | None = None) -> str:
    number = number or 0
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
