"""Reading typed amounts with either decimal mark, and each currency's minor units in and out."""

from decimal import Decimal

import pytest

from dashboard import money
from dashboard.money import AmountError, format_money, minor_units, parse_amount, plain


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1.234.567,891", "1234567.891"),
        ("12,5", "12.5"),
        ("0,001", "0.001"),
        ("1.234", "1.234"),
        ("1234,567", "1234.567"),
        ("5000", "5000"),
    ],
)
def test_an_amount_reads_the_same_whichever_decimal_mark_the_operator_uses(typed, amount):
    value = parse_amount(typed)
    assert value == Decimal(amount)
    assert str(value) == amount  # exact: the digits typed, never a float


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,234", "“1,234” could be 1234 or 1.234: type 1234 (no thousands separator) or 1.234 (a dot for the decimals)."),
        ("12,345", "“12,345” could be 12345 or 12.345"),
        ("1.234.56", "is not an amount"),
        ("12.34.567", "is not an amount"),
        ("1,2,3", "is not an amount"),
        ("1.234,56.7", "is not an amount"),
        ("12,", "is not an amount"),
        ("1e5", "is not an amount"),
        ("abc", "is not an amount"),
        ("-5", "The amount must be more than 0."),
        ("", "Enter an amount."),
    ],
)
def test_text_that_could_mean_two_amounts_or_none_is_refused_with_the_rule(typed, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert message in str(refused.value)


def test_minor_units_follow_iso_4217():
    assert (minor_units("JPY"), minor_units("EUR"), minor_units("KWD"), minor_units("CLF")) == (0, 2, 3, 4)
    assert minor_units("jpy") == 0 and minor_units(None) == 2


def test_money_is_written_with_the_currencys_decimals():
    assert format_money(Decimal("255.09"), "JPY") == "JPY 255"
    assert format_money(Decimal("1234.5"), "KWD") == "KWD 1,234.500"
    assert format_money(Decimal("123456"), "EUR") == "EUR 123,456.00"
    assert format_money(None, "EUR") == "—"
    assert plain(Decimal("1234.5670"), "KWD") == "1234.567" and plain(Decimal("7"), "JPY") == "7" and plain(None, "EUR") == ""


def test_decimals_beyond_the_currencys_minor_units_are_refused():
    money.check_decimals(Decimal("1234.567"), "KWD")
    money.check_decimals(Decimal("1200"), "JPY")
    with pytest.raises(AmountError, match="JPY has no decimals"):
        money.check_decimals(Decimal("255.09"), "JPY")
    with pytest.raises(AmountError, match="EUR has 2 decimals"):
        money.check_decimals(Decimal("1.005"), "EUR")
