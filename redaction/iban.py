"""IBANs: the per-country length, the ISO 13616 mod-97 check and the masking stage."""

import re

from redaction import placeholders

# Total IBAN length per country (SWIFT IBAN registry); an unknown country is no IBAN.
LENGTHS: dict[str, int] = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
}

# Where an IBAN can start: country code and check digits, not inside a word.
_START = re.compile(r"(?<!\w)([A-Za-z]{2})(\d{2})")
# One space or dash may separate characters: "DE89 3704 0044 0532 0130 00".
_SEPARATORS = " -"


def iban_valid(candidate: str) -> bool:
    """Tells whether `candidate` is a valid IBAN (country length and mod-97 check).

    Args:
        candidate: An IBAN with or without spaces, any letter case.

    Returns:
        `True` when the country is known, the length matches and the remainder is 1.
    """
    compact = candidate.replace(" ", "").upper()
    if LENGTHS.get(compact[:2]) != len(compact):
        return False
    if not compact.isascii() or not compact.isalnum() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    # Letters count as 10..35 ("A" = 10); int() reads base 36 digit by digit.
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _read(text: str, start: int, length: int) -> int | None:
    """Returns the end offset of `length` IBAN characters read from `start`, or `None`."""
    position, count, size = start, 0, len(text)
    while count < length and position < size:
        char = text[position]
        if char.isascii() and char.isalnum():
            count += 1
            position += 1
        elif (
            char in _SEPARATORS
            and count
            and position + 1 < size
            and text[position + 1].isascii()
            and text[position + 1].isalnum()
        ):
            position += 1
        else:
            break
    if count < length or (position < size and text[position].isalnum()):
        return None
    return position


def mask_ibans(text: str) -> str:
    """Replaces every valid IBAN in `text` by `[iban •••• 3000]` (its last 4 characters)."""
    pieces: list[str] = []
    done = 0
    for match in _START.finditer(text):
        if match.start() < done:
            continue
        length = LENGTHS.get(match.group(1).upper())
        if length is None:
            continue
        end = _read(text, match.start(), length)
        if end is None:
            continue
        candidate = re.sub(r"[ -]", "", text[match.start() : end])
        if not iban_valid(candidate):
            continue
        pieces.append(text[done : match.start()])
        pieces.append(placeholders.iban(candidate[-4:].upper()))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
