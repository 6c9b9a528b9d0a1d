"""Approximate USD value of one unit of each currency Debitura accepts, to order amounts across currencies.

Only lists use it, to sort: a GBP 59,969 case belongs above a NOK 100,000 one. Every amount shown is
the case's own, and every USD figure on a page is Debitura's. The rates are indicative and change
rarely enough for ordering; a currency without one sorts after the rest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import SQLColumnExpression, case
from sqlalchemy.sql import ColumnElement

USD_PER_UNIT: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.09"),
    "GBP": Decimal("1.28"),
    "CHF": Decimal("1.14"),
    "DKK": Decimal("0.146"),
    "SEK": Decimal("0.096"),
    "NOK": Decimal("0.093"),
    "ISK": Decimal("0.0073"),
    "PLN": Decimal("0.25"),
    "CZK": Decimal("0.044"),
    "HUF": Decimal("0.0028"),
    "RON": Decimal("0.22"),
    "BGN": Decimal("0.56"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "NZD": Decimal("0.60"),
    "JPY": Decimal("0.0068"),
    "CNY": Decimal("0.14"),
    "HKD": Decimal("0.128"),
    "SGD": Decimal("0.75"),
    "INR": Decimal("0.012"),
    "ZAR": Decimal("0.055"),
    "BRL": Decimal("0.18"),
    "MXN": Decimal("0.054"),
    "AED": Decimal("0.272"),
    "SAR": Decimal("0.267"),
    "TRY": Decimal("0.029"),
    "ILS": Decimal("0.27"),
    "KRW": Decimal("0.00073"),
    "THB": Decimal("0.029"),
    "MYR": Decimal("0.22"),
    "PHP": Decimal("0.017"),
    "IDR": Decimal("0.000062"),
    "CLP": Decimal("0.0011"),
    "COP": Decimal("0.00025"),
    "UAH": Decimal("0.024"),
    "EGP": Decimal("0.020"),
    "NGN": Decimal("0.00066"),
    "KES": Decimal("0.0077"),
    "KWD": Decimal("3.25"),
}


def usd_equivalent(amount: SQLColumnExpression[Any], currency: SQLColumnExpression[Any]) -> ColumnElement:
    """SQL for `amount` in USD at the indicative rate; NULL for a currency without one."""
    return amount * case(dict(USD_PER_UNIT), value=currency, else_=None)
