"""Tests of the pure entity value parsers."""

import datetime
from decimal import Decimal
from typing import Optional

import pytest

from rasa_plugins.nlu import normalization

# A Wednesday, so weekday arithmetic is visible in both directions.
TODAY = datetime.date(2024, 5, 8)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("370795561790", "370795561790"),
        ("#12588", "12588"),
        ("KL-123456", "KL-123456"),
        ("kl123456", "KL-123456"),
        ("KL 123456", "KL-123456"),
        ("kl - 123456", "KL-123456"),
        ("order 123", "123"),
        ("Order #4471", "4471"),
        ("order number 554433", "554433"),
        ("order no. 12345", "12345"),
        ("order: 55", "55"),
        ("purchase 7731", "7731"),
        ("order KL-482913", "KL-482913"),
        ("#KL-482913", "KL-482913"),
        (" 482913. ", "482913"),
    ],
)
def test_normalize_order_id(text: str, expected: str) -> None:
    assert normalization.normalize_order_id(text) == expected


@pytest.mark.parametrize("text", ["", "order", "hello there", "KL-", "12 34", "KL-12a"])
def test_normalize_order_id_rejects_non_references(text: str) -> None:
    assert normalization.normalize_order_id(text) is None


@pytest.mark.parametrize(
    "text, value, currency",
    [
        ("$50", "50", "USD"),
        ("$1,499.00", "1499", "USD"),
        ("$1499", "1499", "USD"),
        ("€12.50", "12.50", "EUR"),
        ("€12.5", "12.50", "EUR"),
        ("12,50 €", "12.50", "EUR"),
        ("12.50€", "12.50", "EUR"),
        ("1.499,00 €", "1499", "EUR"),
        ("1.499.000 €", "1499000", "EUR"),
        ("50 dollars", "50", "USD"),
        ("1200 dollars", "1200", "USD"),
        ("20 bucks", "20", "USD"),
        ("usd 45", "45", "USD"),
        ("US$45", "45", "USD"),
        ("30 euros", "30", "EUR"),
        ("EUR 30", "30", "EUR"),
        ("30 EUR", "30", "EUR"),
        ("30EUR", "30", "EUR"),
        ("£7.99", "7.99", "GBP"),
        ("10 pounds", "10", "GBP"),
        ("of 79.90", "79.90", None),
        ("1,499", "1499", None),
        ("0.5", "0.50", None),
        ("12.345", "12.345", None),
    ],
)
def test_parse_amount(text: str, value: str, currency: Optional[str]) -> None:
    parsed = normalization.parse_amount(text)

    assert parsed is not None
    assert normalization.format_amount(parsed.value) == value
    assert normalization.normalize_amount(text) == value
    assert (parsed.currency.code if parsed.currency else None) == currency


def test_parse_amount_keeps_exact_decimal() -> None:
    parsed = normalization.parse_amount("$1,499.99")

    assert parsed is not None
    assert parsed.value == Decimal("1499.99")
    assert isinstance(parsed.value, Decimal)


def test_parse_amount_locates_the_currency() -> None:
    parsed = normalization.parse_amount("12,50 euros")

    assert parsed is not None and parsed.currency is not None
    assert (parsed.currency.start, parsed.currency.end) == (6, 11)


@pytest.mark.parametrize(
    "text", ["dollars", "", "50 and 60", "1,2,3", "12,34,5", "1234,567.00"]
)
def test_parse_amount_rejects_unreadable_numbers(text: str) -> None:
    assert normalization.parse_amount(text) is None
    assert normalization.normalize_amount(text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("$", "USD"),
        ("dollars", "USD"),
        ("Euro", "EUR"),
        ("€", "EUR"),
        ("gbp", "GBP"),
        ("quid", "GBP"),
        ("USD", "USD"),
    ],
)
def test_normalize_currency(text: str, code: str) -> None:
    assert normalization.normalize_currency(text) == code


@pytest.mark.parametrize("text", ["yen", "50 dollars", "busd"])
def test_normalize_currency_rejects_other_texts(text: str) -> None:
    assert normalization.normalize_currency(text) is None


def test_find_currency_ignores_currency_words_inside_other_words() -> None:
    assert normalization.find_currency("eurovision") is None
    assert normalization.find_currency("pay 5 euros") == normalization.CurrencyMention(
        "EUR", 6, 11
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", "2024-05-08"),
        ("Tomorrow", "2024-05-09"),
        ("yesterday", "2024-05-07"),
        ("on tomorrow", "2024-05-09"),
        ("the day after tomorrow", "2024-05-10"),
        ("day before yesterday", "2024-05-06"),
        ("next friday", "2024-05-10"),
        ("next wednesday", "2024-05-15"),
        ("on monday", "2024-05-13"),
        ("monday", "2024-05-13"),
        ("this wednesday", "2024-05-08"),
        ("last friday", "2024-05-03"),
        ("last wednesday", "2024-05-01"),
        ("March 3rd", "2025-03-03"),
        ("may 20th", "2024-05-20"),
        ("3 march", "2025-03-03"),
        ("3rd of March", "2025-03-03"),
        ("the 3rd of march 2024", "2024-03-03"),
        ("march 3, 2024", "2024-03-03"),
        ("Dec. 24", "2024-12-24"),
        ("2024-05-01", "2024-05-01"),
        ("05/01/2024", "2024-05-01"),
        ("13/01/2024", "2024-01-13"),
        ("5.1.24", "2024-05-01"),
        ("the 15th", "2024-05-15"),
        ("the 5th", "2024-06-05"),
        ("on the 8th", "2024-05-08"),
        ("in two weeks", "2024-05-22"),
        ("in 3 days", "2024-05-11"),
        ("in a week", "2024-05-15"),
        ("in a couple of days", "2024-05-10"),
        ("in a month", "2024-06-08"),
        ("next week", "2024-05-15"),
        ("next month", "2024-06-08"),
    ],
)
def test_normalize_date(text: str, expected: str) -> None:
    assert normalization.normalize_date(text, TODAY) == expected


def test_parse_date_day_first() -> None:
    parsed = normalization.parse_date("05/01/2024", TODAY, day_first=True)

    assert parsed == datetime.date(2024, 1, 5)


def test_parse_date_prefers_past_when_asked() -> None:
    assert normalization.parse_date("March 3rd", TODAY, prefer_future=False) == (
        datetime.date(2024, 3, 3)
    )
    assert normalization.parse_date("the 15th", TODAY, prefer_future=False) == (
        datetime.date(2024, 4, 15)
    )
    assert normalization.parse_date("friday", TODAY, prefer_future=False) == (
        datetime.date(2024, 5, 3)
    )


def test_parse_date_clamps_and_skips_impossible_days() -> None:
    january_end = datetime.date(2024, 1, 31)

    assert normalization.parse_date("in a month", january_end) == datetime.date(
        2024, 2, 29
    )
    assert normalization.parse_date("the 31st", datetime.date(2024, 4, 2)) == (
        datetime.date(2024, 5, 31)
    )
    assert normalization.parse_date("feb 29", datetime.date(2025, 3, 1)) == (
        datetime.date(2028, 2, 29)
    )


@pytest.mark.parametrize(
    "text", ["soon", "2024-13-01", "31/02/2024", "the 32nd", "march", "in weeks", ""]
)
def test_parse_date_leaves_unknown_texts(text: str) -> None:
    assert normalization.parse_date(text, TODAY) is None
    assert normalization.normalize_date(text, TODAY) is None
