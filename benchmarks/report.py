"""Printing: sections, aligned tables, and the targets checked along the way (repeated at the end)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    what: str
    measured: str
    target: str
    met: bool
    gap: str = ""


VERDICTS: list[Verdict] = []


def say(text: str = "") -> None:
    print(text, flush=True)


def section(title: str) -> None:
    say()
    say(title)
    say("=" * len(title))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, align_numbers: bool = True) -> None:
    cells = [[str(value) for value in headers]] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    for number, row in enumerate(cells):
        say("  " + "  ".join(value.rjust(width) if number and align_numbers and _numeric(value) else value.ljust(width)
                             for value, width in zip(row, widths)).rstrip())
        if number == 0:
            say("  " + "  ".join("-" * width for width in widths))


def _numeric(value: str) -> bool:
    return value.replace(".", "", 1).replace(",", "").replace("-", "", 1).replace("x", "").strip().isdigit()


def check(what: str, measured: float, target: float, *, unit: str = "", higher_is_better: bool = False) -> Verdict:
    """Record whether `measured` meets `target`; the gap says by how much it misses."""
    met = measured >= target if higher_is_better else measured <= target
    sign = "≥" if higher_is_better else "≤"
    gap = "" if met else f"misses by {abs(measured - target):.1f}{unit} ({measured / target:.2f}× the target)"
    verdict = Verdict(what, f"{measured:.1f}{unit}", f"{sign} {target:g}{unit}", met, gap)
    VERDICTS.append(verdict)
    return verdict


def note(what: str, measured: str, target: str, met: bool, gap: str = "") -> Verdict:
    verdict = Verdict(what, measured, target, met, gap)
    VERDICTS.append(verdict)
    return verdict


def summary() -> None:
    section("Targets")
    if not VERDICTS:
        say("  (no target was measured)")
        return
    table(
        ("", "what", "measured", "target", "gap"),
        [("met" if v.met else "MISSED", v.what, v.measured, v.target, v.gap) for v in VERDICTS],
        align_numbers=False,
    )
    missed = sum(not v.met for v in VERDICTS)
    say()
    say(f"  {len(VERDICTS) - missed} of {len(VERDICTS)} targets met.")
