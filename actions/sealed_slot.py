"""Values a form must keep for a later turn without any store holding them in clear.

The verification form needs the customer's e-mail address again in the turn the
code is typed, but what Rasa keeps (tracker store, event broker, logs) must not
hold an address (`rasa_plugins.stores`). The slot keeps the address sealed:
encrypted and authenticated (Fernet, with a key derived from the identity signing
key for this purpose only) and written with the letters a-p only, so the masking
of the stores, which looks for digits and "@", leaves it intact. A sealed value
is worthless without the key and expires.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed:"
_LETTERS = "abcdefghijklmnop"  # one letter per 4 bits


def _fernet(key: str) -> Fernet:
    derived = hmac.new(key.encode("utf-8"), b"sealed-slot", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _letters(data: bytes) -> str:
    return "".join(_LETTERS[byte >> 4] + _LETTERS[byte & 15] for byte in data)


def _bytes(letters: str) -> bytes:
    if len(letters) % 2 or any(char not in _LETTERS for char in letters):
        raise ValueError("not a sealed value")
    return bytes(
        _LETTERS.index(high) * 16 + _LETTERS.index(low)
        for high, low in zip(letters[::2], letters[1::2], strict=True)
    )


def seal(key: str, value: str) -> str:
    """Returns `value` encrypted and authenticated with a key derived from `key`.

    Args:
        key: The action server's identity signing key.
        value: The secret, e.g. an e-mail address.

    Returns:
        `sealed:` followed by letters a-p only (no digit, no "@").
    """
    token = _fernet(key).encrypt(value.encode("utf-8"))
    return PREFIX + _letters(base64.urlsafe_b64decode(token))


def unseal(
    key: str, sealed: object, max_age_seconds: int, now: Optional[float] = None
) -> Optional[str]:
    """Returns the value sealed with `key`, or `None`.

    Args:
        key: The key it was sealed with.
        sealed: What the slot holds.
        max_age_seconds: Older seals are refused.
        now: Current UNIX time (injectable for tests).

    Returns:
        The value; `None` when `sealed` is not a seal of `key`, was altered, or is
        older than `max_age_seconds`.
    """
    if not isinstance(sealed, str) or not sealed.startswith(PREFIX):
        return None
    try:
        token = base64.urlsafe_b64encode(_bytes(sealed[len(PREFIX) :]))
        fernet = _fernet(key)
        if now is None:
            return fernet.decrypt(token, ttl=max_age_seconds).decode("utf-8")
        return fernet.decrypt_at_time(token, max_age_seconds, int(now)).decode("utf-8")
    except (ValueError, InvalidToken, binascii.Error, UnicodeDecodeError):
        return None
