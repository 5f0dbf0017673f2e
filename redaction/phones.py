"""Phone numbers: international (`+44 20 7946 0958`, `0044...`) and national ones.

A run of digit groups is first cleared of what only looks like a phone number:
groups glued to an identifier (`KL-48291312`), dates (`2026-11-27`), times, decimals,
thousands (`1.234.567`), money next to a currency and numbers named as a document's
(`Invoice 2026-482913`). What remains is a phone when it
holds 8-15 digits and either starts with `+`/`00`/`(`, or is grouped like a phone
(first group of 1-5 digits), or is one 10+ digit block starting with the trunk `0`,
or follows a word such as `phone`, `mobile` or `call`.
"""

import re
from typing import NamedTuple

from redaction import placeholders

MIN_DIGITS = 8
MAX_DIGITS = 15  # E.164

_PAREN = r"\(\d{1,5}\)[ \t.\-]?"
_SEPARATOR = r"(?:[ \t]*[\-.][ \t]*|[ \t]+)"
# Every separator holds a non-digit, so digits split one way only (linear time).
# A run never starts right after a word, a "+" or a placeholder's "]" (glued to what
# was masked before: "0958+1203" must read the same before and after masking).
# The look-ahead skips runs too short to hold 8 digits without calling Python.
_RUN = re.compile(
    r"(?<![\w+\]])(?=[\d \t.\-()+]{8})(?:\+[ \t]?)?(?:" + _PAREN + r")?\d+"
    r"(?:" + _SEPARATOR + r"(?:" + _PAREN + r")?\d+)*"
)
_GROUP = re.compile(r"\(\d+\)|\d+")
_NON_DIGITS = re.compile(r"\D+")
_DATE = re.compile(r"\d{4}([\-.])\d{1,2}\1\d{1,2}|\d{1,2}([\-.])\d{1,2}\2\d{4}")
# Cheap pre-check: eight digits with at most separators or parentheses between them.
_EIGHT_DIGITS = re.compile(r"\d(?:[ \t.\-()]*\d){7}")
_CONTEXT = re.compile(
    r"(?<!\[)\b(?:phone|telephone|tel|mobile|cell|cellphone|whatsapp|sms|text|call|ring|fax"
    r"|landline|my\s+number|reach\s+me|contact\s+me)\b[^\d\[\]]{0,25}$",
    re.IGNORECASE,
)  # "(?<!\[)": the word in a "[phone]" placeholder is no context
# A number right after the name of a document ("Invoice 2026-482913", "ref. 2025-0001")
# is that document's number, unless it carries a phone's own prefix (+, 00, "(").
_LABEL = re.compile(
    r"\b(?:invoice|inv|order|refund|receipt|reference|ref|ticket|case|transaction|booking"
    r"|tracking)\.?(?:[ \t]+(?:no|nr|number|id)\.?)?[ \t]*[:#]?[ \t]*$",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"[$€£¥₹]\s*$|\b(?:eur|usd|gbp|chf)\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:[$€£¥₹]|(?:eur|usd|gbp|chf|euros?|dollars?|pounds?|cents?)\b)", re.IGNORECASE
)


class _Group(NamedTuple):
    """One group of digits in a run, with the separator typed before it."""

    start: int
    end: int
    digits: str
    separator: str  # "-", ".", " " or "" (first group, or after a parenthesis)
    parenthesized: bool


def _groups(text: str, start: int, end: int) -> list[_Group]:
    """Splits `text[start:end]` into digit groups."""
    groups: list[_Group] = []
    previous = start
    for match in _GROUP.finditer(text, start, end):
        between = text[previous : match.start()]
        separator = "-" if "-" in between else "." if "." in between else between[:1]
        if not groups:
            separator = ""
        token = match.group(0)
        groups.append(
            _Group(match.start(), match.end(), token.strip("()"), separator, token[0] == "(")
        )
        previous = match.end()
    return groups


def _is_date(first: _Group, second: _Group, third: _Group) -> bool:
    """Tells whether three groups joined by the same separator read as a date."""
    if second.separator != third.separator or second.separator == "":
        return False
    sizes = (len(first.digits), len(second.digits), len(third.digits))
    values = (int(first.digits), int(second.digits), int(third.digits))
    if sizes[0] == 4 and sizes[1] <= 2 and sizes[2] <= 2:
        return 1 <= values[1] <= 12 and 1 <= values[2] <= 31
    if sizes[2] in (2, 4) and sizes[0] <= 2 and sizes[1] <= 2:
        low, high = sorted(values[:2])
        return 1 <= low <= 12 and 1 <= high <= 31
    return False


def _glued_before(text: str, index: int) -> bool:
    """Tells whether the group starting at `index` continues a word, date or number."""
    if index == 0:
        return False
    before = text[index - 1]
    if before in "#/" or before.isalpha():
        return True
    return before in "-.:," and index >= 2 and text[index - 2].isalnum()


def _glued_after(text: str, index: int) -> bool:
    """Tells whether the group ending at `index` continues into a word, date or number."""
    if index >= len(text):
        return False
    after = text[index]
    if after.isalpha() or after in "%_":
        return True
    return after in "/:,." and index + 1 < len(text) and text[index + 1].isdigit()


def _segments(text: str, groups: list[_Group]) -> list[list[_Group]]:
    """Drops glued groups and dates, returns the consecutive groups left."""
    keep = [True] * len(groups)
    if not groups[0].parenthesized and _glued_before(text, groups[0].start):
        keep[0] = False
    if _glued_after(text, groups[-1].end):
        keep[-1] = False
    for index in range(len(groups) - 2):
        joined = groups[index + 1].separator
        # "01.23.45.67.89" is a phone: a date is not continued by its own separator.
        continued = (index > 0 and groups[index].separator == joined) or (
            index + 3 < len(groups) and groups[index + 3].separator == joined
        )
        if not continued and _is_date(*groups[index : index + 3]):
            keep[index : index + 3] = [False, False, False]
    segments: list[list[_Group]] = [[]]
    for group, kept in zip(groups, keep, strict=True):
        if kept:
            segments[-1].append(group)
        elif segments[-1]:
            segments.append([])
    return [segment for segment in segments if segment]


def _is_phone(text: str, segment: list[_Group], plus: bool) -> bool:
    """Tells whether a segment of digit groups is a phone number."""
    digits = "".join(group.digits for group in segment)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return False
    start, end = segment[0].start, segment[-1].end
    if _CURRENCY_BEFORE.search(text, max(0, start - 6), start) or _CURRENCY_AFTER.match(
        text[end : end + 10]
    ):
        return False
    separators = [group.separator for group in segment[1:]]
    sizes = [len(group.digits) for group in segment]
    if separators and set(separators) == {"."}:
        if len(segment) == 2:
            return False  # a decimal number
        if sizes[0] <= 3 and all(size == 3 for size in sizes[1:]):
            return False  # thousands: 12.345.678
    if plus or segment[0].parenthesized or digits.startswith("00"):
        return True
    if _LABEL.search(text, max(0, start - 30), start):
        return False
    if len(segment) > 1:
        return sizes[0] <= 5
    if digits.startswith("0") and len(digits) >= 10:
        return True
    return _CONTEXT.search(text, max(0, start - 40), start) is not None


def _mask_run(text: str, match: "re.Match[str]") -> str:
    """Returns the run of `match` with its phone numbers replaced."""
    run = match.group(0)
    if len(_NON_DIGITS.sub("", run)) < MIN_DIGITS or _DATE.fullmatch(run):
        return run
    groups = _groups(text, match.start(), match.end())
    plus_at: int | None = match.start() if text[match.start()] == "+" else None
    pieces: list[str] = []
    done = match.start()
    for segment in _segments(text, groups):
        is_first = segment[0] is groups[0]
        plus = plus_at is not None and is_first
        if not _is_phone(text, segment, plus):
            continue
        start = match.start() if is_first else segment[0].start
        end = segment[-1].end
        pieces.append(text[done:start])
        pieces.append(placeholders.PHONE)
        done = end
    pieces.append(text[done : match.end()])
    return "".join(pieces)


def mask_phones(text: str) -> str:
    """Replaces every phone number in `text` by `[phone]`."""
    if not _EIGHT_DIGITS.search(text):
        return text
    return _RUN.sub(lambda match: _mask_run(text, match), text)
