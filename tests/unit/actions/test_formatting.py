"""Tests of actions.formatting: amounts and dates as the customer reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.formatting import format_date, format_money
from tests.unit.actions.fakes import money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("89.90", "EUR", "€89.90"),
        ("89.9", "EUR", "€89.90"),
        ("5", "EUR", "€5.00"),
        ("1499.00", "USD", "$1499.00"),
        ("0.50", "GBP", "£0.50"),
        ("120", "SEK", "120.00 SEK"),
        ("0.00", "EUR", "€0.00"),
    ],
)
def test_format_money(amount: str, currency: str, expected: str) -> None:
    assert format_money(money(amount, currency)) == expected


def test_format_money_keeps_exact_cents() -> None:
    # 0.1 + 0.2 is not 0.3 in floats; Decimal money must stay exact.
    total = money("0.1").amount + money("0.2").amount
    assert format_money(money(str(total))) == "€0.30"


def test_format_date_of_a_date_and_of_a_datetime() -> None:
    assert format_date(dt.date(2025, 3, 3)) == "3 March 2025"
    moment = dt.datetime(2025, 12, 24, 23, 59, tzinfo=dt.timezone.utc)
    assert format_date(moment) == "24 December 2025"


def test_format_date_of_nothing() -> None:
    assert format_date(None) == "not set"
