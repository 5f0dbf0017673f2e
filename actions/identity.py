"""Who the customer is: only what the channel verified, never what they typed."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

# Set by the project's channels (rasa_plugins.channels) after verifying a signed
# token; anything the client sends as metadata is discarded there.
VERIFIED_CUSTOMER_KEY = "verified_customer_id"


def verified_customer_id(tracker: Tracker) -> Optional[str]:
    """Returns the verified customer id of the latest user message.

    Slots and entities are never consulted: a customer id typed in a message or
    sent in a `/intent{...}` payload has no effect.

    Args:
        tracker: The conversation tracker.

    Returns:
        The customer id, or `None` when the customer is not identified.
    """
    metadata = tracker.latest_message.get("metadata") or {}
    customer_id = metadata.get(VERIFIED_CUSTOMER_KEY)
    if isinstance(customer_id, str) and customer_id.strip():
        return customer_id.strip()
    return None
