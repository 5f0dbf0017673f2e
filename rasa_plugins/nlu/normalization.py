"""Pure parsing of entity texts into canonical values (no Rasa, no spaCy).

- order references: `#12588` -> `12588`, `kl 482913` -> `KL-482913`;
- money: `$1,499.00` -> `Decimal("1499.00")` in `USD`, formatted as `1499`;
- dates: `next friday`, `March 3rd`, `05/01/2024` -> `datetime.date`.

Every parser returns `None` for a text it cannot read, so callers keep the original.
"""

import calendar
import datetime
import re
from decimal import Decimal
from typing import NamedTuple, Optional

from rasa_plugins.nlu import vocabulary

# --------------------------------------------------------------------------- orders

_ORDER_LEAD = re.compile(
    r"^(?:(?:%s)\b\s*(?:(?:%s)\b\.?\s*)?:?\s*)?#?\s*"
    % (
        "|".join(vocabulary.ORDER_WORDS),
        "|".join(w.rstrip(".") for w in vocabulary.ORDER_NUMBER_WORDS),
    ),
    re.IGNORECASE,
)
_PREFIXED_REFERENCE = re.compile(r"^([A-Za-z]{2,3})\s*-?\s*(\d+)$")
_DIGIT_REFERENCE = re.compile(r"^\d+$")


def normalize_order_id(text: str) -> Optional[str]:
    """Returns the canonical order reference typed in `text`.

    Args:
        text: What the customer typed, e.g. `order #4471`, `kl 482913`.

    Returns:
        `KL-482913` for letter-prefixed references, the bare digits otherwise,
        `None` when `text` holds no order reference.
    """
    reference = _ORDER_LEAD.sub("", text.strip(), count=1).strip(" .,;:!?()[]'\"")
    if _DIGIT_REFERENCE.match(reference):
        return reference
    prefixed = _PREFIXED_REFERENCE.match(reference)
    if prefixed:
        return f"{prefixed.group(1).upper()}-{prefixed.group(2)}"
    return None


# --------------------------------------------------------------------------- money


class CurrencyMention(NamedTuple):
    """An ISO 4217 currency named in a text, with its character offsets there."""

    code: str
    start: int
    end: int


class ParsedAmount(NamedTuple):
    """A money amount read from text; `currency` is `None` when the text names none."""

    value: Decimal
    currency: Optional[CurrencyMention]


_CURRENCY_MENTION = re.compile(
    r"(?P<symbol>[%s])|(?<![A-Za-z])(?P<word>%s)(?![A-Za-z])"
    % (
        re.escape("".join(vocabulary.CURRENCY_SYMBOLS)),
        "|".join(sorted(vocabulary.CURRENCY_WORDS, key=len, reverse=True)),
    ),
    re.IGNORECASE,
)
# A number as typed: digits with optional `,`/`.`/space group or decimal separators.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TWO_PLACES = Decimal("0.01")


def find_currency(text: str) -> Optional[CurrencyMention]:
    """Returns the first currency symbol, code or word in `text` as an ISO code."""
    match = _CURRENCY_MENTION.search(text)
    if match is None:
        return None
    if match.group("symbol"):
        code = vocabulary.CURRENCY_SYMBOLS[match.group("symbol")]
    else:
        code = vocabulary.CURRENCY_WORDS[match.group("word").lower()]
    return CurrencyMention(code, match.start(), match.end())


def normalize_currency(text: str) -> Optional[str]:
    """Returns the ISO 4217 code for a currency text (`€`, `dollars`, `gbp`)."""
    cleaned = text.strip().lower()
    if cleaned.upper() in {"USD", "EUR", "GBP"}:
        return cleaned.upper()
    mention = find_currency(cleaned)
    if mention is None or mention.end - mention.start != len(cleaned):
        return None
    return mention.code


def _parse_number(number: str) -> Optional[Decimal]:
    """Reads `1,499.00`, `1.499,00`, `12,50`, `1,499` or `79.90` as a Decimal."""
    commas, dots = number.count(","), number.count(".")
    decimal_separator: Optional[str] = None
    if commas and dots:
        decimal_separator = "," if number.rfind(",") > number.rfind(".") else "."
    elif commas + dots == 1:
        separator = "," if commas else "."
        # One comma followed by three digits groups thousands ("1,499").
        if not (separator == "," and len(number.rpartition(",")[2]) == 3):
            decimal_separator = separator
    fraction = ""
    integer_part = number
    if decimal_separator:
        integer_part, _, fraction = number.rpartition(decimal_separator)
    if decimal_separator:
        group_separator = "." if decimal_separator == "," else ","
    else:
        group_separator = "," if commas else "."
    groups = integer_part.split(group_separator)
    if not all(group.isdigit() for group in groups):
        return None
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    return Decimal("".join(groups) + (f".{fraction}" if fraction else ""))


def parse_amount(text: str) -> Optional[ParsedAmount]:
    """Reads a money amount and its currency from `text`.

    Args:
        text: An amount as typed: `$1,499.00`, `12,50 €`, `30 euros`, `of 79.90`.

    Returns:
        The amount, or `None` when `text` holds no number or more than one.
    """
    numbers = _NUMBER.findall(text)
    if len(numbers) != 1:
        return None
    value = _parse_number(numbers[0])
    if value is None:
        return None
    return ParsedAmount(value, find_currency(text))


def format_amount(value: Decimal) -> str:
    """Formats an amount: integral without decimals, otherwise at least two places.

    `Decimal("1499.00")` -> `1499`, `Decimal("12.5")` -> `12.50`.
    """
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    reduced = value.normalize()
    if reduced.as_tuple().exponent >= -2:  # type: ignore[operator]
        return f"{reduced.quantize(_TWO_PLACES):f}"
    return f"{reduced:f}"


def normalize_amount(text: str) -> Optional[str]:
    """Returns the formatted amount typed in `text` (see `format_amount`), or None."""
    parsed = parse_amount(text)
    return None if parsed is None else format_amount(parsed.value)


# --------------------------------------------------------------------------- dates

_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_NAMES = "|".join(sorted(vocabulary.MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(vocabulary.WEEKDAYS)
_AMOUNT_WORDS = "|".join(sorted(vocabulary.NUMBER_WORDS, key=len, reverse=True))
_UNIT_NAMES = "|".join(vocabulary.DURATION_UNITS)

_ISO_DATE = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})$")
_MONTH_DAY = re.compile(
    rf"^(?:on\s+)?({_MONTH_NAMES})\.?\s+(?:the\s+)?{_ORDINAL}(?:\s*,?\s*(\d{{4}}))?$"
)
_DAY_MONTH = re.compile(
    rf"^(?:on\s+)?(?:the\s+)?{_ORDINAL}\s+(?:of\s+)?({_MONTH_NAMES})\.?"
    rf"(?:\s*,?\s*(\d{{4}}))?$"
)
_DAY_OF_MONTH = re.compile(
    rf"^(?:on\s+)?the\s+{_ORDINAL}$|^(\d{{1,2}})(?:st|nd|rd|th)$"
)
_WEEKDAY = re.compile(
    rf"^(?:(on|this|coming|next|last)\s+)?(?:the\s+)?({_WEEKDAY_NAMES})$"
)
_DURATION = re.compile(
    rf"^in\s+(?:a\s+)?(\d+|{_AMOUNT_WORDS})\s+(?:of\s+)?({_UNIT_NAMES})$"
)
_NEXT_PERIOD = re.compile(r"^next\s+(week|month)$")
_DAY_AROUND = re.compile(r"^(?:the\s+)?day\s+(after\s+tomorrow|before\s+yesterday)$")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """Moves `day` by whole months, clamping to the last day of shorter months."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _safe_date(year: int, month: int, day: int) -> Optional[datetime.date]:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _year_of(year_text: str) -> int:
    year = int(year_text)
    return year + 2000 if year < 100 else year


def _calendar_date(
    month: int, day: int, year: Optional[str], today: datetime.date, prefer_future: bool
) -> Optional[datetime.date]:
    """Resolves a day of a month, guessing the year when it is not given."""
    if year:
        return _safe_date(_year_of(year), month, day)
    step = 1 if prefer_future else -1
    for offset in range(9):  # Feb 29 may need several years
        candidate = _safe_date(today.year + step * offset, month, day)
        if candidate and (candidate >= today if prefer_future else candidate <= today):
            return candidate
    return None


def _day_of_month(
    day: int, today: datetime.date, prefer_future: bool
) -> Optional[datetime.date]:
    """Resolves "the 15th" to this month's, or the nearest month's, 15th."""
    if not 1 <= day <= 31:
        return None
    step = 1 if prefer_future else -1
    for offset in range(13):
        month_start = _add_months(today.replace(day=1), step * offset)
        candidate = _safe_date(month_start.year, month_start.month, day)
        if candidate and (candidate >= today if prefer_future else candidate <= today):
            return candidate
    return None


def _weekday(
    qualifier: Optional[str], name: str, today: datetime.date, prefer_future: bool
) -> datetime.date:
    """Resolves weekday phrases; `next friday` is the first Friday after today."""
    weekday = vocabulary.WEEKDAYS[name]
    ahead = (weekday - today.weekday()) % 7
    if qualifier == "next":
        return today + datetime.timedelta(days=ahead or 7)
    if qualifier == "last":
        return today - datetime.timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if qualifier in ("this", "coming") or prefer_future:
        return today + datetime.timedelta(days=ahead)
    return today - datetime.timedelta(days=(today.weekday() - weekday) % 7)


def _in_duration(count: int, unit: str, today: datetime.date) -> datetime.date:
    if unit == "month":
        return _add_months(today, count)
    days = {"day": 1, "week": 7, "fortnight": 14}[unit]
    return today + datetime.timedelta(days=count * days)


def _count(text: str) -> int:
    return int(text) if text.isdigit() else vocabulary.NUMBER_WORDS[text]


def parse_date(
    text: str,
    today: datetime.date,
    day_first: bool = False,
    prefer_future: bool = True,
) -> Optional[datetime.date]:
    """Reads an absolute or relative date.

    Args:
        text: A date as typed: `tomorrow`, `next friday`, `on monday`, `March 3rd`,
            `3 march`, `2024-05-01`, `05/01/2024`, `the 15th`, `in two weeks`.
        today: The day relative dates are counted from.
        day_first: Reads `05/01/2024` as 5 January instead of May 1st; a part
            above 12 decides on its own.
        prefer_future: Resolves dates without a year (or month, or week) to the
            nearest such date from today on rather than the nearest one before.

    Returns:
        The date, or `None` when `text` is not a date this parser knows.
    """
    cleaned = " ".join(text.lower().replace(",", " , ").split()).replace(" ,", ",")
    cleaned = cleaned.strip(" .!?")
    if cleaned.startswith("on ") and cleaned[3:] in vocabulary.RELATIVE_DAYS:
        cleaned = cleaned[3:]
    if cleaned in vocabulary.RELATIVE_DAYS:
        return today + datetime.timedelta(days=vocabulary.RELATIVE_DAYS[cleaned])
    around = _DAY_AROUND.match(cleaned)
    if around:
        return today + datetime.timedelta(days=2 if "after" in around.group(1) else -2)
    iso = _ISO_DATE.match(cleaned)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    numeric = _NUMERIC_DATE.match(cleaned)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(3))
        if first > 12 or (day_first and second <= 12):
            first, second = second, first
        return _safe_date(_year_of(numeric.group(4)), first, second)
    month_day = _MONTH_DAY.match(cleaned)
    if month_day:
        month = vocabulary.MONTHS[month_day.group(1)]
        day = int(month_day.group(2))
        return _calendar_date(month, day, month_day.group(3), today, prefer_future)
    day_month = _DAY_MONTH.match(cleaned)
    if day_month:
        month = vocabulary.MONTHS[day_month.group(2)]
        day = int(day_month.group(1))
        return _calendar_date(month, day, day_month.group(3), today, prefer_future)
    day_of_month = _DAY_OF_MONTH.match(cleaned)
    if day_of_month:
        day = int(day_of_month.group(1) or day_of_month.group(2))
        return _day_of_month(day, today, prefer_future)
    weekday = _WEEKDAY.match(cleaned)
    if weekday:
        return _weekday(weekday.group(1), weekday.group(2), today, prefer_future)
    duration = _DURATION.match(cleaned)
    if duration:
        count = _count(duration.group(1))
        return _in_duration(count, vocabulary.DURATION_UNITS[duration.group(2)], today)
    next_period = _NEXT_PERIOD.match(cleaned)
    if next_period:
        unit = next_period.group(1)
        return _in_duration(1, unit, today)
    return None


def normalize_date(
    text: str,
    today: datetime.date,
    day_first: bool = False,
    prefer_future: bool = True,
) -> Optional[str]:
    """Returns the ISO `YYYY-MM-DD` form of a date text, or None (see `parse_date`)."""
    parsed = parse_date(text, today, day_first=day_first, prefer_future=prefer_future)
    return None if parsed is None else parsed.isoformat()
