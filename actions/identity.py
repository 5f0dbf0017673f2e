"""Who the customer is: only what was verified, never what they typed.

Two proofs count: the channel's verified token (metadata set by the project's
channels) and an identity grant the action server signed after a one-time code
(`actions/identity_grant.py`).
"""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from actions.identity_grant import GRANT_SLOT, verify_grant
from actions.settings import get_settings

# Set by the project's channels (rasa_plugins.channels) after verifying a signed
# token; anything the client sends as metadata is discarded there.
VERIFIED_CUSTOMER_KEY = "verified_customer_id"


def verified_customer_id(
    tracker: Tracker, signing_key: Optional[str] = None
) -> Optional[str]:
    """Returns the verified customer of the latest user message.

    The channel's verified id comes first; otherwise a valid identity grant of
    this conversation. Entities and user-fillable slots are never consulted: a
    customer id typed in a message or sent in a `/intent{...}` payload has no
    effect.

    Args:
        tracker: The conversation tracker.
        signing_key: Key of the grants; the settings' identity key by default.

    Returns:
        The customer id, or `None` when the customer is not identified.
    """
    metadata = tracker.latest_message.get("metadata") or {}
    customer_id = metadata.get(VERIFIED_CUSTOMER_KEY)
    if isinstance(customer_id, str) and customer_id.strip():
        return customer_id.strip()
    grant = tracker.get_slot(GRANT_SLOT)
    if grant is None:
        return None
    key = signing_key or get_settings().identity_signing_key
    return verify_grant(key, grant, tracker.sender_id)
