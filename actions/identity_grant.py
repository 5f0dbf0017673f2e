"""Identity grants: proof, kept in the conversation, that a visitor verified by code.

A visitor without a login token verifies in chat (e-mail, then a one-time code
checked by the backend). The action server then keeps a grant in a slot: the
customer id, the conversation it belongs to and an expiry, signed with HMAC.
Only the action server can make one; a grant copied into another conversation,
altered or expired is worth nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Optional

GRANT_SLOT = "identity_grant"
GRANT_LIFETIME_SECONDS = 30 * 60
_VERSION = "v1"
# ASCII digits only, and few: `str.isdigit` accepts "²", and `int()` refuses huge numbers.
_EXPIRES = re.compile(r"[0-9]{1,12}")


def _signature(key: str, customer_id: str, sender_id: str, expires: int) -> str:
    # JSON keeps the fields apart whatever they contain ("C1" in "X|Y" is not "C1|X" in "Y");
    # surrogatepass: a junk slot value may hold lone surrogates; it must fail, not raise.
    fields = json.dumps([_VERSION, customer_id, sender_id, expires], ensure_ascii=False)
    message = fields.encode("utf-8", "surrogatepass")
    # A key derived for grants only: a grant can never pass as a login token.
    grant_key = hmac.new(key.encode(), b"identity-grant", hashlib.sha256).digest()
    return hmac.new(grant_key, message, hashlib.sha256).hexdigest()


def issue_grant(
    key: str,
    customer_id: str,
    sender_id: str,
    now: Optional[float] = None,
    lifetime: int = GRANT_LIFETIME_SECONDS,
) -> str:
    """Signs a grant for `customer_id` in the conversation `sender_id`.

    Args:
        key: The identity signing key.
        customer_id: The customer the backend verified.
        sender_id: The conversation the grant is valid in.
        now: Current UNIX time (injectable for tests).
        lifetime: Seconds the grant stays valid.

    Returns:
        The grant, `v1.<customer>.<expires>.<signature>`.
    """
    expires = int((time.time() if now is None else now) + lifetime)
    return f"{_VERSION}.{customer_id}.{expires}.{_signature(key, customer_id, sender_id, expires)}"


def verify_grant(
    key: str, grant: object, sender_id: str, now: Optional[float] = None
) -> Optional[str]:
    """Returns the customer id of a valid grant for this conversation, else `None`.

    Args:
        key: The identity signing key.
        grant: The slot's value (anything).
        sender_id: The conversation asking.
        now: Current UNIX time (injectable for tests).
    """
    if not isinstance(grant, str):
        return None
    parts = grant.split(".")
    if len(parts) != 4 or parts[0] != _VERSION or not _EXPIRES.fullmatch(parts[2]):
        return None
    _, customer_id, expires_text, signature = parts
    expires = int(expires_text)
    expected = _signature(key, customer_id, sender_id, expires)
    # compare_digest raises on non-ASCII text instead of answering False.
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return customer_id or None
