"""Words that customers use for order references, money and dates.

Shared by the spaCy entity ruler (recognition) and the entity normaliser (parsing),
so the two never disagree on what counts as a currency, a month or a weekday.
"""

from typing import Dict, Tuple

ORDER_ID = "order_id"
AMOUNT = "amount"
DATE = "date"
CURRENCY = "currency"

# Words introducing an order reference: "order 123", "purchase #4471".
ORDER_WORDS: Tuple[str, ...] = ("order", "orders", "purchase", "purchases")
# Words between the order word and the reference: "order number 554433".
ORDER_NUMBER_WORDS: Tuple[str, ...] = (
    "number",
    "num",
    "nr",
    "no",
    "no.",
    "id",
    "ref",
    "reference",
)
# Letter prefixes of canonical references ("KL-482913") typed with a space.
ORDER_PREFIXES: Tuple[str, ...] = ("kl",)

CURRENCY_SYMBOLS: Dict[str, str] = {"$": "USD", "€": "EUR", "£": "GBP"}
# Currency words and codes (lowercase) to ISO 4217 codes.
CURRENCY_WORDS: Dict[str, str] = {
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
}
ISO_CURRENCY_CODES: Tuple[str, ...] = ("usd", "eur", "gbp")

# Words after which a bare decimal ("79.90") is read as money.
AMOUNT_CUE_WORDS: Tuple[str, ...] = (
    "of",
    "for",
    "refund",
    "pay",
    "paid",
    "paying",
    "charge",
    "charged",
    "cost",
    "costs",
    "price",
    "total",
    "amount",
)

MONTHS: Dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

# Monday is 0, like `datetime.date.weekday()`.
WEEKDAYS: Dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

# Relative day words and their offset from today in days.
RELATIVE_DAYS: Dict[str, int] = {
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "yesterday": -1,
}

NUMBER_WORDS: Dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "few": 3,
}

# Duration units of "in two weeks" and their length in days (months handled apart).
DURATION_UNITS: Dict[str, str] = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "fortnight": "fortnight",
    "month": "month",
    "months": "month",
}
