"""Short secrets recognised by their context: card CVV/CVC and one-time codes / PINs."""

import re

from redaction import placeholders

_CVV_WORDS = (
    r"cvv2?|cvc2?|cvn|csc|cid"
    r"|(?:card\s+)?security\s+(?:code|number)"
    r"|card\s+verification(?:\s+(?:code|value|number))?"
    r"|verification\s+value"
    r"|(?:3|three|4|four)[\s-]*digits?(?:\s+(?:code|number))?\s+(?:on|at)\s+the\s+back"
    r"(?:\s+of\s+(?:the|my|your)\s+card)?"
    r"|back\s+of\s+(?:the|my|your)\s+card"
)
# "cvv: 123", "security code on the back is 1234": the digits within 25 characters
# after the words, nothing but non-digits between, never inside a placeholder.
_CVV_AFTER = re.compile(
    r"\b(?:" + _CVV_WORDS + r")\b[^\d\[\]\n]{0,25}?(?<!\w)(?P<secret>\d{3,4})(?![\d.,/:%\-]\d|\d)",
    re.IGNORECASE,
)
# "123 is my cvv": a bare 3-4 digit number just before the acronym, same clause.
_CVV_BEFORE = re.compile(
    r"(?<![\w.,/:$€£-])(?P<secret>\d{3,4})(?![\d.,/:\-]\d|\d)"
    r"(?=[^\d\[\]\n.!?;]{0,10}?\b(?:cvv2?|cvc2?|csc)\b)",
    re.IGNORECASE,
)

# Codes that are secrets; "promo code 2024" or "postal code 10115" are not.
_CODE_WORDS = (
    r"(?:(?:verification|security|confirmation|authentication|authorization|auth"
    r"|login|sign[\s-]?in|access|one[\s-]?time|sms|otp|2fa|mfa|card)\s+)?"
    r"(?:pass)?codes?|pin(?:\s+(?:code|number))?|otp|passcode|one[\s-]?time\s+password"
)
# Only connector words between the words and the code, so "code for order 482913" stays.
_CONNECTORS = r"[\s:=#\"'(]*(?:(?:is|was|are|reads|says|number|no\.?)\b[\s:=#\"'(]*){0,3}"
_CODE = re.compile(
    r"(?<![\w-])(?:(?P<lead>[A-Za-z]+)[\s-]+)?\b(?:"
    + _CODE_WORDS
    + r")\b"
    + _CONNECTORS
    + r"(?<![\w-])(?P<secret>\d{4,8})(?![\d.,/:%\-]\d|\d)",
    re.IGNORECASE,
)
_NOT_SECRET_LEADS = frozenset(
    """promo promotional discount voucher coupon gift referral zip postal post postcode
    area country dial dialing dialling error status tax sort order tracking reference ref
    product item bar qr source reason currency iso swift bic bank branch dress
    """.split()
)


# Cheap pre-checks (substring search) before the context regexes run.
_CVV_HINTS = ("cv", "csc", "cid", "security", "verification", "back")
_CODE_HINTS = ("code", "pin", "otp", "password")


def _mentions(text: str, hints: "tuple[str, ...]") -> bool:
    """Tells whether any hint occurs in `text`, ignoring case."""
    lowered = text.lower()
    return any(hint in lowered for hint in hints)


def _replace_secret(match: "re.Match[str]", placeholder: str) -> str:
    """Returns the matched text with only its `secret` group replaced."""
    start = match.start("secret") - match.start()
    end = match.end("secret") - match.start()
    whole = match.group(0)
    return whole[:start] + placeholder + whole[end:]


def mask_cvvs(text: str) -> str:
    """Replaces a 3-4 digit CVV/CVC named by its context words by `[cvv]`."""
    if not _mentions(text, _CVV_HINTS):
        return text
    text = _CVV_AFTER.sub(lambda match: _replace_secret(match, placeholders.CVV), text)
    return _CVV_BEFORE.sub(placeholders.CVV, text)


def _replace_code(match: "re.Match[str]") -> str:
    """Masks a one-time code unless the word before `code` names a harmless code."""
    lead = match.group("lead")
    if lead and lead.lower() in _NOT_SECRET_LEADS:
        return match.group(0)
    return _replace_secret(match, placeholders.CODE)


def mask_one_time_codes(text: str) -> str:
    """Replaces a 4-8 digit one-time code or PIN after `code`/`pin` words by `[code]`."""
    if not _mentions(text, _CODE_HINTS):
        return text
    return _CODE.sub(_replace_code, text)
