"""E-mail addresses."""

import re

from redaction import placeholders

_LOCAL_CHARS = frozenset(".%+-_")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w\-])")


def _is_local(char: str) -> bool:
    return char.isalnum() or char in _LOCAL_CHARS


def mask_emails(text: str) -> str:
    """Replaces every e-mail address in `text` by `[email]`.

    Works from each "@": the local part is read backwards (never past the previous
    address) and the domain forwards, so each character is read at most twice and
    "a@b.de+c@d.fr" gives two addresses.
    """
    if "@" not in text:
        return text
    pieces: list[str] = []
    done = 0
    at = text.find("@")
    while at != -1:
        start = at
        while start > done and _is_local(text[start - 1]):
            start -= 1
        domain = _DOMAIN.match(text, at + 1)
        if start < at and domain:
            pieces.append(text[done:start])
            pieces.append(placeholders.EMAIL)
            done = domain.end()
        at = text.find("@", max(at + 1, done))
    pieces.append(text[done:])
    return "".join(pieces)
