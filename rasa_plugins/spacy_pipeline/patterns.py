"""Entity ruler token patterns for `order_id`, `amount` and `date`.

When matches overlap the ruler keeps the longest one (then the earliest), so
"$370795" (currency + number) beats the bare digit run "370795" as an order id and
"order 12345 dollars" stays an order id. Bare integers are never amounts.
"""

from typing import Any, Dict, List

from rasa_plugins.nlu import vocabulary

Pattern = Dict[str, Any]
TokenPattern = List[Dict[str, Any]]

# Digits as typed in amounts: 50, 1499, 1,499.00, 1.499,00, 12,50, 12.5.
_NUMBER = r"^(?:\d{1,3}(?:[,.]\d{3})+|\d+)(?:[.,]\d{1,2})?$"
# A bare decimal with exactly two places (79.90, 1,499.00): money after a cue word.
_DECIMAL_2 = r"^(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$"
_LONG_DIGITS = r"^\d{5,15}$"
_SHORT_DIGITS = r"^\d{3,15}$"
_HASH_DIGITS = r"^#\d{3,15}$"
_PREFIXED_REFERENCE = r"^(?:[a-z]{2,3}-\d{4,15}|kl\d{3,15})$"
_DAY_NUMBER = r"^(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$"
_ORDINAL_DAY = r"^(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)$"
_YEAR = r"^(?:19|20)\d{2}$"
_NUMERIC_DATE = r"^\d{1,2}([/.])\d{1,2}\1(?:\d{2}|\d{4})$|^\d{4}/\d{1,2}/\d{1,2}$"


def _lower_in(words: Any) -> Dict[str, Any]:
    return {"LOWER": {"IN": sorted(words)}}


def _regex(expression: str) -> Dict[str, Any]:
    return {"LOWER": {"REGEX": expression}}


def order_id_patterns() -> List[TokenPattern]:
    """Order references: digit runs, `#12588`, `KL-123456`, `order number 554433`."""
    order_word = _lower_in(vocabulary.ORDER_WORDS)
    number_word = {**_lower_in(vocabulary.ORDER_NUMBER_WORDS), "OP": "?"}
    optional_punct = {"ORTH": {"IN": [".", ":", "#"]}, "OP": "?"}
    return [
        [_regex(_LONG_DIGITS)],
        [{"ORTH": "#"}, _regex(_SHORT_DIGITS)],
        [_regex(_HASH_DIGITS)],
        [_regex(_PREFIXED_REFERENCE)],
        [{"ORTH": "#"}, _regex(_PREFIXED_REFERENCE)],
        [
            _lower_in(vocabulary.ORDER_PREFIXES),
            {"ORTH": "-", "OP": "?"},
            _regex(r"^\d{4,15}$"),
        ],
        [
            order_word,
            number_word,
            optional_punct,
            optional_punct,
            _regex(_SHORT_DIGITS),
        ],
    ]


def amount_patterns() -> List[TokenPattern]:
    """Money: `$50`, `12,50 €`, `30 euros`, `EUR 30`, `refund of 79.90`."""
    symbol = {"ORTH": {"IN": sorted(vocabulary.CURRENCY_SYMBOLS)}}
    word = _lower_in(vocabulary.CURRENCY_WORDS)
    code = _lower_in(vocabulary.ISO_CURRENCY_CODES)
    number = _regex(_NUMBER)
    return [
        [symbol, number],
        [code, symbol, number],  # "usd $45"
        [{"LOWER": "us"}, symbol, number],
        [number, symbol],
        [number, word],
        [code, number],
        [_lower_in(vocabulary.AMOUNT_CUE_WORDS), _regex(_DECIMAL_2)],
    ]


def date_patterns() -> List[TokenPattern]:
    """Dates: `tomorrow`, `next friday`, `March 3rd`, `2024-05-01`, `in two weeks`."""
    month = _lower_in(vocabulary.MONTHS)
    weekday = _lower_in(vocabulary.WEEKDAYS)
    day = _regex(_DAY_NUMBER)
    optional_year = [{"ORTH": ",", "OP": "?"}, {**_regex(_YEAR), "OP": "?"}]
    count = {
        "LOWER": {"REGEX": r"^(?:\d{1,3}|%s)$" % "|".join(vocabulary.NUMBER_WORDS)}
    }
    unit = _lower_in(vocabulary.DURATION_UNITS)
    return [
        [_lower_in(vocabulary.RELATIVE_DAYS)],
        [
            {"LOWER": "day"},
            {"LOWER": {"IN": ["after", "before"]}},
            _lower_in(["tomorrow", "yesterday"]),
        ],
        [{**_lower_in(["this", "next", "coming", "last"]), "OP": "?"}, weekday],
        [_lower_in(["next"]), _lower_in(["week", "month"])],
        [
            month,
            {"ORTH": ".", "OP": "?"},
            {"LOWER": "the", "OP": "?"},
            day,
            *optional_year,
        ],
        [day, {"LOWER": "of", "OP": "?"}, month, *optional_year],
        [{"LOWER": "the"}, day, {"LOWER": "of"}, month, *optional_year],
        [{"LOWER": "the"}, _regex(_ORDINAL_DAY)],
        [
            _regex(_YEAR),
            {"ORTH": "-"},
            _regex(r"^\d{1,2}$"),
            {"ORTH": "-"},
            _regex(r"^\d{1,2}$"),
        ],
        [_regex(r"^\d{4}-\d{1,2}-\d{1,2}$")],
        [_regex(_NUMERIC_DATE)],
        # "in two weeks", "in a week", "in a couple of days"
        [
            {"LOWER": "in"},
            {"LOWER": "a", "OP": "?"},
            count,
            {"LOWER": "of", "OP": "?"},
            unit,
        ],
    ]


def entity_ruler_patterns() -> List[Pattern]:
    """All patterns in the entity ruler's format (`label` + token `pattern`)."""
    labelled = (
        (vocabulary.ORDER_ID, order_id_patterns()),
        (vocabulary.AMOUNT, amount_patterns()),
        (vocabulary.DATE, date_patterns()),
    )
    return [
        {"label": label, "pattern": pattern}
        for label, patterns in labelled
        for pattern in patterns
    ]
