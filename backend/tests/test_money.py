"""Tests of decimal money helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments_backend.money import (
    format_amount,
    from_minor,
    is_currency_code,
    parse_amount,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12.00"), ("12.5", "12.50"), ("0.01", "0.01"), (" 158.85 ", "158.85")],
)
def test_parse_amount_accepts_plain_decimals(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "abc", "12.345", "-5", "1e3", "12,50", "NaN", "Infinity", "+3", ".5", "1.2.3"]
)
def test_parse_amount_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_formatting_always_has_two_decimals() -> None:
    assert format_amount(Decimal("5")) == "5.00"
    assert format_amount(Decimal("0.005")) == "0.01"
    assert format_amount(Decimal("1234567.1")) == "1234567.10"


def test_minor_units_round_trip_exactly() -> None:
    for text in ["0.01", "0.10", "39.71", "158.85", "99999999.99"]:
        amount = Decimal(text)
        assert from_minor(to_minor(amount)) == amount
    assert to_minor(Decimal("0.1")) + to_minor(Decimal("0.2")) == to_minor(Decimal("0.3"))


def test_currency_codes_are_iso_4217() -> None:
    assert is_currency_code("EUR") and is_currency_code("SEK")
    assert not is_currency_code("eur") and not is_currency_code("XYZ")
