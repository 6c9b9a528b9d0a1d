"""Money in one place: each currency's minor units (ISO 4217), reading a typed amount, writing one out.

Amounts are Decimal end to end. A typed amount is read strictly: where the text could mean two
amounts (`1,234` is 1234 in en-US and 1.234 in da-DK) it is refused with the rule, never guessed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units that differ from 2 (every other code has two decimals).
_MINOR_UNITS_OTHER_THAN_TWO = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
MINOR_UNITS: dict[str, int] = {
    code: units for units, codes in _MINOR_UNITS_OTHER_THAN_TWO.items() for code in codes.split()
}
DEFAULT_MINOR_UNITS = 2

# Spaces of every width group digits (1 234,56 as typed in da-DK or fr-FR); they carry no meaning.
_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DIGITS_AND_MARKS = re.compile(r"[0-9.,]+")

AMOUNT_RULE = (
    "Type digits with a dot or a comma before the decimals (1234.56 or 1234,56); "
    "thousands separators are fine where the decimals make the reading clear (1,234.56 or 1.234,56)."
)


class AmountError(ValueError):
    """The text is not an amount, or could be read as two different amounts; the message says which rule."""


def minor_units(currency: str | None) -> int:
    """How many decimals the currency has: JPY 0, EUR 2, KWD 3."""
    return MINOR_UNITS.get((currency or "").upper(), DEFAULT_MINOR_UNITS)


def step(currency: str | None) -> Decimal:
    """The smallest amount of the currency: 1 for JPY, 0.01 for EUR, 0.001 for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def decimals_of(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def check_decimals(amount: Decimal, currency: str | None) -> None:
    """Refuse more decimals than the currency has (a JPY amount has none, a KWD amount three)."""
    allowed = minor_units(currency)
    if decimals_of(amount) <= allowed:
        return
    code = (currency or "").upper() or "This currency"
    if allowed == 0:
        raise AmountError(f"{code} has no decimals: type a whole number, e.g. {_example(currency)}.")
    raise AmountError(f"{code} has {allowed} decimals: use at most {allowed}, e.g. {_example(currency)}.")


def _example(currency: str | None) -> str:
    return f"{Decimal(1250).quantize(step(currency))}"


def parse_amount(text: str) -> Decimal:
    """The amount the operator typed, with either decimal mark; AmountError when unreadable or ambiguous.

    Read as: 1234.56 · 1234,56 · 1,234.56 · 1.234,56 · 1 234,56 · 1.234.567 · 1,234,567 · 12.5 · 12,5.
    A comma alone before exactly three digits (1,234) is refused: it is 1234 for some and 1.234 for others.
    A dot alone is always the decimal point, as the form's hint and Debitura write it.
    """
    compact = _GROUPING_SPACES.sub("", text or "")
    if not compact:
        raise AmountError("Enter an amount.")
    if compact.startswith("-"):
        raise AmountError("The amount must be more than 0.")
    if not _DIGITS_AND_MARKS.fullmatch(compact):
        raise AmountError(f"“{text.strip()}” is not an amount. {AMOUNT_RULE}")
    normalised = _normalise(compact, text.strip())
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        raise AmountError(f"“{text.strip()}” is not an amount. {AMOUNT_RULE}") from None
    if not value.is_finite():
        raise AmountError(f"“{text.strip()}” is not an amount. {AMOUNT_RULE}")
    return value


def _normalise(compact: str, shown: str) -> str:
    """`1.234,56` -> `1234.56`; raises AmountError for text that is not one amount."""
    dots, commas = compact.count("."), compact.count(",")
    if dots and commas:
        decimal_mark = "." if compact.rfind(".") > compact.rfind(",") else ","
        grouping = "," if decimal_mark == "." else "."
        whole, _, fraction = compact.rpartition(decimal_mark)
        if decimal_mark in whole or not fraction or not _grouped(whole, grouping):
            raise AmountError(f"“{shown}” is not an amount. {AMOUNT_RULE}")
        return f"{whole.replace(grouping, '')}.{fraction}"
    mark, count = (".", dots) if dots else (",", commas)
    if count == 0:
        return compact
    if count > 1:
        # The same mark several times can only group thousands: 1.234.567 or 1,234,567.
        if not _grouped(compact, mark):
            raise AmountError(f"“{shown}” is not an amount. {AMOUNT_RULE}")
        return compact.replace(mark, "")
    whole, _, fraction = compact.partition(mark)
    if not whole or not fraction:
        raise AmountError(f"“{shown}” is not an amount. {AMOUNT_RULE}")
    if mark == "," and len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0"):
        reading_grouped = str(int(whole + fraction))
        raise AmountError(
            f"“{shown}” could be {reading_grouped} or {whole}.{fraction}: "
            f"type {reading_grouped} (no thousands separator) or {whole}.{fraction} (a dot for the decimals)."
        )
    return f"{whole}.{fraction}"


def _grouped(text: str, mark: str) -> bool:
    """Digits grouped in threes by `mark`: 1.234.567, not 12.34.567."""
    return re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+", text) is not None


def quantize(amount: Decimal, currency: str | None) -> Decimal:
    """Round half up to the currency's minor unit (a fee of JPY 255.09 is JPY 255)."""
    return Decimal(amount).quantize(step(currency), rounding=ROUND_HALF_UP)


def plain(amount: Decimal | int | None, currency: str | None) -> str:
    """`1234.5, "EUR"` -> `1234.50`: the amount with the currency's decimals and no grouping (CSV, inputs)."""
    if amount is None:
        return ""
    return f"{quantize(Decimal(amount), currency):f}"


def format_money(amount: Decimal | int | None, currency: str | None = None) -> str:
    """`1234.5, "EUR"` -> `EUR 1,234.50`; `255.09, "JPY"` -> `JPY 255`; `1.5, "KWD"` -> `KWD 1.500`."""
    if amount is None:
        return "—"
    units = minor_units(currency)
    text = f"{quantize(Decimal(amount), currency):,.{units}f}"
    return f"{currency} {text}" if currency else text
