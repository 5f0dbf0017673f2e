"""How money and dates read in the customer's chat."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

from actions.api import Money

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(money: Money) -> str:
    """Formats an amount for a customer, e.g. `€89.90` or `120.00 SEK`.

    Args:
        money: The amount and its ISO currency.

    Returns:
        The amount with two decimals and the currency symbol or code.
    """
    amount = money.amount.quantize(Decimal("0.01"))
    symbol = _SYMBOLS.get(money.currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {money.currency}"


def format_date(value: Optional[datetime.date]) -> str:
    """Formats a date like `3 March 2026`.

    Args:
        value: A date or datetime (`None` reads as "not set").

    Returns:
        The date in words.
    """
    if value is None:
        return "not set"
    if isinstance(value, datetime.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"
